"""Members' subscribers to order events (registered when the app is ready; the order core
imports none of this): points and growth earned once per order, taken back on refunds; points an
order spent given back when it is cancelled, closed unpaid or refunded."""

from __future__ import annotations

from django.db.models import Sum

from newretail.core.events import subscribe
from newretail.core.models import Event
from newretail.members.actions.levels import earn_growth_for_order, reverse_growth_for_refund
from newretail.members.actions.points import (
    earn_for_order,
    first_order_bonus,
    points_settings_for,
    return_spent_points,
    reverse_for_refund,
)
from newretail.members.actions.points_mall import void_for_order
from newretail.members.actions.wallet import bonus_paid_for_order
from newretail.members.models import Member, PointsSettings


def _member(event: Event) -> Member | None:
    member_id = event.payload.get("member_id")
    if member_id is None:
        return None
    return Member.objects.filter(pk=member_id, merchant_id=event.merchant_id).first()


def _goods(order_id: int) -> tuple[int, int]:
    """(goods after every discount, refunded so far) of an order, from its lines."""
    from newretail.orders.models import OrderLine

    sums = OrderLine.objects.filter(order_id=order_id).aggregate(
        goods=Sum("final_amount_fen"), refunded=Sum("refunded_fen")
    )
    return sums["goods"] or 0, sums["refunded"] or 0


def _earn(event: Event, when: str) -> None:
    member = _member(event)
    if member is None or points_settings_for(event.merchant_id).earn_on != when:
        return
    goods, refunded = _goods(event.payload["order_id"])
    # The wallet's bonus was given by the merchant, not paid: it earns no points.
    goods -= bonus_paid_for_order(event.payload["order_id"])
    # Growth first: an order that lifts the member to 金卡 already earns 金卡's points.
    earn_growth_for_order(member=member, order_id=event.payload["order_id"], goods_fen=goods - refunded)
    member.refresh_from_db()
    if earn_for_order(
        member=member, order_id=event.payload["order_id"], goods_fen=goods, refunded_fen=refunded
    ):
        first_order_bonus(member=member, order_id=event.payload["order_id"])


@subscribe("order.completed", handler="members.earn_points_on_completion")
def earn_on_completion(event: Event) -> None:
    _earn(event, PointsSettings.EarnOn.COMPLETED)


@subscribe("order.paid", handler="members.earn_points_on_payment")
def earn_on_payment(event: Event) -> None:
    _earn(event, PointsSettings.EarnOn.PAID)


@subscribe("order.refunded", handler="members.reverse_points")
def reverse_points(event: Event) -> None:
    member = _member(event)
    if member is None:
        return
    goods, refunded = _goods(event.payload["order_id"])
    reverse_for_refund(
        member=member,
        order_id=event.payload["order_id"],
        refund_id=event.payload["refund_id"],
        goods_fen=goods,
        refunded_goods_fen=refunded,
    )


@subscribe("order.refunded", handler="members.reverse_growth")
def reverse_growth(event: Event) -> None:
    member = _member(event)
    if member is None:
        return
    goods, refunded = _goods(event.payload["order_id"])
    reverse_growth_for_refund(
        member=member,
        order_id=event.payload["order_id"],
        refund_id=event.payload["refund_id"],
        goods_fen=goods,
        refunded_goods_fen=refunded,
    )


@subscribe("order.cancelled", handler="members.return_points_on_cancel")
def return_points_on_cancel(event: Event) -> None:
    member = _member(event)
    if member is not None:
        order_id = event.payload["order_id"]
        return_spent_points(member=member, order_id=order_id, reference=f"order:{order_id}:return")


@subscribe("order.closed", handler="members.return_points_on_close")
def return_points_on_close(event: Event) -> None:
    return_points_on_cancel(event)


@subscribe("order.cancelled", handler="members.void_exchange_on_cancel")
def void_exchange_on_cancel(event: Event) -> None:
    """A points mall goods order that will not be fulfilled: its piece goes back to the item."""
    if event.payload.get("channel") in (None, "points_mall"):
        void_for_order(event.payload["order_id"])


@subscribe("order.closed", handler="members.void_exchange_on_close")
def void_exchange_on_close(event: Event) -> None:
    void_exchange_on_cancel(event)


@subscribe("order.refunded", handler="members.return_points_on_refund")
def return_points_on_refund(event: Event) -> None:
    """A refund gives back the refunded share of the points the order spent (cumulative)."""
    member = _member(event)
    if member is None:
        return
    goods, refunded = _goods(event.payload["order_id"])
    return_spent_points(
        member=member,
        order_id=event.payload["order_id"],
        reference=f"refund:{event.payload['refund_id']}:return",
        share=(refunded, goods) if not event.payload.get("fully_refunded") else (1, 1),
    )
