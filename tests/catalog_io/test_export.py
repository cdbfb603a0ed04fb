"""Product export: the import format in .xlsx and .csv, filters, cost hidden without the price
permission, the round trip (an exported file re-imports as unchanged), the template."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from newretail.catalog.actions.brands import create_brand
from newretail.catalog.actions.categories import create_category
from newretail.catalog.actions.products import create_product, delete_product
from newretail.catalog.barcodes import with_check_digit
from newretail.catalog.exports import start_export, template_xlsx, write_export
from newretail.catalog.io_format import HEADERS
from newretail.catalog.models import Product, Sku
from newretail.core.models import Job
from newretail.core.testing import make_merchant, make_staff
from newretail.tenancy import roles
from newretail.tenancy.roles import Perm, Role

from .conftest import import_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(owner):
    """Drinks with 1-3 specs, a weighed fruit, an off-sale product, a UPC-A barcode with a
    leading zero, a product without brand, and a deleted product (never exported)."""
    drinks = create_category(actor=owner, name="饮料")
    soda = create_category(actor=owner, name="碳酸饮料", parent_id=drinks.pk)
    fruit = create_category(actor=owner, name="水果", parent_id=create_category(actor=owner, name="生鲜").pk)
    coke = create_brand(actor=owner, name="可口可乐")
    create_product(
        actor=owner,
        name="可口可乐",
        subtitle="经典",
        category_id=soda.pk,
        brand_id=coke.pk,
        spec_names=["规格"],
        skus=[
            {
                "spec_values": {"规格": "330ml"},
                "code": "COLA-330",
                "barcode": "6901939621264",
                "price_fen": 300,
                "cost_fen": 180,
                "weight_g": 350,
            },
            {
                "spec_values": {"规格": "500ml"},
                "code": "COLA-500",
                "barcode": "6901939621257",
                "price_fen": 350,
                "cost_fen": 210,
            },
        ],
    )
    create_product(
        actor=owner,
        name="果味汽水",
        category_id=soda.pk,
        status="off_sale",
        available_in_mall=False,
        spec_names=["口味", "规格", "包装"],
        skus=[
            {"spec_values": {"口味": "橙", "规格": "330ml", "包装": "罐"}, "code": "FS-1", "price_fen": 250},
            {
                "spec_values": {"口味": "柠檬", "规格": "330ml", "包装": "罐"},
                "code": "FS-2",
                "price_fen": 250,
            },
        ],
    )
    create_product(
        actor=owner,
        name="进口汽水",
        category_id=drinks.pk,
        skus=[{"code": "0123", "barcode": "012345678905", "price_fen": 999}],
    )
    create_product(
        actor=owner,
        name="红富士苹果",
        category_id=fruit.pk,
        unit="kg",
        available_in_pos=True,
        skus=[{"code": "APPLE-KG", "plu": "101", "price_fen": 1280, "cost_fen": 800}],
    )
    gone = create_product(
        actor=owner,
        name="已删除",
        category_id=drinks.pk,
        skus=[{"barcode": with_check_digit("693000000001"), "price_fen": 1}],
    )
    delete_product(actor=owner, product_id=gone.pk)
    return {"drinks": drinks, "soda": soda, "fruit": fruit}


def export(actor, fmt="xlsx", **filters) -> bytes:
    buffer = io.BytesIO()
    write_export(actor, buffer, fmt, **filters)
    return buffer.getvalue()


def xlsx_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    # Trailing empty cells are not stored: pad each row to the header's width.
    return [list(r) + [None] * (len(HEADERS) - len(r)) for r in sheet.iter_rows(values_only=True)]


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to open UTF-8 Chinese"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_xlsx_export_is_the_import_format(owner, catalog):
    rows = xlsx_rows(export(owner))
    assert rows[0] == HEADERS
    by_code = {r[HEADERS.index("SKU编码")]: dict(zip(HEADERS, r, strict=True)) for r in rows[1:]}
    assert set(by_code) == {"COLA-330", "COLA-500", "FS-1", "FS-2", "0123", "APPLE-KG"}
    cola = by_code["COLA-330"]
    assert cola["商品名称"] == "可口可乐" and cola["分类"] == "饮料/碳酸饮料" and cola["品牌"] == "可口可乐"
    assert (cola["单位"], cola["规格1名"], cola["规格1值"], cola["条码"]) == (
        "件",
        "规格",
        "330ml",
        "6901939621264",
    )
    assert (cola["标价(元)"], cola["成本价(元)"], cola["重量(g)"]) == (3, 1.8, 350)
    assert (cola["商城可售"], cola["门店可售"], cola["状态"], cola["副标题"]) == ("是", "是", "上架", "经典")
    assert by_code["COLA-500"]["商品编号"] == cola["商品编号"]
    fizzy = by_code["FS-2"]
    assert [fizzy[f"规格{n}名"] for n in (1, 2, 3)] == ["口味", "规格", "包装"]
    assert (fizzy["规格1值"], fizzy["状态"], fizzy["商城可售"]) == ("柠檬", "下架", "否")
    assert by_code["0123"]["条码"] == "012345678905"  # text: the leading zero survives
    apple = by_code["APPLE-KG"]
    assert (apple["单位"], apple["PLU"], apple["标价(元)"], apple["分类"]) == (
        "千克",
        "101",
        12.8,
        "生鲜/水果",
    )


def test_csv_export_has_a_bom_and_two_decimal_prices(owner, catalog):
    rows = csv_rows(export(owner, "csv"))
    assert rows[0] == HEADERS
    cola = next(dict(zip(HEADERS, r, strict=True)) for r in rows if r[HEADERS.index("SKU编码")] == "COLA-330")
    assert (cola["标价(元)"], cola["成本价(元)"], cola["条码"]) == ("3.00", "1.80", "6901939621264")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_exported_file_reimports_as_unchanged(owner, catalog, fmt):
    data = export(owner, fmt)
    before = list(Sku.objects.order_by("pk").values_list("pk", "updated_at", "price_fen", "code", "barcode"))
    result = import_data(owner, data, f"products.{fmt}")
    assert (result["created"], result["updated"], result["unchanged"], result["rejected"]) == (0, 0, 6, 0), (
        result
    )
    after = list(Sku.objects.order_by("pk").values_list("pk", "updated_at", "price_fen", "code", "barcode"))
    assert after == before


def test_an_exported_file_copies_the_catalog_to_another_merchant(owner, catalog):
    _merchant, other = make_merchant()
    result = import_data(other, export(owner), "products.xlsx")
    assert (result["created"], result["rejected"]) == (6, 0), result["errors"]
    assert result["products_created"] == 4
    again = import_data(other, export(other), "products.xlsx")
    assert again["unchanged"] == 6
    fizzy = Product.objects.get(merchant_id=other.merchant_id, name="果味汽水")
    assert fizzy.spec_names == ["口味", "规格", "包装"] and fizzy.status == "off_sale"


def test_filters_by_category_subtree_and_status(owner, catalog):
    codes = {
        r[HEADERS.index("SKU编码")] for r in xlsx_rows(export(owner, category_id=catalog["drinks"].pk))[1:]
    }
    assert codes == {"COLA-330", "COLA-500", "FS-1", "FS-2", "0123"}
    codes = {r[HEADERS.index("SKU编码")] for r in xlsx_rows(export(owner, status="off_sale"))[1:]}
    assert codes == {"FS-1", "FS-2"}


def test_cost_is_left_blank_without_the_price_permission_and_still_round_trips(owner, catalog, monkeypatch):
    monkeypatch.setitem(
        roles.ROLE_PERMS, Role.HQ_ADMIN, roles.ALL_PERMS - {Perm.MERCHANT_MANAGE, Perm.CATALOG_PRICE}
    )
    staff = make_staff(owner, Role.HQ_ADMIN)
    rows = csv_rows(export(staff, "csv"))
    assert {r[HEADERS.index("成本价(元)")] for r in rows[1:]} == {""}
    result = import_data(staff, export(staff, "csv"))
    assert result["unchanged"] == 6
    assert Sku.objects.get(code="APPLE-KG").cost_fen == 800


def test_the_export_job_leaves_a_file_to_download(owner, catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_export(actor=owner, fmt="csv", status="on_sale")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.result["skus"], job.result["products"], job.progress, job.total) == (4, 3, 4, 4)
    assert job.result_file.name.endswith(".csv")
    assert len(csv_rows(job.result_file.read())) == 5


def test_the_template_shows_the_columns_and_imports_cleanly(owner):
    data = template_xlsx()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS and len(rows) == 4
    notes = [list(r) for r in workbook.worksheets[1].iter_rows(values_only=True)]
    assert notes[0][0] == "商品编号" and any("规格1名" in (r[0] or "") for r in notes)
    result = import_data(owner, data, "template.xlsx")
    assert (result["created"], result["products_created"], result["rejected"]) == (3, 2, 0), result["errors"]
    cola = Product.objects.get(merchant_id=owner.merchant_id, name="可口可乐 汽水")
    assert cola.skus.count() == 2 and cola.category.parent.name == "饮料"
    apple = Product.objects.get(merchant_id=owner.merchant_id, name="红富士苹果")
    assert apple.sold_by_weight and apple.skus.get().plu == "101"
