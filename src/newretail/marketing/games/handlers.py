"""The games' subscribers: a paid order earns draws, a fully refunded one takes back those not
used yet (registered when the app is ready; the order core imports none of this)."""

from __future__ import annotations

from newretail.core.events import subscribe
from newretail.core.models import Event
from newretail.marketing.games.drawing import grant_order_chances, revoke_order_chances


@subscribe("order.paid", handler="games.grant_order_chances")
def order_chances(event: Event) -> None:
    payload = event.payload
    grant_order_chances(
        merchant_id=event.merchant_id,
        order_id=payload["order_id"],
        member_id=payload.get("member_id"),
        goods_fen=payload.get("goods_final_fen") or 0,
    )


@subscribe("order.refunded", handler="games.revoke_order_chances")
def take_back_chances(event: Event) -> None:
    """Only a full refund: a partly refunded order was still bought."""
    if event.payload.get("fully_refunded"):
        revoke_order_chances(merchant_id=event.merchant_id, order_id=event.payload["order_id"])
