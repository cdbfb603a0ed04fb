"""Catalog flows in a real browser (Debian chromium): create a single-SKU product from the
console form, find it by pinyin initials, see a bad barcode refused on its row; pages at 360 px.

Like tests/inventory/test_browser.py, each test drives its own Playwright on a thread of its own
(the session browser fixture of tests/browser is not visible here). The few browser settings
are repeated here so this module also runs on its own (``pytest tests/catalog``)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection

from newretail.catalog.models import Product
from newretail.core.testing import PASSWORD
from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
NARROW = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


def login(page, username: str, password: str) -> None:
    page.goto("/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def screenshot(page, name: str) -> None:
    folder = settings.PROJECT_DIR / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def in_browser(live_server, viewport: dict, steps: Callable) -> None:
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


def test_create_single_sku_product_and_find_it(live_server, owner, drinks):
    def steps(page) -> None:
        login(page, owner.username, PASSWORD)
        page.goto("/console/products/")
        page.click("#product-new")
        page.fill("#id_name", "农夫山泉 饮用天然水 550ml")
        page.select_option("#id_category", str(drinks.pk))
        page.fill("#id_skus-0-barcode", "6921168509255")  # one digit off
        page.fill("#id_skus-0-price", "2")
        page.click("#product-submit")
        assert "6921168509255" in page.locator(".sku-row .error").first.inner_text()
        page.fill("#id_skus-0-barcode", "6921168509256")
        page.click("#sku-add")  # an extra empty row is ignored
        screenshot(page, "catalog-product-new")
        page.click("#product-submit")
        page.wait_for_selector("#product-edit")
        assert "6921168509256" in page.content() and "¥2.00" in page.content()
        page.goto("/console/products/")
        page.fill("#product-search", "nfsq")
        page.press("#product-search", "Enter")
        page.wait_for_url("**q=nfsq**")
        assert page.locator(".product-table tbody tr").count() == 1
        screenshot(page, "catalog-product-list")

    in_browser(live_server, DESKTOP, steps)
    sku = Product.objects.get(name="农夫山泉 饮用天然水 550ml").skus.get()
    assert sku.barcode == "6921168509256" and sku.price_fen == 200


def test_catalog_pages_fit_360px(live_server, owner, coke):
    def steps(page) -> None:
        login(page, owner.username, PASSWORD)
        for url in (
            "/console/products/",
            "/console/products/new/",
            f"/console/products/{coke.pk}/",
            f"/console/products/{coke.pk}/edit/",
            "/console/categories/",
            "/console/brands/",
        ):
            page.goto(url)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
        screenshot(page, "catalog-brands-360")

    in_browser(live_server, NARROW, steps)
