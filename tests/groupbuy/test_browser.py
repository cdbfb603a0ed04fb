"""Group buy in real browsers on phones (Playwright, Debian chromium): (a) three shoppers, each
in their own browser, fill a group of 3 through its share link, each paying on the Alipay
sandbox cashier, and the group succeeds; (b) a group that does not fill times out (the clock is
moved past its deadline and the periodic job runs) and its members are refunded through the
sandbox. Screenshots go to var/screenshots/groupbuy-*.png for a person to look at."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from newretail.core import clock
from newretail.core.testing import PASSWORD
from newretail.marketing.groupbuy.campaigns import create_campaign
from newretail.marketing.groupbuy.models import GroupBuyGroup
from newretail.marketing.groupbuy.tasks import fail_expired_groups_task
from newretail.members.models import SmsMessage
from newretail.orders.models import Order
from newretail.payments.accounts import set_up_sandbox_account
from newretail.payments.models import Refund
from tests.browser_support import DESKTOP, PHONE, login, screenshot
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(owner, store, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    merchant = owner.merchant
    sku = make_sku(merchant.pk, name="阳光玫瑰葡萄 500g", price_fen=3990)
    receive(store.warehouses.get(), sku, 30)
    set_up_sandbox_account(merchant_id=merchant.pk, provider="alipay", actor=owner)
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="三人拼团",
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(days=3),
        group_size=3,
        fill_minutes=120,
        leader_discount_fen=500,
        items=[{"sku_id": sku.pk, "group_price_fen": 2990}],
    )
    return merchant, campaign.items.get()


def log_in(page, merchant, phone: str, next_path: str) -> None:
    page.goto(f"/m/{merchant.slug}/login/?next={next_path}")
    page.fill("input[name=phone]", phone)
    page.click("button:has-text('获取验证码')")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"验证码 (\d{6})", SmsMessage.objects.filter(phone=phone).latest("id").text)[1]
    page.fill("input[name=code]", code)
    page.click("button:has-text('登录')")
    page.wait_for_url(f"**{next_path}")


def pay_on_the_sandbox(page, amount: str) -> None:
    """On the mall's pay page: Alipay, then 确认支付 on the sandbox cashier; back on the group."""
    page.wait_for_selector("input[value=alipay]")
    page.click(f"button[type=submit]:has-text('{amount}')")
    page.wait_for_selector("text=确认支付")
    page.click("button:has-text('确认支付')")
    page.wait_for_selector("[data-test=group-state]", timeout=15_000)


def open_a_group(open_page, merchant, item, phone: str):
    page, _errors = open_page(viewport=PHONE)
    item_path = f"/m/{merchant.slug}/groupbuys/{item.pk}/"
    page.goto(item_path)
    assert page.locator("[data-test=group-price]").inner_text() == "¥29.90"
    assert "¥24.90" in page.locator("[data-test=leader-price]").inner_text()
    log_in(page, merchant, phone, item_path)
    page.wait_for_selector("[data-test=groupbuy-form]")
    screenshot(page, "groupbuy-phone-item")
    page.click("button:has-text('开团并支付')")
    pay_on_the_sandbox(page, "¥24.90")
    return page


def test_a_group_of_three_fills_and_succeeds(open_page, shop, owner):
    merchant, item = shop
    leader = open_a_group(open_page, merchant, item, "13812345001")
    assert leader.locator("[data-test=paid-count]").inner_text() == "1/3 人已支付"
    assert re.match(r"\d\d:\d\d:\d\d", leader.locator("[data-test=countdown]").inner_text())
    assert leader.locator("[data-test=share-qr] svg").count() == 1
    share_url = leader.locator("[data-test=share-url]").input_value()
    screenshot(leader, "groupbuy-phone-opened")

    path = share_url.split("://", 1)[1].split("/", 1)[1]
    for n, phone in enumerate(("13812345002", "13812345003"), start=2):
        friend, _errors = open_page(viewport=PHONE)
        friend.goto("/" + path)
        assert friend.locator("[data-test=seat]").count() == n - 1
        if n == 2:
            screenshot(friend, "groupbuy-phone-invited")
        friend.click("a:has-text('登录后参团')")
        friend.fill("input[name=phone]", phone)
        friend.click("button:has-text('获取验证码')")
        friend.wait_for_selector("input[name=code]")
        code = re.search(r"验证码 (\d{6})", SmsMessage.objects.filter(phone=phone).latest("id").text)[1]
        friend.fill("input[name=code]", code)
        friend.click("button:has-text('登录')")
        friend.wait_for_selector("button:has-text('¥29.90')")
        friend.click("button:has-text('¥29.90')")
        pay_on_the_sandbox(friend, "¥29.90")
        assert friend.locator("[data-test=paid-count]").inner_text() == f"{n}/3 人已支付"

    assert friend.locator("[data-test=group-state]").get_attribute("data-state") == "succeeded"
    assert "拼团成功" in friend.locator("[data-test=group-state]").inner_text()
    screenshot(friend, "groupbuy-phone-succeeded")
    group = GroupBuyGroup.objects.get()
    assert (group.status, group.seats_paid) == ("succeeded", 3)
    assert sorted(Order.objects.values_list("payable_fen", flat=True)) == [2490, 2990, 2990]
    leader.reload()
    assert leader.locator("[data-test=group-state]").get_attribute("data-state") == "succeeded"

    # The merchant's live report counts the group, its three participants and the money.
    console, _errors = open_page(viewport=DESKTOP)
    login(console, owner.username, PASSWORD)
    console.click("nav a:has-text('拼团')")
    console.click(f"#groupbuy-table a:has-text('{item.campaign.name}')")
    assert console.locator("[data-stat=succeeded] .value").inner_text() == "1 / 0"
    assert console.locator("[data-stat=participants] .value").inner_text() == "3"
    assert console.locator("[data-stat=gmv] .value").inner_text() == "¥84.70"
    assert console.locator("[data-stat=cost] .value").inner_text() == "¥35.00"
    assert console.locator("#group-table [data-col=status]").inner_text() == "已成团"
    screenshot(console, "groupbuy-console-report")


def test_a_group_times_out_and_refunds(open_page, shop, owner):
    merchant, item = shop
    leader = open_a_group(open_page, merchant, item, "13812345011")
    group = GroupBuyGroup.objects.get()
    assert group.status == "open"
    # Two hours and a minute later the periodic job finds the group past its deadline.
    with time_machine.travel(group.expires_at + dt.timedelta(minutes=1), tick=True):
        assert fail_expired_groups_task.call_local() == 1
        leader.reload()
        state = leader.locator("[data-test=group-state]")
        assert state.get_attribute("data-state") == "failed"
        assert "未能成团" in state.inner_text()
        screenshot(leader, "groupbuy-phone-failed")
    order = Order.objects.get()
    assert order.status == "cancelled" and order.refunded_fen == 2490
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.amount_fen) == ("succeeded", 2490)
    assert refund.tender_refunds.get().tender.kind.startswith("alipay")
    leader.goto(f"/m/{merchant.slug}/orders/{order.pk}/")
    leader.wait_for_selector("text=已取消")
    screenshot(leader, "groupbuy-phone-refunded-order")
