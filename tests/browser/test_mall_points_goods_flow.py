"""The points mall's goods in a real phone browser: a member with points exchanges 300 points +
¥9.90 for a bag of rice to pick up, pays the cash part on the Alipay sandbox cashier and sees the
paid points mall order. Screenshots go to var/screenshots/ for a person to look at."""

from __future__ import annotations

import re

import pytest

from newretail.members.actions.points import earn_points
from newretail.members.models import Member, PointsAccount, PointsMallItem, SmsMessage
from newretail.orders.models import Order
from newretail.payments.accounts import set_up_sandbox_account
from tests.browser_support import PHONE, screenshot
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER = "13812340077"


def test_points_plus_cash_goods_exchange_paid_on_the_sandbox(open_page, owner, store, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    merchant = owner.merchant
    rice = make_sku(merchant.pk, name="五常大米 2.5kg", price_fen=3990)
    receive(store.warehouses.get(), rice, 5)
    set_up_sandbox_account(merchant_id=merchant.pk, provider="alipay", actor=owner)
    item = PointsMallItem.objects.create(
        merchant=merchant, kind="goods", name="积分换大米", points=300, sku=rice, cash_fen=990, stock=10
    )
    page, _errors = open_page(viewport=PHONE)
    page.goto(f"/m/{merchant.slug}/login/")
    page.fill("input[name=phone]", PHONE_NUMBER)
    page.click("button:has-text('获取验证码')")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"验证码 (\d{6})", SmsMessage.objects.filter(phone=PHONE_NUMBER).latest("id").text)[1]
    page.fill("input[name=code]", code)
    page.click("button:has-text('登录')")
    page.wait_for_selector(".me-head")
    member = Member.objects.get(merchant=merchant, phone=PHONE_NUMBER)
    earn_points(member=member, points=500, reference="gift")

    page.goto(f"/m/{merchant.slug}/me/points/mall/")
    page.click("a:has-text('300 积分 + ¥9.90')")
    page.wait_for_selector("[data-test=points-goods]")
    page.click("label:has-text('到店自提')")
    screenshot(page, "mall-phone-points-goods")
    page.click("[data-test=points-goods-exchange]")
    page.wait_for_selector("text=支付宝")
    page.click("button[type=submit]:has-text('¥9.90')")
    page.wait_for_selector("text=确认支付")
    page.click("button:has-text('确认支付')")
    order = Order.objects.get(member=member, channel="points_mall")
    page.wait_for_function("() => !document.body.innerText.includes('待支付')", timeout=15_000)
    order.refresh_from_db()
    assert order.status == "paid" and order.payable_fen == 990 and order.store_id == store.pk
    assert PointsAccount.objects.get(member=member).balance == 200
    item.refresh_from_db()
    assert item.stock == 9
    screenshot(page, "mall-phone-points-goods-paid")
