"""Seckill's subscribers: an order that closes unpaid (past its deadline) or is cancelled gives
its seckill pieces back to the campaign, as coupons and points are given back
(``marketing.handlers``). The order core imports none of this."""

from __future__ import annotations

from newretail.core.events import subscribe
from newretail.core.models import Event
from newretail.marketing.seckill.buying import release_for_order


@subscribe("order.closed", handler="marketing.seckill_release_on_close")
def release_on_close(event: Event) -> None:
    release_for_order(event.payload["order_id"])


@subscribe("order.cancelled", handler="marketing.seckill_release_on_cancel")
def release_on_cancel(event: Event) -> None:
    release_for_order(event.payload["order_id"])
