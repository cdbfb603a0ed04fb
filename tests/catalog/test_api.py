"""Catalog staff API through the Django test client with bearer tokens."""

import pytest

from newretail.catalog.models import Sku
from newretail.core.models import AuditEntry
from newretail.core.testing import bearer, make_staff, make_store
from newretail.tenancy.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

API = "/api/v1/catalog"


def post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", **headers)


def patch(client, url, body, headers):
    return client.patch(url, body, content_type="application/json", **headers)


def put(client, url, body, headers):
    return client.put(url, body, content_type="application/json", **headers)


@pytest.fixture
def catalog(client, owner_headers):
    root = post(client, f"{API}/categories", {"name": "饮料"}, owner_headers).json()
    leaf = post(
        client, f"{API}/categories", {"name": "碳酸饮料", "parent_id": root["id"]}, owner_headers
    ).json()
    brand = post(client, f"{API}/brands", {"name": "可口可乐"}, owner_headers).json()
    body = {
        "name": "可口可乐",
        "category_id": leaf["id"],
        "brand_id": brand["id"],
        "spec_names": ["规格"],
        "skus": [
            {
                "spec_values": {"规格": "330ml"},
                "code": "COKE-330",
                "barcode": "6901939621264",
                "price_fen": 300,
            },
            {
                "spec_values": {"规格": "500ml"},
                "code": "COKE-500",
                "barcode": "6901939621257",
                "price_fen": 350,
            },
        ],
    }
    response = post(client, f"{API}/products", body, owner_headers)
    assert response.status_code == 201, response.content
    return {"root": root, "leaf": leaf, "brand": brand, "product": response.json()}


def test_create_and_read_product(client, owner_headers, catalog):
    product = catalog["product"]
    assert product["sku_count"] == 2 and product["min_price_fen"] == 300 and product["max_price_fen"] == 350
    assert [s["code"] for s in product["skus"]] == ["COKE-330", "COKE-500"]
    detail = client.get(f"{API}/products/{product['id']}", **owner_headers).json()
    assert detail["brand_name"] == "可口可乐" and detail["category_name"] == "碳酸饮料"
    tree = client.get(f"{API}/categories", **owner_headers).json()
    assert tree[0]["name"] == "饮料" and tree[0]["children"][0]["product_count"] == 1


def test_list_search_and_filters(client, owner_headers, catalog):
    page = client.get(f"{API}/products", {"q": "kkl"}, **owner_headers).json()
    assert [p["id"] for p in page["items"]] == [catalog["product"]["id"]] and page["total"] == 1
    assert client.get(f"{API}/products", {"q": "牛奶"}, **owner_headers).json()["total"] == 0
    page = client.get(f"{API}/products", {"category": catalog["root"]["id"]}, **owner_headers).json()
    assert page["total"] == 1
    page = client.get(f"{API}/products", {"status": "off_sale"}, **owner_headers).json()
    assert page["total"] == 0
    hits = client.get(f"{API}/search", {"q": "可乐 500"}, **owner_headers).json()
    assert [h["code"] for h in hits["items"]] == ["COKE-500"]
    hits = client.get(f"{API}/search", {"q": "6901939621257"}, **owner_headers).json()
    assert hits["exact_barcode"] and hits["items"][0]["code"] == "COKE-500"


def test_barcode_lookup(client, owner_headers, catalog):
    response = client.get(f"{API}/skus/by-barcode/6901939621257", **owner_headers)
    assert response.status_code == 200 and response.json()["code"] == "COKE-500"
    assert client.get(f"{API}/skus/by-barcode/6920202888883", **owner_headers).status_code == 404


def test_price_change_is_audited_and_cost_hidden_from_cashiers(client, owner, owner_headers, catalog):
    sku = catalog["product"]["skus"][1]
    response = put(
        client, f"{API}/skus/{sku['id']}/price", {"price_fen": 380, "reason": "调价"}, owner_headers
    )
    assert response.status_code == 200 and response.json()["price_fen"] == 380
    entry = AuditEntry.objects.get(action="catalog.price_changed")
    assert entry.before["price_fen"] == 350 and entry.after["price_fen"] == 380 and entry.actor == owner
    store = make_store(owner)
    cashier = bearer(make_staff(owner, Role.CASHIER, stores=[store]))
    body = client.get(f"{API}/skus/{sku['id']}", **cashier).json()
    assert body["cost_fen"] is None and body["price_fen"] == 380
    assert put(client, f"{API}/skus/{sku['id']}/price", {"price_fen": 1}, cashier).status_code == 403


