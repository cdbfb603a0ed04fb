"""The points mall (积分商城): members exchange points for goods, coupons or stored-value bonus.

Goods are priced in points or points + cash (``PointsMallItem.cash_fen``): the exchange is an order
of channel ``points_mall`` through the order core (``create_order`` with the cash part as the
line's campaign price and no promotion or coupon), so the warehouse's stock, shipping or pickup,
payment of the cash part and after-sales are the usual ones. The points are spent on the order
(``spend_for_order``), so the members handlers give them back when the order closes unpaid, is
cancelled or refunded, exactly as for points used at checkout; ``void_for_order`` gives the piece
back to the item and takes the exchange off the member's limit. Coupons (a goods voucher — a
coupon of kind "exchange for an item" — is the other way to give goods) and bonus are for points
only.

Rules: an exchange is all or nothing in one transaction (points spent first-in first-out, the
item's stock taken by a conditional UPDATE, the order written or the coupon issued or the bonus
credited); at most ``per_member_limit`` live exchanges of an item per member; the idempotency key
makes a double tap one exchange."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.idempotency import clean_idempotency_key
from newretail.members.actions.points import _account, _take, spend_for_order
from newretail.members.actions.wallet import _account as _wallet_account
from newretail.members.actions.wallet import _write
from newretail.members.errors import MemberError
from newretail.members.models import Member, PointsEntry, PointsExchange, PointsMallItem, WalletEntry
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def items_on_sale(merchant_id: int) -> list[PointsMallItem]:
    return list(
        PointsMallItem.objects.filter(merchant_id=merchant_id, is_active=True)
        .exclude(stock=0)
        .select_related("sku__product")
    )


def exchange(
    *,
    member: Member,
    item_id: int,
    idempotency_key: str | None = None,
    fulfilment: str = "",
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
) -> PointsExchange:
    """Exchange ``member``'s points for one piece of ``item_id``. Goods need ``fulfilment``
    (express with ``address``, or pickup at ``store_id``) and come back with ``record.order``
    (pending payment of the cash part, or already paid when there is none)."""
    key = clean_idempotency_key(idempotency_key, error=MemberError.EXCHANGE_INVALID)
    if key is not None:
        earlier = PointsExchange.objects.filter(merchant_id=member.merchant_id, idempotency_key=key).first()
        if earlier is not None:
            return earlier
    try:
        return _exchange(
            member=member, item_id=item_id, key=key, fulfilment=fulfilment, store_id=store_id, address=address
        )
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
def _exchange(
    *,
    member: Member,
    item_id: int,
    key: str | None,
    fulfilment: str,
    store_id: int | None,
    address: Mapping[str, object] | None,
) -> PointsExchange:
    from newretail.marketing.actions.coupons import issue_coupons

    item = PointsMallItem.objects.filter(merchant_id=member.merchant_id, pk=item_id, is_active=True).first()
    if item is None:
        raise DomainError(MemberError.EXCHANGE_UNAVAILABLE)
    account = _account(member)  # the member's points row lock orders their exchanges
    done = PointsExchange.objects.filter(member=member, item=item, voided_at__isnull=True).count()
    if done >= item.per_member_limit:
        raise DomainError(MemberError.EXCHANGE_LIMIT, limit=item.per_member_limit)
    if account.balance < item.points:
        raise DomainError(MemberError.POINTS_NOT_ENOUGH, balance=account.balance, points=item.points)
    if item.stock is not None and not PointsMallItem.objects.filter(pk=item.pk, stock__gt=0).update(
        stock=F("stock") - 1
    ):
        raise DomainError(MemberError.EXCHANGE_UNAVAILABLE)
    if item.kind == PointsMallItem.Kind.GOODS:
        return _exchange_goods(member, item, key, fulfilment=fulfilment, store_id=store_id, address=address)
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


def _exchange_goods(
    member: Member,
    item: PointsMallItem,
    key: str | None,
    *,
    fulfilment: str,
    store_id: int | None,
    address: Mapping[str, object] | None,
) -> PointsExchange:
    """The goods order (inside ``_exchange``'s transaction: a refusal by the order core — out of
    stock, no address — rolls back the item's stock and writes nothing)."""
    from newretail.orders.actions.checkout import create_order
    from newretail.orders.models import Order

    order = create_order(
        merchant=member.merchant,
        channel=Order.Channel.POINTS_MALL,
        fulfilment=fulfilment,
        lines=[{"sku_id": item.sku_id, "quantity": 1}],
        store_id=store_id,
        address=address,
        member=member,
        coupon_ids=(),
        idempotency_key=f"points-mall:{key}" if key else None,
        campaign_prices={item.sku_id: (item.cash_fen, points_price_label(item))},
    )
    record = PointsExchange.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        item=item,
        points=item.points,
        order=order,
        idempotency_key=key,
    )
    spend_for_order(member=member, order_id=order.pk, points=item.points)
    return record


def points_price_label(item: PointsMallItem) -> str:
    """The campaign name on the order line's adjustment, which the engine follows with the cash
    price: "积分商城（300 积分）价¥9.90"."""
    return _("Points mall (%(points)s points)") % {"points": item.points}


def void_for_order(order_id: int) -> bool:
    """The goods order of an exchange closed unpaid or was cancelled: the piece goes back to the
    item and the exchange stops counting towards the member's limit (the points come back through
    the order's own points handler). Once per exchange; returns whether this call voided it."""
    with transaction.atomic():
        record = (
            PointsExchange.objects.select_for_update()
            .filter(order_id=order_id, voided_at__isnull=True)
            .first()
        )
        if record is None:
            return False
        PointsExchange.objects.filter(pk=record.pk).update(voided_at=clock.now())
        PointsMallItem.objects.filter(pk=record.item_id, stock__isnull=False).update(stock=F("stock") + 1)
    return True


@transaction.atomic
def save_item(*, actor: User, item: PointsMallItem | None, **fields) -> PointsMallItem:
    """Create or change a points mall item (``members.manage``, audited)."""
    from newretail.marketing.models import CouponTemplate

    require_perm(actor, Perm.MEMBERS_MANAGE)
    kind = fields.get("kind")
    if kind == PointsMallItem.Kind.GOODS:
        from newretail.catalog.queries import live_skus

        sku = (
            live_skus(actor.merchant_id)
            .select_related("product")
            .filter(pk=fields.get("sku_id") or 0)
            .first()
        )
        cash = fields.get("cash_fen") or 0
        if sku is None or sku.product.sold_by_weight or not 0 <= cash < sku.price_fen:
            raise DomainError(MemberError.EXCHANGE_INVALID)
        fields.update(sku_id=sku.pk, cash_fen=cash, coupon_template_id=None, bonus_fen=0)
    elif kind == PointsMallItem.Kind.COUPON:
        if not CouponTemplate.objects.filter(
            merchant_id=actor.merchant_id, pk=fields.get("coupon_template_id") or 0
        ).exists():
            raise DomainError(MemberError.EXCHANGE_INVALID)
        fields.update(bonus_fen=0, sku_id=None, cash_fen=0)
    elif kind == PointsMallItem.Kind.BONUS:
        if not 0 < (fields.get("bonus_fen") or 0) <= 1_000_000:
            raise DomainError(MemberError.EXCHANGE_INVALID)
        fields.update(coupon_template_id=None, sku_id=None, cash_fen=0)
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
