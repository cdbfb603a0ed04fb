"""Membership cards (付费会员卡): buying one is an order paid like any other (the wallet too); it
starts at payment, a renewal adds to its end; while valid the holder is priced as the card's level
(a level-limited promotion applies), earns points at the card's multiplier, and gets its coupons
once a month; free cards follow the level; a reminder is recorded a week before a bought card ends."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.models import Event
from newretail.marketing.actions.coupons import create_coupon_template
from newretail.marketing.actions.promotions import create_promotion
from newretail.marketing.models import Coupon
from newretail.members.actions import cards
from newretail.members.actions.points import earn_for_order
from newretail.members.models import CardPlan, MemberCard, MemberLevel
from newretail.members.testing import make_member
from newretail.orders.actions.checkout import quote_order
from newretail.orders.actions.recharge import start_card_purchase
from newretail.payments.actions.charges import pay_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def plus(merchant):
    level = MemberLevel.objects.create(merchant=merchant, name="PLUS会员", rank=5, growth_threshold=10**9)
    return CardPlan.objects.create(
        merchant=merchant,
        name="PLUS年卡",
        price_fen=9900,
        validity_days=365,
        points_multiplier_percent=200,
        priced_as_level=level,
    )


def _buy(owner, member, plan, key=None):
    order = start_card_purchase(member=member, plan_id=plan.pk, idempotency_key=key)
    pay_order(order_id=order.pk, kind="cash", actor=owner)  # staff take it here; shoppers pay online
    order.refresh_from_db()
    return order


def test_buying_starts_the_card_and_renewing_adds_to_its_end(owner, merchant, plus):
    member = make_member(merchant)
    start = dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        order = _buy(owner, member, plus)
        assert (order.kind, order.status, order.payable_fen) == ("card", "completed", 9900)
    card = MemberCard.objects.get(member=member)
    assert card.ends_at == start + dt.timedelta(days=365)
    with time_machine.travel(start + dt.timedelta(days=300), tick=False):
        _buy(owner, member, plus)
    card.refresh_from_db()
    assert card.ends_at == start + dt.timedelta(days=730)  # nothing lost by renewing early
    assert Event.objects.filter(name="member.card_bought").count() == 2


def test_a_plan_off_sale_cannot_be_bought(merchant, plus):
    plus.is_active = False
    plus.save()
    with pytest.raises(DomainError) as caught:
        start_card_purchase(member=make_member(merchant), plan_id=plus.pk)
    assert caught.value.code == "members.card_unavailable"


def test_the_holder_is_priced_as_the_cards_level_and_earns_its_multiplier(
    owner, merchant, store, water, plus
):
    now = clock.now()
    create_promotion(
        actor=owner,
        kind="level_discount",
        name="PLUS 9折",
        rules={"rate_percent": 90},
        level_ids=[plus.priced_as_level_id],
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=30),
    )
    member = make_member(merchant)

    def payable() -> int:
        return quote_order(
            merchant=merchant,
            channel="mall",
            fulfilment="pickup",
            store_id=store.pk,
            lines=[(water.pk, 2)],
            member=member,
        ).priced.payable_fen

    assert payable() == 700
    _buy(owner, member, plus)
    assert payable() == 630  # ¥7.00 × 90%
    assert earn_for_order(member=member, order_id=999, goods_fen=1000, refunded_fen=0) == 20  # 10 × 200%


def test_free_cards_follow_the_level_and_lapse_without_it(merchant):
    gold = MemberLevel.objects.create(merchant=merchant, name="金卡", rank=2, growth_threshold=2000)
    plan = CardPlan.objects.create(merchant=merchant, name="金卡权益卡", price_fen=0, free_for_level=gold)
    member = make_member(merchant)
    member.level = gold
    member.save()
    assert cards.grant_level_cards() == 1
    assert cards.active_cards(member)[0].plan == plan
    member.level = None
    member.save()
    later = clock.now() + dt.timedelta(days=3)
    assert cards.grant_level_cards(now=later) == 0
    assert cards.active_cards(member, now=later) == []


def test_monthly_coupons_once_a_month_and_the_expiry_reminder_once(owner, merchant, plus):
    now = clock.now()
    template = create_coupon_template(
        actor=owner,
        name="PLUS 月度券",
        kind="cash_off",
        off_fen=500,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=400),
    )
    plus.coupon_template_ids = [template.pk]
    plus.save()
    member = make_member(merchant)
    _buy(owner, member, plus)
    assert cards.issue_monthly_coupons() == 1
    assert cards.issue_monthly_coupons() == 0  # this month's pack is out
    assert cards.issue_monthly_coupons(now=now + dt.timedelta(days=32)) == 1
    assert Coupon.objects.filter(member=member).count() == 2
    near_end = MemberCard.objects.get(member=member).ends_at - dt.timedelta(days=3)
    assert cards.remind_expiring_cards(now=near_end) == 1
    assert cards.remind_expiring_cards(now=near_end) == 0
    assert Event.objects.filter(name="member.card_expiring").count() == 1


def test_cards_in_the_mall_and_the_shopper_api(merchant, plus, shopper, wechat_account, committed):
    from tests.orders.conftest import key, pay_online, shop_path

    me, member_id = shopper()
    assert [p["name"] for p in me.get(shop_path(merchant, "card-plans"))] == ["PLUS年卡"]
    order = me.post(shop_path(merchant, "my/cards"), {"plan_id": plus.pk}, status=201, **key("card-1"))
    assert order["payable_fen"] == 9900
    pay_online(me, merchant, order["order_id"], committed)
    assert [c["name"] for c in me.get(shop_path(merchant, "my/cards"))] == ["PLUS年卡"]


def test_the_mall_cards_page_buys_through_the_pay_page(merchant, plus):
    from tests.storefront.conftest import Browser, mall

    web = Browser()
    web.login(merchant, "13500000001")
    html = web.text(mall(merchant, "me/cards/"))
    assert "PLUS年卡" in html and "¥99.00" in html
    response = web.post(mall(merchant, "me/cards/"), {"plan": plus.pk, "form_key": "k"})
    assert "/pay/" in response["Location"]


def test_card_plans_in_the_console(owner, merchant, plus):
    from django.urls import reverse

    from tests.console.test_marketing_pages import Browser

    web = Browser(owner)
    assert "PLUS年卡" in web.get(reverse("console:card_plans"))
    web.get(reverse("console:card_plan_new"))
    web.post(
        reverse("console:card_plan_new"),
        {
            "name": "季卡",
            "price": "29.9",
            "validity_days": "90",
            "points_multiplier_percent": "150",
            "is_active": "on",
        },
    )
    quarter = CardPlan.objects.get(merchant=merchant, name="季卡")
    assert (quarter.price_fen, quarter.validity_days, quarter.points_multiplier_percent) == (2990, 90, 150)
