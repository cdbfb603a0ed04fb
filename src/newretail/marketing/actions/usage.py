"""What an order takes from marketing when it is placed, and gives back when it is cancelled,
closed unpaid or fully refunded.

At creation (inside the order's transaction): the points used are spent from the member's
account (locked; ``members.points_not_enough`` rolls the order back); one ``PromotionUsage`` per promotion that applied,
with the promotion's counters moved by a conditional UPDATE that holds its total limit, budget
and gift stock (``PROMOTION_EXHAUSTED`` if another order took the last of it meanwhile: the
order rolls back and checkout prices again); the member row is locked first when a promotion
counts per member, so two tabs cannot both take a member's last use. Coupons are locked to the
order by a conditional UPDATE from ``available`` (a coupon is on one order at a time).

The way back (``release_order``) runs from the event handlers in ``marketing.handlers``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.marketing.errors import MarketingError
from newretail.marketing.models import Coupon, Promotion, PromotionUsage
from newretail.marketing.pricing import PricedCart
from newretail.members.actions.points import spend_for_order
from newretail.members.models import Member


def _gifts(priced: PricedCart) -> dict[int, int]:
    gifts: dict[int, int] = {}
    for line in priced.lines:
        if line.is_gift:
            promotion_id = line.adjustments[0].source_id if line.adjustments else None
            if promotion_id is not None:
                gifts[promotion_id] = gifts.get(promotion_id, 0) + line.quantity
    return gifts


def take_for_order(*, order, priced: PricedCart, member: Member | None) -> None:
    """Record the promotions, lock the coupons and spend the points ``priced`` used, for a new
    ``order``."""
    if priced.points_used:
        if member is None:
            raise DomainError(MarketingError.POINTS_NOT_ACCEPTED)
        spend_for_order(member=member, order_id=order.pk, points=priced.points_used)
    applied = priced.promotion_discounts
    if applied:
        promotions = {
            p.pk: p for p in Promotion.objects.filter(merchant_id=order.merchant_id, pk__in=applied)
        }
        if member is not None and any(p.per_member_limit is not None for p in promotions.values()):
            Member.objects.select_for_update().filter(pk=member.pk).first()
        gifts = _gifts(priced)
        rewards = {r.promotion_id: r for r in priced.rewards}
        for promotion_id in sorted(applied):
            promotion = promotions.get(promotion_id)
            if promotion is None:
                raise DomainError(MarketingError.PROMOTION_EXHAUSTED, promotion_id=promotion_id)
            discount = applied[promotion_id]
            given = gifts.get(promotion_id, 0)
            if promotion.per_member_limit is not None:
                used = (
                    PromotionUsage.objects.filter(promotion=promotion, member=member).count()
                    if member
                    else None
                )
                if used is None or used >= promotion.per_member_limit:
                    raise DomainError(MarketingError.PROMOTION_EXHAUSTED, promotion_id=promotion_id)
            room = Q(pk=promotion_id, status=Promotion.Status.ACTIVE)
            if promotion.usage_limit is not None:
                room &= Q(used_count__lt=F("usage_limit"))
            if promotion.budget_fen is not None:
                room &= Q(spent_fen__lte=F("budget_fen") - discount)
            if promotion.gift_stock is not None:
                room &= Q(gifts_given__lte=F("gift_stock") - given)
            moved = Promotion.objects.filter(room).update(
                used_count=F("used_count") + 1,
                spent_fen=F("spent_fen") + discount,
                gifts_given=F("gifts_given") + given,
            )
            if not moved:  # ran out, paused or over meanwhile (the cached offers were older)
                raise DomainError(MarketingError.PROMOTION_EXHAUSTED, promotion_id=promotion_id)
            reward = rewards.get(promotion_id)
            PromotionUsage.objects.create(
                merchant_id=order.merchant_id,
                promotion_id=promotion_id,
                order=order,
                member=member,
                discount_fen=discount,
                gifts=given,
                reward={
                    "coupon_template_id": reward.coupon_template_id,
                    "coupon_quantity": reward.coupon_quantity,
                }
                if reward and reward.coupon_template_id
                else {},
            )
    if priced.coupon_ids:
        discounts: dict[int, int] = {}
        for adjustment in priced.adjustments:
            if adjustment.source == "coupon" and adjustment.source_id is not None:
                discounts[adjustment.source_id] = (
                    discounts.get(adjustment.source_id, 0) - adjustment.amount_fen
                )
        now = clock.now()
        for coupon_id in priced.coupon_ids:
            locked = Coupon.objects.filter(
                pk=coupon_id, member=member, status=Coupon.Status.AVAILABLE, valid_until__gt=now
            ).update(status=Coupon.Status.LOCKED, order=order, discount_fen=discounts.get(coupon_id, 0))
            if not locked:
                raise DomainError(MarketingError.COUPON_NOT_AVAILABLE, code=coupon_id)


@transaction.atomic
def mark_coupons_used(order_id: int) -> int:
    """The order was paid: its locked coupons are used."""
    return Coupon.objects.filter(order_id=order_id, status=Coupon.Status.LOCKED).update(
        status=Coupon.Status.USED, used_at=clock.now()
    )


@transaction.atomic
def release_order(order_id: int) -> None:
    """Give back what the order took: its promotion uses (counters move back) and its coupons
    (available again, still within their own validity). Running twice changes nothing."""
    for usage in (
        PromotionUsage.objects.select_for_update().filter(order_id=order_id).order_by("promotion_id")
    ):
        Promotion.objects.filter(pk=usage.promotion_id).update(
            used_count=F("used_count") - 1,
            spent_fen=F("spent_fen") - usage.discount_fen,
            gifts_given=F("gifts_given") - usage.gifts,
        )
        usage.delete()
    Coupon.objects.filter(order_id=order_id, status__in=[Coupon.Status.LOCKED, Coupon.Status.USED]).update(
        status=Coupon.Status.AVAILABLE, order=None, discount_fen=0, used_at=None
    )


def reward_coupons_of(order_id: int) -> Iterable[PromotionUsage]:
    return PromotionUsage.objects.filter(order_id=order_id).exclude(reward={})


@transaction.atomic
def revoke_rewards(order_id: int) -> int:
    """A fully refunded order's rewards go back: coupons it granted that are still unused are
    revoked (a reward already spent on another order stays spent — stated in docs/decisions.md)."""
    return Coupon.objects.filter(granted_by_order_id=order_id, status=Coupon.Status.AVAILABLE).update(
        status=Coupon.Status.REVOKED
    )