def test_store_prices(client, owner, owner_headers, catalog):
    sku = catalog["product"]["skus"][0]
    own, other = make_store(owner), make_store(owner)
    manager = bearer(make_staff(owner, Role.STORE_MANAGER, stores=[own]))
    url = f"{API}/skus/{sku['id']}/store-prices"
    response = put(client, f"{url}/{own.pk}", {"price_fen": 280}, manager)
    assert response.status_code == 200 and response.json()["price_fen"] == 280
    assert put(client, f"{url}/{other.pk}", {"price_fen": 280}, manager).status_code == 403
    listed = client.get(url, **manager).json()
    assert [(r["store_id"], r["price_fen"]) for r in listed] == [(own.pk, 280)]
    assert client.delete(f"{url}/{own.pk}", **manager).status_code == 204
    assert put(client, f"{API}/skus/{sku['id']}/price", {"price_fen": 1}, manager).status_code == 403


def test_on_off_sale_sku_edits_and_delete(client, owner_headers, catalog):
    product_id = catalog["product"]["id"]
    assert (
        post(client, f"{API}/products/{product_id}/off-sale", {}, owner_headers).json()["status"]
        == "off_sale"
    )
    assert (
        post(client, f"{API}/products/{product_id}/on-sale", {}, owner_headers).json()["status"] == "on_sale"
    )
    body = {"product_ids": [product_id], "on_sale": False}
    assert post(client, f"{API}/products/bulk-status", body, owner_headers).json() == {"changed": 1}
    new_sku = post(
        client,
        f"{API}/products/{product_id}/skus",
        {"spec_values": {"规格": "2L"}, "price_fen": 800, "barcode": "6920202888883"},
        owner_headers,
    )
    assert new_sku.status_code == 201
    sku_id = new_sku.json()["id"]
    assert (
        patch(client, f"{API}/skus/{sku_id}", {"code": "COKE-2L"}, owner_headers).json()["code"] == "COKE-2L"
    )
    assert client.delete(f"{API}/skus/{sku_id}", **owner_headers).status_code == 204
    updated = patch(client, f"{API}/products/{product_id}", {"name": "可口可乐 经典"}, owner_headers)
    assert updated.status_code == 200 and updated.json()["name"] == "可口可乐 经典"
    assert client.delete(f"{API}/products/{product_id}", **owner_headers).status_code == 204
    assert client.get(f"{API}/products/{product_id}", **owner_headers).status_code == 404
    assert not Sku.objects.filter(product_id=product_id, is_deleted=False).exists()


def test_domain_errors_are_code_and_message(client, owner_headers, catalog):
    leaf = catalog["leaf"]["id"]
    body = {"name": "x", "category_id": leaf, "skus": [{"price_fen": 1, "barcode": "6901939621258"}]}
    response = post(client, f"{API}/products", body, owner_headers)
    assert response.status_code == 400
    assert (
        response.json()["code"] == "catalog.barcode_invalid" and "6901939621258" in response.json()["message"]
    )
    body["skus"][0]["barcode"] = "6901939621257"
    response = post(client, f"{API}/products", body, owner_headers)
    assert response.status_code == 409 and response.json()["code"] == "catalog.barcode_taken"
    response = post(client, f"{API}/categories", {"name": "x", "parent_id": leaf}, owner_headers)
    third = response.json()["id"]
    response = post(client, f"{API}/categories", {"name": "y", "parent_id": third}, owner_headers)
    assert response.status_code == 400 and response.json()["code"] == "catalog.category_too_deep"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "", "category_id": 1, "skus": [{"price_fen": 1}]},
        {"name": "x", "category_id": 1, "skus": []},
        {"name": "x", "category_id": 1, "skus": [{"price_fen": -1}]},
        {"name": "x", "category_id": 1, "skus": [{"price_fen": 10**19}]},
        {"name": "x", "category_id": 1, "skus": [{"price_fen": "1.5"}]},
        {"name": "x" * 101, "category_id": 1, "skus": [{"price_fen": 1}]},
        {"name": "x", "category_id": 0, "skus": [{"price_fen": 1}]},
        {"name": "x", "category_id": 10**20, "skus": [{"price_fen": 1}]},
        {"name": "x", "category_id": 1, "unit": "box", "skus": [{"price_fen": 1}]},
        {"name": "x", "category_id": 1, "skus": [{"price_fen": 1, "barcode": "1" * 21}]},
    ],
)
def test_bad_input_is_422(client, owner_headers, body):
    response = post(client, f"{API}/products", body, owner_headers)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/products/99999999999999999999",
        f"{API}/skus/0",
        f"{API}/products?page=0",
        f"{API}/products?page_size=1000",
        f"{API}/search",
        f"{API}/search?q=" + "x" * 101,
        f"{API}/products?category=-1",
    ],
)
def test_bad_query_or_path_is_422(client, owner_headers, url):
    response = client.get(url, **owner_headers)
    assert response.status_code == 422, response.content


