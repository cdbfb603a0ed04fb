"""Product import: formats and encodings, products by key, categories and brands created on the
way, every kind of row error on its line, good rows kept next to bad ones, re-runs, audited price
changes and the price permission."""

from __future__ import annotations

import pytest
from django.utils import translation

from newretail.catalog.actions.products import create_product
from newretail.catalog.barcodes import with_check_digit
from newretail.catalog.imports import ProductImport
from newretail.catalog.io_format import CatalogIOError
from newretail.catalog.models import Brand, Category, Product, SearchToken, Sku
from newretail.catalog.search import search_skus
from newretail.core.errors import CoreError, DomainError
from newretail.core.models import AuditEntry
from newretail.core.testing import make_staff
from newretail.tenancy import roles
from newretail.tenancy.roles import Perm, Role

from .conftest import GOOD_ROWS, HEADER, csv_bytes, errors_by_line, import_data, xlsx_bytes

pytestmark = pytest.mark.django_db


def en(actor, data: bytes, name: str = "products.csv") -> dict:
    """Import with English messages (what the assertions below read)."""
    with translation.override("en"):
        return import_data(actor, data, name)


def row(**cells) -> list[str]:
    """A file row from column headers: row(商品名称="x", 条码="…")."""
    aliases = {"标价": "标价(元)", "成本价": "成本价(元)", "重量": "重量(g)"}
    by_header = {aliases.get(k, k): v for k, v in cells.items()}
    return [str(by_header.get(h, "")) for h in HEADER]


def barcode(n: int) -> str:
    return with_check_digit(f"692{n:09d}")


def assert_good_rows_imported(merchant_id: int) -> None:
    cola = Product.objects.get(merchant_id=merchant_id, name="可口可乐")
    assert cola.spec_names == ["规格"]
    assert cola.brand.name == "可口可乐"
    assert (cola.category.name, cola.category.parent.name) == ("碳酸饮料", "饮料")
    assert cola.subtitle == "经典" and cola.status == Product.Status.ON_SALE
    skus = list(cola.skus.order_by("code"))
    assert [(s.code, s.spec_values, s.barcode, s.price_fen, s.cost_fen, s.weight_g) for s in skus] == [
        ("COLA-330", {"规格": "330ml"}, "6901939621264", 300, 180, 350),
        ("COLA-500", {"规格": "500ml"}, "6901939621257", 350, 210, 520),
    ]
    apple = Product.objects.get(merchant_id=merchant_id, name="红富士苹果")
    assert apple.unit == "kg" and apple.sold_by_weight
    assert (apple.available_in_mall, apple.available_in_pos) == (False, True)
    sku = apple.skus.get()
    assert (sku.code, sku.plu, sku.price_fen, sku.cost_fen) == ("APPLE-KG", "101", 1280, 800)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_chinese_excel_writes(owner, encoding):
    result = en(owner, csv_bytes(GOOD_ROWS, encoding=encoding))
    assert (result["created"], result["updated"], result["unchanged"], result["rejected"]) == (3, 0, 0, 0)
    assert result["products_created"] == 2
    assert result["summary"] == "3 created, 0 updated, 0 unchanged, 0 rows not imported."
    assert_good_rows_imported(owner.merchant_id)


def test_xlsx_with_numbers_as_excel_stores_them(owner):
    rows = [list(r) for r in GOOD_ROWS]
    # Excel keeps typed numbers as numbers: barcodes, prices, weights, PLUs.
    rows[0][8], rows[0][10], rows[0][11], rows[0][12] = 6901939621264, 3, 1.8, 350.0
    rows[1][8], rows[1][10], rows[1][11], rows[1][12] = 6901939621257.0, 3.5, 2.1, 520
    rows[2][9], rows[2][10], rows[2][11] = 101, 12.8, 8
    result = en(owner, xlsx_bytes(rows), "商品.xlsx")
    assert result["rejected"] == 0, result["errors"]
    assert_good_rows_imported(owner.merchant_id)


