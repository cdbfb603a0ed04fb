"""Catalog console pages: render, create and edit through forms, inline errors, scoping."""

import pytest
from django.urls import reverse

from newretail.catalog.models import Product, Sku
from newretail.core.models import AuditEntry
from newretail.core.testing import make_staff, make_store
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, owner):
    client.force_login(owner)
    return client


def sku_rows(*rows, initial=0):
    data = {
        "skus-TOTAL_FORMS": str(len(rows)),
        "skus-INITIAL_FORMS": str(initial),
        "skus-MIN_NUM_FORMS": "1",
        "skus-MAX_NUM_FORMS": "200",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"skus-{i}-{key}"] = value
    return data


def product_form(category, **fields):
    data = {
        "name": "农夫山泉 饮用天然水",
        "category": str(category.pk),
        "unit": "piece",
        "status": "on_sale",
        "available_in_mall": "on",
        "available_in_pos": "on",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    "name",
    [
        "console:product_list",
        "console:product_create",
        "console:category_list",
        "console:category_create",
        "console:brand_list",
        "console:brand_create",
        "console:tag_list",
    ],
)
def test_pages_render(console, coke, name):
    response = console.get(reverse(name))
    assert response.status_code == 200


def test_product_pages_render(console, coke):
    sku = coke.skus.first()
    for url in (
        reverse("console:product_detail", args=[coke.pk]),
        reverse("console:product_edit", args=[coke.pk]),
        reverse("console:product_delete", args=[coke.pk]),
        reverse("console:sku_store_prices", args=[sku.pk]),
        reverse("console:category_edit", args=[coke.category_id]),
        reverse("console:brand_edit", args=[coke.brand_id]),
    ):
        assert console.get(url).status_code == 200, url


def test_list_shows_products_with_search_and_price_range(console, coke, dairy, owner):
    from .conftest import product

    product(owner, dairy, name="伊利 纯牛奶")
    page = console.get(reverse("console:product_list")).content.decode()
    assert "可口可乐" in page and "伊利 纯牛奶" in page and "¥3.00 – ¥3.50" in page
    listed = console.get(reverse("console:product_list"), {"q": "kkl"}).context["products"]
    assert [p.pk for p in listed] == [coke.pk]
    assert (
        list(console.get(reverse("console:product_list"), {"status": "off_sale"}).context["products"]) == []
    )
    listed = console.get(reverse("console:product_list"), {"category": str(dairy.parent_id)}).context[
        "products"
    ]
    assert [p.name for p in listed] == ["伊利 纯牛奶"]


