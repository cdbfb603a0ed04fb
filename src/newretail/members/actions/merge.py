"""Merging two member records of one person (合并会员: found twice, e.g. two phone numbers).

The kept member gets everything the duplicate had: orders, addresses, coupons, the points and
stored-value ledgers (entries, batches, recharges; the cached balances are added), growth (the
level follows upwards), notes, consent history, visits and attributions. The duplicate stays as an
inactive record pointing at the kept one (``merged_into``), so its history still resolves and a
login with its number opens the kept member. Nothing is lost: the ledger check holds before and
after."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.members.actions import token_mirror
from newretail.members.errors import MemberError
from newretail.members.models import Member, MemberToken, PointsAccount, WalletAccount
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

# One-to-one rows that cannot simply be moved: the balances are added, the cart and attribution
# of the kept member win.
ADDED_UP = {PointsAccount: ("balance", "owed"), WalletAccount: ("principal_fen", "bonus_fen")}


@transaction.atomic
def merge_members(*, actor: User, keep: Member, duplicate: Member, reason: str) -> Member:
    require_perm(actor, Perm.MEMBERS_MANAGE)
    reason = (reason or "").strip()[:200]
    if (
        keep.pk == duplicate.pk
        or {keep.merchant_id, duplicate.merchant_id} != {actor.merchant_id}
        or not reason
    ):
        raise DomainError(MemberError.MERGE_INVALID)
    # Both rows locked, lower id first: two merges of the same pair cannot cross.
    locked = {
        m.pk: m
        for m in Member.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")
    }
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if not keep.is_active or not duplicate.is_active or keep.merged_into_id or duplicate.merged_into_id:
        raise DomainError(MemberError.MERGE_INVALID)

    for model, fields in ADDED_UP.items():
        theirs = model.objects.select_for_update().filter(member=duplicate).first()
        if theirs is None:
            continue
        mine, _created = model.objects.get_or_create(merchant_id=keep.merchant_id, member=keep)
        model.objects.filter(pk=mine.pk).update(**{f: F(f) + getattr(theirs, f) for f in fields})
        theirs.delete()
    moved = _move_references(keep, duplicate)
    token_mirror.forget_member(duplicate.pk)
    MemberToken.objects.filter(member=duplicate).delete()
    Member.objects.filter(pk=keep.pk).update(
        growth=F("growth") + duplicate.growth,
        name=keep.name or duplicate.name,
        birthday=keep.birthday or duplicate.birthday,
    )
    Member.objects.filter(pk=duplicate.pk).update(is_active=False, merged_into=keep, growth=0)
    keep.refresh_from_db()
    from newretail.members.actions.levels import _settle_up

    _settle_up(keep, clock.now())
    record_event(
        merchant_id=keep.merchant_id,
        name="member.merged",
        aggregate=keep,
        payload={"member_id": keep.pk, "merged_member_id": duplicate.pk},
    )
    record_audit(
        actor=actor,
        merchant_id=keep.merchant_id,
        action="members.merged",
        obj=keep,
        before={"duplicate": duplicate.pk, "duplicate_phone": duplicate.phone},
        after={"moved": moved},
        reason=reason,
    )
    return keep


def _move_references(keep: Member, duplicate: Member) -> dict[str, int]:
    """Point every row that names the duplicate at the kept member (any app's model: the
    relations are read from Django's registry, so a new one is never forgotten)."""
    moved: dict[str, int] = {}
    # include_hidden: ledger rows point at members with related_name="+", which
    # ``related_objects`` leaves out.
    relations = [
        f
        for f in Member._meta.get_fields(include_hidden=True)
        if f.is_relation and f.auto_created and not f.concrete
    ]
    for relation in relations:
        model = relation.related_model
        if model in ADDED_UP or model is MemberToken or model is Member:
            continue
        field = relation.field.name
        rows = model._base_manager.filter(**{field: duplicate})
        if relation.one_to_one:
            if model._base_manager.filter(**{field: keep}).exists():
                rows.delete()  # the kept member's own (cart, first touch) wins
                continue
        try:
            with transaction.atomic():
                count = rows.update(**{field: keep})
        except IntegrityError:
            # A "one per member" row (the first-touch signup attribution): move row by row and
            # let the kept member's own row win where both have one.
            count = 0
            for row in list(rows):
                try:
                    with transaction.atomic():
                        count += model._base_manager.filter(pk=row.pk).update(**{field: keep})
                except IntegrityError:
                    row.delete()
        if count:
            moved[model._meta.label_lower] = count
    return moved