def test_english_headers_and_values_are_accepted(owner):
    header = [
        "Product key",
        "Name",
        "Category",
        "Unit",
        "SKU code",
        "Barcode",
        "PLU",
        "Price",
        "Mall",
        "Status",
    ]
    rows = [
        ["", "Apple", "Fresh/Fruit", "kg", "AP-1", "", "7", "9.90", "no", "off sale"],
        ["", "Water", "Drinks", "piece", "W-1", barcode(1), "", "2", "yes", "on_sale"],
    ]
    result = en(owner, csv_bytes(rows, header=header))
    assert result["created"] == 2, result["errors"]
    apple = Product.objects.get(merchant_id=owner.merchant_id, name="Apple")
    assert (apple.unit, apple.available_in_mall, apple.status) == ("kg", False, "off_sale")


def test_full_width_header_brackets_and_extra_columns(owner):
    header = ["商品名称", "分类", "条码", "标价（元）", "备注"]
    result = en(owner, csv_bytes([["矿泉水", "饮料", barcode(2), "2.00", "随便写"]], header=header))
    assert result["created"] == 1
    assert result["ignored_columns"] == ["备注"]


def test_category_paths_reuse_and_create_levels(owner):
    from newretail.catalog.actions.categories import create_category

    drinks = create_category(actor=owner, name="饮料")
    rows = [
        row(商品名称="汽水", 分类="饮料/碳酸饮料", 条码=barcode(3), 标价="3"),
        row(商品名称="果汁", 分类=" 饮料 / 果汁 ", 条码=barcode(4), 标价="5"),
        row(商品名称="橙子", 分类="生鲜/水果/柑橘", 条码=barcode(5), 标价="8"),
        row(商品名称="太深", 分类="a/b/c/d", 条码=barcode(6), 标价="1"),
    ]
    result = en(owner, csv_bytes(rows))
    assert result["created"] == 3
    assert errors_by_line(result) == {5: "Categories can be at most 3 levels deep."}
    children = set(Category.objects.filter(parent=drinks).values_list("name", flat=True))
    assert children == {"碳酸饮料", "果汁"}
    assert Category.objects.filter(merchant_id=owner.merchant_id, parent=None, name="饮料").count() == 1
    citrus = Category.objects.get(merchant_id=owner.merchant_id, name="柑橘")
    assert (citrus.parent.name, citrus.parent.parent.name) == ("水果", "生鲜")
    assert not Category.objects.filter(merchant_id=owner.merchant_id, name="a").exists()


def test_products_by_key_and_one_product_per_row_without_key(owner):
    rows = [
        row(
            商品编号="T1", 商品名称="T恤", 分类="服装", 规格1名="颜色", 规格1值="白", SKU编码="T-W", 标价="59"
        ),
        row(商品编号="T1", 规格1值="黑", SKU编码="T-B", 标价="59"),
        row(商品名称="袜子", 分类="服装", SKU编码="SOCK-1", 标价="9.9"),
        row(商品名称="袜子", 分类="服装", SKU编码="SOCK-2", 标价="9.9"),
    ]
    result = en(owner, csv_bytes(rows))
    assert result["created"] == 4 and result["products_created"] == 3
    shirt = Product.objects.get(merchant_id=owner.merchant_id, name="T恤")
    assert sorted(s.spec_values["颜色"] for s in shirt.skus.all()) == ["白", "黑"]
    assert Product.objects.filter(merchant_id=owner.merchant_id, name="袜子").count() == 2


