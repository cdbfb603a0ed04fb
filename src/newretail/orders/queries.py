"""Reads of the order domain that views, the API and other domains use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy

from newretail.core.prepared import read_prepared
from newretail.core.tenancy import merchant_id_of
from newretail.orders.models import AfterSale, AfterSaleLine, Order, OrderEvent, OrderLine, OrderSettings
from newretail.orders.state import NOT_YET_FULFILLED, PAID_STATUSES
from newretail.tenancy.models import Merchant, User
from newretail.tenancy.roles import Perm

SETTINGS_FIELDS = ("unpaid_minutes", "auto_complete_days", "after_sale_days")


def order_settings_for(merchant: Merchant | int) -> OrderSettings:
    """The merchant's order rules, or an unsaved row holding the defaults."""
    merchant_id = merchant_id_of(merchant)
    settings = OrderSettings.objects.filter(merchant_id=merchant_id).first()
    return settings or OrderSettings(merchant_id=merchant_id)


@dataclass(frozen=True)
class OrderRules:
    unpaid_minutes: int
    auto_complete_days: int
    after_sale_days: int


RULES_CACHE_SECONDS = 3600


def rules_cache_key(merchant_id: int) -> str:
    return f"orders:rules:{merchant_id}"


def order_rules_for(merchant: Merchant | int) -> OrderRules:
    """The merchant's order rules as plain values, from the cache when fresh (checkout reads them
    on every order; ``update_order_settings`` drops the cached copy on commit)."""
    merchant_id = merchant_id_of(merchant)
    rules = cache.get(rules_cache_key(merchant_id))
    if rules is None:
        settings = order_settings_for(merchant_id)
        rules = OrderRules(**{name: getattr(settings, name) for name in SETTINGS_FIELDS})
        cache.set(rules_cache_key(merchant_id), rules, RULES_CACHE_SECONDS)
    return rules


def order_with_key(merchant_id: int, key: str) -> Order | None:
    """The merchant's order placed with idempotency ``key``, or None. Every order placed with a
    key asks first, and almost always finds none: on PostgreSQL that is a prepared read of the
    id alone, and only a replay loads the order."""
    if connection.vendor != "postgresql":
        return Order.objects.filter(merchant_id=merchant_id, idempotency_key=key).first()
    found = read_prepared(
        f"SELECT id FROM {connection.ops.quote_name(Order._meta.db_table)} "  # noqa: S608 (the model's table)
        "WHERE merchant_id = %(merchant)s::bigint AND idempotency_key = %(key)s::varchar",
        {"merchant": merchant_id, "key": key},
    )
    return Order.objects.filter(pk=found[0][0]).first() if found else None


def unpaid_ttl(merchant: Merchant | int) -> dt.timedelta:
    return dt.timedelta(minutes=order_rules_for(merchant).unpaid_minutes)


# Status filters that stand for several statuses (dashboard links, "what needs doing").
STATUS_GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "to_fulfil": (gettext_lazy("To fulfil (paid, preparing)"), (Order.Status.PAID, Order.Status.FULFILLING)),
    "awaiting_pickup": (
        gettext_lazy("Awaiting pickup (paid, preparing, ready)"),
        (Order.Status.PAID, Order.Status.FULFILLING, Order.Status.READY_FOR_PICKUP),
    ),
}


def scoped_orders(actor: User) -> QuerySet[Order]:
    """Orders a staff member may see: all of the merchant's for HQ roles; store-bound staff see
    their stores' orders only (express orders shipped from a central warehouse have no store)."""
    orders = Order.objects.for_merchant(actor.merchant_id)
    store_ids = actor.store_ids()
    return orders if store_ids is None else orders.filter(store_id__in=store_ids)


def scoped_after_sales(actor: User) -> QuerySet[AfterSale]:
    after_sales = AfterSale.objects.for_merchant(actor.merchant_id)
    store_ids = actor.store_ids()
    return after_sales if store_ids is None else after_sales.filter(order__store_id__in=store_ids)


def search_orders(
    orders: QuerySet[Order],
    *,
    channel: str = "",
    status: str = "",
    store_id: int | None = None,
    fulfilment: str = "",
    created_from: dt.datetime | None = None,
    created_before: dt.datetime | None = None,
    member_phone: str = "",
    number: str = "",
) -> QuerySet[Order]:
    """Filter a scoped order queryset the way the console list and the staff API do. The date
    window is ``[created_from, created_before)``. A phone filter matches the member's phone or
    the recipient's (exact or its last four digits)."""
    if channel:
        orders = orders.filter(channel=channel)
    if status:
        orders = orders.filter(status=status)
    if store_id:
        orders = orders.filter(store_id=store_id)
    if fulfilment:
        orders = orders.filter(fulfilment=fulfilment)
    if created_from:
        orders = orders.filter(created_at__gte=created_from)
    if created_before:
        orders = orders.filter(created_at__lt=created_before)
    phone = "".join(ch for ch in member_phone if ch.isdigit())[:11]
    if phone:
        if len(phone) == 4:
            orders = orders.filter(
                Q(member__phone__endswith=phone) | Q(shipping_address__phone__endswith=phone)
            )
        else:
            orders = orders.filter(Q(member__phone=phone) | Q(shipping_address__phone=phone))
    number = number.strip()[:32]
    if number:
        orders = orders.filter(number__iexact=number)
    return orders.select_related("store", "member").order_by("-id")


