"""Promotions and coupons through the order core: what an order records, counts and locks when
it is placed, and gives back when it is cancelled, closed or fully refunded."""

from __future__ import annotations

import pytest

from newretail.core.errors import DomainError
from newretail.marketing.actions.coupons import issue_coupons
from newretail.marketing.models import Coupon, Promotion, PromotionUsage
from newretail.members.models import MemberLevel
from newretail.members.testing import make_member
from newretail.orders.actions.lifecycle import cancel_order, close_unpaid_order
from newretail.orders.models import OrderLine
from newretail.payments.actions.charges import pay_order
from newretail.payments.actions.refunds import create_refund
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def pickup(place, items, **kwargs):
    return place(items, fulfilment="pickup", address=None, **kwargs)


def test_an_order_keeps_every_adjustment_and_counts_its_promotion(place, promotion, water):
    spend = promotion("spend_off", {"tiers": [{"threshold": 3000, "off_fen": 500}]}, usage_limit=10)
    order = pickup(place, {water: 10})  # ¥35.00, 满30减5
    assert (order.goods_list_fen, order.discount_fen, order.payable_fen) == (3500, 500, 3000)
    adjustment = order.adjustments.get()
    assert (adjustment.source, adjustment.kind, adjustment.amount_fen) == (
        "promotion",
        "order_discount",
        -500,
    )
    spend.refresh_from_db()
    assert (spend.used_count, spend.spent_fen) == (1, 500)
    assert PromotionUsage.objects.get(order=order).discount_fen == 500


def test_a_level_discount_reaches_members_of_that_level_only(merchant, place, promotion, water):
    gold = MemberLevel.objects.create(merchant=merchant, name="金卡", rank=3)
    promotion("level_discount", {"rate_percent": 90}, level_ids=[gold.pk])
    member = make_member(merchant)
    assert pickup(place, {water: 2}, member=member).payable_fen == 700
    member.level = gold
    member.save()
    assert pickup(place, {water: 2}, member=member).payable_fen == 630  # 9折 of ¥7.00


def test_a_coupon_is_locked_to_the_order_used_when_paid_and_returned_on_cancel(
    merchant, owner, place, template, water, committed
):
    member = make_member(merchant)
    coupon = issue_coupons(template=template(threshold_fen=500, off_fen=100), member=member, source="claim")[
        0
    ]
    with committed():
        order = pickup(place, {water: 2}, member=member, coupon_ids=[coupon.pk])
    assert order.payable_fen == 600
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id, coupon.discount_fen) == ("locked", order.pk, 100)
    with pytest.raises(DomainError) as taken:  # one coupon, one order
        pickup(place, {water: 2}, member=member, coupon_ids=[coupon.pk])
    assert taken.value.code == "marketing.coupon_not_available"
    with committed():
        pay_order(order_id=order.pk, kind="cash", actor=owner)
    coupon.refresh_from_db()
    assert coupon.status == "used"
    with committed():
        cancel_order(order_id=order.pk, merchant=merchant, actor=owner, reason="顾客不要了")
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == ("available", None)


def test_closing_an_unpaid_order_gives_the_promotion_use_back(place, promotion, water, committed):
    limited = promotion("spend_off", {"tiers": [{"threshold": 500, "off_fen": 100}]}, usage_limit=1)
    with committed():
        order = pickup(place, {water: 2})
    assert order.discount_fen == 100
    assert pickup(place, {water: 2}).discount_fen == 0  # the only use is taken
    with committed():
        close_unpaid_order(order, reason="expired", note="")
    limited.refresh_from_db()
    assert limited.used_count == 0 and not PromotionUsage.objects.filter(order=order).exists()
    assert pickup(place, {water: 2}).discount_fen == 100


def test_per_member_limit_counts_the_member_and_refuses_guests(merchant, place, promotion, water):
    promotion("spend_off", {"tiers": [{"threshold": 500, "off_fen": 100}]}, per_member_limit=1)
    member = make_member(merchant)
    assert pickup(place, {water: 2}).discount_fen == 0  # a guest cannot be counted
    assert pickup(place, {water: 2}, member=member).discount_fen == 100
    assert pickup(place, {water: 2}, member=member).discount_fen == 0


