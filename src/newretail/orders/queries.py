"""Reads of the order domain that views, the API and other domains use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet

from newretail.core.tenancy import merchant_id_of
from newretail.orders.models import AfterSale, Order, OrderEvent, OrderLine, OrderSettings
from newretail.tenancy.models import Merchant, User

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


def unpaid_ttl(merchant: Merchant | int) -> dt.timedelta:
    return dt.timedelta(minutes=order_rules_for(merchant).unpaid_minutes)


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


def open_after_sale_quantities(order: Order) -> dict[int, int]:
    """{order line id: quantity in open after-sales requests} — not yet refunded, not to be asked
    again."""
    quantities: dict[int, int] = {}
    # A request with a refund (refunding) is already counted in the line's refunded quantity.
    open_requests = order.after_sales.filter(status__in=AfterSale.OPEN_STATUSES, refund__isnull=True)
    for after_sale in open_requests.prefetch_related("lines"):
        for line in after_sale.lines.all():
            quantities[line.order_line_id] = quantities.get(line.order_line_id, 0) + line.quantity
    return quantities