def with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Everything an order page shows, in a fixed number of queries."""
    return orders.select_related("store", "warehouse", "member", "payment").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("sku_id")),
        "adjustments",
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("id")),
        "payment__tenders",
        "refunds__tender_refunds__tender",
        Prefetch(
            "after_sales",
            queryset=AfterSale.objects.select_related("order").prefetch_related(
                "lines__order_line", "photos"
            ),
        ),
    )


def for_display(order: Order) -> Order:
    """``order`` ready for ``with_details``-style rendering: as it is when it carries its rows
    (an order just created by ``create_order``), otherwise read again with its details (e.g. an
    older order returned for a replayed idempotency key)."""
    if getattr(order, "_prefetched_objects_cache", {}).get("lines") is not None:
        return order
    return with_details(Order.objects.filter(pk=order.pk)).get()


def open_after_sale_quantities(order: Order) -> dict[int, int]:
    """{order line id: quantity in open after-sales requests} — not yet refunded, not to be asked
    again."""
    # A request with a refund (refunding) is already counted in the line's refunded quantity.
    return dict(
        AfterSaleLine.objects.filter(
            after_sale__order=order,
            after_sale__status__in=AfterSale.OPEN_STATUSES,
            after_sale__refund__isnull=True,
        )
        .values("order_line_id")
        .annotate(asked=Sum("quantity"))
        .values_list("order_line_id", "asked")
    )


def refundable_quantities(order: Order, lines: Iterable[OrderLine]) -> dict[int, int]:
    """{order line id: quantity that may still be asked back}: bought, less refunded, less what
    open after-sales requests already ask for."""
    asked = open_after_sale_quantities(order)
    return {line.pk: line.quantity - line.refunded_quantity - asked.get(line.pk, 0) for line in lines}


def staff_order_actions(actor: User, order: Order, lines: Iterable[OrderLine]) -> dict[str, bool]:
    """Which staff actions the order's status and fulfilment and the actor's role allow now, for
    pages to offer (``lines``: the order's lines); the actions check again."""
    S, F = Order.Status, Order.Fulfilment
    fulfil = actor.has_perm_code(Perm.ORDERS_FULFIL)
    refund = actor.has_perm_code(Perm.ORDERS_REFUND)
    status, kind = order.status, order.fulfilment
    before_handover = status in (S.PAID, S.FULFILLING)
    can_refund_items = (
        refund
        and status in PAID_STATUSES
        and any(n > 0 for n in refundable_quantities(order, lines).values())
    )
    return {
        "start": fulfil and status == S.PAID and kind in (F.EXPRESS, F.DELIVERY, F.PICKUP),
        "ship": fulfil and kind == F.EXPRESS and before_handover,
        "out_for_delivery": fulfil and kind == F.DELIVERY and before_handover,
        "delivered": fulfil and kind == F.DELIVERY and status == S.OUT_FOR_DELIVERY,
        "ready": fulfil and kind == F.PICKUP and before_handover,
        "cancel_unpaid": fulfil and status == S.PENDING_PAYMENT,
        "cancel_paid": refund and status in NOT_YET_FULFILLED,
        "refund_items": can_refund_items,
        "retry_refund": refund,
    }


def staff_after_sale_actions(actor: User, after_sale: AfterSale) -> dict[str, bool]:
    """Which decisions on an after-sales request its status and the actor's role allow now; the
    actions check again."""
    AS = AfterSale.Status
    decide = actor.has_perm_code(Perm.ORDERS_REFUND)
    return {
        "approve": decide and after_sale.status == AS.REQUESTED,
        "reject": decide and after_sale.status in (AS.REQUESTED, AS.AWAITING_RETURN),
        "receive": decide and after_sale.status == AS.AWAITING_RETURN,
    }


def event_label(kind: str) -> str:
    """The timeline's words for an order event ("created" or the status it moved to)."""
    if kind == "created":
        return str(gettext_lazy("Order placed"))
    try:
        return str(Order.Status(kind).label)
    except ValueError:
        return kind


# --- members with what they bought (the console's member list) --------------------------------


def members_with_spend(
    merchant_id: int,
    *,
    q: str = "",
    level: int | None = None,
    store: int | None = None,
    min_spend: int | None = None,
    ordered_within_days: int | None = None,
    now: dt.datetime | None = None,
):
    """The merchant's members with ``spent_fen`` (paid goods orders, net of refunds) and
    ``last_order_at``, filtered: ``q`` is a whole phone, its last 4 digits or part of the name."""
    from django.db.models import F, Max, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from newretail.core import clock
    from newretail.members.models import Member

    paid = Order.objects.filter(
        member_id=OuterRef("pk"), kind=Order.Kind.GOODS, status__in=PAID_STATUSES
    ).values("member_id")
    members = (
        Member.objects.for_merchant(merchant_id)
        .select_related("level", "registered_store")
        .annotate(
            spent_fen=Coalesce(
                Subquery(paid.annotate(total=Sum(F("payable_fen") - F("refunded_fen"))).values("total")[:1]),
                0,
            ),
            last_order_at=Subquery(
                Order.objects.filter(member_id=OuterRef("pk"), kind=Order.Kind.GOODS)
                .values("member_id")
                .annotate(last=Max("created_at"))
                .values("last")[:1]
            ),
        )
    )
    q = (q or "").strip()
    if q.isdigit() and len(q) == 11:
        members = members.filter(phone=q)
    elif q.isdigit() and len(q) == 4:
        members = members.filter(phone__endswith=q)
    elif q:
        members = members.filter(Q(name__icontains=q) | Q(phone__startswith=q))
    if level:
        members = members.filter(level_id=level)
    if store:
        members = members.filter(registered_store_id=store)
    if min_spend:
        members = members.filter(spent_fen__gte=min_spend)
    if ordered_within_days:
        since = (now or clock.now()) - dt.timedelta(days=ordered_within_days)
        members = members.filter(last_order_at__gte=since)
    return members.order_by("-id")
