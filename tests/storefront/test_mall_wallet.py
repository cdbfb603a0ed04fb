"""Stored value in the mall: the member centre shows the balance, a plan is recharged through the
pay page (Alipay sandbox) and lands in the wallet; the wallet pays a whole order, or a part with
the rest paid online; recharges stay out of "my orders"."""

from __future__ import annotations

import re

import pytest

from newretail.members.models import RechargePlan, WalletAccount, WalletSettings
from newretail.members.testing import next_phone
from newretail.orders.models import Order
from tests.orders.conftest import confirm_on_cashier
from tests.storefront.conftest import mall

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(merchant):
    return RechargePlan.objects.create(merchant=merchant, name="充50送5", pay_fen=5000, bonus_fen=500)


def _wallet(phone: str) -> tuple[int, int]:
    account = WalletAccount.objects.filter(member__phone=phone).first()
    return (account.principal_fen, account.bonus_fen) if account else (0, 0)


def _pickup_order(web, merchant, store, sku, quantity: int) -> Order:
    product_url = mall(merchant, f"p/{sku.product_id}/")
    web.post(
        mall(merchant, "cart/add/"),
        {"sku_id": sku.pk, "quantity": quantity, "next": product_url},
        page=product_url,
    )
    page_url = mall(merchant, f"checkout/?fulfilment=pickup&store={store.pk}")
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', web.text(page_url)))
    web.post(mall(merchant, "checkout/"), fields, page=page_url)
    return Order.objects.filter(kind="goods").latest("id")


def test_recharge_by_plan_then_pay_an_order_from_the_wallet(
    web, merchant, store, cola, plan, alipay_account, committed
):
    phone = next_phone()
    web.login(merchant, phone)
    html = web.text(mall(merchant, "me/wallet/"))
    assert "¥50.00" in html and "¥5.00" in html and "充50送5" in html
    response = web.post(mall(merchant, "me/wallet/"), {"plan": plan.pk, "form_key": "k1"})
    recharge = Order.objects.get(kind="recharge", member__phone=phone)
    assert response["Location"] == mall(merchant, f"orders/{recharge.pk}/pay/")
    pay_page = web.text(mall(merchant, f"orders/{recharge.pk}/pay/"))
    assert 'value="wallet"' not in pay_page and "use_wallet" not in pay_page  # not from the wallet it fills
    cashier = web.post(mall(merchant, f"orders/{recharge.pk}/pay/"), {"method": "alipay"})["Location"]
    with committed():
        confirm_on_cashier(cashier)
    recharge.refresh_from_db()
    assert recharge.status == "completed" and _wallet(phone) == (5000, 500)
    assert web.get(mall(merchant, f"orders/{recharge.pk}/"), status=302)["Location"] == mall(
        merchant, "me/wallet/"
    )
    assert "¥55.00" in web.text(mall(merchant, "me/"))
    # ¥9.00 of cola at the store price: the wallet covers it and is offered first.
    order = _pickup_order(web, merchant, store, cola, 2)
    pay_page = web.text(mall(merchant, f"orders/{order.pk}/pay/"))
    assert 'value="wallet" checked' in pay_page
    web.post(mall(merchant, f"orders/{order.pk}/pay/"), {"method": "wallet"})
    order.refresh_from_db()
    assert order.status == "paid" and len(order.pickup_code) == 6
    assert _wallet(phone) == (5000 - 819, 500 - 81)  # 900 × 500 / 5500 = 81 bonus
    orders_html = web.text(mall(merchant, "orders/"))
    assert order.number in orders_html and recharge.number not in orders_html


def test_the_wallet_pays_a_part_and_alipay_the_rest(web, merchant, store, cola, alipay_account, committed):
    WalletSettings.objects.create(merchant=merchant, custom_recharge_min_fen=100)
    phone = next_phone()
    web.login(merchant, phone)
    web.post(mall(merchant, "me/wallet/"), {"plan": "", "amount": "5", "form_key": "k2"})
    recharge = Order.objects.get(kind="recharge", member__phone=phone)
    assert recharge.payable_fen == 500
    with committed():
        confirm_on_cashier(
            web.post(mall(merchant, f"orders/{recharge.pk}/pay/"), {"method": "alipay"})["Location"]
        )
    assert _wallet(phone) == (500, 0)
    order = _pickup_order(web, merchant, store, cola, 2)  # ¥9.00
    pay_page = web.text(mall(merchant, f"orders/{order.pk}/pay/"))
    assert 'name="use_wallet" value="1" checked' in pay_page
    cashier = web.post(mall(merchant, f"orders/{order.pk}/pay/"), {"method": "alipay", "use_wallet": "1"})[
        "Location"
    ]
    assert _wallet(phone) == (0, 0)
    assert "¥4.00" in web.text(mall(merchant, f"orders/{order.pk}/pay/"))  # what is left to pay
    with committed():
        confirm_on_cashier(cashier)
    order.refresh_from_db()
    assert order.status == "paid"
    assert sorted(order.payment.tenders.filter(status="succeeded").values_list("kind", "amount_fen")) == [
        ("alipay_wap", 400),
        ("wallet", 500),
    ]


def test_a_free_amount_below_the_minimum_is_refused(web, merchant):
    WalletSettings.objects.create(merchant=merchant, custom_recharge_min_fen=1000)
    web.login(merchant, next_phone())
    web.post(mall(merchant, "me/wallet/"), {"plan": "", "amount": "5", "form_key": "k3"})
    assert not Order.objects.filter(kind="recharge").exists()
    assert "¥10.00" in web.text(mall(merchant, "me/wallet/"))


def test_the_member_code_page_shows_a_code_the_till_resolves_once(web, merchant):
    from newretail.members.actions.member_code import resolve_member_code
    from newretail.members.models import Member

    phone = next_phone()
    web.login(merchant, phone)
    assert "me/code/" in web.text(mall(merchant, "me/"))
    response = web.get(mall(merchant, "me/code/"))
    html = response.content.decode()
    assert response["Cache-Control"] == "private, no-store" and 'http-equiv="refresh"' in html
    digits = re.search(r'data-test="member-code">([\d ]+)<', html)[1].replace(" ", "")
    assert resolve_member_code(merchant.pk, digits) == Member.objects.get(phone=phone)
    assert 'id="barcode_group"' in html and html.count("<svg") >= 2  # the barcode and the QR code


def test_the_profile_page_saves_name_and_birthday(web, merchant):
    from newretail.members.models import Member

    phone = next_phone()
    web.login(merchant, phone)
    web.post(mall(merchant, "me/profile/"), {"name": "小李", "birthday": "1995-06-18"})
    member = Member.objects.get(phone=phone)
    assert member.name == "小李" and member.birthday.isoformat() == "1995-06-18"
    web.post(mall(merchant, "me/profile/"), {"name": "小李", "birthday": "not a date"})
    assert Member.objects.get(phone=phone).birthday.isoformat() == "1995-06-18"
