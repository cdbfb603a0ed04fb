"""Member identity: one member per merchant and mobile number, whatever the channel."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from newretail.core.errors import CoreError, DomainError, not_found
from newretail.core.events import record_event
from newretail.core.tenancy import merchant_id_of
from newretail.members.models import Member, MemberNote
from newretail.members.phones import normalise_mobile
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import Merchant, Store, User
from newretail.tenancy.roles import Perm

NAME_MAX_LENGTH = Member._meta.get_field("name").max_length


@transaction.atomic
def find_or_create_member(
    *,
    merchant: Merchant | int,
    phone: str,
    source: str,
    store: Store | int | None = None,
    name: str = "",
) -> tuple[Member, bool]:
    """The merchant's member with this mobile number, created when there is none; returns
    ``(member, created)``.

    Guarantees: the phone is normalised first (``members.invalid_phone`` otherwise), so
    "+86 138-1234-5678" at the till and "13812345678" in the mall are one member; concurrent calls
    for the same phone create exactly one row (the unique constraint picks the winner, the others
    read it); an existing member is returned unchanged (source, store and name are only set on
    creation); a new member records ``member.registered`` in the outbox. ``store`` must be the
    merchant's (404 otherwise).
    """
    merchant_id = merchant_id_of(merchant)
    phone = normalise_mobile(phone)
    if source not in Member.Source.values:
        raise ValueError(f"unknown member source {source!r}")
    store_id = None
    if store is not None:
        store_id = store if isinstance(store, int) else store.pk
        if not Store.objects.filter(pk=store_id, merchant_id=merchant_id).exists():
            raise not_found()
    existing = Member.objects.filter(merchant_id=merchant_id, phone=phone).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            member = Member.objects.create(
                merchant_id=merchant_id,
                phone=phone,
                name=(name or "").strip()[:NAME_MAX_LENGTH],
                source=source,
                registered_store_id=store_id,
            )
    except IntegrityError:
        return Member.objects.get(merchant_id=merchant_id, phone=phone), False
    record_event(
        merchant_id=merchant_id,
        name="member.registered",
        payload={"member_id": member.pk, "source": source, "store_id": store_id},
        aggregate=member,
    )
    return member, True


MAX_NOTE_LENGTH = 500


def add_member_note(*, actor: User, member: Member, text: str) -> MemberNote:
    """A staff note on the member page (staff who may see members)."""
    require_perm(actor, Perm.MEMBERS_VIEW)
    text = (text or "").strip()[:MAX_NOTE_LENGTH]
    if member.merchant_id != actor.merchant_id:
        raise not_found()
    if not text:
        raise DomainError(CoreError.INVALID_INPUT, detail=_("the note is empty"))
    return MemberNote.objects.create(
        merchant_id=member.merchant_id, member=member, text=text, created_by=actor
    )


def update_profile(*, member: Member, name: str, birthday) -> tuple[Member, int]:
    """The member edits their name and birthday (the birthday gift needs it). Returns the member
    and the profile bonus points it earned (once, when both are first given)."""
    from newretail.members.actions.points import profile_bonus

    name = (name or "").strip()[:NAME_MAX_LENGTH]
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(name=name, birthday=birthday)
        member.refresh_from_db()
        earned = profile_bonus(member=member)
    return member, earned