def test_each_kind_of_bad_row_is_reported_on_its_line_and_good_rows_are_kept(owner):
    from newretail.catalog.actions.categories import create_category

    category = create_category(actor=owner, name="已有")
    taken = barcode(100)
    for name, code, held in (("已有商品", "OLD-1", taken), ("另一个", "OLD-2", "")):
        create_product(
            actor=owner,
            name=name,
            category_id=category.pk,
            skus=[{"code": code, "barcode": held, "price_fen": 100}],
        )
    bad_check_digit = barcode(101)[:-1] + str((int(barcode(101)[-1]) + 1) % 10)
    rows = [
        row(商品名称="好商品1", 分类="饮料", 条码=barcode(102), 标价="1"),  # 2 ok
        row(商品名称="校验位错", 分类="饮料", 条码=bad_check_digit, 标价="1"),  # 3
        row(商品名称="条码被占用", 分类="饮料", SKU编码="OLD-2", 条码=taken, 标价="1"),  # 4: OLD-1 has it
        row(商品名称="重复条码A", 分类="饮料", 条码=barcode(103), 标价="1"),  # 5 ok
        row(商品名称="重复条码B", 分类="饮料", 条码=barcode(103), 标价="1"),  # 6
        row(商品名称="PLU非称重", 分类="饮料", SKU编码="P-1", PLU="12", 标价="1"),  # 7
        row(分类="饮料", 条码=barcode(104), 标价="1"),  # 8 no name
        row(商品名称="价格错", 分类="饮料", 条码=barcode(105), 标价="abc"),  # 9
        row(商品名称="负价格", 分类="饮料", 条码=barcode(106), 标价="-1"),  # 10
        row(商品名称="无编码", 分类="饮料", 标价="1"),  # 11
        row(商品名称="单位错", 分类="饮料", 单位="箱", 条码=barcode(107), 标价="1"),  # 12
        row(商品名称="无价格", 分类="饮料", 条码=barcode(108)),  # 13
        row(商品名称="三位小数", 分类="饮料", 条码=barcode(109), 标价="1.005"),  # 14
        row(商品名称="重量错", 分类="饮料", 条码=barcode(110), 标价="1", 重量="1.5"),  # 15
        row(商品名称="好商品2", 分类="饮料", 条码=barcode(111), 标价="2"),  # 16 ok
        row(商品名称="无分类", 条码=barcode(112), 标价="2"),  # 17
        row(商品名称="条码太短", 分类="饮料", 条码="12345", 标价="2"),  # 18
    ]
    result = en(owner, csv_bytes(rows))
    errors = errors_by_line(result)
    assert errors == {
        3: f"Barcode {bad_check_digit} has a wrong check digit.",
        4: f"Barcode {taken} is already used by another SKU.",
        6: f"条码 {barcode(103)} already appears on line 5.",
        7: "Only products sold by weight (unit kg) can have a PLU code.",
        8: "商品名称 is required for a new product.",
        9: "标价(元): “abc” is not a valid amount in yuan (at most two decimals).",
        10: "List price must be between 0 and 99999999999 fen.",
        11: "A row needs a SKU code, a barcode or a PLU, so that importing the file again finds the same SKU.",
        12: "单位: “箱” is not understood; use 件 / 千克.",
        13: "标价(元) is required for a new SKU.",
        14: "标价(元): “1.005” is not a valid amount in yuan (at most two decimals).",
        15: "重量(g): “1.5” is not a whole number of grams.",
        17: "分类 is required for a new product.",
        18: "Barcode 12345 must be 8, 12, 13 or 14 digits (EAN-8, UPC-A, EAN-13 or GTIN-14).",
    }
    assert (result["created"], result["rejected"]) == (3, 14)
    names = set(Product.objects.filter(merchant_id=owner.merchant_id).values_list("name", flat=True))
    assert names == {"已有商品", "另一个", "好商品1", "重复条码A", "好商品2"}


def test_chinese_reasons_for_the_merchant(owner):
    with translation.override("zh-hans"):
        result = import_data(
            owner, csv_bytes([row(商品名称="价格错", 分类="饮料", 条码=barcode(7), 标价="十元")])
        )
    [error] = result["errors"]
    assert error["line"] == 2 and error["reason"].startswith("标价(元)：") and "十元" in error["reason"]
    assert result["summary"].startswith("新建 0 行")


def test_a_bad_row_rejects_the_other_rows_of_its_product(owner):
    rows = [
        row(
            商品编号="K",
            商品名称="饼干",
            分类="零食",
            规格1名="口味",
            规格1值="原味",
            条码=barcode(20),
            标价="5",
        ),
        row(商品编号="K", 规格1值="巧克力", 条码=barcode(21), 标价="五块"),
        row(商品编号="K", 规格1值="草莓", 条码=barcode(22), 标价="5"),
        row(商品名称="薯片", 分类="零食", 条码=barcode(23), 标价="6"),
    ]
    result = en(owner, csv_bytes(rows))
    errors = errors_by_line(result)
    assert errors[3].startswith("标价(元): “五块”")
    assert errors[2] == errors[4] == "Not imported: line 3 of the same product (商品编号 K) has an error."
    assert (result["created"], result["rejected"]) == (1, 3)
    assert not Product.objects.filter(merchant_id=owner.merchant_id, name="饼干").exists()


