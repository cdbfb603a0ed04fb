"""Buying a seckill item, and giving the pieces back.

A purchase runs in two steps, never one long transaction: the stock path takes the pieces (a
short transaction that writes a ``reserved`` purchase; on the Redis path after the Lua script
said yes), then the order is created through the order core (``orders.create_order``: the
warehouse's stock held, the campaign price weighed by the pricing engine's step 1, the order
expiring after the campaign's ``unpaid_minutes``) and the purchase marked ``ordered`` in the same
transaction. Keeping the stock step short means the item's row (or its Redis keys) is held for a
moment per winner, not for the length of an order; and a losing buyer never waits for an order
to be written. If the order is refused (no store in range, the warehouse is out of the SKU…),
the pieces go back at once; if the process dies between the steps, ``reconcile`` gives them back.

The way back: a closed (unpaid past its deadline) or cancelled order releases its purchase
(``marketing.seckill.handlers``); the pieces return to the campaign and the member may buy again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.idempotency import clean_idempotency_key
from newretail.marketing.models import SeckillItem, SeckillPurchase
from newretail.marketing.seckill.errors import SeckillError
from newretail.marketing.seckill.queries import LIVE, SeckillOffer, offer_for, offer_of
from newretail.marketing.seckill.stock import stock_for
from newretail.members.actions.cards import pricing_level_id
from newretail.members.models import Member, MemberLevel
from newretail.orders.actions.checkout import create_order
from newretail.orders.errors import OrderError
from newretail.orders.models import Order

P = SeckillPurchase.Status


def check_rules(offer: SeckillOffer, member: Member, quantity: int, now: dt.datetime) -> None:
    """The campaign's rules for this member, before any stock is touched."""
    if offer.status != "active":
        raise DomainError(SeckillError.PAUSED)
    if now < offer.starts_at:
        starts = timezone.localtime(offer.starts_at).strftime("%m-%d %H:%M")
        raise DomainError(SeckillError.NOT_STARTED, starts=starts)
    if now >= offer.ends_at:
        raise DomainError(SeckillError.ENDED)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise DomainError(SeckillError.INVALID, field="quantity", problem="1+")
    if quantity > offer.per_member_limit:
        raise DomainError(SeckillError.LIMIT_EXCEEDED, limit=offer.per_member_limit)
    if offer.level_ids is not None and pricing_level_id(member, now) not in offer.level_ids:
        names = MemberLevel.objects.filter(merchant_id=offer.merchant_id, pk__in=offer.level_ids)
        raise DomainError(
            SeckillError.LEVEL_REQUIRED,
            levels="、".join(names.order_by("rank").values_list("name", flat=True)),
        )


def buy_seckill(
    *,
    member: Member,
    item_id: int,
    quantity: int = 1,
    fulfilment: str,
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
    buyer_note: str = "",
    idempotency_key: str | None = None,
) -> Order:
    """Buy ``quantity`` pieces of a seckill item for ``member``: an order pending payment at the
    campaign price, or a domain error that took nothing (not started, ended, paused, over the
    limit, wrong level, sold out, already bought, or anything the order core refuses).

    Guarantees, also under concurrency (PostgreSQL + Redis tests): the pieces sold never exceed
    the campaign stock; a member holds at most one live purchase (one order) per item, of at most
    ``per_member_limit`` pieces; replaying ``idempotency_key`` returns the first order."""
    offer = offer_for(member.merchant_id, item_id)
    key = clean_idempotency_key(idempotency_key, error=OrderError.INVALID_IDEMPOTENCY_KEY) or ""
    check_rules(offer, member, quantity, clock.now())
    try:
        purchase = stock_for(offer).take(offer, member_id=member.pk, quantity=quantity, request_key=key)
    except DomainError as error:
        # A replay: Redis answers "already bought" before it looks at the stock; the database's
        # conditional UPDATE may say "sold out" first (the member's own pieces took the last).
        replay = error.error is SeckillError.ALREADY_BOUGHT or (
            error.error is SeckillError.SOLD_OUT and not offer.uses_redis
        )
        if replay and key:
            replayed = _replayed(offer, member, key)
            if replayed is not None:
                return replayed
        raise
    try:
        return _place_order(
            purchase,
            offer,
            member=member,
            fulfilment=fulfilment,
            store_id=store_id,
            address=address,
            buyer_note=buyer_note,
        )
    except BaseException:
        release_purchase(purchase.pk)  # the order was not written: the pieces go back at once
        raise


def _replayed(offer: SeckillOffer, member: Member, key: str) -> Order | None:
    purchase = (
        SeckillPurchase.objects.filter(
            item_id=offer.item_id, member=member, request_key=key, status=P.ORDERED
        )
        .select_related("order")
        .first()
    )
    return purchase.order if purchase is not None else None


@transaction.atomic
def _place_order(
    purchase: SeckillPurchase,
    offer: SeckillOffer,
    *,
    member: Member,
    fulfilment: str,
    store_id: int | None,
    address: Mapping[str, object] | None,
    buyer_note: str,
) -> Order:
    order = create_order(
        merchant=member.merchant,
        channel=Order.Channel.MALL,
        fulfilment=fulfilment,
        lines=[{"sku_id": offer.sku_id, "quantity": purchase.quantity}],
        store_id=store_id,
        address=address,
        member=member,
        buyer_note=buyer_note,
        idempotency_key=f"seckill-{purchase.pk}",
        ttl=dt.timedelta(minutes=offer.unpaid_minutes),
        campaign_prices={offer.sku_id: (offer.price_fen, offer.campaign_name)},
    )
    moved = SeckillPurchase.objects.filter(pk=purchase.pk, status=P.RESERVED).update(
        status=P.ORDERED, order=order
    )
    if not moved:  # reconcile gave the pieces back meanwhile (this took minutes): the order rolls back
        raise DomainError(SeckillError.PURCHASE_LAPSED)
    purchase.status, purchase.order = P.ORDERED, order
    return order


def release_purchase(purchase_id: int) -> bool:
    """Give a live purchase's pieces back to the campaign (and to Redis after commit). Runs once
    per purchase whoever calls (the row is locked and moved from a live state); returns whether
    this call released it."""
    with transaction.atomic():
        purchase = (
            SeckillPurchase.objects.select_for_update(of=("self",))
            .select_related("item__campaign")
            .filter(pk=purchase_id, status__in=LIVE)
            .first()
        )
        if purchase is None:
            return False
        SeckillPurchase.objects.filter(pk=purchase.pk).update(status=P.RELEASED, released_at=clock.now())
        SeckillItem.objects.filter(pk=purchase.item_id).update(sold=F("sold") - purchase.quantity)
        offer = offer_of(purchase.item)
        member_id = purchase.member_id
        transaction.on_commit(lambda: stock_for(offer).give_back(offer, member_id=member_id))
    return True


def release_for_order(order_id: int) -> int:
    """The order was closed or cancelled: its seckill pieces go back. Returns how many purchases."""
    ids = SeckillPurchase.objects.filter(order_id=order_id, status=P.ORDERED).values_list("pk", flat=True)
    return sum(release_purchase(pk) for pk in list(ids))
