"""Coupons issued automatically through the event dispatcher, and the rules every way of issuing
shares (window, validity after claim, stock, per-member limit, paused templates)."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.marketing.actions.coupons import issue_coupons, set_coupon_template_status
from newretail.marketing.models import Coupon
from newretail.members.actions.members import find_or_create_member
from newretail.members.testing import make_member

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_a_new_member_gets_the_welcome_coupons_once(merchant, template, committed):
    welcome = template(
        name="新人券", off_fen=500, threshold_fen=3000, valid_days=14, issue_on=["member.registered"]
    )
    template(name="普通券", off_fen=100)  # not automatic
    with committed():
        member, created = find_or_create_member(merchant=merchant, phone="13912345678", source="pos")
    assert created
    coupon = Coupon.objects.get(member=member)
    assert (coupon.template_id, coupon.source) == (welcome.pk, "event")
    assert coupon.valid_until - coupon.valid_from == dt.timedelta(days=14)
    with committed():
        find_or_create_member(merchant=merchant, phone="13912345678", source="mall")  # the same person
    assert Coupon.objects.filter(member=member).count() == 1


@pytest.mark.parametrize("event_name", ["member.level_changed", "member.birthday"])
def test_level_up_and_birthday_events_issue_their_coupons(merchant, template, committed, event_name):
    template(name="券", off_fen=300, issue_on=[event_name])
    member = make_member(merchant)
    with committed():
        record_event(
            merchant_id=merchant.pk, name=event_name, payload={"member_id": member.pk, "direction": "up"}
        )
    assert Coupon.objects.filter(member=member, source="event").count() == 1


def test_a_paused_or_ended_template_issues_nothing(merchant, owner, template):
    paused = template(off_fen=100)
    set_coupon_template_status(actor=owner, template_id=paused.pk, status="paused")
    member = make_member(merchant)
    with pytest.raises(DomainError) as refused:
        issue_coupons(template=paused, member=member, source="claim")
    assert refused.value.code == "marketing.coupon_not_claimable"
    now = clock.now()
    ended = template(
        off_fen=100, valid_from=now - dt.timedelta(days=9), valid_until=now - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError):
        issue_coupons(template=ended, member=member, source="claim")
    assert not Coupon.objects.exists()


def test_validity_after_claim_never_outlives_the_template(merchant, template):
    now = clock.now()
    short = template(off_fen=100, valid_days=30, valid_until=now + dt.timedelta(days=3))
    coupon = issue_coupons(template=short, member=make_member(merchant), source="claim")[0]
    assert coupon.valid_until == short.valid_until


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "cash_off", "threshold_fen": 1000, "off_fen": 1000}, "off_fen"),  # 满10减10
        ({"kind": "discount", "rate_percent": 100}, "rate_percent"),  # 10折 is no discount
        ({"kind": "discount", "rate_percent": 0}, "rate_percent"),
        ({"kind": "exchange"}, "exchange_sku_id"),
        ({"kind": "cash_off", "off_fen": 100, "issue_on": ["order.paid"]}, "issue_on"),
    ],
)
def test_nonsense_coupon_templates_are_refused(template, fields, field):
    with pytest.raises(DomainError) as refused:
        template(**fields)
    assert refused.value.code == "marketing.invalid_coupon_template" and field in refused.value.message


def test_a_days_after_claim_coupon_cannot_be_claimed_before_its_start(merchant, template):
    now = clock.now()
    later = template(
        off_fen=100,
        valid_days=7,
        valid_from=now + dt.timedelta(days=2),
        valid_until=now + dt.timedelta(days=30),
    )
    with pytest.raises(DomainError) as refused:
        issue_coupons(template=later, member=make_member(merchant), source="claim")
    assert refused.value.code == "marketing.coupon_not_claimable"


def test_setting_the_status_a_template_already_has_changes_nothing(owner, template):
    active = template(off_fen=100)
    assert set_coupon_template_status(actor=owner, template_id=active.pk, status="active") == active
