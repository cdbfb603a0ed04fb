"""The console's member pages (会员): the list with search and filters, the member page with
points, stored value, orders and notes, and its actions (cash recharge at the counter, withdrawal,
adjustments by role), and the stored-value setup with the liability report."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newretail.core.models import AuditEntry
from newretail.core.testing import make_staff
from newretail.members.models import MemberNote, RechargePlan, WalletAccount, WalletSettings
from newretail.members.testing import make_member
from newretail.orders.models import Order
from newretail.tenancy.roles import Role
from tests.console.test_marketing_pages import Browser

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(merchant):
    return RechargePlan.objects.create(merchant=merchant, name="充100送20", pay_fen=10000, bonus_fen=2000)


def _wallet(member) -> tuple[int, int]:
    account = WalletAccount.objects.filter(member=member).first()
    return (account.principal_fen, account.bonus_fen) if account else (0, 0)


def test_the_list_searches_by_phone_name_and_last_four(owner, merchant):
    make_member(merchant, "13800001111", name="张三")
    make_member(merchant, "13900002222", name="李四")
    web = Browser(owner)
    url = reverse("console:member_list")
    assert "13800001111" in web.get(url) and "13900002222" in web.get(url)
    page = web.get(url + "?q=2222")
    assert "13900002222" in page and "13800001111" not in page
    page = web.get(url + "?q=张")
    assert "13800001111" in page and "13900002222" not in page
    assert "13800001111" in web.get(url + "?min_spend=abc")  # a bad filter is ignored, not a 500


def test_cash_recharge_withdrawal_and_adjustments_from_the_member_page(owner, merchant, store, plan):
    member = make_member(merchant, name="王五")
    web = Browser(owner)
    page_url = reverse("console:member_detail", args=[member.pk])
    assert "王五" in web.get(page_url)
    web.post(reverse("console:member_recharge", args=[member.pk]), {"plan": plan.pk, "store": store.pk})
    recharge = Order.objects.get(kind="recharge", member=member)
    assert recharge.status == "completed" and _wallet(member) == (10000, 2000)
    html = web.get(page_url)
    assert "¥120.00" in html and recharge.number in html
    web.post(reverse("console:member_withdraw", args=[member.pk]), {"amount": "50", "reason": "退卡"})
    assert _wallet(member) == (5000, 1000)
    web.post(
        reverse("console:member_wallet_adjust", args=[member.pk]),
        {"principal": "", "bonus": "-2.50", "reason": "更正"},
    )
    assert _wallet(member) == (5000, 750)
    web.post(
        reverse("console:member_points_adjust", args=[member.pk]), {"points": "300", "reason": "活动补发"}
    )
    assert "300" in web.get(page_url)
    web.post(reverse("console:member_note", args=[member.pk]), {"text": "喜欢晚上6点后配送"})
    assert MemberNote.objects.get(member=member).text == "喜欢晚上6点后配送"
    assert {"members.wallet_withdrawn", "members.wallet_adjusted", "members.points_adjusted"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )


def test_a_withdrawal_beyond_the_principal_changes_nothing_and_says_why(owner, merchant, store, plan):
    member = make_member(merchant)
    web = Browser(owner)
    web.get(reverse("console:member_detail", args=[member.pk]))
    web.post(reverse("console:member_recharge", args=[member.pk]), {"plan": plan.pk, "store": store.pk})
    response = web.post(
        reverse("console:member_withdraw", args=[member.pk]), {"amount": "100.01", "reason": "x"}
    )
    assert response.status_code == 302 and _wallet(member) == (10000, 2000)
    assert "¥100.00" in web.get(reverse("console:member_detail", args=[member.pk]))


def test_a_cashier_recharges_but_cannot_adjust_or_withdraw(owner, merchant, store, plan):
    member = make_member(merchant)
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    web = Browser(cashier)
    html = web.get(reverse("console:member_detail", args=[member.pk]))
    assert reverse("console:member_recharge", args=[member.pk]) in html
    assert reverse("console:member_wallet_adjust", args=[member.pk]) not in html
    web.post(reverse("console:member_recharge", args=[member.pk]), {"plan": plan.pk, "store": store.pk})
    assert _wallet(member) == (10000, 2000)
    assert (
        web.post(
            reverse("console:member_wallet_adjust", args=[member.pk]), {"bonus": "5", "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        web.post(
            reverse("console:member_withdraw", args=[member.pk]), {"amount": "1", "reason": "x"}
        ).status_code
        == 403
    )
    assert web.client.get(reverse("console:stored_value")).status_code == 403


def test_plans_settings_and_the_liability_report(owner, merchant, store):
    web = Browser(owner)
    web.get(reverse("console:recharge_plan_new"))
    web.post(
        reverse("console:recharge_plan_new"),
        {"name": "充200送50", "pay": "200", "bonus": "50", "is_active": "on"},
    )
    plan = RechargePlan.objects.get(merchant=merchant)
    assert (plan.pay_fen, plan.bonus_fen, plan.is_active) == (20000, 5000, True)
    web.get(reverse("console:stored_value"))
    web.post(reverse("console:stored_value"), {"custom_recharge_min": "10", "withdrawal_allowed": ""})
    settings = WalletSettings.objects.get(merchant=merchant)
    assert (settings.custom_recharge_min_fen, settings.withdrawal_allowed) == (1000, False)
    member = make_member(merchant)
    web.get(reverse("console:member_detail", args=[member.pk]))
    web.post(reverse("console:member_recharge", args=[member.pk]), {"plan": plan.pk, "store": store.pk})
    html = web.get(reverse("console:stored_value"))
    assert store.name in html and "¥200.00" in html and "¥50.00" in html


def test_levels_and_points_rules_are_set_in_the_console(owner, merchant):
    from newretail.members.models import LevelSettings, MemberLevel, PointsSettings

    web = Browser(owner)
    web.get(reverse("console:level_new"))
    web.post(
        reverse("console:level_new"),
        {
            "name": "金卡",
            "rank": "2",
            "growth_threshold": "2000",
            "points_multiplier_percent": "150",
            "birthday_points": "100",
        },
    )
    gold = MemberLevel.objects.get(merchant=merchant)
    assert (gold.growth_threshold, gold.points_multiplier_percent) == (2000, 150)
    web.get(reverse("console:level_new"))
    response = web.post(
        reverse("console:level_new"),
        {
            "name": "铂金",
            "rank": "2",
            "growth_threshold": "1",
            "points_multiplier_percent": "100",
            "birthday_points": "0",
        },
    )
    assert response.status_code == 200 and '<p class="error">' in response.content.decode()
    assert MemberLevel.objects.filter(merchant=merchant).count() == 1  # the rank is taken
    page = web.get(reverse("console:member_rules"))
    assert "金卡" in page
    fields = {
        "form": "points",
        "points-earn_per_yuan": "2",
        "points-earn_on": "paid",
        "points-signin_points": "5",
        "points-signin_streak_days": "7",
        "points-signin_streak_bonus": "20",
        "points-redeem_per_yuan": "100",
        "points-redeem_max_percent": "30",
        "points-redeem_min_points": "0",
    }
    web.post(reverse("console:member_rules"), fields)
    settings = PointsSettings.objects.get(merchant=merchant)
    assert (settings.earn_per_yuan, settings.earn_on, settings.redeem_max_percent) == (2, "paid", 30)
    web.get(reverse("console:member_rules"))
    web.post(
        reverse("console:member_rules"),
        {"form": "growth", "growth-growth_per_yuan": "3", "growth-yearly_review": ""},
    )
    growth = LevelSettings.objects.get(merchant=merchant)
    assert (growth.growth_per_yuan, growth.yearly_review) == (3, False)
    web.get(reverse("console:member_rules"))
    web.post(
        reverse("console:member_rules"), {**fields, "points-redeem_max_percent": "0"}
    )  # below the 1% minimum
    assert PointsSettings.objects.get(merchant=merchant).redeem_max_percent == 30
