"""Bargain's subscribers: an order that closes unpaid, is cancelled or is refunded in full gives
its bargain piece back (``buying.release_for_order``). The order core imports none of this."""

from __future__ import annotations

from newretail.core.events import subscribe
from newretail.core.models import Event
from newretail.marketing.bargain.buying import release_for_order


@subscribe("order.closed", handler="bargain.release_on_close")
def release_on_close(event: Event) -> None:
    release_for_order(event.payload["order_id"])


@subscribe("order.cancelled", handler="bargain.release_on_cancel")
def release_on_cancel(event: Event) -> None:
    release_for_order(event.payload["order_id"])


@subscribe("order.refunded", handler="bargain.release_on_full_refund")
def release_on_full_refund(event: Event) -> None:
    """An after-sale refund of the whole order: the piece comes back to the campaign, as for a
    cancelled order; a partial refund keeps it (the goods were bought)."""
    if event.payload.get("fully_refunded"):
        release_for_order(event.payload["order_id"])
