"""The purchase order flow in a real browser: create (SKUs by barcode or code, cost in yuan),
mark ordered, receive with the quantities prefilled, then see the stock. Also at 360 px.

tests/browser/conftest.py's ``browser`` fixture is visible only under tests/browser, and a second
Playwright in the same thread clashes with it (its event loop is running for the whole session),
so each test here drives its own Playwright in a thread of its own. Moving this module to
tests/browser/ would let it use the shared fixtures instead."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from newretail.core.testing import PASSWORD
from newretail.inventory.actions.purchasing import create_supplier
from newretail.inventory.models import PurchaseOrder
from tests.browser.conftest import CHROMIUM_ARGS, DESKTOP, NARROW, login, screenshot
from tests.conftest import CHROMIUM
from tests.inventory.conftest import level_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_browser(live_server, viewport: dict, steps: Callable) -> None:
    """Run ``steps(page)`` against the live server in a fresh chromium on its own thread; fail on
    any exception and on any JavaScript error the page reported."""
    failures: list[BaseException] = []
    js_errors: list[str] = []

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
                context.set_default_timeout(10_000)
                page = context.new_page()
                page.on("console", lambda msg: msg.type == "error" and js_errors.append(msg.text))
                page.on("pageerror", lambda exc: js_errors.append(str(exc)))
                try:
                    steps(page)
                finally:
                    browser.close()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "browser steps timed out"
    if failures:
        raise failures[0]
    assert not js_errors, f"JavaScript errors: {js_errors}"


def test_purchase_order_create_order_receive_in_the_browser(live_server, owner, warehouse, sku, sku2):
    supplier = create_supplier(actor=owner, name="华东饮料批发")

    def steps(page) -> None:
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

    in_browser(live_server, DESKTOP, steps)
    assert level_of(warehouse, sku).on_hand == 20 and level_of(warehouse, sku2).on_hand == 12


def test_inventory_pages_fit_360px(live_server, owner, warehouse, sku):
    def steps(page) -> None:
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

    in_browser(live_server, NARROW, steps)
