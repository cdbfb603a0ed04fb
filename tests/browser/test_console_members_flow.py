"""The console's member page in a real browser: an HQ admin finds a member by the last 4 digits,
recharges 充100送20 in cash at the counter, and sees the wallet, orders and liability report.
Screenshots go to var/screenshots/ for a person to look at."""

from __future__ import annotations

import pytest

from newretail.core.testing import PASSWORD, make_staff
from newretail.members.models import RechargePlan, WalletAccount
from newretail.members.testing import make_member
from newretail.tenancy.roles import Role
from tests.browser_support import DESKTOP, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_a_member_and_recharge_in_cash(open_page, owner, store):
    admin = make_staff(owner, Role.HQ_ADMIN)
    member = make_member(owner.merchant_id, "13855556789", name="赵六")
    RechargePlan.objects.create(
        merchant_id=owner.merchant_id, name="充100送20", pay_fen=10000, bonus_fen=2000
    )
    page, errors = open_page(viewport=DESKTOP)
    login(page, admin.username, PASSWORD)
    page.click("a[href='/console/members/']")
    page.fill("input[name=q]", "6789")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#member-table tr[data-phone='13855556789']")
    screenshot(page, "console-member-list")
    page.click("#member-table a:has-text('13855556789')")
    page.wait_for_selector("#member-figures")
    page.click("summary:has-text('现金充值')")
    page.select_option("select[name=plan]", label="100.00 + 20.00 充100送20")
    page.click("button:has-text('收取现金并充值')")
    page.wait_for_selector("#wallet-balance:has-text('¥120.00')")
    account = WalletAccount.objects.get(member=member)
    assert (account.principal_fen, account.bonus_fen) == (10000, 2000)
    screenshot(page, "console-member-detail")
    page.goto("/console/stored-value/")
    page.wait_for_selector("#liability-principal:has-text('¥100.00')")
    screenshot(page, "console-stored-value")
    errors.assert_none()
