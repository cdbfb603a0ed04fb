"""Staff API for orders: search, detail, entering an order, fulfilment (ship, deliver, pickup),
taking payment at the till (cash, payment codes), cancelling, refunds and after-sales, and the
order rules. Store-bound staff see and act on their stores' orders only (another store's or
another merchant's order is 404). Creating routes take an ``Idempotency-Key`` header.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Count
from ninja import Field, Header, Path, Query, Router, Schema, Status

from newretail.api.base import ERRORS, ErrorOut, actor_of
from newretail.api.order_schemas import (
    AfterSaleOut,
    OrderOut,
    OrderSummaryOut,
    RefundOut,
    TenderOut,
    after_sale_out,
    order_out,
    order_summary_out,
    refund_out,
    tender_out,
)
from newretail.core import clock
from newretail.core.tenancy import get_owned
from newretail.orders import queries
from newretail.orders.actions import aftersales, checkout, lifecycle
from newretail.orders.actions.settings import update_order_settings
from newretail.payments.actions import charges, refunds
from newretail.payments.models import Refund
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

router = Router(tags=["orders"])

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
Key = Annotated[str | None, Header(None, alias="Idempotency-Key", max_length=64)]
LocalDate = Annotated[dt.date | None, Query(None, description="A local date (inclusive).")]
PAY_ERRORS = {**ERRORS, 402: ErrorOut, 502: ErrorOut}


class OrderPage(Schema):
    count: int
    items: list[OrderSummaryOut]


def _detail(actor: User, order_id: int) -> OrderOut:
    require_perm(actor, Perm.ORDERS_VIEW)
    order = get_owned(queries.with_details(queries.scoped_orders(actor)), actor.merchant_id, pk=order_id)
    return order_out(order, show_pickup_code=actor.has_perm_code(Perm.ORDERS_FULFIL))


def _local_midnight(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.DEFAULT_ZONE)


@router.get("/orders", response={200: OrderPage, **ERRORS})
def list_orders(
    request,
    channel: str = Query("", max_length=16),
    status: str = Query("", max_length=20),
    fulfilment: str = Query("", max_length=16),
    store_id: int | None = Query(None, ge=1, le=MAX_ID),
    created_from: LocalDate = None,
    created_to: LocalDate = None,
    member_phone: str = Query("", max_length=20, description="The full number or its last 4 digits."),
    number: str = Query("", max_length=32),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    actor = require_perm(actor_of(request), Perm.ORDERS_VIEW)
    orders = queries.search_orders(
        queries.scoped_orders(actor),
        channel=channel,
        status=status,
        fulfilment=fulfilment,
        store_id=store_id,
        created_from=_local_midnight(created_from),
        created_before=_local_midnight(created_to + dt.timedelta(days=1)) if created_to else None,
        member_phone=member_phone,
        number=number,
    ).annotate(item_count=Count("lines"))
    return OrderPage(
        count=orders.count(), items=[order_summary_out(o) for o in orders[offset : offset + limit]]
    )


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS})
def get_order(request, order_id: PathId):
    return _detail(actor_of(request), order_id)


class LineIn(Schema):
    sku_id: Id
    quantity: int = Field(..., ge=1, le=10_000_000)


class AddressIn(Schema):
    recipient: str = Field(..., max_length=50)
    phone: str = Field(..., max_length=30)
    province: str = Field(..., max_length=32)
    city: str = Field(..., max_length=32)
    district: str = Field("", max_length=32)
    detail: str = Field(..., max_length=200)
    latitude: str = Field("", max_length=12)
    longitude: str = Field("", max_length=12)


class OrderIn(Schema):
    channel: str = Field(..., pattern="^(mall|pos|scan_to_buy|points_mall)$")
    fulfilment: str = Field(..., pattern="^(express|delivery|pickup|in_store)$")
    lines: list[LineIn] = Field(..., min_length=1, max_length=200)
    store_id: Id | None = None
    warehouse_id: Id | None = Field(
        None, description="Fulfil from this warehouse instead of the usual choice."
    )
    member_id: Id | None = None
    address: AddressIn | None = None
    buyer_note: str = Field("", max_length=200)
    coupon_codes: list[Annotated[str, Field(min_length=4, max_length=40)]] = Field(
        [], max_length=5, description="Coupon codes scanned at the till (核销); they name the member too."
    )


@router.post("/orders", response={201: OrderOut, **ERRORS})
def create_order(request, body: OrderIn, idempotency_key: Key = None):
    actor = actor_of(request)
    order = checkout.create_staff_order(
        actor=actor,
        channel=body.channel,
        fulfilment=body.fulfilment,
        lines=[line.model_dump() for line in body.lines],
        store_id=body.store_id,
        warehouse_id=body.warehouse_id,
        member_id=body.member_id,
        address=body.address.model_dump() if body.address else None,
        buyer_note=body.buyer_note,
        idempotency_key=idempotency_key,
        coupon_codes=body.coupon_codes,
    )
    return Status(
        201, order_out(queries.for_display(order), show_pickup_code=actor.has_perm_code(Perm.ORDERS_FULFIL))
    )


class ShipIn(Schema):
    carrier: str = Field(..., max_length=50, description="e.g. 顺丰速运")
    tracking_number: str = Field(..., max_length=50)


class NoteIn(Schema):
    note: str = Field("", max_length=200)


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class PickupCodeIn(Schema):
    code: str = Field(..., max_length=20, description="The 6 digits the shopper shows (or the QR's content).")


@router.post("/orders/{order_id}/start-fulfilment", response={200: OrderOut, **ERRORS})
def start_fulfilment(request, order_id: PathId):
    actor = actor_of(request)
    lifecycle.start_fulfilment(actor=actor, order_id=order_id)
    return _detail(actor, order_id)


@router.post("/orders/{order_id}/ship", response={200: OrderOut, **ERRORS})
def ship(request, body: ShipIn, order_id: PathId):
    actor = actor_of(request)
    lifecycle.ship_order(
        actor=actor, order_id=order_id, carrier=body.carrier, tracking_number=body.tracking_number
    )
    return _detail(actor, order_id)


@router.post("/orders/{order_id}/out-for-delivery", response={200: OrderOut, **ERRORS})
def out_for_delivery(request, body: NoteIn, order_id: PathId):
    actor = actor_of(request)
    lifecycle.send_out_for_delivery(actor=actor, order_id=order_id, note=body.note)
    return _detail(actor, order_id)


@router.post("/orders/{order_id}/delivered", response={200: OrderOut, **ERRORS})
def delivered(request, order_id: PathId):
    actor = actor_of(request)
    lifecycle.mark_delivered(actor=actor, order_id=order_id)
    return _detail(actor, order_id)


@router.post("/orders/{order_id}/ready-for-pickup", response={200: OrderOut, **ERRORS})
def ready_for_pickup(request, order_id: PathId):
    actor = actor_of(request)
    lifecycle.mark_ready_for_pickup(actor=actor, order_id=order_id)
    return _detail(actor, order_id)


@router.post("/pickups/verify", response={200: OrderOut, **ERRORS})
def verify_pickup(request, body: PickupCodeIn):
    """Hand over a pickup order by its code (rate-limited per staff member)."""
    actor = actor_of(request)
    order = lifecycle.verify_pickup(actor=actor, code=body.code)
    return _detail(actor, order.pk)


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS})
def cancel(request, body: ReasonIn, order_id: PathId, idempotency_key: Key = None):
    """Unpaid: cancelled. Paid and not handed over: refunded in full through the original
    payment methods, goods back on the shelf (needs orders.refund)."""
    actor = actor_of(request)
    lifecycle.cancel_order(
        order_id=order_id,
        merchant=actor.merchant_id,
        actor=actor,
        reason=body.reason,
        idempotency_key=idempotency_key,
    )
    return _detail(actor, order_id)


# --- payment at the till ---------------------------------------------------------------------


class StaffPayIn(Schema):
    kind: str = Field(
        ..., max_length=20, description="cash, wechat_micropay, alipay_micropay or wechat_native."
    )
    amount_fen: int | None = Field(
        None, ge=1, description="A part, for mixed tenders; default: all that is left."
    )
    auth_code: str = Field("", max_length=32, description="Micropay: the shopper's payment code as scanned.")


@router.post("/orders/{order_id}/payments", response={200: TenderOut, **PAY_ERRORS})
def take_payment(request, body: StaffPayIn, order_id: PathId, idempotency_key: Key = None):
    actor = actor_of(request)
    tender = charges.pay_order(
        order_id=order_id,
        kind=body.kind,
        actor=actor,
        amount_fen=body.amount_fen,
        auth_code=body.auth_code,
        idempotency_key=idempotency_key,
    )
    return tender_out(tender)


@router.post("/tenders/{tender_id}/poll", response={200: TenderOut, **ERRORS})
def poll_tender(request, tender_id: PathId):
    """Ask the provider whether a pending payment-code charge went through."""
    return tender_out(charges.poll_tender(tender_id=tender_id, actor=actor_of(request)))


# --- refunds and after-sales -----------------------------------------------------------------


class RefundLineIn(Schema):
    order_line_id: Id
    quantity: int = Field(..., ge=1, le=10_000_000)
    restock: int | None = Field(None, ge=0, description="Return: units fit to sell (default: all).")
    damaged: int = Field(0, ge=0, description="Return: units that go to the damaged-goods warehouse.")


class StaffRefundIn(Schema):
    kind: str = Field(..., pattern="^(refund_only|return_refund)$")
    reason: str = Field(..., max_length=20)
    description: str = Field("", max_length=500)
    lines: list[RefundLineIn] = Field(..., min_length=1, max_length=200)


@router.post("/orders/{order_id}/refunds", response={201: AfterSaleOut, **ERRORS})
def refund_items(request, body: StaffRefundIn, order_id: PathId, idempotency_key: Key = None):
    """Refund items now (at the counter, or for customer service): the after-sales request is
    recorded and approved at once; a return books the goods back with the counts given."""
    actor = actor_of(request)
    lines = []
    for line in body.lines:
        given = line.model_dump()
        if given["restock"] is None:
            given.pop("restock")
        lines.append(given)
    after_sale = aftersales.refund_at_counter(
        actor=actor,
        order_id=order_id,
        kind=body.kind,
        reason=body.reason,
        description=body.description,
        lines=lines,
        idempotency_key=idempotency_key,
    )
    return Status(201, _after_sale(actor, after_sale.pk))


def _after_sale(actor: User, after_sale_id: int) -> AfterSaleOut:
    require_perm(actor, Perm.ORDERS_VIEW)
    found = get_owned(
        queries.scoped_after_sales(actor)
        .select_related("order")
        .prefetch_related("lines__order_line", "photos"),
        actor.merchant_id,
        pk=after_sale_id,
    )
    return after_sale_out(found)


@router.get("/after-sales", response={200: list[AfterSaleOut], **ERRORS})
def list_after_sales(
    request,
    status: str = Query("", max_length=20),
    kind: str = Query("", max_length=20),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    actor = require_perm(actor_of(request), Perm.ORDERS_VIEW)
    found = (
        queries.scoped_after_sales(actor)
        .select_related("order")
        .prefetch_related("lines__order_line", "photos")
    )
    if status:
        found = found.filter(status=status)
    if kind:
        found = found.filter(kind=kind)
    return [after_sale_out(a) for a in found.order_by("-id")[offset : offset + limit]]


@router.get("/after-sales/{after_sale_id}", response={200: AfterSaleOut, **ERRORS})
def get_after_sale(request, after_sale_id: PathId):
    return _after_sale(actor_of(request), after_sale_id)


@router.post("/after-sales/{after_sale_id}/approve", response={200: AfterSaleOut, **ERRORS})
def approve(request, body: NoteIn, after_sale_id: PathId):
    actor = actor_of(request)
    aftersales.approve_after_sale(actor=actor, after_sale_id=after_sale_id, note=body.note)
    return _after_sale(actor, after_sale_id)


class RejectIn(Schema):
    note: str = Field(..., min_length=1, max_length=200, description="Why; the shopper sees it.")


@router.post("/after-sales/{after_sale_id}/reject", response={200: AfterSaleOut, **ERRORS})
def reject(request, body: RejectIn, after_sale_id: PathId):
    actor = actor_of(request)
    aftersales.reject_after_sale(actor=actor, after_sale_id=after_sale_id, note=body.note)
    return _after_sale(actor, after_sale_id)


class ReturnCountIn(Schema):
    after_sale_line_id: Id
    restock: int = Field(..., ge=0)
    damaged: int = Field(0, ge=0)


class ReceiveIn(Schema):
    lines: list[ReturnCountIn] = Field(..., min_length=1, max_length=200)


@router.post("/after-sales/{after_sale_id}/receive", response={200: AfterSaleOut, **ERRORS})
def receive(request, body: ReceiveIn, after_sale_id: PathId):
    """The returned goods arrived: counts per line (fit to sell / damaged); the refund starts."""
    actor = actor_of(request)
    aftersales.receive_returned_goods(
        actor=actor,
        after_sale_id=after_sale_id,
        counts={line.after_sale_line_id: (line.restock, line.damaged) for line in body.lines},
    )
    return _after_sale(actor, after_sale_id)


@router.post("/refunds/{refund_id}/retry", response={200: RefundOut, **ERRORS})
def retry_refund(request, refund_id: PathId):
    actor = actor_of(request)
    refund = refunds.retry_refund(actor=actor, refund_id=refund_id)
    return refund_out(Refund.objects.prefetch_related("tender_refunds__tender").get(pk=refund.pk))


# --- order rules -----------------------------------------------------------------------------


class OrderSettingsOut(Schema):
    unpaid_minutes: int
    auto_complete_days: int
    after_sale_days: int


class OrderSettingsIn(Schema):
    unpaid_minutes: int | None = Field(None, ge=1, le=7 * 24 * 60)
    auto_complete_days: int | None = Field(None, ge=1, le=60)
    after_sale_days: int | None = Field(None, ge=0, le=365)


@router.get("/order-settings", response={200: OrderSettingsOut, **ERRORS})
def get_order_settings(request):
    actor = require_perm(actor_of(request), Perm.ORDERS_VIEW)
    return queries.order_settings_for(actor.merchant_id)


@router.patch("/order-settings", response={200: OrderSettingsOut, **ERRORS})
def patch_order_settings(request, body: OrderSettingsIn):
    changes = {name: value for name, value in body.model_dump().items() if value is not None}
    return update_order_settings(actor=actor_of(request), **changes)
