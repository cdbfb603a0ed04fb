"""The points mall (积分商城): members exchange points for coupons (a goods voucher — a coupon of
kind "exchange for an item" — is how goods are exchanged: the member orders the item at ¥0 for
pickup or delivery through the order core, so stock, fulfilment and after-sales are the usual
ones) or for stored-value bonus.

Rules: an exchange is all or nothing in one transaction (points spent first-in first-out, the
item's stock taken by a conditional UPDATE, the coupon issued or the bonus credited); at most
``per_member_limit`` exchanges of an item per member; the idempotency key makes a double tap one
exchange. Prices are in points only."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.idempotency import clean_idempotency_key
from newretail.members.actions.points import _account, _take
from newretail.members.actions.wallet import _account as _wallet_account
from newretail.members.actions.wallet import _write
from newretail.members.errors import MemberError
from newretail.members.models import Member, PointsEntry, PointsExchange, PointsMallItem, WalletEntry
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def items_on_sale(merchant_id: int) -> list[PointsMallItem]:
    return list(PointsMallItem.objects.filter(merchant_id=merchant_id, is_active=True).exclude(stock=0))


def exchange(*, member: Member, item_id: int, idempotency_key: str | None = None) -> PointsExchange:
    key = clean_idempotency_key(idempotency_key, error=MemberError.EXCHANGE_INVALID)
    if key is not None:
        earlier = PointsExchange.objects.filter(merchant_id=member.merchant_id, idempotency_key=key).first()
        if earlier is not None:
            return earlier
    try:
        return _exchange(member=member, item_id=item_id, key=key)
    except IntegrityError:
        earlier = (
            PointsExchange.objects.filter(merchant_id=member.merchant_id, idempotency_key=key).first()
            if key
            else None
        )
        if earlier is None:
            raise
        return earlier


@transaction.atomic
def _exchange(*, member: Member, item_id: int, key: str | None) -> PointsExchange:
    from newretail.marketing.actions.coupons import issue_coupons

    item = PointsMallItem.objects.filter(merchant_id=member.merchant_id, pk=item_id, is_active=True).first()
    if item is None:
        raise DomainError(MemberError.EXCHANGE_UNAVAILABLE)
    account = _account(member)  # the member's points row lock orders their exchanges
    done = PointsExchange.objects.filter(member=member, item=item).count()
    if done >= item.per_member_limit:
        raise DomainError(MemberError.EXCHANGE_LIMIT, limit=item.per_member_limit)
    if account.balance < item.points:
        raise DomainError(MemberError.POINTS_NOT_ENOUGH, balance=account.balance, points=item.points)
    if item.stock is not None and not PointsMallItem.objects.filter(pk=item.pk, stock__gt=0).update(
        stock=F("stock") - 1
    ):
        raise DomainError(MemberError.EXCHANGE_UNAVAILABLE)
    record = PointsExchange.objects.create(
        merchant_id=member.merchant_id, member=member, item=item, points=item.points, idempotency_key=key
    )
    taken = _take(
        account,
        member,
        item.points,
        kind=PointsEntry.Kind.EXCHANGE,
        reference=f"exchange:{record.pk}",
        order_id=None,
    )
    if taken != item.points:
        raise DomainError(MemberError.POINTS_NOT_ENOUGH, balance=taken, points=item.points)
    if item.kind == PointsMallItem.Kind.COUPON:
        [coupon] = issue_coupons(
            template=item.coupon_template_id, member=member, source="points_mall", check_limit=False
        )
        PointsExchange.objects.filter(pk=record.pk).update(coupon_id=coupon.pk)
        record.coupon_id = coupon.pk
    else:
        _write(
            _wallet_account(member),
            member,
            kind=WalletEntry.Kind.POINTS,
            principal_fen=0,
            bonus_fen=item.bonus_fen,
            reference=f"exchange:{record.pk}",
            note=item.name,
        )
    return record


@transaction.atomic
def save_item(*, actor: User, item: PointsMallItem | None, **fields) -> PointsMallItem:
    """Create or change a points mall item (``members.manage``, audited)."""
    from newretail.marketing.models import CouponTemplate

    require_perm(actor, Perm.MEMBERS_MANAGE)
    kind = fields.get("kind")
    if kind == PointsMallItem.Kind.COUPON:
        if not CouponTemplate.objects.filter(
            merchant_id=actor.merchant_id, pk=fields.get("coupon_template_id") or 0
        ).exists():
            raise DomainError(MemberError.EXCHANGE_INVALID)
        fields["bonus_fen"] = 0
    elif kind == PointsMallItem.Kind.BONUS:
        if not 0 < (fields.get("bonus_fen") or 0) <= 1_000_000:
            raise DomainError(MemberError.EXCHANGE_INVALID)
        fields["coupon_template_id"] = None
    else:
        raise DomainError(MemberError.EXCHANGE_INVALID)
    if not (fields.get("name") or "").strip() or (fields.get("points") or 0) <= 0:
        raise DomainError(MemberError.EXCHANGE_INVALID)
    item = item or PointsMallItem(merchant_id=actor.merchant_id)
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="members.points_item_saved",
        obj=item,
        after={"name": item.name, "points": item.points},
    )
    return item
