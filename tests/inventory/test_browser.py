"""The purchase order flow in a real browser: create (SKUs by barcode or code, cost in yuan),
mark ordered, receive with the quantities prefilled, then see the stock. Also at 360 px."""

from __future__ import annotations

import pytest

from newretail.core.testing import PASSWORD
from newretail.inventory.actions.purchasing import create_supplier
from newretail.inventory.models import PurchaseOrder
from tests.browser_support import NARROW, login, screenshot
from tests.inventory.conftest import level_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_purchase_order_create_order_receive_in_the_browser(open_page, owner, warehouse, sku, sku2):
    supplier = create_supplier(actor=owner, name="华东饮料批发")
    page, _ = open_page()
    login(page, owner.username, PASSWORD)
    page.goto("/console/purchase-orders/")
    page.click("#new-purchase-order")
    page.select_option("#id_supplier", str(supplier.pk))
    page.select_option("#id_warehouse", str(warehouse.pk))
    page.fill("#id_lines-0-sku", "6921168509256")  # scanned barcode
    page.fill("#id_lines-0-quantity", "24")
    page.fill("#id_lines-0-unit_cost", "1.50")
    for _ in range(5):  # past the five rows the page starts with
        page.click("#add-line")
    page.fill("#id_lines-9-sku", "KO330")  # typed SKU code
    page.fill("#id_lines-9-quantity", "12")
    screenshot(page, "inventory-purchase-order-new")
    page.click("#submit")
    page.wait_for_selector("#mark-ordered")
    po = PurchaseOrder.objects.get()
    assert po.lines.count() == 2 and po.lines.get(sku=sku).unit_cost_fen == 150
    assert "草稿" in page.locator("#po-status").inner_text()

    page.click("#mark-ordered")
    page.click("#receive-goods")
    line = po.lines.get(sku=sku)
    assert page.input_value(f"#id_line_{line.pk}") == "24"  # prefilled with what is outstanding
    page.fill(f"#id_line_{line.pk}", "20")
    page.click("#submit")
    page.wait_for_selector("#po-status [data-status=partially_received]")
    screenshot(page, "inventory-purchase-order")

    page.goto(f"/console/stock/?warehouse={warehouse.pk}")
    row = page.locator("#stock-table tr[data-sku=NF550]")
    assert row.locator("[data-col=on_hand]").inner_text() == "20"
    assert row.locator("[data-col=available]").inner_text() == "20"

    assert level_of(warehouse, sku).on_hand == 20 and level_of(warehouse, sku2).on_hand == 12


def test_inventory_pages_fit_360px(open_page, owner, warehouse, sku):
    page, _ = open_page(viewport=NARROW)
    login(page, owner.username, PASSWORD)
    for url in (
        "/console/stock/",
        "/console/purchase-orders/new/",
        "/console/stocktakes/new/",
        "/console/movements/",
    ):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
    screenshot(page, "inventory-movements-360")
