"""Growth value and levels (成长值, 会员等级): an order's goods earn growth once, a refund takes back
its share, the level goes up at once (and the points multiplier of the new level applies), the
yearly review lowers a level the last twelve months no longer reach, birthday points follow the
level, and every change records member.level_changed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.core.errors import DomainError
from newretail.core.models import Event
from newretail.members.actions import levels
from newretail.members.actions.points import earn_for_order
from newretail.members.models import GrowthEntry, LevelSettings, Member, MemberLevel, PointsEntry
from newretail.members.testing import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(merchant):
    return {
        "普通会员": MemberLevel.objects.create(
            merchant=merchant, name="普通会员", rank=0, growth_threshold=0
        ),
        "银卡": MemberLevel.objects.create(merchant=merchant, name="银卡", rank=1, growth_threshold=500),
        "金卡": MemberLevel.objects.create(
            merchant=merchant,
            name="金卡",
            rank=2,
            growth_threshold=2000,
            points_multiplier_percent=150,
            birthday_points=200,
        ),
    }


def _level(member) -> str | None:
    member = Member.objects.select_related("level").get(pk=member.pk)
    return member.level.name if member.level else None


def test_growth_is_earned_once_per_order_and_lifts_the_level_at_once(merchant, ladder):
    member = make_member(merchant)
    assert levels.earn_growth_for_order(member=member, order_id=1, goods_fen=60_000) == 600  # ¥600.00
    assert _level(member) == "银卡"
    assert levels.earn_growth_for_order(member=member, order_id=1, goods_fen=60_000) == 0  # replayed
    levels.earn_growth_for_order(member=member, order_id=2, goods_fen=150_000)
    assert _level(member) == "金卡" and Member.objects.get(pk=member.pk).growth == 2100
    changes = Event.objects.filter(name="member.level_changed").order_by("id")
    assert [(e.payload["from_rank"], e.payload["to_rank"]) for e in changes] == [(None, 1), (1, 2)]


def test_a_refund_takes_back_its_share_of_growth_but_the_level_waits_for_the_review(merchant, ladder):
    member = make_member(merchant)
    levels.earn_growth_for_order(member=member, order_id=7, goods_fen=80_000)  # 800: 银卡
    assert (
        levels.reverse_growth_for_refund(
            member=member, order_id=7, refund_id=1, goods_fen=80_000, refunded_goods_fen=40_000
        )
        == 400
    )
    assert (
        levels.reverse_growth_for_refund(
            member=member, order_id=7, refund_id=1, goods_fen=80_000, refunded_goods_fen=40_000
        )
        == 0
    )
    assert (
        levels.reverse_growth_for_refund(
            member=member, order_id=7, refund_id=2, goods_fen=80_000, refunded_goods_fen=80_000
        )
        == 400
    )
    assert Member.objects.get(pk=member.pk).growth == 0
    assert _level(member) == "银卡"  # no downgrade between reviews


def test_the_level_multiplies_the_points_an_order_earns(merchant, ladder):
    member = make_member(merchant)
    levels.earn_growth_for_order(member=member, order_id=1, goods_fen=200_000)  # 金卡: 150%
    member.refresh_from_db()
    assert earn_for_order(member=member, order_id=3, goods_fen=10_000, refunded_fen=0) == 150


def test_the_yearly_review_lowers_a_level_the_last_year_does_not_reach(merchant, ladder):
    member = make_member(merchant)
    start = dt.datetime(2025, 1, 10, 2, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        levels.earn_growth_for_order(member=member, order_id=1, goods_fen=250_000)  # 金卡
    with time_machine.travel(start + dt.timedelta(days=200), tick=False):
        assert levels.review_levels() == 0  # not a year yet
    with time_machine.travel(start + dt.timedelta(days=300), tick=False):
        levels.earn_growth_for_order(member=member, order_id=2, goods_fen=60_000)  # 600 in the last year
    with time_machine.travel(start + dt.timedelta(days=366), tick=False):
        assert levels.review_levels() == 1
    assert _level(member) == "银卡"
    assert Event.objects.filter(name="member.level_changed", payload__reason="yearly_review").count() == 1
    with time_machine.travel(start + dt.timedelta(days=400), tick=False):
        assert levels.review_levels() == 0  # reviewed: next year again


def test_a_shop_without_yearly_review_keeps_levels(merchant, ladder):
    LevelSettings.objects.create(merchant=merchant, yearly_review=False)
    member = make_member(merchant)
    with time_machine.travel(dt.datetime(2025, 1, 10, tzinfo=dt.UTC), tick=False):
        levels.earn_growth_for_order(member=member, order_id=1, goods_fen=250_000)
    with time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC), tick=False):
        assert levels.review_levels() == 0
    assert _level(member) == "金卡"


def test_birthday_points_by_level_once_a_year(merchant, ladder):
    member = make_member(merchant)
    Member.objects.filter(pk=member.pk).update(birthday=dt.date(1990, 12, 2))
    levels.earn_growth_for_order(member=member, order_id=1, goods_fen=250_000)
    assert levels.grant_birthday_gifts(dt.date(2026, 12, 2)) == 200
    assert levels.grant_birthday_gifts(dt.date(2026, 12, 2)) == 0
    assert levels.grant_birthday_gifts(dt.date(2026, 12, 3)) == 0
    assert PointsEntry.objects.filter(member=member, reference="birthday:2026").count() == 1


def test_growth_adjustments_need_the_permission_and_a_reason(owner, merchant, ladder):
    member = make_member(merchant)
    with pytest.raises(DomainError):
        levels.adjust_growth(actor=owner, member=member, growth=600, reason="")
    assert levels.adjust_growth(actor=owner, member=member, growth=600, reason="老会员迁移") == 600
    assert _level(member) == "银卡"
    assert GrowthEntry.objects.get(member=member).kind == "adjust"


def test_a_completed_order_earns_growth_and_points_through_the_events(
    owner, merchant, store, water, committed
):
    from newretail.orders.actions.checkout import create_order
    from newretail.payments.actions.charges import pay_order

    MemberLevel.objects.create(merchant=merchant, name="银卡", rank=1, growth_threshold=5)
    member = make_member(merchant)
    order = create_order(
        merchant=merchant,
        channel="pos",
        fulfilment="in_store",
        store_id=store.pk,
        lines=[{"sku_id": water.pk, "quantity": 2}],
        member=member,
    )
    with committed():
        pay_order(order_id=order.pk, kind="cash", actor=owner)
    member.refresh_from_db()
    assert member.growth == 7 and member.level.name == "银卡"  # ¥7.00 of goods


def test_first_order_and_profile_bonuses_come_once(owner, merchant, store, water, committed):
    from newretail.members.actions.members import update_profile
    from newretail.members.models import PointsSettings
    from newretail.orders.actions.checkout import create_order
    from newretail.payments.actions.charges import pay_order

    PointsSettings.objects.create(merchant=merchant, first_order_points=50, profile_points=30)
    member = make_member(merchant)
    for _ in range(2):
        order = create_order(
            merchant=merchant,
            channel="pos",
            fulfilment="in_store",
            store_id=store.pk,
            lines=[{"sku_id": water.pk, "quantity": 2}],
            member=member,
        )
        with committed():
            pay_order(order_id=order.pk, kind="cash", actor=owner)
    assert PointsEntry.objects.filter(member=member, kind="bonus").count() == 1
    assert update_profile(member=member, name="张三", birthday=None)[1] == 0  # not complete yet
    assert update_profile(member=member, name="张三", birthday=dt.date(1990, 5, 1))[1] == 30
    assert update_profile(member=member, name="张三丰", birthday=dt.date(1990, 5, 1))[1] == 0
