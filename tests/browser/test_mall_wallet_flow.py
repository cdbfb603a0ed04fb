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
