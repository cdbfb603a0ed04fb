"""Fulfilment gates: a rule outside the order core may hold a paid order back from fulfilment.

A group buy (拼团) takes every member's payment before the group is complete; until the last seat
is paid none of those orders may be picked, shipped, delivered or handed over, and if the group
fails they are refunded instead. The order core does not know about group buys: a domain
registers a gate (a function of the order returning why it is held, or ``None``) and every
paid → fulfilment step (``start_fulfilment``, ship, out for delivery, ready for pickup, pickup
verification) asks the gates first and is refused with ``orders.fulfilment_held`` while one
holds. Gates read, never write; the first that holds answers.
"""

from __future__ import annotations

from collections.abc import Callable

from newretail.core.errors import DomainError
from newretail.orders.errors import OrderError
from newretail.orders.models import Order

FulfilmentGate = Callable[[Order], "str | None"]

GATES: dict[str, FulfilmentGate] = {}


def register_fulfilment_gate(name: str, gate: FulfilmentGate) -> FulfilmentGate:
    """Register ``gate`` under ``name`` (registering the same name again replaces it)."""
    GATES[name] = gate
    return gate


def held_reason(order: Order) -> str | None:
    """Why ``order`` may not be fulfilled yet, or ``None`` when nothing holds it."""
    for name in sorted(GATES):
        reason = GATES[name](order)
        if reason:
            return reason
    return None


def check_fulfilment_allowed(order: Order) -> None:
    """Raise ``orders.fulfilment_held`` when a gate holds ``order``."""
    reason = held_reason(order)
    if reason:
        raise DomainError(OrderError.FULFILMENT_HELD, number=order.number, reason=reason)
