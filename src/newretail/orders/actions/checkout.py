"""Placing an order: ``quote_order`` prices lines for a channel and fulfilment (through
``marketing.pricing.price_cart``, the only code that computes prices) and chooses the warehouse
that fulfils them; ``create_order`` writes the order, its lines and price snapshots, holds the
stock and records ``order.created`` in one transaction, or writes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from newretail.catalog.models import Sku
from newretail.catalog.queries import live_skus, live_skus_with_products, sku_is_sellable
from newretail.core import clock
from newretail.core.errors import DomainError, not_found
from newretail.core.idempotency import clean_idempotency_key
from newretail.core.money import format_fen
from newretail.core.tenancy import get_owned, merchant_id_of
from newretail.inventory.models import MAX_QUANTITY
from newretail.inventory.queries import available_quantity
from newretail.marketing.actions.usage import take_for_order
from newretail.marketing.errors import MarketingError
from newretail.marketing.pricing import (
    CouponOffer,
    Offers,
    PricedCart,
    PricingContext,
    best_coupons,
    price_cart,
)
from newretail.marketing.queries import (
    available_coupon_offers,
    cart_lines_for,
    coupon_by_code,
    points_context,
    pricing_inputs,
)
from newretail.members.actions.cards import pricing_level_id
from newretail.members.models import Member
from newretail.orders import fulfilment as fulfilment_rules
from newretail.orders.actions.lifecycle import mark_order_paid
from newretail.orders.actions.new_order import KeyTaken, write_new_order
from newretail.orders.errors import OrderError
from newretail.orders.models import Order, OrderAdjustment, OrderEvent, OrderLine
from newretail.orders.queries import order_with_key, unpaid_ttl
from newretail.tenancy.access import require_perm, require_store_access, require_warehouse_access
from newretail.tenancy.models import Merchant, User, Warehouse
from newretail.tenancy.roles import Perm

logger = logging.getLogger(__name__)

SALES_ORDER = "SO"  # document number prefix: SO20261123-0001
MAX_LINES = 200
MAX_NOTE_LENGTH = 200
# Stock stays held a little longer than the order waits for payment, so the order's own expiry
# (which first asks the provider about pending payments) always runs before the hold lapses.
HOLD_GRACE = dt.timedelta(minutes=10)

# The pricing engine knows the selling channels. A points mall exchange prices like the mall but
# at the exchange's own price (the caller's campaign price) with no promotion or coupon: the points
# are its discount (``members.actions.points_mall``).
_PRICING_CHANNEL = {Order.Channel.POINTS_MALL: "mall"}
_NO_PROMOTIONS = Offers()
# Which product flag decides whether a channel may sell it.
_STORE_CHANNELS = frozenset({Order.Channel.POS, Order.Channel.SCAN_TO_BUY})


def merchant_row(merchant: Merchant | int) -> Merchant:
    return merchant if isinstance(merchant, Merchant) else Merchant.objects.get(pk=merchant)


def clean_lines(lines: Any) -> list[tuple[int, int]]:
    """[(sku id, quantity)] sorted by SKU id, or a domain error naming the bad line."""
    if not isinstance(lines, (list, tuple)) or not lines:
        raise DomainError(OrderError.EMPTY_ORDER)
    if len(lines) > MAX_LINES:
        raise DomainError(OrderError.TOO_MANY_LINES, maximum=MAX_LINES)
    cleaned = []
    for index, line in enumerate(lines, start=1):
        sku_id = line.get("sku_id") if isinstance(line, Mapping) else None
        quantity = line.get("quantity") if isinstance(line, Mapping) else None
        if (
            any(isinstance(n, bool) or not isinstance(n, int) for n in (sku_id, quantity))
            or sku_id < 1
            or not 1 <= quantity <= MAX_QUANTITY
        ):
            raise DomainError(OrderError.INVALID_LINE, line=index, maximum=MAX_QUANTITY)
        cleaned.append((sku_id, quantity))
    if len({sku_id for sku_id, _ in cleaned}) != len(cleaned):
        raise DomainError(OrderError.DUPLICATE_SKU)
    return sorted(cleaned)


def sellable(sku: Sku, channel: str, now: dt.datetime) -> bool:
    """May this order channel sell the SKU now? The catalog's rule, for the POS flag or the mall's."""
    return sku_is_sellable(sku, "pos" if channel in _STORE_CHANNELS else "mall", now)


def load_skus(merchant_id: int, sku_ids: Iterable[int]) -> dict[int, Sku]:
    """The merchant's SKUs by id with their products; another merchant's or a deleted one is 404."""
    ids = list(sku_ids)
    skus = live_skus_with_products(merchant_id, ids)
    if len(skus) != len(ids):
        raise not_found()  # ids don't leak
    return skus


def _check_sellable(skus: Mapping[int, Sku], channel: str, now: dt.datetime) -> None:
    for sku in skus.values():
        if not sellable(sku, channel, now):
            raise DomainError(OrderError.SKU_UNAVAILABLE, sku=sku.display_name)


@dataclass(frozen=True)
class Quote:
    """A priced order that has not been written: what checkout shows and what create writes."""

    priced: PricedCart
    source: fulfilment_rules.Source
    skus: Mapping[int, Sku]
    address: Mapping[str, str]
    # The member's coupons usable now, for the coupon picker; and whether ``priced`` used the
    # best combination of them (chosen for the shopper) rather than the coupons they named.
    coupons: tuple[CouponOffer, ...] = ()
    coupons_suggested: bool = False


def quote_order(
    *,
    merchant: Merchant | int,
    channel: str,
    fulfilment: str,
    lines: list[tuple[int, int]],
    store_id: int | None = None,
    warehouse_id: int | None = None,
    address: Mapping[str, object] | None = None,
    member: Member | None = None,
    coupon_ids: Sequence[int] | None = (),
    now: dt.datetime | None = None,
    exhausted: frozenset[int] = frozenset(),
    coupon_choices: bool = False,
    points_to_use: int = 0,
    price_overrides: Mapping[int, int] | None = None,
    campaign_prices: Mapping[int, tuple[int, str]] | None = None,
) -> Quote:
    """Price cleaned ``lines`` with the merchant's running promotions and the member's chosen
    coupons, and choose their source (``orders.fulfilment``; an explicit ``warehouse_id`` is
    staff choosing). Reads only; raises a domain error the shopper can act on (unsellable item,
    no store in range, out of stock, below the delivery minimum, a coupon that does not apply…).

    A 满赠 gift the fulfilling warehouse cannot give (not in stock there, or the same SKU as a
    bought line) is left out and the cart priced again without that promotion.

    ``points_to_use`` pays part of the goods with the member's points, as the merchant's points
    settings allow (capped by the engine; more than the member holds is refused).

    ``coupon_ids=None`` asks for the best coupons of the member (``pricing.best_coupons``): the
    checkout page preselects them. ``coupon_choices`` also lists the member's usable coupons
    (``Quote.coupons``) for the coupon picker; placing an order needs neither.

    ``price_overrides`` {sku id: unit price} are prices staff set at the till (authorised and
    audited by the caller): the engine weighs them as a campaign price, so an override only ever
    lowers a line and never stacks with another item-level price.

    ``campaign_prices`` {sku id: (unit price, campaign name)} are prices a campaign granted the
    shopper (seckill, ``marketing.seckill``): step 1 of the engine weighs them against the other
    item-level prices, so the best single price wins."""
    merchant_id = merchant_id_of(merchant)
    if channel not in Order.Channel.values:
        raise DomainError(OrderError.INVALID_CHANNEL, channel=channel)
    if fulfilment not in Order.Fulfilment.values:
        raise DomainError(OrderError.INVALID_FULFILMENT, fulfilment=fulfilment)
    now = now or clock.now()
    skus = load_skus(merchant_id, (sku_id for sku_id, _ in lines))
    _check_sellable(skus, channel, now)
    snapshot = fulfilment_rules.clean_address(address, fulfilment=fulfilment)
    if warehouse_id is not None:
        source = fulfilment_rules.explicit_source(
            merchant_id=merchant_id, warehouse_id=warehouse_id, store_id=store_id
        )
    else:
        source = fulfilment_rules.choose_source(
            merchant_id=merchant_id, fulfilment=fulfilment, lines=lines, store_id=store_id, address=snapshot
        )
    store = source.store
    suggest = coupon_ids is None
    inputs = pricing_inputs(merchant_id, member=member, coupon_ids=() if suggest else coupon_ids, now=now)
    if channel == Order.Channel.POINTS_MALL:
        inputs = dataclasses.replace(inputs, offers=_NO_PROMOTIONS, coupons=(), allowances={})
        suggest = coupon_choices = False
    context = PricingContext(
        merchant_id=merchant_id,
        store_id=store.pk if store else None,
        channel=_PRICING_CHANNEL.get(channel, channel),
        member_id=member.pk if member else None,
        now=now,
        fulfilment=fulfilment,
        region_code=snapshot.get("province", ""),
        distance_m=source.distance_m,
        member_level_id=pricing_level_id(member, now),
        coupons=inputs.coupons,
        promotion_allowance_fen={**inputs.allowances, **dict.fromkeys(exhausted, 0)},
        **points_context(merchant_id, member, points_to_use),
    )
    cart = cart_lines_for(merchant_id, store.pk if store else None, skus, lines)
    if price_overrides:
        cart = [
            dataclasses.replace(
                line, campaign_price_fen=price_overrides[line.sku_id], campaign_name=_("Price override")
            )
            if line.sku_id in price_overrides
            else line
            for line in cart
        ]
    if campaign_prices:  # seckill: a campaign price with the campaign's name (step 1 weighs it)
        cart = [
            dataclasses.replace(
                line,
                campaign_price_fen=campaign_prices[line.sku_id][0],
                campaign_name=campaign_prices[line.sku_id][1],
            )
            if line.sku_id in campaign_prices
            else line
            for line in cart
        ]
    rules = inputs.rules
    wants_list = suggest or coupon_choices
    usable = tuple(available_coupon_offers(merchant_id, member)) if member is not None and wants_list else ()
    if suggest and usable:
        chosen = best_coupons(cart, context, rules, usable, offers=inputs.offers).coupons
        context = dataclasses.replace(context, coupons=chosen)
    priced = price_cart(cart, context, rules, offers=inputs.offers)
    gifts = _gift_skus(merchant_id, priced, skus)
    ungivable = _ungivable_gifts(merchant_id, source.warehouse, priced, skus, gifts)
    if ungivable:
        allowances = {**context.promotion_allowance_fen, **dict.fromkeys(ungivable, 0)}
        context = dataclasses.replace(context, promotion_allowance_fen=allowances)
        priced = price_cart(cart, context, rules, offers=inputs.offers)
        gifts.update(_gift_skus(merchant_id, priced, {**skus, **gifts}))
    _check_totals(priced)
    given = {line.sku_id for line in priced.lines if line.is_gift}
    skus = {**skus, **{sku_id: gifts[sku_id] for sku_id in given}}
    return Quote(
        priced=priced, source=source, skus=skus, address=snapshot, coupons=usable, coupons_suggested=suggest
    )


def _gift_skus(merchant_id: int, priced: PricedCart, known: Mapping[int, Sku]) -> dict[int, Sku]:
    """The gift lines' SKUs not in ``known``, loaded with their products in one query (a gift
    gone from the catalogue is simply not found)."""
    wanted = {line.sku_id for line in priced.lines if line.is_gift} - set(known)
    if not wanted:
        return {}
    return {sku.pk: sku for sku in live_skus(merchant_id).select_related("product").filter(pk__in=wanted)}


def _ungivable_gifts(
    merchant_id: int,
    warehouse: Warehouse,
    priced: PricedCart,
    bought: Mapping[int, Sku],
    gifts: Mapping[int, Sku],
) -> set[int]:
    """Promotions whose gift cannot be given from ``warehouse``: the SKU is a bought line too
    (one order line per SKU), is gone from the catalogue, or is not in stock there."""
    found = set()
    for line in priced.lines:
        if not line.is_gift:
            continue
        if (
            line.sku_id in bought
            or line.sku_id not in gifts
            or available_quantity(merchant_id, warehouse, line.sku_id) < line.quantity
        ):
            found.add(line.adjustments[0].source_id)
    return found


def _member(merchant_id: int, member: Member | int | None) -> Member | None:
    if member is None:
        return None
    if isinstance(member, Member):
        if member.merchant_id != merchant_id:
            raise not_found()
        return member
    return get_owned(Member, merchant_id, pk=member)


def create_order(
    *,
    merchant: Merchant | int,
    channel: str,
    fulfilment: str,
    lines: list[Mapping[str, Any]],
    store_id: int | None = None,
    warehouse_id: int | None = None,
    address: Mapping[str, object] | None = None,
    member: Member | int | None = None,
    buyer_note: str = "",
    idempotency_key: str | None = None,
    actor: User | None = None,
    ttl: dt.timedelta | None = None,
    expected_payable_fen: int | None = None,
    coupon_ids: Sequence[int] = (),
    points_to_use: int = 0,
    price_overrides: Mapping[int, int] | None = None,
    campaign_prices: Mapping[int, tuple[int, str]] | None = None,
) -> Order:
    """Create a priced order pending payment and hold its stock in the warehouse that fulfils it
    until the payment deadline (``OrderSettings.unpaid_minutes`` unless ``ttl``).

    Guarantees: replaying an ``idempotency_key`` returns the first order unchanged (also when the
    replays race: the unique constraint picks the winner, the losers roll back and return it);
    insufficient stock or any refused input writes nothing; line final amounts add up to the goods
    amount and ``payable = goods final + shipping``; stock is held in SKU-id order (no deadlocks);
    when ``expected_payable_fen`` is given and the price is now different, nothing is written
    (``PAYABLE_CHANGED``). The promotions it used are counted and its coupons locked to it in
    the same transaction (``marketing.actions.usage``); when a promotion ran out meanwhile, the
    order is priced again without it (once per exhausted promotion). An order that costs nothing
    is paid at once.
    """
    merchant = merchant_row(merchant)
    key = clean_idempotency_key(idempotency_key, error=OrderError.INVALID_IDEMPOTENCY_KEY)
    if key is not None:
        existing = order_with_key(merchant.pk, key)
        if existing is not None:
            return existing
    cleaned = clean_lines(lines)
    note = (buyer_note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(OrderError.NOTE_TOO_LONG, maximum=MAX_NOTE_LENGTH)
    attempts = 3
    exhausted: set[int] = set()
    for attempt in range(attempts):
        try:
            return _create_once(
                merchant=merchant,
                channel=channel,
                fulfilment=fulfilment,
                lines=cleaned,
                store_id=store_id,
                warehouse_id=warehouse_id,
                address=address,
                member=member,
                note=note,
                key=key,
                actor=actor,
                ttl=ttl or unpaid_ttl(merchant),
                expected_payable_fen=expected_payable_fen,
                coupon_ids=coupon_ids,
                exhausted=frozenset(exhausted),
                points_to_use=points_to_use,
                price_overrides=price_overrides,
                campaign_prices=campaign_prices,
            )
        except DomainError as error:
            if error.error is not MarketingError.PROMOTION_EXHAUSTED or attempt == attempts - 1:
                raise
            exhausted.add(error.params["promotion_id"])
    raise AssertionError("unreachable")


def _create_once(**kwargs: Any) -> Order:
    try:
        return _create(**kwargs)
    except KeyTaken as taken:
        # A concurrent create with the same key won (its transaction rolled ours back): the
        # replay returns its order.
        key, merchant = kwargs["key"], kwargs["merchant"]
        winner = order_with_key(merchant.pk, key) if key else None
        if winner is None:
            raise taken.error from None
        return winner


@transaction.atomic
def _create(
    *,
    merchant: Merchant,
    channel: str,
    fulfilment: str,
    lines: list[tuple[int, int]],
    store_id: int | None,
    warehouse_id: int | None,
    address: Mapping[str, object] | None,
    member: Member | int | None,
    note: str,
    key: str | None,
    actor: User | None,
    ttl: dt.timedelta,
    expected_payable_fen: int | None,
    coupon_ids: Sequence[int],
    exhausted: frozenset[int],
    points_to_use: int,
    price_overrides: Mapping[int, int] | None = None,
    campaign_prices: Mapping[int, tuple[int, str]] | None = None,
) -> Order:
    now = clock.now()
    buyer = _member(merchant.pk, member)
    quote = quote_order(
        merchant=merchant,
        channel=channel,
        fulfilment=fulfilment,
        lines=lines,
        store_id=store_id,
        warehouse_id=warehouse_id,
        address=address,
        member=buyer,
        coupon_ids=coupon_ids,
        now=now,
        exhausted=exhausted,
        points_to_use=points_to_use,
        price_overrides=price_overrides,
        campaign_prices=campaign_prices,
    )
    priced = quote.priced
    if expected_payable_fen is not None and expected_payable_fen != priced.payable_fen:
        raise DomainError(
            OrderError.PAYABLE_CHANGED,
            payable=format_fen(priced.payable_fen),
            expected=format_fen(expected_payable_fen),
        )
    order = Order(
        merchant_id=merchant.pk,
        channel=channel,
        store=quote.source.store,
        member=buyer,
        fulfilment=fulfilment,
        warehouse=quote.source.warehouse,
        goods_list_fen=priced.goods_list_fen,
        discount_fen=priced.discount_fen,
        shipping_fen=priced.shipping_fen,
        payable_fen=priced.payable_fen,
        shipping_address=dict(quote.address),
        delivery_distance_m=quote.source.distance_m if fulfilment == Order.Fulfilment.DELIVERY else None,
        buyer_note=note,
        idempotency_key=key,
        expires_at=now + ttl,
    )
    order_lines, adjustments = _lines_and_adjustments(order, priced, quote.skus)
    written = write_new_order(
        merchant=merchant,
        prefix=SALES_ORDER,
        order=order,
        lines=order_lines,
        adjustments=adjustments,
        hold_ttl=ttl + HOLD_GRACE,
        actor=actor,
    )
    take_for_order(order=order, priced=priced, member=buyer)
    if order.payable_fen == 0:
        mark_order_paid(order=order, tenders=[])
    else:
        _carry_what_was_written(order, written.lines, written.adjustments, [written.created])
    return order


def _carry_what_was_written(
    order: Order, lines: list[OrderLine], adjustments: list[OrderAdjustment], events: list[OrderEvent]
) -> None:
    """The new order carries its lines, adjustments and timeline as if prefetched, so the caller
    can show it without reading it back; an order just placed has no payment, refund or
    after-sales request yet (Django's prefetch and related-object caches, filled by hand)."""
    caches = {}
    for name, rows in (
        ("lines", lines),
        ("adjustments", adjustments),
        ("events", events),
        ("refunds", []),
        ("after_sales", []),
    ):
        queryset = getattr(order, name).all()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        caches[name] = queryset
    order._prefetched_objects_cache = caches
    order._state.fields_cache["payment"] = None


def _check_totals(priced: PricedCart) -> None:
    # price_cart promises these; an order must never be written if a step broke them.
    if sum(line.final_amount_fen for line in priced.lines) != priced.goods_final_fen or (
        priced.payable_fen != priced.goods_final_fen + priced.shipping_fen
    ):
        raise AssertionError("priced cart does not add up")


def _lines_and_adjustments(
    order: Order, priced: PricedCart, skus: Mapping[int, Sku]
) -> tuple[list[OrderLine], list[OrderAdjustment]]:
    """The order's lines (bought ones by SKU id, then gifts) and price adjustments, not written."""
    lines = []
    ordered = sorted(priced.lines, key=lambda line: (line.is_gift, line.sku_id))
    for priced_line in ordered:
        sku = skus[priced_line.sku_id]
        lines.append(
            OrderLine(
                merchant_id=order.merchant_id,
                sku=sku,
                product_name=sku.product.name[:100],
                spec_text=sku.spec_text[:200],
                quantity=priced_line.quantity,
                unit_price_fen=priced_line.unit_price_fen,
                list_amount_fen=priced_line.list_amount_fen,
                final_amount_fen=priced_line.final_amount_fen,
                is_gift=priced_line.is_gift,
            )
        )
    by_line_id = {priced_line.line_id: line for priced_line, line in zip(ordered, lines, strict=True)}
    adjustments = []
    for priced_line in priced.lines:
        for part in priced_line.adjustments:
            adjustments.append(_adjustment(order, part, by_line_id[priced_line.line_id]))
    for adjustment in priced.adjustments:
        if not adjustment.line_ids:  # order-level: shipping fees, surcharges, waivers
            adjustments.append(_adjustment(order, adjustment, None))
    return lines, adjustments


def _adjustment(order: Order, adjustment: Any, line: OrderLine | None) -> OrderAdjustment:
    return OrderAdjustment(
        merchant_id=order.merchant_id,
        line=line,
        source=adjustment.source[:32],
        kind=adjustment.kind[:32],
        amount_fen=adjustment.amount_fen,
        explanation=str(adjustment.explanation)[:200],
    )


def create_staff_order(
    *,
    actor: User,
    channel: str,
    fulfilment: str,
    lines: list[Mapping[str, Any]],
    store_id: int | None = None,
    warehouse_id: int | None = None,
    address: Mapping[str, object] | None = None,
    member_id: int | None = None,
    buyer_note: str = "",
    idempotency_key: str | None = None,
    coupon_codes: Sequence[str] = (),
    price_overrides: Mapping[int, int] | None = None,
) -> Order:
    """An order entered by staff or another system (POS, phone order, ERP): needs
    ``orders.fulfil`` and, for store-bound staff, their own store and its warehouse. Otherwise
    exactly ``create_order``. ``coupon_codes`` are coupons the cashier scanned (核销): they must
    belong to the order's member; without ``member_id`` the coupons' holder is the member."""
    require_perm(actor, Perm.ORDERS_FULFIL)
    coupon_ids: list[int] = []
    for code in coupon_codes:
        coupon = coupon_by_code(actor.merchant_id, code)
        if coupon is None or (member_id is not None and coupon.member_id != member_id):
            raise DomainError(MarketingError.COUPON_NOT_AVAILABLE, code=str(code)[:20])
        member_id = coupon.member_id
        coupon_ids.append(coupon.pk)
    if store_id is not None:
        require_store_access(actor, store_id)
    if warehouse_id is not None:
        require_warehouse_access(actor, get_owned(Warehouse, actor.merchant_id, pk=warehouse_id))
    elif actor.store_ids() is not None and store_id is None:
        raise DomainError(OrderError.STORE_REQUIRED)
    return create_order(
        merchant=actor.merchant,
        channel=channel,
        fulfilment=fulfilment,
        lines=lines,
        store_id=store_id,
        warehouse_id=warehouse_id,
        address=address,
        member=member_id,
        buyer_note=buyer_note,
        idempotency_key=idempotency_key,
        actor=actor,
        coupon_ids=coupon_ids,
        price_overrides=price_overrides,
    )