def test_another_merchants_ids_are_404(client, other_owner, catalog):
    headers = bearer(other_owner)
    product = catalog["product"]
    sku_id = product["skus"][0]["id"]
    store = make_store(other_owner)
    checks = [
        ("get", f"{API}/products/{product['id']}", None),
        ("patch", f"{API}/products/{product['id']}", {"name": "x"}),
        ("delete", f"{API}/products/{product['id']}", None),
        ("post", f"{API}/products/{product['id']}/on-sale", {}),
        ("post", f"{API}/products/{product['id']}/skus", {"price_fen": 1}),
        ("get", f"{API}/skus/{sku_id}", None),
        ("patch", f"{API}/skus/{sku_id}", {"code": "X"}),
        ("put", f"{API}/skus/{sku_id}/price", {"price_fen": 1}),
        ("delete", f"{API}/skus/{sku_id}", None),
        ("get", f"{API}/skus/{sku_id}/store-prices", None),
        ("put", f"{API}/skus/{sku_id}/store-prices/{store.pk}", {"price_fen": 1}),
        ("patch", f"{API}/categories/{catalog['leaf']['id']}", {"name": "x"}),
        ("delete", f"{API}/categories/{catalog['leaf']['id']}", None),
        ("patch", f"{API}/brands/{catalog['brand']['id']}", {"name": "x"}),
        ("get", f"{API}/skus/by-barcode/6901939621257", None),
    ]
    for method, url, body in checks:
        if body is None:
            response = getattr(client, method)(url, **headers)
        else:
            response = getattr(client, method)(url, body, content_type="application/json", **headers)
        assert response.status_code == 404, (method, url, response.status_code)
    body = {"name": "x", "category_id": catalog["leaf"]["id"], "skus": [{"price_fen": 1}]}
    assert post(client, f"{API}/products", body, headers).status_code == 404
    assert client.get(f"{API}/search", {"q": "可乐"}, **headers).json()["total"] == 0
    assert client.get(f"{API}/products", **headers).json()["total"] == 0


def test_cashier_reads_but_cannot_write(client, owner, catalog):
    store = make_store(owner)
    cashier = bearer(make_staff(owner, Role.CASHIER, stores=[store]))
    assert client.get(f"{API}/products", **cashier).status_code == 200
    response = patch(client, f"{API}/products/{catalog['product']['id']}", {"name": "x"}, cashier)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_unauthenticated(client):
    assert client.get(f"{API}/products").status_code == 401


def test_control_characters_never_reach_the_database(client, owner_headers, catalog):
    body = {
        "name": "零度\x00可乐",
        "subtitle": "a\x00b",
        "description": "第一行\n第二行\x00",
        "category_id": catalog["leaf"]["id"],
        "spec_names": ["规格\x00"],
        "skus": [{"spec_values": {"规格\x00": "500\x00ml"}, "price_fen": 1}],
    }
    response = post(client, f"{API}/products", body, owner_headers)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "零度可乐" and created["description"] == "第一行\n第二行"
    assert created["skus"][0]["spec_values"] == {"规格": "500ml"}
    sku_id = created["skus"][0]["id"]
    response = put(client, f"{API}/skus/{sku_id}/price", {"price_fen": 2, "reason": "x\x00y"}, owner_headers)
    assert response.status_code == 200
    assert client.get(f"{API}/skus/by-barcode/69%0001", **owner_headers).status_code == 404
    assert client.get(f"{API}/search", {"q": "可乐\x00"}, **owner_headers).status_code == 200
