"""Stored value in a real browser on a phone: log in, recharge 充50送5 on the Alipay sandbox
cashier, see the balance, open the member code, and pay a pickup order from the wallet.
Screenshots go to var/screenshots/ for a person to look at."""

from __future__ import annotations

import re

import pytest

from newretail.members.models import RechargePlan, SmsMessage, WalletAccount
from newretail.payments.accounts import set_up_sandbox_account
from tests.browser_support import PHONE, screenshot
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER = "13812340002"


def test_recharge_member_code_and_pay_from_the_wallet(open_page, owner, store, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    merchant = owner.merchant
    milk = make_sku(merchant.pk, name="光明鲜牛奶 950ml", price_fen=1390)
    receive(store.warehouses.get(), milk, 20)
    set_up_sandbox_account(merchant_id=merchant.pk, provider="alipay", actor=owner)
    RechargePlan.objects.create(merchant=merchant, name="充50送5", pay_fen=5000, bonus_fen=500, position=1)
    RechargePlan.objects.create(
        merchant=merchant, name="充100送15", pay_fen=10000, bonus_fen=1500, position=2
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

    page.click("a:has-text('储值与充值')")
    page.wait_for_selector(".plan")
    screenshot(page, "mall-phone-wallet-empty")
    page.click(".plan:has-text('¥50.00')")
    page.wait_for_selector("text=支付宝")
    page.click("button[type=submit]:has-text('¥50.00')")
    page.wait_for_selector("text=确认支付")
    page.click("button:has-text('确认支付')")
    page.wait_for_selector("[data-test=wallet-balance]:has-text('¥55.00')", timeout=15_000)
    screenshot(page, "mall-phone-wallet")

    page.goto(f"/m/{merchant.slug}/me/code/")
    digits = page.locator("[data-test=member-code]").inner_text().replace(" ", "")
    assert re.fullmatch(r"66\d{16}", digits)
    screenshot(page, "mall-phone-member-code")

    page.goto(f"/m/{merchant.slug}/p/{milk.product_id}/")
    page.click("button:has-text('加入购物车')")
    page.wait_for_selector(".toast")
    page.goto(f"/m/{merchant.slug}/checkout/")
    page.click(f".pick:has-text('{store.name}')")
    page.wait_for_selector("[data-payable]")
    page.click("button:has-text('提交订单')")
    page.wait_for_selector("input[value=wallet]")
    assert page.locator("input[value=wallet]").is_checked()
    screenshot(page, "mall-phone-pay-wallet")
    page.click("button[type=submit]:has-text('¥13.90')")
    page.wait_for_selector("[data-pickup-code]", timeout=15_000)
    account = WalletAccount.objects.get(member__phone=PHONE_NUMBER)
    assert account.principal_fen + account.bonus_fen == 5500 - 1390


def test_a_member_signed_up_at_the_till_logs_into_the_mall_and_sees_the_same_points(open_page, owner, store):
    from newretail.members.actions.members import find_or_create_member
    from newretail.members.queries import points_balance
    from newretail.orders.actions.checkout import create_order
    from newretail.payments.actions.charges import pay_order

    merchant = owner.merchant
    phone = "13812340003"
    member, created = find_or_create_member(merchant=merchant, phone=phone, source="pos", store=store)
    assert created
    tea = make_sku(merchant.pk, name="东方树叶 500ml", price_fen=550)
    receive(store.warehouses.get(), tea, 20)
    order = create_order(
        merchant=merchant,
        channel="pos",
        fulfilment="in_store",
        store_id=store.pk,
        lines=[{"sku_id": tea.pk, "quantity": 4}],
        member=member,
    )
    pay_order(order_id=order.pk, kind="cash", actor=owner)  # ¥22.00 at the till: 22 points on completion
    assert points_balance(member) == 22
    page, _errors = open_page(viewport=PHONE)
    page.goto(f"/m/{merchant.slug}/login/")
    page.fill("input[name=phone]", phone)
    page.click("button:has-text('获取验证码')")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"验证码 (\d{6})", SmsMessage.objects.filter(phone=phone).latest("id").text)[1]
    page.fill("input[name=code]", code)
    page.click("button:has-text('登录')")
    page.wait_for_selector(".me-stats")
    assert page.locator(".me-stats a:has-text('积分') b").inner_text() == "22"
    screenshot(page, "mall-phone-pos-member-points")
