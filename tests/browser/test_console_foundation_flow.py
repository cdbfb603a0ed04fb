"""The foundation's main console flow in a browser: log in, create a product with a barcode,
order it from a supplier, receive it, and see it on hand in the store's warehouse."""

import pytest

from newretail.catalog.actions.categories import create_category
from newretail.catalog.barcodes import with_check_digit
from newretail.catalog.models import Sku
from newretail.core.testing import PASSWORD, make_store
from newretail.inventory.actions.purchasing import create_supplier
from tests.browser_support import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_product_receive_it_by_purchase_order_and_see_it_on_hand(open_page, owner):
    warehouse = make_store(owner, name="静安寺店").warehouses.get()
    drinks = create_category(actor=owner, name="饮料")
    supplier = create_supplier(actor=owner, name="华润怡宝华东经销商")
    barcode = with_check_digit("690128599121")
    page, _ = open_page()

    login(page, owner.username, PASSWORD)
    page.goto("/console/products/")
    page.click("#product-new")
    page.fill("#id_name", "怡宝纯净水 555ml")
    page.select_option("#id_category", str(drinks.pk))
    page.fill("#id_skus-0-barcode", barcode)
    page.fill("#id_skus-0-price", "2.00")
    page.click("#product-submit")
    page.wait_for_selector("#product-edit")
    sku = Sku.objects.get(barcode=barcode)

    page.goto("/console/purchase-orders/")
    page.click("#new-purchase-order")
    page.select_option("#id_supplier", str(supplier.pk))
    page.select_option("#id_warehouse", str(warehouse.pk))
    page.fill("#id_lines-0-sku", barcode)  # as a scanner types it
    page.fill("#id_lines-0-quantity", "48")
    page.fill("#id_lines-0-unit_cost", "1.20")
    page.click("#submit")
    page.click("#mark-ordered")
    page.click("#receive-goods")
    page.click("#submit")
    page.wait_for_selector("#po-status [data-status=received]")

    page.goto(f"/console/stock/?warehouse={warehouse.pk}")
    row = page.locator(f"#stock-table tr[data-sku={sku.code}]")
    assert row.locator("[data-col=on_hand]").inner_text() == "48"
    assert "怡宝纯净水" in row.inner_text()
    screenshot(page, "foundation-flow-stock")