def test_a_product_refused_by_the_catalog_rules_rejects_all_its_rows(owner):
    """Errors found while writing (spec values repeated) also reject the whole product."""
    rows = [
        row(
            商品编号="K",
            商品名称="饼干",
            分类="零食",
            规格1名="口味",
            规格1值="原味",
            条码=barcode(30),
            标价="5",
        ),
        row(商品编号="K", 规格1值="原味", 条码=barcode(31), 标价="5"),
        row(商品编号="N", 商品名称="无规格", 分类="零食", 条码=barcode(32), 标价="5"),
        row(商品编号="N", 条码=barcode(33), 标价="5"),
    ]
    result = en(owner, csv_bytes(rows))
    assert errors_by_line(result) == {
        2: "Not imported: line 3 of the same product (商品编号 K) has an error.",
        3: "Two SKUs have the same spec values 原味.",
        4: "A product with several SKUs needs spec names (e.g. size, flavour) to tell them apart.",
        5: "Not imported: line 4 of the same product (商品编号 N) has an error.",
    }
    assert not Product.objects.filter(merchant_id=owner.merchant_id).exists()
    assert not Category.objects.filter(merchant_id=owner.merchant_id).exists()  # rolled back with them


def test_rows_of_one_key_must_agree_on_product_cells(owner):
    rows = [
        row(
            商品编号="K",
            商品名称="饼干",
            分类="零食",
            规格1名="口味",
            规格1值="原味",
            条码=barcode(40),
            标价="5",
        ),
        row(商品编号="K", 商品名称="别的名字", 规格1值="咸味", 条码=barcode(41), 标价="5"),
    ]
    result = en(owner, csv_bytes(rows))
    assert (
        errors_by_line(result)[3]
        == "商品名称 “别的名字” differs from line 2 of the same product (商品编号 K)."
    )


def test_running_the_same_file_twice_changes_nothing(owner):
    data = csv_bytes(GOOD_ROWS)
    en(owner, data)
    counts = (Product.objects.count(), Sku.objects.count(), Category.objects.count(), Brand.objects.count())
    tokens = SearchToken.objects.count()
    audits = AuditEntry.objects.count()
    stamps = list(Sku.objects.order_by("pk").values_list("updated_at", flat=True))
    again = en(owner, data)
    assert again["summary"] == "0 created, 0 updated, 3 unchanged, 0 rows not imported."
    assert (
        Product.objects.count(),
        Sku.objects.count(),
        Category.objects.count(),
        Brand.objects.count(),
    ) == counts
    assert SearchToken.objects.count() == tokens and AuditEntry.objects.count() == audits
    assert list(Sku.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_changed_rows_update_their_skus_and_products(owner):
    en(owner, csv_bytes(GOOD_ROWS))
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][1] = "可口可乐 经典装"  # product name: both COLA rows are updated
    rows[0][16] = ""  # blank subtitle: kept as it is
    rows[2][12] = "1000"  # apple weight
    rows.append(row(商品编号="COLA", 规格1值="2L", SKU编码="COLA-2L", 条码=barcode(50), 标价="7.5"))
    result = en(owner, csv_bytes(rows))
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 3, 0), result["errors"]
    cola = Product.objects.get(merchant_id=owner.merchant_id, name="可口可乐 经典装")
    assert cola.subtitle == "经典" and cola.skus.count() == 3
    assert Sku.objects.get(code="APPLE-KG").weight_g == 1000
    hits = search_skus(owner.merchant_id, "经典装")
    assert {s.code for s in Sku.objects.filter(pk__in=hits.ids)} == {"COLA-330", "COLA-500", "COLA-2L"}


def test_sku_found_by_barcode_takes_the_new_code(owner):
    en(owner, csv_bytes(GOOD_ROWS))
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][7] = "COKE-330-NEW"
    result = en(owner, csv_bytes(rows))
    assert (result["created"], result["updated"]) == (0, 1)
    assert Sku.objects.filter(code="COKE-330-NEW", barcode="6901939621264").exists()
    assert not Sku.objects.filter(code="COLA-330").exists()


