"""Catalog flows in a real browser (Debian chromium): create a single-SKU product from the
console form, find it by pinyin initials, see a bad barcode refused on its row; pages at 360 px."""

from __future__ import annotations

import pytest

from newretail.catalog.models import Product
from newretail.core.testing import PASSWORD
from tests.browser_support import NARROW, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_single_sku_product_and_find_it(open_page, owner, drinks):
    page, _ = open_page()
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

    sku = Product.objects.get(name="农夫山泉 饮用天然水 550ml").skus.get()
    assert sku.barcode == "6921168509256" and sku.price_fen == 200


def test_catalog_pages_fit_360px(open_page, owner, coke):
    page, _ = open_page(viewport=NARROW)
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


def test_upload_a_product_picture(open_page, owner, coke, tmp_path):
    from .conftest import png_bytes

    picture = tmp_path / "coke.png"
    picture.write_bytes(png_bytes((400, 400), "#c8102e"))
    page, _ = open_page()
    login(page, owner.username, PASSWORD)
    page.goto(f"/console/products/{coke.pk}/")
    page.click("#product-pictures")
    page.set_input_files("#id_image", str(picture))
    page.click("#image-submit")
    page.wait_for_selector("#product-images img")
    # The picture is served and decoded (not only the <img> tag in place) before it is measured.
    page.wait_for_function("document.querySelector('#product-images img')?.complete")
    assert page.locator("#product-images img").evaluate("img => img.naturalWidth") == 400
    screenshot(page, "catalog-product-pictures")
