"""The order status machine (ARCHITECTURE.md rule 5). ``TRANSITIONS`` is the whole table; a status
changes only through ``transition``, a conditional UPDATE from the status the caller saw."""

from __future__ import annotations

from typing import Any

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.orders.errors import OrderError
from newretail.orders.models import Order, OrderEvent

S = Order.Status

# CLOSED after payment means everything was refunded (交易关闭); CANCELLED after payment means
# the merchant cancelled and refunded before the goods left.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.CLOSED}),
    S.PAID: frozenset({S.FULFILLING, S.COMPLETED, S.CANCELLED, S.CLOSED}),
    S.FULFILLING: frozenset({S.SHIPPED, S.READY_FOR_PICKUP, S.OUT_FOR_DELIVERY, S.CANCELLED, S.CLOSED}),
    S.SHIPPED: frozenset({S.COMPLETED, S.CLOSED}),
    S.READY_FOR_PICKUP: frozenset({S.COMPLETED, S.CANCELLED, S.CLOSED}),
    S.OUT_FOR_DELIVERY: frozenset({S.COMPLETED, S.CLOSED}),
    S.COMPLETED: frozenset({S.CLOSED}),
    S.CANCELLED: frozenset(),
    S.CLOSED: frozenset(),
}

PAID_STATUSES = frozenset(
    {S.PAID, S.FULFILLING, S.SHIPPED, S.READY_FOR_PICKUP, S.OUT_FOR_DELIVERY, S.COMPLETED}
)
# Paid and the goods have not left: cancelling gives the stock back to the shelf.
NOT_YET_FULFILLED = frozenset({S.PAID, S.FULFILLING, S.READY_FOR_PICKUP})
# A pickup code is shown and accepted while the order waits at the counter (the same statuses the
# open-pickup-code unique constraint covers).
PICKUP_WAITING = NOT_YET_FULFILLED

# Timestamps a status stamps on the order when it is entered.
_STAMPS = {
    S.PAID: "paid_at",
    S.SHIPPED: "fulfilled_at",
    S.READY_FOR_PICKUP: "fulfilled_at",
    S.OUT_FOR_DELIVERY: "fulfilled_at",
    S.COMPLETED: "completed_at",
    S.CANCELLED: "cancelled_at",
    S.CLOSED: "cancelled_at",
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def refuse(order: Order, current: str, to_status: str) -> DomainError:
    return DomainError(
        OrderError.ILLEGAL_TRANSITION,
        number=order.number,
        status=_label(current),
        target=_label(to_status),
    )


def _label(status: str) -> str:
    try:
        return str(S(status).label)
    except ValueError:
        return status


def transition(order: Order, to_status: str, *, actor: Any = None, note: str = "", **fields: Any) -> Order:
    """Move ``order`` from the status it has in memory to ``to_status``. Refused with
    ``ILLEGAL_TRANSITION`` when the table does not allow it or when someone else changed the
    status first (the UPDATE matched no row). Writes a timeline row; call inside the caller's
    transaction together with the rest of the change. ``fields`` are written in the same UPDATE
    (e.g. the tracking number with ``shipped``)."""
    current = order.status
    if not can_transition(current, to_status):
        raise refuse(order, current, to_status)
    now = clock.now()
    changes: dict[str, Any] = {"status": to_status, **fields}
    if to_status in _STAMPS:
        changes.setdefault(_STAMPS[to_status], now)
    updated = Order.objects.filter(pk=order.pk, status=current).update(**changes)
    if updated != 1:
        latest = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
        raise refuse(order, latest or current, to_status)
    for field, value in changes.items():
        setattr(order, field, value)
    OrderEvent.objects.create(
        merchant_id=order.merchant_id, order=order, kind=to_status, note=note[:200], actor=actor
    )
    return order