def test_a_budget_caps_the_discount_across_orders(place, promotion, water):
    budget = promotion("spend_off", {"tiers": [{"threshold": 500, "off_fen": 300}]}, budget_fen=500)
    assert pickup(place, {water: 2}).discount_fen == 300
    assert pickup(place, {water: 2}).discount_fen == 200  # what is left of ¥5.00
    assert pickup(place, {water: 2}).discount_fen == 0
    budget.refresh_from_db()
    assert budget.spent_fen == 500


def test_a_gift_is_an_order_line_at_zero_with_its_stock_held(merchant, place, promotion, warehouse, water):
    towel = make_sku(merchant.pk, name="毛巾", price_fen=990)
    receive(warehouse, towel, 1)
    gift = promotion("gift", {"tiers": [{"threshold": 500, "gift_sku_id": towel.pk}]}, gift_stock=5)
    order = pickup(place, {water: 2})
    line = order.lines.get(is_gift=True)
    assert (line.sku_id, line.quantity, line.final_amount_fen) == (towel.pk, 1, 0)
    assert order.payable_fen == 700
    gift.refresh_from_db()
    assert gift.gifts_given == 1
    # The warehouse has no towel left: the next order is priced without the gift, not refused.
    second = pickup(place, {water: 2})
    assert not OrderLine.objects.filter(order=second, is_gift=True).exists()


def test_an_order_reward_coupon_is_granted_on_payment_and_revoked_on_full_refund(
    merchant, owner, place, promotion, template, water, committed
):
    reward = template(name="回购券", off_fen=200, threshold_fen=1000, in_claim_centre=False)
    promotion("order_gift", {"tiers": [{"threshold": 500, "coupon_template_id": reward.pk}]})
    member = make_member(merchant)
    with committed():
        order = pickup(place, {water: 2}, member=member)
        pay_order(order_id=order.pk, kind="cash", actor=owner)
    granted = Coupon.objects.get(granted_by_order=order)
    assert (granted.member_id, granted.status, granted.source) == (member.pk, "available", "order_gift")
    with committed():
        line = order.lines.get()
        create_refund(
            order=order,
            kind="goods",
            lines=[(line.pk, line.quantity)],
            include_shipping=True,
            reason="质量问题",
            actor=owner,
        )
    granted.refresh_from_db()
    assert granted.status == "revoked"


def test_a_partial_refund_keeps_the_coupon_used(merchant, owner, place, template, water, cola, committed):
    member = make_member(merchant)
    coupon = issue_coupons(template=template(threshold_fen=500, off_fen=100), member=member, source="claim")[
        0
    ]
    with committed():
        order = pickup(place, {water: 2, cola: 1}, member=member, coupon_ids=[coupon.pk])
        pay_order(order_id=order.pk, kind="cash", actor=owner)
        line = order.lines.get(sku=cola)
        create_refund(
            order=order,
            kind="goods",
            lines=[(line.pk, 1)],
            include_shipping=False,
            reason="多买了",
            actor=owner,
        )
    coupon.refresh_from_db()
    assert coupon.status == "used"


def test_an_exhausted_promotion_is_priced_again_not_refused(place, promotion, water):
    limited = promotion("spend_off", {"tiers": [{"threshold": 500, "off_fen": 100}]}, usage_limit=1)
    # Another order took the last use after this shopper's quote was read (the cached counter
    # says 0 used): the conditional update refuses, checkout prices again without it.
    Promotion.objects.filter(pk=limited.pk).update(used_count=1)
    order = pickup(place, {water: 2})
    assert order.discount_fen == 0


def test_a_paused_promotion_stops_at_once(owner, place, promotion, water):
    from newretail.marketing.actions.promotions import set_promotion_status

    spend = promotion("spend_off", {"tiers": [{"threshold": 500, "off_fen": 100}]})
    assert pickup(place, {water: 2}).discount_fen == 100
    set_promotion_status(actor=owner, promotion_id=spend.pk, status="paused")
    assert pickup(place, {water: 2}).discount_fen == 0
