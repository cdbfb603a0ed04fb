"""An order's life after it is placed: paid, fulfilled (shipped, ready for pickup, out for
delivery), completed, cancelled or closed. Every change goes through ``orders.state.transition``
(a conditional UPDATE), writes the timeline and records its ``order.*`` event in the same
transaction."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from newretail.core import clock, ratelimit
from newretail.core.batches import pks_in_batches
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.core.tenancy import get_owned
from newretail.inventory.actions.reservations import release_reservations
from newretail.members.actions.cards import activate_card_purchase
from newretail.members.actions.wallet import credit_recharge
from newretail.members.models import Member
from newretail.orders.access import member_order, staff_order
from newretail.orders.actions.stock import consume_order_holds, return_to_stock
from newretail.orders.errors import OrderError
from newretail.orders.gates import check_fulfilment_allowed
from newretail.orders.models import Order, OrderLine
from newretail.orders.payloads import line_payload, order_payload
from newretail.orders.queries import order_rules_for, scoped_orders
from newretail.orders.state import NOT_YET_FULFILLED, refuse, transition
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import Merchant, User
from newretail.tenancy.roles import Perm

logger = logging.getLogger(__name__)

S = Order.Status
F = Order.Fulfilment
PICKUP_CODE_RE = re.compile(r"^\d{6}$")
MAX_CARRIER = 50
MAX_TRACKING = 50
# Guessing a 6-digit code at the counter must be slow: attempts per staff member per window.
PICKUP_VERIFY_LIMIT = 20
PICKUP_VERIFY_WINDOW = 300


# Timeline notes are stored text, written in the platform language (zh-Hans by default);
# ``transition`` cuts them to the column's 200 characters.


# --- paid ------------------------------------------------------------------------------------


def _assign_pickup_code(order: Order) -> None:
    """A random 6-digit code unique among the merchant's open pickup orders (the partial unique
    constraint decides; a collision draws again)."""
    for _attempt in range(20):
        code = f"{secrets.randbelow(10**6):06d}"
        try:
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(pickup_code=code)
        except IntegrityError:
            continue
        order.pickup_code = code
        return
    raise RuntimeError("could not draw a free pickup code")  # 20 collisions in a million: a bug


def mark_order_paid(
    *,
    order: Order,
    tenders: Sequence[dict[str, Any]],
    paid_at: dt.datetime | None = None,
    actor: User | None = None,
) -> Order:
    """Called by payments (or by checkout for an order that costs nothing) inside its
    transaction, once the tenders cover the order: pending_payment → paid, the holds become
    sales, a pickup order gets its code, an in-store sale completes at once (the goods leave with
    the shopper), and ``order.paid`` is recorded with the line amounts and
    the tenders (points and commissions are computed from them, never on points-paid parts).
    Refused with ``ILLEGAL_TRANSITION`` if the order is no longer pending payment;
    ``INSUFFICIENT_STOCK`` if a lapsed hold cannot be taken again."""
    lines = list(OrderLine.objects.filter(order=order).order_by("sku_id"))
    transition(order, S.PAID, actor=actor, paid_at=paid_at or clock.now())
    consume_order_holds(order, lines)
    if order.fulfilment == F.PICKUP:
        _assign_pickup_code(order)
    record_event(
        merchant_id=order.merchant_id,
        name="order.paid",
        aggregate=order,
        payload=order_payload(
            order,
            payable_fen=order.payable_fen,
            goods_final_fen=order.goods_final_fen,
            shipping_fen=order.shipping_fen,
            paid_at=order.paid_at.isoformat() if order.paid_at else None,
            lines=[line_payload(line) for line in lines],
            tenders=[{"kind": t["kind"], "amount_fen": t["amount_fen"]} for t in tenders],
        ),
    )
    if order.kind == Order.Kind.RECHARGE:  # the money goes into the wallet now; nothing to fulfil
        credit_recharge(order_id=order.pk, store_id=order.store_id, paid_at=order.paid_at)
        _complete(order, actor=actor, lines=lines)
    elif order.kind == Order.Kind.CARD:  # the card starts (or is renewed) now; nothing to fulfil
        activate_card_purchase(order_id=order.pk, paid_at=order.paid_at)
        _complete(order, actor=actor, lines=lines)
    elif order.fulfilment == F.IN_STORE:  # sold at the till: the goods leave with the shopper
        _complete(order, actor=actor, lines=lines)
    return order


# --- fulfilment ------------------------------------------------------------------------------


def _require_fulfilment(order: Order, *kinds: str) -> None:
    if order.fulfilment not in kinds:
        raise DomainError(
            OrderError.WRONG_FULFILMENT, number=order.number, fulfilment=order.get_fulfilment_display()
        )


def _to_fulfilling(order: Order, actor: User | None) -> None:
    if order.status == S.PAID:
        transition(order, S.FULFILLING, actor=actor)


def _fulfilled(order: Order, **extra: Any) -> None:
    lines = OrderLine.objects.filter(order=order).order_by("sku_id")
    record_event(
        merchant_id=order.merchant_id,
        name="order.fulfilled",
        aggregate=order,
        payload=order_payload(
            order,
            fulfilled_at=order.fulfilled_at.isoformat() if order.fulfilled_at else None,
            lines=[line_payload(line) for line in lines],
            **extra,
        ),
    )


def _from_paid_to(order: Order, to_status: str, *, actor: User, note: str = "", **fields: Any) -> None:
    """Paid or fulfilling → ``to_status`` (through fulfilling, so the timeline shows both)."""
    if order.status not in (S.PAID, S.FULFILLING):
        raise refuse(order, order.status, to_status)
    check_fulfilment_allowed(order)  # e.g. a group buy that has not filled yet (orders.gates)
    _to_fulfilling(order, actor)
    transition(order, to_status, actor=actor, note=note, **fields)


def _goods_leave(order: Order, to_status: str, *, actor: User, note: str, **fields: Any) -> None:
    """Shipped or out for delivery: the goods leave, and the order completes by itself after
    ``OrderSettings.auto_complete_days`` unless the shopper confirms sooner."""
    now = clock.now()
    days = order_rules_for(order.merchant_id).auto_complete_days
    _from_paid_to(
        order,
        to_status,
        actor=actor,
        note=note,
        fulfilled_at=now,
        auto_complete_at=now + dt.timedelta(days=days),
        **fields,
    )


@transaction.atomic
def start_fulfilment(*, actor: User, order_id: int) -> Order:
    """Accept a paid order for picking (备货): paid → fulfilling."""
    order = staff_order(actor, order_id, Perm.ORDERS_FULFIL, lock=True)
    if order.status != S.PAID:
        raise refuse(order, order.status, S.FULFILLING)
    check_fulfilment_allowed(order)
    return transition(order, S.FULFILLING, actor=actor)


@transaction.atomic
def ship_order(*, actor: User, order_id: int, carrier: str, tracking_number: str) -> Order:
    """Hand an express order to the carrier (发货): paid or fulfilling → shipped, with carrier and
    tracking number; it completes by itself after ``OrderSettings.auto_complete_days``."""
    carrier = (carrier or "").strip()
    tracking_number = "".join((tracking_number or "").split())
    if (
        not carrier
        or not tracking_number
        or len(carrier) > MAX_CARRIER
        or len(tracking_number) > MAX_TRACKING
    ):
        raise DomainError(OrderError.TRACKING_REQUIRED)
    order = staff_order(actor, order_id, Perm.ORDERS_FULFIL, lock=True)
    _require_fulfilment(order, F.EXPRESS)
    _goods_leave(
        order,
        S.SHIPPED,
        actor=actor,
        note=f"{carrier} {tracking_number}",
        carrier=carrier,
        tracking_number=tracking_number,
    )
    _fulfilled(order, carrier=carrier, tracking_number=tracking_number)
    return order


@transaction.atomic
def send_out_for_delivery(*, actor: User, order_id: int, note: str = "") -> Order:
    """A same-city delivery leaves the store (配送中): paid or fulfilling → out for delivery."""
    order = staff_order(actor, order_id, Perm.ORDERS_FULFIL, lock=True)
    _require_fulfilment(order, F.DELIVERY)
    _goods_leave(order, S.OUT_FOR_DELIVERY, actor=actor, note=note.strip())
    _fulfilled(order)
    return order


@transaction.atomic
def mark_ready_for_pickup(*, actor: User, order_id: int) -> Order:
    """The goods are packed at the counter (待自提): paid or fulfilling → ready for pickup."""
    order = staff_order(actor, order_id, Perm.ORDERS_FULFIL, lock=True)
    _require_fulfilment(order, F.PICKUP)
    _from_paid_to(order, S.READY_FOR_PICKUP, actor=actor)
    _fulfilled(order)
    return order


# --- completion ------------------------------------------------------------------------------


def _complete(
    order: Order, *, actor: User | None = None, note: str = "", lines: list[OrderLine] | None = None
) -> Order:
    transition(order, S.COMPLETED, actor=actor, note=note)
    if lines is None:
        lines = list(OrderLine.objects.filter(order=order).order_by("sku_id"))
    record_event(
        merchant_id=order.merchant_id,
        name="order.completed",
        aggregate=order,
        payload=order_payload(
            order,
            payable_fen=order.payable_fen,
            refunded_fen=order.refunded_fen,
            completed_at=order.completed_at.isoformat() if order.completed_at else None,
            lines=[{**line_payload(line), "refunded_fen": line.refunded_fen} for line in lines],
        ),
    )
    return order


def clean_pickup_code(code: str) -> str:
    code = "".join((code or "").split())
    if not PICKUP_CODE_RE.match(code):
        raise DomainError(OrderError.PICKUP_CODE_FORMAT)
    return code


def verify_pickup(*, actor: User, code: str) -> Order:
    """Hand a pickup order over at the counter (核销): the code the shopper shows (typed, or read
    from the QR by the scanner) completes the order of the actor's stores that carries it.
    Attempts are rate-limited per staff member so codes cannot be guessed."""
    code = clean_pickup_code(code)
    require_perm(actor, Perm.ORDERS_FULFIL)
    # Counted outside the transaction: a wrong code rolls it back, and on the database cache
    # (embedded profile) the count would roll back with it.
    ratelimit.hit(f"pickup-verify:{actor.pk}", limit=PICKUP_VERIFY_LIMIT, window_seconds=PICKUP_VERIFY_WINDOW)
    return _verify_pickup(actor, code)


@transaction.atomic
def _verify_pickup(actor: User, code: str) -> Order:
    order = (
        scoped_orders(actor)
        .select_for_update()
        .filter(
            fulfilment=F.PICKUP,
            pickup_code=code,
            status__in=(S.PAID, S.FULFILLING, S.READY_FOR_PICKUP),
        )
        .first()
    )
    if order is None:
        raise DomainError(OrderError.PICKUP_CODE_INVALID, code=code)
    if order.status != S.READY_FOR_PICKUP:
        _from_paid_to(order, S.READY_FOR_PICKUP, actor=actor)
        _fulfilled(order)
    return _complete(order, actor=actor, note=gettext("Picked up with code %(code)s") % {"code": code})


@transaction.atomic
def mark_delivered(*, actor: User, order_id: int) -> Order:
    """The courier handed a same-city delivery over: out for delivery → completed."""
    order = staff_order(actor, order_id, Perm.ORDERS_FULFIL, lock=True)
    _require_fulfilment(order, F.DELIVERY)
    if order.status != S.OUT_FOR_DELIVERY:
        raise refuse(order, order.status, S.COMPLETED)
    return _complete(order, actor=actor)


@transaction.atomic
def confirm_receipt(*, member: Member, order_id: int) -> Order:
    """The shopper confirms they received a shipped or delivered order (确认收货)."""
    order = member_order(member, order_id, lock=True)
    if order.status not in (S.SHIPPED, S.OUT_FOR_DELIVERY):
        raise refuse(order, order.status, S.COMPLETED)
    return _complete(order)


def complete_due_orders(now: dt.datetime | None = None, *, batch_size: int = 500) -> int:
    """Complete shipped and out-for-delivery orders whose ``auto_complete_at`` has passed (the
    shopper did not confirm). One short transaction per order. Returns how many."""
    now = now or clock.now()
    due = Order.objects.filter(status__in=(S.SHIPPED, S.OUT_FOR_DELIVERY), auto_complete_at__lte=now)
    return sum(_auto_complete_one(pk, now) for pk in pks_in_batches(due, batch_size))


@transaction.atomic
def _auto_complete_one(order_id: int, now: dt.datetime) -> int:
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.status not in (S.SHIPPED, S.OUT_FOR_DELIVERY):
        return 0
    if order.auto_complete_at is None or order.auto_complete_at > now:
        return 0
    _complete(order, note=gettext("Completed automatically"))
    return 1


# --- cancel and expiry -----------------------------------------------------------------------


def _cancel_unpaid(order: Order, *, actor: User | None, reason: str) -> Order:
    transition(order, S.CANCELLED, actor=actor, note=reason)
    released = release_reservations(merchant=order.merchant_id, reference=order.reservation_reference)
    record_event(
        merchant_id=order.merchant_id,
        name="order.cancelled",
        aggregate=order,
        payload=order_payload(order, reason=reason[:200], released=released, refunded_fen=0),
    )
    return order


def cancel_order(
    *,
    order_id: int,
    merchant: Merchant | int,
    actor: User | None = None,
    member: Member | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> Order:
    """Cancel an order.

    - Pending payment (the shopper, or staff with ``orders.fulfil``): cancelled, stock released,
      unfinished provider charges closed.
    - Paid and not yet handed over (staff with ``orders.refund``): everything paid, shipping
      included, goes back through the original tenders, the goods go back to the shelf, and the
      order is cancelled; ``order.refunded`` follows when the refund succeeds.
    Anything else is ``ILLEGAL_TRANSITION`` (shipped goods come back through after-sales).
    """
    # Payments builds on orders; the import is here so that orders does not need payments to load.
    from newretail.payments.actions import charges

    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        if member is not None:
            order = member_order(member, order_id, lock=True)
        elif actor is not None:
            order = staff_order(actor, order_id, Perm.ORDERS_VIEW, lock=True)
        else:
            order = get_owned(Order.objects.select_for_update(), merchant, pk=order_id)
        if order.status == S.PENDING_PAYMENT:
            if actor is not None:
                require_perm(actor, Perm.ORDERS_FULFIL)
            _cancel_unpaid(order, actor=actor, reason=reason)
            charges.cancel_pending_tenders(order)
            return order
        if order.status not in NOT_YET_FULFILLED or member is not None or actor is None:
            raise refuse(order, order.status, S.CANCELLED)
        require_perm(actor, Perm.ORDERS_REFUND)
        return _cancel_paid(order, actor=actor, reason=reason, idempotency_key=idempotency_key)


@transaction.atomic
def cancel_order_by_rule(
    *, order_id: int, merchant: Merchant | int, reason: str, idempotency_key: str
) -> Order:
    """Cancel an order that a rule ends rather than a person (a group buy that did not fill in
    time). Pending payment: cancelled, stock released, unfinished provider charges closed. Paid
    and not yet handed over: everything paid goes back through the original tenders, the goods
    back to the shelf, cancelled. No staff permission is checked (the calling rule is the
    authority); the timeline and the refund's audit entry show no actor. Anything else is
    ``ILLEGAL_TRANSITION``."""
    from newretail.payments.actions import charges

    order = get_owned(Order.objects.select_for_update(), merchant, pk=order_id)
    reason = (reason or "").strip()[:200]
    if order.status == S.PENDING_PAYMENT:
        _cancel_unpaid(order, actor=None, reason=reason)
        charges.cancel_pending_tenders(order)
        return order
    if order.status not in NOT_YET_FULFILLED:
        raise refuse(order, order.status, S.CANCELLED)
    return _cancel_paid(order, actor=None, reason=reason, idempotency_key=idempotency_key)


def _cancel_paid(order: Order, *, actor: User | None, reason: str, idempotency_key: str | None) -> Order:
    """Inside ``cancel_order``'s transaction, with the order locked and the actor allowed to
    refund: refund all that is left (shipping included), put the goods back on the shelf, and
    cancel."""
    from newretail.payments.actions.refunds import create_refund
    from newretail.payments.models import Refund

    lines = list(OrderLine.objects.filter(order=order).order_by("sku_id"))
    remaining = [
        (line.pk, line.quantity - line.refunded_quantity)
        for line in lines
        if line.refunded_quantity < line.quantity
    ]
    note = reason or gettext("Cancelled by the merchant")
    refunded = 0
    if order.payable_fen - order.refunded_fen > 0:
        refund = create_refund(
            order=order,
            kind=Refund.Kind.ORDER_CANCELLED,
            lines=remaining,
            include_shipping=True,
            reason=note,
            actor=actor,
            idempotency_key=idempotency_key or f"cancel:{order.pk}",
        )
        refunded = refund.amount_fen
    return_to_stock(
        order=order,
        quantities={line.pk: (line.quantity - line.returned_quantity, 0) for line in lines},
        actor=actor,
        reference_type="order",
        reference_id=str(order.pk),
    )
    order.refresh_from_db()
    transition(order, S.CANCELLED, actor=actor, note=note)
    record_event(
        merchant_id=order.merchant_id,
        name="order.cancelled",
        aggregate=order,
        payload=order_payload(order, reason=note[:200], refunded_fen=refunded, released=0),
    )
    return order


def expire_unpaid_orders(now: dt.datetime | None = None, *, batch_size: int = 500) -> int:
    """Close every order still pending payment after ``expires_at`` and give its stock back.
    Pending provider charges are asked about first (a shopper who paid in the last second gets
    their order). One short transaction per order; an order paid or cancelled meanwhile simply
    wins. Returns how many were closed."""
    from newretail.payments.actions import charges

    now = now or clock.now()
    closed = 0
    for pk in pks_in_batches(Order.objects.filter(status=S.PENDING_PAYMENT, expires_at__lte=now), batch_size):
        charges.settle_pending_tenders(order_id=pk)
        closed += _close_one(pk, now)
    return closed


@transaction.atomic
def _close_one(order_id: int, now: dt.datetime) -> int:
    from newretail.payments.actions import charges

    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.status != S.PENDING_PAYMENT or order.expires_at is None:
        return 0
    if order.expires_at > now:
        return 0
    close_unpaid_order(order, reason="expired", note=gettext("Payment deadline passed"))
    charges.cancel_pending_tenders(order)
    return 1


def close_unpaid_order(order: Order, *, reason: str, note: str) -> Order:
    """Inside the caller's transaction with the order locked: pending payment → closed, its
    stock holds released, ``order.closed`` recorded with the reason ("expired", or
    "out_of_stock_at_payment" when a late payment found the goods gone)."""
    transition(order, S.CLOSED, note=note)
    released = release_reservations(merchant=order.merchant_id, reference=order.reservation_reference)
    record_event(
        merchant_id=order.merchant_id,
        name="order.closed",
        aggregate=order,
        payload=order_payload(order, reason=reason, released=released),
    )
    return order
