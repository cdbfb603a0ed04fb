"""Giving a prize, always through the domain that owns it:

- a coupon: ``marketing.actions.coupons.issue_coupons`` (source ``game``; the template's own
  stock, window and status apply; the member's per-template limit does not, the prize's
  ``member_cap`` is the game's limit);
- points: ``members.actions.points.earn_points`` once per draw (reference ``game:<draw>:prize``);
- a gift SKU: the draw records the win; the member claims it when they choose how to get it, and
  ``claim_gift`` places a ¥0 order through the order core (``campaign_prices`` at 0 fen, so the
  warehouse's stock, pickup codes, delivery and after-sales are the usual ones; an order that
  costs nothing is paid at once). One order per draw (its idempotency key is the draw's).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.marketing.actions.coupons import issue_coupons
from newretail.marketing.games.errors import GameError
from newretail.marketing.games.models import GameDraw, GamePrize
from newretail.members.actions.points import earn_points
from newretail.members.models import Member
from newretail.orders.actions.checkout import create_order
from newretail.orders.models import Order

COUPON_SOURCE = "game"
K = GamePrize.Kind


def issue_prize(*, prize: GamePrize, member: Member, draw: GameDraw) -> None:
    """Issue ``prize`` for ``draw`` inside the caller's transaction and note it on the draw row
    (saved by the caller). Raises the owning domain's error when it cannot be issued (the coupon
    template is paused, over or out of stock): the caller gives the fallback instead."""
    if prize.kind == K.COUPON:
        [coupon] = issue_coupons(
            template=prize.coupon_template_id, member=member, source=COUPON_SOURCE, check_limit=False
        )
        draw.coupon = coupon
    elif prize.kind == K.POINTS:
        draw.points_awarded = earn_points(
            member=member,
            points=prize.points,
            reference=f"game:{draw.pk}:prize",
            note=draw.game.name[:200],
        )
    # A gift waits for ``claim_gift``; "thanks" gives nothing.


def claim_gift(
    *,
    member: Member,
    draw_id: int,
    fulfilment: str = Order.Fulfilment.PICKUP,
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
) -> Order:
    """The member takes a gift they won: a ¥0 order for the gift SKU (pickup at ``store_id`` or
    delivery to ``address``). Once per draw: a second claim returns the first order."""
    with transaction.atomic():
        draw = get_owned(
            GameDraw.objects.select_for_update().select_related("prize", "game"),
            member.merchant_id,
            pk=draw_id,
            member=member,
        )
        if draw.prize.kind != K.GIFT:
            raise DomainError(GameError.GIFT_NOT_CLAIMABLE)
        if draw.gift_order_id is not None:
            return draw.gift_order
        order = create_order(
            merchant=member.merchant,
            channel=Order.Channel.MALL,
            fulfilment=fulfilment,
            lines=[{"sku_id": draw.prize.sku_id, "quantity": 1}],
            store_id=store_id,
            address=address,
            member=member,
            idempotency_key=f"game-gift-{draw.pk}",
            campaign_prices={draw.prize.sku_id: (0, draw.game.name[:40])},
        )
        GameDraw.objects.filter(pk=draw.pk).update(gift_order=order)
    return order