def test_a_price_change_goes_through_the_audited_price_path(owner):
    en(owner, csv_bytes(GOOD_ROWS))
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][10] = "3.80"
    result = en(owner, csv_bytes(rows))
    assert (result["updated"], result["unchanged"]) == (1, 2)
    sku = Sku.objects.get(code="COLA-500")
    assert sku.price_fen == 380
    audit = AuditEntry.objects.get(action="catalog.price_changed", object_id=str(sku.pk))
    assert audit.before == {"price_fen": 350, "cost_fen": 210}
    assert audit.after == {"price_fen": 380, "cost_fen": 210}
    assert audit.actor == owner and audit.reason == "test"


@pytest.fixture
def importer_without_price_perm(owner, monkeypatch):
    """An HQ admin whose role lacks catalog.price (no shipped role is like that; a merchant may
    well want one)."""
    monkeypatch.setitem(
        roles.ROLE_PERMS, Role.HQ_ADMIN, roles.ALL_PERMS - {Perm.MERCHANT_MANAGE, Perm.CATALOG_PRICE}
    )
    return make_staff(owner, Role.HQ_ADMIN)


def test_an_importer_without_the_price_permission_cannot_change_prices(owner, importer_without_price_perm):
    en(owner, csv_bytes(GOOD_ROWS))
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][10] = "2.50"  # price of COLA-330: refused
    rows[2][11] = "9"  # cost of APPLE-KG: refused
    rows[2][16] = "新季"  # (same row)
    rows.append(row(商品名称="新商品", 分类="饮料", 条码=barcode(60), 标价="4"))  # new SKU with a price: fine
    result = en(importer_without_price_perm, csv_bytes(rows))
    errors = errors_by_line(result)
    assert errors[2] == (
        "SKU COLA-330: changing its list price or cost (now ¥3.00 / ¥1.80) needs the “change list prices” permission."
    )
    assert errors[3] == "Not imported: line 2 of the same product (商品编号 COLA) has an error."
    assert errors[4].startswith("SKU APPLE-KG: changing its list price or cost")
    assert (result["created"], result["rejected"]) == (1, 3)
    assert Sku.objects.get(code="COLA-330").price_fen == 300
    assert Sku.objects.get(code="APPLE-KG").cost_fen == 800
    assert not AuditEntry.objects.filter(action="catalog.price_changed").exists()


def test_rows_of_two_existing_products_under_one_key_are_refused(owner):
    en(owner, csv_bytes(GOOD_ROWS))
    rows = [
        row(
            商品编号="X",
            商品名称="混合",
            分类="饮料",
            规格1名="规格",
            规格1值="a",
            SKU编码="COLA-330",
            标价="3",
        ),
        row(商品编号="X", 规格1值="b", SKU编码="APPLE-KG", 标价="12.80"),
    ]
    result = en(owner, csv_bytes(rows))
    assert errors_by_line(result)[2].startswith(
        "The rows of this product match SKUs of 2 different existing products"
    )


def test_spec_changes_must_cover_the_skus_not_in_the_file(owner):
    en(owner, csv_bytes(GOOD_ROWS))
    rows = [
        row(
            商品编号="COLA",
            商品名称="可口可乐",
            分类="饮料/碳酸饮料",
            规格1名="容量",
            规格1值="330ml",
            SKU编码="COLA-330",
            标价="3",
        )
    ]
    result = en(owner, csv_bytes(rows))
    assert errors_by_line(result)[2] == (
        "SKU COLA-500 of this product is not in the file and no longer fits: "
        "Each SKU needs exactly one value for each spec (容量)."
    )
    assert Product.objects.get(name="可口可乐").spec_names == ["规格"]


