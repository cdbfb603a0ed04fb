"""Who may act on which order: staff through their role and stores, shoppers on their own."""

from __future__ import annotations

from django.db.models import QuerySet

from newretail.core.errors import not_found
from newretail.core.tenancy import get_owned
from newretail.members.models import Member
from newretail.orders.models import Order
from newretail.orders.queries import scoped_orders
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User

MAX_ID = 2**63 - 1


def staff_order(actor: User, order_id: int, perm: str, *, lock: bool = False) -> Order:
    """The order ``actor`` may act on with ``perm``: another merchant's, or a store the actor is
    not assigned to, is 404 (ids don't leak). ``lock`` takes the row lock for the transaction."""
    require_perm(actor, perm)
    if not isinstance(order_id, int) or not 0 < order_id <= MAX_ID:
        raise not_found()
    orders: QuerySet[Order] = scoped_orders(actor)
    if lock:
        orders = orders.select_for_update()
    return get_owned(orders, actor.merchant_id, pk=order_id)


def member_order(member: Member, order_id: int, *, lock: bool = False) -> Order:
    """One of the member's own orders; anyone else's is 404."""
    if not isinstance(order_id, int) or not 0 < order_id <= MAX_ID:
        raise not_found()
    orders = Order.objects.filter(member=member)
    if lock:
        orders = orders.select_for_update()
    return get_owned(orders, member.merchant_id, pk=order_id)
