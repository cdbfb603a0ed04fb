"""Marketing's subscribers to other domains' events (registered when the app is ready; the order
core imports none of this). Each runs once per event through the dispatcher."""

from __future__ import annotations

from newretail.core.errors import DomainError
from newretail.core.events import subscribe
from newretail.core.models import Event
from newretail.marketing.actions.coupons import issue_coupons, issue_on_event
from newretail.marketing.actions.usage import (
    mark_coupons_used,
    release_order,
    revoke_rewards,
    reward_coupons_of,
)
from newretail.marketing.models import Coupon
from newretail.members.models import Member


@subscribe("order.paid", handler="marketing.use_coupons")
def use_coupons(event: Event) -> None:
    mark_coupons_used(event.payload["order_id"])


@subscribe("order.paid", handler="marketing.grant_order_rewards")
def grant_order_rewards(event: Event) -> None:
    """下单有礼: the coupons an order reward promises, once the order is paid. Sold out → skipped."""
    member_id = event.payload.get("member_id")
    if member_id is None:
        return
    member = Member.objects.filter(pk=member_id, merchant_id=event.merchant_id).first()
    if member is None:
        return
    order_id = event.payload["order_id"]
    if Coupon.objects.filter(granted_by_order_id=order_id).exists():
        return  # already granted (a replay after a partial failure)
    for usage in reward_coupons_of(order_id):
        try:
            issue_coupons(
                template=usage.reward["coupon_template_id"],
                member=member,
                source=Coupon.Source.ORDER_GIFT,
                quantity=usage.reward.get("coupon_quantity", 1),
                granted_by_order_id=order_id,
                check_limit=False,
            )
        except DomainError:
            continue  # the template is paused, over or sold out: the reward lapses


@subscribe("order.cancelled", handler="marketing.release_on_cancel")
def release_on_cancel(event: Event) -> None:
    release_order(event.payload["order_id"])
    revoke_rewards(event.payload["order_id"])


@subscribe("order.closed", handler="marketing.release_on_close")
def release_on_close(event: Event) -> None:
    release_order(event.payload["order_id"])


@subscribe("order.refunded", handler="marketing.release_on_full_refund")
def release_on_full_refund(event: Event) -> None:
    """Only a full refund gives the coupons and promotion uses back; a partial one keeps them."""
    if event.payload.get("fully_refunded"):
        release_order(event.payload["order_id"])
        revoke_rewards(event.payload["order_id"])


@subscribe("member.registered", handler="marketing.welcome_coupons")
def welcome_coupons(event: Event) -> None:
    member = Member.objects.filter(pk=event.payload["member_id"], merchant_id=event.merchant_id).first()
    if member is not None:
        issue_on_event(member=member, event_name="member.registered")


@subscribe("member.birthday", handler="marketing.birthday_coupons")
def birthday_coupons(event: Event) -> None:
    member = Member.objects.filter(pk=event.payload["member_id"], merchant_id=event.merchant_id).first()
    if member is not None:
        issue_on_event(member=member, event_name="member.birthday")


@subscribe("member.level_changed", handler="marketing.level_up_coupons")
def level_up_coupons(event: Event) -> None:
    member = Member.objects.filter(pk=event.payload["member_id"], merchant_id=event.merchant_id).first()
    if member is not None and event.payload.get("direction", "up") == "up":
        issue_on_event(member=member, event_name="member.level_changed")