def test_a_code_taken_by_a_sku_renamed_earlier_in_the_file_is_free(owner):
    """Codes freed by earlier rows of the same file can be used by later ones."""
    en(owner, csv_bytes(GOOD_ROWS))
    rows = [
        row(
            商品名称="红富士苹果", 分类="生鲜/水果", 单位="千克", SKU编码="APPLE-OLD", PLU="101", 标价="12.80"
        ),
        row(商品名称="新苹果", 分类="生鲜/水果", 单位="千克", SKU编码="APPLE-KG", PLU="102", 标价="10"),
    ]
    result = en(owner, csv_bytes(rows))
    assert (result["created"], result["updated"], result["rejected"]) == (1, 1, 0), result["errors"]
    assert Sku.objects.get(plu="101").code == "APPLE-OLD"
    assert Sku.objects.get(plu="102").code == "APPLE-KG"


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (b"a,b\n1,2\n", "products.txt", CatalogIOError.FILE_TYPE),
        (b"", "products.csv", CatalogIOError.NO_HEADER),
        ("商品名称,标价(元)\n可乐,3\n".encode(), "products.csv", CatalogIOError.COLUMNS_MISSING),
        (csv_bytes([]), "products.csv", CatalogIOError.NO_ROWS),
        (b"PK\x03\x04 not really a zip", "products.xlsx", CatalogIOError.FILE_UNREADABLE),
        (bytes(range(256)) * 4, "products.csv", CatalogIOError.FILE_UNREADABLE),
        ("商品名称,分类,标价(元),Name\n".encode(), "products.csv", CatalogIOError.DUPLICATE_COLUMN),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(owner, data, name, error):
    with pytest.raises(DomainError) as raised:
        ProductImport(owner).run(data, name)
    assert raised.value.error == error


def test_missing_columns_are_named(owner):
    with pytest.raises(DomainError) as raised:
        ProductImport(owner).run("商品名称,条码\n可乐,1\n".encode(), "p.csv")
    with translation.override("en"):
        assert raised.value.message == (
            "The file has no column 分类、标价(元). Download the template to see the expected headers."
        )


def test_too_many_rows(owner, monkeypatch):
    monkeypatch.setattr("newretail.catalog.imports.MAX_ROWS", 2)
    rows = [row(商品名称=f"商品{i}", 分类="饮料", 条码=barcode(70 + i), 标价="1") for i in range(3)]
    with pytest.raises(DomainError) as raised:
        ProductImport(owner).run(csv_bytes(rows), "p.csv")
    assert raised.value.error == CatalogIOError.TOO_MANY_ROWS


def test_the_header_may_sit_below_blank_lines_and_line_numbers_follow_the_file(owner):
    body = "\n\n" + csv_bytes([row(商品名称="可乐", 分类="饮料", 条码="123", 标价="3")]).decode()
    result = en(owner, body.encode())
    assert errors_by_line(result) == {
        4: "Barcode 123 must be 8, 12, 13 or 14 digits (EAN-8, UPC-A, EAN-13 or GTIN-14)."
    }


def test_a_cashier_cannot_import(owner, store):
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    from newretail.catalog.imports import import_actor
    from newretail.core.models import Job

    job = Job(merchant_id=owner.merchant_id, kind="catalog.import_products", created_by=cashier)
    with pytest.raises(DomainError) as raised:
        import_actor(job)
    assert raised.value.error == CoreError.PERMISSION_DENIED


def test_the_import_job_saves_the_rejected_rows_for_download(owner, run_import_job):
    rows = [*GOOD_ROWS, row(商品名称="价格错", 分类="饮料", 条码=barcode(80), 标价="abc")]
    job = run_import_job(owner, csv_bytes(rows))
    assert job.status == "succeeded", job.error
    assert (job.progress, job.total, job.result["created"], job.result["rejected"]) == (4, 4, 3, 1)
    report = job.result_file.read().decode("utf-8-sig").splitlines()
    assert report[0].startswith("原行号,错误原因,商品编号,商品名称")
    assert report[1].startswith("5,") and "abc" in report[1] and "价格错" in report[1]
    assert len(report) == 2


def test_the_import_job_needs_its_creator_to_keep_the_permission(owner, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from newretail.catalog.imports import start_import

    staff = make_staff(owner, Role.HQ_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(actor=staff, upload=SimpleUploadedFile("p.csv", csv_bytes(GOOD_ROWS)))
        staff.is_active = False  # left before the worker picked the job up
        staff.save(update_fields=["is_active"])
    job.refresh_from_db()
    assert job.status == "failed"
    assert not Product.objects.filter(merchant_id=owner.merchant_id).exists()
