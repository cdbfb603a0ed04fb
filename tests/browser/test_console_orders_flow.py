"""The order flow in a real browser, as a store manager: the order list, a paid express order
shipped with carrier and tracking number (已发货 on the timeline), then a pickup order handed over
at the counter with its code typed as a scanner would. Every page is checked at 360 px too.
Screenshots go to /tmp/shots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from newretail.core.testing import PASSWORD, make_staff
from newretail.members.testing import make_member
from newretail.orders.actions import aftersales
from newretail.orders.models import Order
from newretail.payments.accounts import set_up_sandbox_account
from newretail.tenancy.roles import Role
from tests.browser_support import NARROW, login
from tests.inventory.conftest import make_sku, receive
from tests.orders.isolation import paid_order, png_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
WIDE = {"width": 1280, "height": 900}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def shop(owner, store):
    warehouse = store.warehouses.get()
    water = make_sku(owner.merchant_id, name="农夫山泉 550ml", price_fen=350)
    cola = make_sku(owner.merchant_id, name="可口可乐 330ml", price_fen=500)
    receive(warehouse, water, 50)
    receive(warehouse, cola, 50)
    member = make_member(owner.merchant_id, "13812345678", name="张三")
    express = paid_order(owner, store, warehouse, water, quantity=4, member=member, buyer_note="工作日送货")
    pickup = paid_order(
        owner,
        store,
        warehouse,
        cola,
        quantity=2,
        member=member,
        fulfilment="pickup",
        address=None,
        warehouse_id=None,
    )
    line = express.lines.get()
    request = aftersales.request_after_sale(
        order_id=express.pk,
        kind="refund_only",
        reason="damaged",
        description="有一瓶漏了",
        lines=[{"order_line_id": line.pk, "quantity": 1}],
        member=member,
        photos=[png_upload()],
    )
    manager = make_staff(owner, Role.STORE_MANAGER, stores=[store])
    return {"express": express, "pickup": pickup, "after_sale": request, "manager": manager}


def test_ship_an_order_and_hand_over_a_pickup(open_page, shop):
    express, pickup = shop["express"], shop["pickup"]
    page, _ = open_page(viewport=WIDE)
    login(page, shop["manager"].username, PASSWORD)
    page.click("nav a:text-is('订单')")
    page.wait_for_selector("#order-table")
    assert page.locator(f"#order-table tr[data-number='{express.number}']").count() == 1
    shot(page, "orders-list-1280")
    # Changing a filter refreshes the table in place (htmx) and keeps the filter in the address.
    page.select_option("#id_fulfilment", "pickup")
    page.wait_for_url("**fulfilment=pickup**")
    page.wait_for_selector(f"#order-table tr[data-number='{pickup.number}']")
    assert page.locator(f"#order-table tr[data-number='{express.number}']").count() == 0
    page.goto("/console/orders/")

    page.click(f"#order-table a:text('{express.number}')")
    page.wait_for_selector("#ship-form")
    shot(page, "orders-detail-1280")
    page.fill("#id_carrier", "顺丰速运")
    page.fill("#id_tracking_number", "SF1234567890")
    page.click("#ship-submit")
    page.wait_for_selector("#timeline li[data-kind=shipped]")
    assert "已发货" in page.locator("#timeline li[data-kind=shipped]").inner_text()
    assert "已发货" in page.locator("#order-status").inner_text()
    assert "SF1234567890" in page.locator("#order-tracking").inner_text()
    shot(page, "orders-shipped-1280")
    express.refresh_from_db()
    assert (express.status, express.tracking_number) == ("shipped", "SF1234567890")

    page.click("nav a:text-is('自提核销')")
    code_input = page.locator("#id_code")
    assert code_input.evaluate("el => el === document.activeElement")  # ready for the scanner
    page.keyboard.type(pickup.pickup_code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#pickup-ok")
    assert pickup.number in page.locator("#pickup-ok").inner_text()
    assert "可口可乐 330ml" in page.locator("#pickup-ok").inner_text()
    assert code_input.input_value() == "" and code_input.evaluate("el => el === document.activeElement")
    shot(page, "orders-pickup-1280")
    pickup.refresh_from_db()
    assert pickup.status == Order.Status.COMPLETED

    # The same code again: refused, the counter sees why.
    page.keyboard.type(pickup.pickup_code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#pickup-error")
    assert "没有提货码" in page.locator("#pickup-error").inner_text()


def test_order_pages_fit_360px(open_page, shop, owner):
    express, after_sale = shop["express"], shop["after_sale"]
    page, _ = open_page(viewport=NARROW)
    login(page, shop["manager"].username, PASSWORD)
    for name, url in (
        ("orders-list-360", "/console/orders/?status=paid"),
        ("orders-detail-360", f"/console/orders/{express.pk}/"),
        ("orders-refund-360", f"/console/orders/{express.pk}/refund/"),
        ("orders-pickup-360", "/console/orders/pickup/"),
        ("after-sales-list-360", "/console/after-sales/"),
        ("after-sales-detail-360", f"/console/after-sales/{after_sale.pk}/"),
    ):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
        shot(page, name)
    # The order page's cancel dialog opens without leaving the page and says where the money goes.
    page.goto(f"/console/orders/{express.pk}/")
    page.click("#cancel-open")
    assert "原支付方式" in page.locator("#cancel-warning").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "orders-cancel-dialog-360")

    set_up_sandbox_account(merchant_id=owner.merchant_id, provider="wechat", actor=owner)
    owner_page, _ = open_page(viewport=NARROW)
    login(owner_page, owner.username, PASSWORD)
    owner_page.goto("/console/payments/settings/")
    owner_page.click("#provider-alipay .live-form summary")
    assert owner_page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(owner_page, "payments-settings-360")
    owner_page.set_viewport_size(WIDE)
    owner_page.goto("/console/payments/settings/")
    shot(owner_page, "payments-settings-1280")
    owner_page.goto(f"/console/after-sales/{after_sale.pk}/")
    shot(owner_page, "after-sales-detail-1280")
    owner_page.goto("/console/")
    shot(owner_page, "dashboard-1280")
