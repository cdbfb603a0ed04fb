"""Product import in a real browser: upload a small CSV with one bad row, watch the job finish,
read the summary and the bad row's line; the page at 360 px."""

from __future__ import annotations

import pytest

from newretail.catalog.models import Product
from newretail.core.testing import PASSWORD
from tests.browser_support import NARROW, login, screenshot

from .conftest import GOOD_ROWS, csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD_ROW = ["", "价格错的商品", "饮料", "", "", "", "", "BAD-1", "", "", "十块", "", "", "", "", "", ""]


def test_import_a_csv_with_a_bad_row_in_the_browser(open_page, owner):
    page, _ = open_page()
    login(page, owner.username, PASSWORD)
    page.goto("/console/products/import/")
    screenshot(page, "catalog-import-page")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "商品.csv",
                "mimeType": "text/csv",
                "buffer": csv_bytes([*GOOD_ROWS, BAD_ROW], encoding="gbk"),
            }
        ],
    )
    page.click("#import-submit")
    page.wait_for_selector("#job-progress[data-status=succeeded]", timeout=30_000)
    summary = page.locator("#job-progress .alert-success").inner_text()
    assert summary == "新建 3 行，更新 0 行，未变 0 行，1 行未导入。"
    errors = page.locator("#job-errors tbody tr")
    assert errors.count() == 1
    assert errors.nth(0).locator("td").nth(0).inner_text() == "5"
    assert "十块" in errors.nth(0).locator("td").nth(1).inner_text()
    assert page.locator("text=下载结果").count() == 1  # the rows not imported, as CSV
    screenshot(page, "catalog-import")
    assert Product.objects.filter(merchant_id=owner.merchant_id).count() == 2

    page.goto("/console/products/import/")
    assert page.locator("#io-jobs tbody tr").count() == 1


def test_import_page_fits_360px(open_page, owner):
    page, _ = open_page(viewport=NARROW)
    login(page, owner.username, PASSWORD)
    page.goto("/console/products/import/")
    page.click(".io-columns summary")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "catalog-import-360")
