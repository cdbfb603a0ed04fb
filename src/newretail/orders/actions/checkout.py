"""Order actions: create (priced by ``marketing.pricing.price_cart``, stock held per line), cancel
and expire. Each runs in one transaction: an order, its lines, price snapshots, stock holds and
its ``order.*`` event are written together or not at all."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from newretail.catalog.models import Product, Sku, StorePrice
from newretail.core import clock
from newretail.core.errors import DomainError, not_found
from newretail.core.events import record_event
from newretail.core.tenancy import get_owned
from newretail.inventory.actions.numbers import next_document_number
from newretail.inventory.actions.reservations import release_reservations, reserve_stock
from newretail.inventory.models import MAX_QUANTITY
from newretail.marketing.pricing import CartLine, PricedCart, PricingContext, price_cart
from newretail.marketing.queries import pricing_rules_for
from newretail.orders.errors import OrderError
from newretail.orders.models import Order, OrderAdjustment, OrderEvent, OrderLine
from newretail.orders.state import refuse, transition
from newretail.tenancy.models import Merchant, Store, User, Warehouse

logger = logging.getLogger(__name__)

SALES_ORDER = "SO"  # document number prefix: SO20261123-0001
DEFAULT_TTL = dt.timedelta(minutes=15)
MAX_LINES = 200
MAX_KEY_LENGTH = 64

# The pricing engine knows the selling channels; the points mall prices like the mall (points are
# a tender, applied at payment).
_PRICING_CHANNEL = {Order.Channel.POINTS_MALL: "mall"}
# Which product flag decides whether a channel may sell it.
_STORE_CHANNELS = frozenset({Order.Channel.POS, Order.Channel.SCAN_TO_BUY})


class _Replayed(Exception):
    """Raised inside the create transaction to roll back a losing concurrent create."""

    def __init__(self, order: Order) -> None:
        self.order = order


def _merchant(merchant: Merchant | int) -> Merchant:
    if isinstance(merchant, Merchant):
        return merchant
    return Merchant.objects.get(pk=merchant)


def _clean_lines(lines: Any) -> list[tuple[int, int]]:
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


def _clean_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = str(key).strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(OrderError.INVALID_IDEMPOTENCY_KEY)
    return key


def _sellable(sku: Sku, channel: str, now: dt.datetime) -> bool:
    product = sku.product
    in_channel = product.available_in_pos if channel in _STORE_CHANNELS else product.available_in_mall
    return (
        sku.is_active
        and in_channel
        and product.status == Product.Status.ON_SALE
        and (product.on_sale_from is None or product.on_sale_from <= now)
        and (product.on_sale_until is None or now < product.on_sale_until)
    )


def _load_skus(merchant_id: int, sku_ids: Iterable[int], channel: str, now: dt.datetime) -> dict[int, Sku]:
    ids = list(sku_ids)
    skus = {
        sku.pk: sku
        for sku in Sku.objects.select_related("product").filter(
            merchant_id=merchant_id, pk__in=ids, is_deleted=False, product__is_deleted=False
        )
    }
    if len(skus) != len(ids):
        raise not_found()  # another merchant's or a deleted SKU: 404, ids don't leak
    for sku_id in ids:
        if not _sellable(skus[sku_id], channel, now):
            raise DomainError(OrderError.SKU_UNAVAILABLE, sku=skus[sku_id].display_name)
    return skus


def _line_id(sku_id: int) -> str:
    return f"{sku_id:012d}"  # sorts like the SKU id, so pricing order = SKU order


def create_order(
    *,
    merchant: Merchant | int,
    channel: str,
    store_id: int | None,
    warehouse_id: int,
    fulfilment: str,
    lines: list[Mapping[str, Any]],
    member_id: int | None = None,
    idempotency_key: str | None = None,
    actor: User | None = None,
    region_code: str = "",
    distance_m: int | None = None,
    ttl: dt.timedelta = DEFAULT_TTL,
) -> Order:
    """Create a priced order pending payment and hold its stock in ``warehouse_id`` until
    ``now + ttl``.

    Guarantees: replaying an ``idempotency_key`` returns the first order unchanged (also when
    the replays race: the unique constraint picks the winner, the losers roll back and return
    it); insufficient stock or any refused input writes nothing; line final amounts add up to
    the goods amount and ``payable = goods final + shipping``; stock is held in SKU-id order.
    """
    merchant = _merchant(merchant)
    key = _clean_key(idempotency_key)
    if key is not None:
        existing = Order.objects.filter(merchant_id=merchant.pk, idempotency_key=key).first()
        if existing is not None:
            return existing
    if channel not in Order.Channel.values:
        raise DomainError(OrderError.INVALID_CHANNEL, channel=channel)
    if fulfilment not in Order.Fulfilment.values:
        raise DomainError(OrderError.INVALID_FULFILMENT, fulfilment=fulfilment)
    cleaned = _clean_lines(lines)
    try:
        return _create(
            merchant=merchant,
            channel=channel,
            store_id=store_id,
            warehouse_id=warehouse_id,
            fulfilment=fulfilment,
            lines=cleaned,
            member_id=member_id,
            key=key,
            actor=actor,
            region_code=region_code,
            distance_m=distance_m,
            ttl=ttl,
        )
    except _Replayed as replay:
        return replay.order


@transaction.atomic
def _create(
    *,
    merchant: Merchant,
    channel: str,
    store_id: int | None,
    warehouse_id: int,
    fulfilment: str,
    lines: list[tuple[int, int]],
    member_id: int | None,
    key: str | None,
    actor: User | None,
    region_code: str,
    distance_m: int | None,
    ttl: dt.timedelta,
) -> Order:
    now = clock.now()
    store = get_owned(Store, merchant, pk=store_id) if store_id is not None else None
    warehouse = get_owned(Warehouse.objects.filter(is_active=True), merchant, pk=warehouse_id)
    skus = _load_skus(merchant.pk, (sku_id for sku_id, _ in lines), channel, now)
    store_prices: dict[int, int] = {}
    if store is not None:
        store_prices = dict(
            StorePrice.objects.filter(merchant_id=merchant.pk, store=store, sku_id__in=skus).values_list(
                "sku_id", "price_fen"
            )
        )
    cart = [
        CartLine(
            line_id=_line_id(sku_id),
            sku_id=sku_id,
            quantity=quantity,
            list_price_fen=skus[sku_id].price_fen,
            store_price_fen=store_prices.get(sku_id),
            weight_g=skus[sku_id].weight_g,
            category_id=skus[sku_id].product.category_id,
            sold_by_weight=skus[sku_id].product.sold_by_weight,
        )
        for sku_id, quantity in lines
    ]
    context = PricingContext(
        merchant_id=merchant.pk,
        store_id=store.pk if store else None,
        channel=_PRICING_CHANNEL.get(channel, channel),
        member_id=member_id,
        now=now,
        fulfilment=fulfilment,
        region_code=region_code,
        distance_m=distance_m,
    )
    priced = price_cart(cart, context, pricing_rules_for(merchant.pk))
    _check_totals(priced)

    number = next_document_number(merchant=merchant, prefix=SALES_ORDER)
    try:
        with transaction.atomic():
            order = Order.objects.create(
                merchant_id=merchant.pk,
                number=number,
                channel=channel,
                store=store,
                member_id=member_id,
                fulfilment=fulfilment,
                warehouse=warehouse,
                goods_list_fen=priced.goods_list_fen,
                discount_fen=priced.discount_fen,
                shipping_fen=priced.shipping_fen,
                payable_fen=priced.payable_fen,
                idempotency_key=key,
                expires_at=now + ttl,
            )
    except IntegrityError:
        winner = Order.objects.filter(merchant_id=merchant.pk, idempotency_key=key).first() if key else None
        if winner is None:
            raise
        raise _Replayed(winner) from None

    order_lines = _write_lines(order, priced, skus)
    for line in order_lines:  # SKU-id order: concurrent orders lock stock rows in one order
        reserve_stock(
            merchant=merchant.pk,
            warehouse=warehouse,
            sku=line.sku,
            quantity=line.quantity,
            reference=order.reservation_reference,
            ttl=ttl,
        )
    OrderEvent.objects.create(merchant_id=merchant.pk, order=order, kind="created", actor=actor)
    record_event(
        merchant_id=merchant.pk,
        name="order.created",
        aggregate=order,
        payload={
            "order_id": order.pk,
            "number": order.number,
            "channel": channel,
            "store_id": order.store_id,
            "member_id": member_id,
            "fulfilment": fulfilment,
            "goods_list_fen": order.goods_list_fen,
            "goods_final_fen": order.goods_final_fen,
            "discount_fen": order.discount_fen,
            "shipping_fen": order.shipping_fen,
            "payable_fen": order.payable_fen,
            "lines": [
                {
                    "line_id": line.pk,
                    "sku_id": line.sku_id,
                    "quantity": line.quantity,
                    "unit_price_fen": line.unit_price_fen,
                    "list_amount_fen": line.list_amount_fen,
                    "final_amount_fen": line.final_amount_fen,
                }
                for line in order_lines
            ],
        },
    )
    return order


def _check_totals(priced: PricedCart) -> None:
    # price_cart promises these; an order must never be written if a step broke them.
    if sum(line.final_amount_fen for line in priced.lines) != priced.goods_final_fen or (
        priced.payable_fen != priced.goods_final_fen + priced.shipping_fen
    ):
        raise AssertionError("priced cart does not add up")


def _write_lines(order: Order, priced: PricedCart, skus: Mapping[int, Sku]) -> list[OrderLine]:
    lines = []
    for priced_line in sorted(priced.lines, key=lambda line: line.sku_id):
        sku = skus[priced_line.sku_id]
        lines.append(
            OrderLine(
                merchant_id=order.merchant_id,
                order=order,
                sku=sku,
                product_name=sku.product.name[:100],
                spec_text=sku.spec_text[:200],
                quantity=priced_line.quantity,
                unit_price_fen=priced_line.unit_price_fen,
                list_amount_fen=priced_line.list_amount_fen,
                final_amount_fen=priced_line.final_amount_fen,
            )
        )
    OrderLine.objects.bulk_create(lines)
    if any(line.pk is None for line in lines):  # backends without RETURNING ids
        by_sku = {line.sku_id: line for line in OrderLine.objects.filter(order=order)}
        lines = [by_sku[line.sku_id] for line in lines]
    by_line_id = {_line_id(line.sku_id): line for line in lines}
    adjustments = []
    for priced_line in priced.lines:
        for part in priced_line.adjustments:
            adjustments.append(_adjustment(order, part, by_line_id[priced_line.line_id]))
    for adjustment in priced.adjustments:
        if not adjustment.line_ids:  # order-level: shipping fees, surcharges, waivers
            adjustments.append(_adjustment(order, adjustment, None))
    OrderAdjustment.objects.bulk_create(adjustments)
    return lines


def _adjustment(order: Order, adjustment: Any, line: OrderLine | None) -> OrderAdjustment:
    return OrderAdjustment(
        merchant_id=order.merchant_id,
        order=order,
        line=line,
        source=adjustment.source[:32],
        kind=adjustment.kind[:32],
        amount_fen=adjustment.amount_fen,
        explanation=str(adjustment.explanation)[:200],
    )


def _order_payload(order: Order, **extra: Any) -> dict[str, Any]:
    return {"order_id": order.pk, "number": order.number, "status": order.status, **extra}


@transaction.atomic
def cancel_order(
    *, order_id: int, merchant: Merchant | int, actor: User | None = None, reason: str = ""
) -> Order:
    """Cancel an unpaid order and give its stock back. Only ``pending_payment`` orders can be
    cancelled here (paid ones go through refunds); anything else is ``ILLEGAL_TRANSITION``."""
    order = get_owned(Order, merchant, pk=order_id)
    if order.status != Order.Status.PENDING_PAYMENT:
        raise refuse(order, order.status, Order.Status.CANCELLED)
    transition(order, Order.Status.CANCELLED, actor=actor, note=reason)
    released = release_reservations(merchant=order.merchant_id, reference=order.reservation_reference)
    record_event(
        merchant_id=order.merchant_id,
        name="order.cancelled",
        aggregate=order,
        payload=_order_payload(order, reason=reason[:200], released=released),
    )
    return order


def expire_unpaid_orders(now: dt.datetime | None = None, *, batch_size: int = 500) -> int:
    """Close every order still pending payment after ``expires_at`` and give its stock back.
    One short transaction per order; an order paid or cancelled meanwhile simply wins. Returns
    how many were closed."""
    now = now or clock.now()
    closed = 0
    last_pk = 0
    while True:
        ids = list(
            Order.objects.filter(status=Order.Status.PENDING_PAYMENT, expires_at__lte=now, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return closed
        for pk in ids:
            closed += _close_one(pk, now)
        last_pk = ids[-1]


@transaction.atomic
def _close_one(order_id: int, now: dt.datetime) -> int:
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PENDING_PAYMENT or order.expires_at is None:
        return 0
    if order.expires_at > now:
        return 0
    try:
        # Timeline notes are stored text, written in the platform language (zh-Hans by default).
        transition(order, Order.Status.CLOSED, note=gettext("Payment deadline passed"))
    except DomainError:
        return 0  # paid or cancelled at the same moment
    released = release_reservations(merchant=order.merchant_id, reference=order.reservation_reference)
    record_event(
        merchant_id=order.merchant_id,
        name="order.closed",
        aggregate=order,
        payload=_order_payload(order, reason="expired", released=released),
    )
    return 1
