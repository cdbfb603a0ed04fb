"""Group buy's subscribers and its fulfilment gate. The order core imports none of this.

- ``order.paid``: the seat is paid (the leader's payment opens the group; the last seat makes it
  succeed);
- ``order.closed`` / ``order.cancelled`` before payment: the held seat is released;
- ``order.refunded`` / ``order.cancelled`` after payment: a member refunded in full leaves;
- the gate (``orders.gates``): an order whose group has not succeeded may not be fulfilled.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from newretail.core.events import subscribe
from newretail.core.models import Event
from newretail.marketing.groupbuy.models import GroupBuyGroup, GroupBuySeat
from newretail.marketing.groupbuy.seats import LIVE, member_refunded, release_seat, seat_paid
from newretail.orders.gates import register_fulfilment_gate
from newretail.orders.models import Order


@subscribe("order.paid", handler="groupbuy.seat_paid")
def on_paid(event: Event) -> None:
    seat_paid(event.payload["order_id"])


@subscribe("order.closed", handler="groupbuy.release_on_close")
def on_closed(event: Event) -> None:
    release_seat(event.payload["order_id"])


@subscribe("order.cancelled", handler="groupbuy.leave_on_cancel")
def on_cancelled(event: Event) -> None:
    order_id = event.payload["order_id"]
    if not release_seat(order_id):
        member_refunded(order_id)


@subscribe("order.refunded", handler="groupbuy.leave_on_refund")
def on_refunded(event: Event) -> None:
    member_refunded(event.payload["order_id"])


def group_not_complete(order: Order) -> str | None:
    """Held while the order's live seat belongs to a group that has not succeeded."""
    seat = (
        GroupBuySeat.objects.filter(order_id=order.pk, status__in=LIVE)
        .select_related("group")
        .only("group__status", "group__seats_paid", "group__size")
        .first()
    )
    if seat is None or seat.group.status == GroupBuyGroup.Status.SUCCEEDED:
        return None
    return _("its group buy is not complete yet (%(paid)s of %(size)s paid)") % {
        "paid": seat.group.seats_paid,
        "size": seat.group.size,
    }


register_fulfilment_gate("groupbuy", group_not_complete)