def test_single_sku_product_needs_only_name_category_barcode_and_price(console, drinks):
    data = {
        "name": "农夫山泉 饮用天然水 550ml",
        "category": str(drinks.pk),
        "unit": "piece",
        "status": "on_sale",
    }
    data.update(sku_rows({"barcode": "6921168509256", "price": "2"}))
    response = console.post(reverse("console:product_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item = Product.objects.get(name="农夫山泉 饮用天然水 550ml")
    sku = item.skus.get()
    assert sku.barcode == "6921168509256" and sku.price_fen == 200 and sku.code == f"P{item.pk}-1"
    assert response.url == reverse("console:product_detail", args=[item.pk])


def test_create_form_has_stable_ids_for_browser_tests(console, drinks):
    page = console.get(reverse("console:product_create")).content.decode()
    for marker in (
        'id="id_name"',
        'id="id_category"',
        'id="id_skus-0-barcode"',
        'id="id_skus-0-price"',
        'id="product-submit"',
        'id="sku-add"',
    ):
        assert marker in page


def test_bad_barcode_and_price_show_inline_on_the_row(console, drinks):
    data = product_form(drinks, spec_names="规格")
    data.update(
        sku_rows(
            {"spec": "330ml", "barcode": "6921168509256", "price": "2"},
            {"spec": "550ml", "barcode": "6901939621258", "price": "2.555"},
        )
    )
    response = console.post(reverse("console:product_create"), data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert "6901939621258" in formset.forms[1].errors["barcode"][0]
    assert "price" in formset.forms[1].errors
    assert not formset.forms[0].errors
    assert "6901939621258" in response.content.decode()
    assert not Product.objects.exists()


def test_duplicate_barcode_in_the_merchant_shows_on_the_row(console, drinks, coke):
    data = product_form(drinks, spec_names="规格")
    data.update(
        sku_rows(
            {"spec": "330ml", "barcode": "6921168509256", "price": "2"},
            {"spec": "550ml", "barcode": "6901939621257", "price": "3"},
        )
    )
    response = console.post(reverse("console:product_create"), data)
    assert response.status_code == 200
    errors = response.context["formset"].forms[1].errors
    assert "6901939621257" in errors["barcode"][0]
    assert Product.objects.count() == 1


def test_spec_values_must_match_the_spec_names(console, drinks):
    data = product_form(drinks, spec_names="规格, 口味")
    data.update(sku_rows({"spec": "330ml", "price": "2"}))
    response = console.post(reverse("console:product_create"), data)
    assert "spec" in response.context["formset"].forms[0].errors


def test_edit_changes_price_with_audit_and_removes_a_sku(console, coke, owner):
    small, large = coke.skus.order_by("pk")
    data = product_form(coke.category, name="可口可乐 经典", spec_names="规格", brand=str(coke.brand_id))
    data.update(
        sku_rows(
            {
                "id": str(small.pk),
                "spec": "330ml",
                "code": "COKE-330",
                "barcode": small.barcode,
                "price": "3.00",
                "is_active": "on",
                "DELETE": "on",
            },
            {
                "id": str(large.pk),
                "spec": "500ml",
                "code": "COKE-500",
                "barcode": large.barcode,
                "price": "3.80",
                "cost": "2.10",
                "is_active": "on",
            },
            {"spec": "2L", "price": "8", "is_active": "on"},
            initial=2,
        )
    )
    response = console.post(reverse("console:product_edit", args=[coke.pk]), data)
    assert response.status_code == 302, response.context and response.context["formset"].errors
    large.refresh_from_db()
    assert large.price_fen == 380 and large.cost_fen == 210
    assert Sku.objects.get(pk=small.pk).is_deleted
    assert coke.skus.filter(is_deleted=False, spec_values={"规格": "2L"}).exists()
    entry = AuditEntry.objects.get(action="catalog.price_changed", object_id=str(large.pk))
    assert entry.before == {"price_fen": 350, "cost_fen": 0} and entry.actor == owner
    detail = console.get(reverse("console:product_detail", args=[coke.pk])).content.decode()
    assert "catalog.price_changed" in detail


def test_bulk_off_and_on_sale(console, coke):
    response = console.post(reverse("console:product_list"), {"action": "off_sale", "ids": [str(coke.pk)]})
    assert response.status_code == 302
    assert Product.objects.get(pk=coke.pk).status == "off_sale"
    console.post(reverse("console:product_list"), {"action": "on_sale", "ids": [str(coke.pk)]})
    assert Product.objects.get(pk=coke.pk).status == "on_sale"


def test_delete_product(console, coke):
    response = console.post(reverse("console:product_delete", args=[coke.pk]))
    assert response.status_code == 302 and Product.objects.get(pk=coke.pk).is_deleted
    assert console.get(reverse("console:product_detail", args=[coke.pk])).status_code == 404


def test_categories_brands_and_tags_through_forms(console, owner):
    response = console.post(
        reverse("console:category_create"), {"name": "零食", "sort_order": "0", "is_active": "on"}
    )
    assert response.status_code == 302
    response = console.post(reverse("console:category_create"), {"name": "零食", "sort_order": "0"})
    assert response.status_code == 200 and "零食" in response.content.decode()  # name taken, shown inline
    assert (
        console.post(reverse("console:brand_create"), {"name": "乐事", "is_active": "on"}).status_code == 302
    )
    assert console.post(reverse("console:tag_list"), {"name": "新品"}).status_code == 302
    page = console.get(reverse("console:category_list")).content.decode()
    assert "零食" in page


def test_store_manager_sets_own_store_price_only(client, owner, coke):
    own, other = make_store(owner), make_store(owner)
    manager = make_staff(owner, Role.STORE_MANAGER, stores=[own])
    client.force_login(manager)
    sku = coke.skus.get(code="COKE-500")
    url = reverse("console:sku_store_prices", args=[sku.pk])
    page = client.get(url).content.decode()
    assert own.name in page and other.name not in page
    assert client.post(url, {"store": own.pk, "price": "3.20", "action": "set"}).status_code == 302
    assert client.post(url, {"store": other.pk, "price": "3.20", "action": "set"}).status_code == 403
    response = client.post(url, {"store": own.pk, "price": "abc", "action": "set"})
    assert response.status_code == 200 and "abc" in response.content.decode()
    assert client.get(reverse("console:product_edit", args=[coke.pk])).status_code == 403
    assert client.get(reverse("console:product_list")).status_code == 200


def test_cashier_cannot_open_edit_pages(client, owner, coke):
    store = make_store(owner)
    client.force_login(make_staff(owner, Role.CASHIER, stores=[store]))
    assert client.get(reverse("console:product_create")).status_code == 403
    assert (
        client.post(reverse("console:product_list"), {"action": "off_sale", "ids": [coke.pk]}).status_code
        == 403
    )
    assert client.get(reverse("console:sku_store_prices", args=[coke.skus.first().pk])).status_code == 403


def test_other_merchants_ids_are_404(client, other_owner, coke):
    client.force_login(other_owner)
    sku = coke.skus.first()
    for name, pk in (
        ("console:product_detail", coke.pk),
        ("console:product_edit", coke.pk),
        ("console:product_delete", coke.pk),
        ("console:sku_store_prices", sku.pk),
        ("console:category_edit", coke.category_id),
        ("console:brand_edit", coke.brand_id),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert client.post(reverse("console:category_delete", args=[coke.category_id])).status_code == 404
    assert client.post(reverse("console:brand_delete", args=[coke.brand_id])).status_code == 404
    client.post(reverse("console:product_list"), {"action": "off_sale", "ids": [coke.pk]})
    assert Product.objects.get(pk=coke.pk).status == "on_sale"


def test_dashboard_shows_catalog_counts(console, coke):
    page = console.get(reverse("console:home"))
    labels = [str(w["label"]) for w in page.context["widgets"]]
    values = {str(w["label"]): w["value"] for w in page.context["widgets"]}
    assert any(values.get(label) == 2 for label in labels)  # two SKUs
    assert any(values.get(label) == 1 for label in labels)  # one product


def test_pages_render_in_chinese_by_default_and_english_on_request(console, coke):
    page = console.get(reverse("console:product_create")).content.decode()
    for text in ("新建商品", "商品名称", "条码", "价格（元）", "添加规格行"):
        assert text in page, text
    page = console.get(reverse("console:product_detail", args=[coke.pk])).content.decode()
    assert "标价" in page and "门店价" in page and "在售" in page
    english = console.get(reverse("console:product_create"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New product" in english and "Add SKU row" in english


def test_api_error_messages_are_translated(client, owner_headers, drinks):
    body = {"name": "x", "category_id": drinks.pk, "skus": [{"price_fen": 1, "barcode": "6901939621258"}]}
    response = client.post("/api/v1/catalog/products", body, content_type="application/json", **owner_headers)
    assert response.json()["message"] == "条码 6901939621258 校验位错误。"
