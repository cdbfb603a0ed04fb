"""Output shapes of orders, payments and after-sales shared by the shopper API (/shop/…) and the
staff API (/orders, /after-sales). Money is integer fen; statuses are the stable codes with a
``*_label`` in the user's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from newretail.core.privacy import mask_phone
from newretail.orders.models import AfterSale, Order
from newretail.payments.models import Refund, Tender


class AddressSnapshotOut(Schema):
    recipient: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""
    latitude: str = ""
    longitude: str = ""


class OrderLineOut(Schema):
    id: int
    sku_id: int
    product_name: str
    spec_text: str
    quantity: int = Field(..., description="Pieces, or grams for goods sold by weight.")
    unit_price_fen: int
    list_amount_fen: int
    final_amount_fen: int
    refunded_quantity: int
    refunded_fen: int


class AdjustmentOut(Schema):
    line_id: int | None
    source: str
    kind: str
    amount_fen: int
    explanation: str


class TimelineOut(Schema):
    kind: str
    note: str
    created_at: dt.datetime


class TenderOut(Schema):
    id: int
    kind: str
    kind_label: str
    amount_fen: int
    status: str
    status_label: str
    out_trade_no: str
    action: dict[str, Any] = Field(
        ...,
        description="What the client does next: redirect / qr / jsapi / poll / none (see the gateway docs).",
    )
    failure_reason: str
    refunded_fen: int
    succeeded_at: dt.datetime | None


class PaymentOut(Schema):
    status: str = Field(..., description="none (nothing started), pending, succeeded or cancelled.")
    amount_fen: int
    paid_fen: int
    tenders: list[TenderOut]


class RefundPartOut(Schema):
    kind: str
    amount_fen: int
    status: str


class RefundOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    status_label: str
    amount_fen: int
    shipping_fen: int
    reason: str
    created_at: dt.datetime
    succeeded_at: dt.datetime | None
    parts: list[RefundPartOut]


class AfterSaleLineOut(Schema):
    id: int
    order_line_id: int
    product_name: str
    quantity: int
    amount_fen: int
    restocked_quantity: int
    damaged_quantity: int


class AfterSaleOut(Schema):
    id: int
    number: str
    order_id: int
    order_number: str
    kind: str
    status: str
    status_label: str
    reason: str
    reason_label: str
    description: str
    amount_fen: int
    include_shipping: bool
    decision_note: str
    return_carrier: str
    return_tracking_number: str
    photos: int
    lines: list[AfterSaleLineOut]
    created_at: dt.datetime
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None


class OrderSummaryOut(Schema):
    id: int
    number: str
    channel: str
    kind: str = Field("goods", description="goods, or recharge (stored value: no lines, nothing to fulfil).")
    status: str
    status_label: str
    fulfilment: str
    store_id: int | None
    store_name: str | None
    member_id: int | None
    member_phone: str = Field("", description="Masked (138****1234).")
    payable_fen: int
    refunded_fen: int
    items: int
    created_at: dt.datetime


class OrderOut(OrderSummaryOut):
    warehouse_id: int | None
    goods_list_fen: int
    discount_fen: int
    shipping_fen: int
    goods_final_fen: int
    shipping_address: AddressSnapshotOut
    delivery_distance_m: int | None
    buyer_note: str
    pickup_code: str = Field("", description="Store pickup: shown once the order is paid.")
    carrier: str
    tracking_number: str
    expires_at: dt.datetime | None
    paid_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    completed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    auto_complete_at: dt.datetime | None
    lines: list[OrderLineOut]
    adjustments: list[AdjustmentOut]
    timeline: list[TimelineOut]
    payment: PaymentOut
    refunds: list[RefundOut]
    after_sales: list[AfterSaleOut]


def tender_out(tender: Tender) -> TenderOut:
    action = {k: v for k, v in (tender.action or {}).items() if k != "openid"}
    return TenderOut(
        id=tender.pk,
        kind=tender.kind,
        kind_label=str(tender.get_kind_display()),
        amount_fen=tender.amount_fen,
        status=tender.status,
        status_label=str(tender.get_status_display()),
        out_trade_no=tender.out_trade_no,
        action=action if tender.status == Tender.Status.PENDING else {},
        failure_reason=tender.failure_reason,
        refunded_fen=tender.refunded_fen,
        succeeded_at=tender.succeeded_at,
    )


def payment_out(order: Order) -> PaymentOut:
    try:
        intent = order.payment
    except Order.payment.RelatedObjectDoesNotExist:
        intent = None
    if intent is None:
        return PaymentOut(status="none", amount_fen=order.payable_fen, paid_fen=0, tenders=[])
    return PaymentOut(
        status=intent.status,
        amount_fen=intent.amount_fen,
        paid_fen=intent.paid_fen,
        tenders=[tender_out(t) for t in sorted(intent.tenders.all(), key=lambda t: t.pk)],
    )


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.pk,
        number=refund.number,
        kind=refund.kind,
        status=refund.status,
        status_label=str(refund.get_status_display()),
        amount_fen=refund.amount_fen,
        shipping_fen=refund.shipping_fen,
        reason=refund.reason,
        created_at=refund.created_at,
        succeeded_at=refund.succeeded_at,
        parts=[
            RefundPartOut(kind=part.tender.kind, amount_fen=part.amount_fen, status=part.status)
            for part in refund.tender_refunds.all()
        ],
    )


def after_sale_out(after_sale: AfterSale) -> AfterSaleOut:
    return AfterSaleOut(
        id=after_sale.pk,
        number=after_sale.number,
        order_id=after_sale.order_id,
        order_number=after_sale.order.number,
        kind=after_sale.kind,
        status=after_sale.status,
        status_label=str(after_sale.get_status_display()),
        reason=after_sale.reason,
        reason_label=str(after_sale.get_reason_display()),
        description=after_sale.description,
        amount_fen=after_sale.amount_fen,
        include_shipping=after_sale.include_shipping,
        decision_note=after_sale.decision_note,
        return_carrier=after_sale.return_carrier,
        return_tracking_number=after_sale.return_tracking_number,
        photos=len(after_sale.photos.all()),
        lines=[
            AfterSaleLineOut(
                id=line.pk,
                order_line_id=line.order_line_id,
                product_name=line.order_line.product_name,
                quantity=line.quantity,
                amount_fen=line.amount_fen,
                restocked_quantity=line.restocked_quantity,
                damaged_quantity=line.damaged_quantity,
            )
            for line in after_sale.lines.all()
        ],
        created_at=after_sale.created_at,
        decided_at=after_sale.decided_at,
        closed_at=after_sale.closed_at,
    )


def _summary_fields(order: Order, *, items: int) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "channel": order.channel,
        "kind": order.kind,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "fulfilment": order.fulfilment,
        "store_id": order.store_id,
        "store_name": order.store.name if order.store_id else None,
        "member_id": order.member_id,
        "member_phone": mask_phone(order.member.phone) if order.member_id else "",
        "payable_fen": order.payable_fen,
        "refunded_fen": order.refunded_fen,
        "items": items,
        "created_at": order.created_at,
    }


def order_summary_out(order: Order) -> OrderSummaryOut:
    """Needs ``items`` annotated (the number of lines) and store/member selected."""
    return OrderSummaryOut(**_summary_fields(order, items=getattr(order, "item_count", 0)))


def order_out(order: Order, *, show_pickup_code: bool) -> OrderOut:
    """An order with everything (use ``orders.queries.with_details`` to load it)."""
    lines = list(order.lines.all())
    pickup_code = (
        order.pickup_code
        if show_pickup_code
        and order.status
        in (
            Order.Status.PAID,
            Order.Status.FULFILLING,
            Order.Status.READY_FOR_PICKUP,
        )
        else ""
    )
    return OrderOut(
        **_summary_fields(order, items=len(lines)),
        warehouse_id=order.warehouse_id,
        goods_list_fen=order.goods_list_fen,
        discount_fen=order.discount_fen,
        shipping_fen=order.shipping_fen,
        goods_final_fen=order.goods_final_fen,
        shipping_address=AddressSnapshotOut(
            **{
                k: str(v)
                for k, v in (order.shipping_address or {}).items()
                if k in AddressSnapshotOut.model_fields
            }
        ),
        delivery_distance_m=order.delivery_distance_m,
        buyer_note=order.buyer_note,
        pickup_code=pickup_code,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        expires_at=order.expires_at if order.status == Order.Status.PENDING_PAYMENT else None,
        paid_at=order.paid_at,
        fulfilled_at=order.fulfilled_at,
        completed_at=order.completed_at,
        cancelled_at=order.cancelled_at,
        auto_complete_at=order.auto_complete_at,
        lines=[OrderLineOut.model_validate(line, from_attributes=True) for line in lines],
        adjustments=[
            AdjustmentOut(
                line_id=a.line_id,
                source=a.source,
                kind=a.kind,
                amount_fen=a.amount_fen,
                explanation=a.explanation,
            )
            for a in order.adjustments.all()
        ],
        timeline=[TimelineOut(kind=e.kind, note=e.note, created_at=e.created_at) for e in order.events.all()],
        payment=payment_out(order),
        refunds=[refund_out(r) for r in order.refunds.all()],
        after_sales=[after_sale_out(a) for a in order.after_sales.all()],
    )
