"""The public shopper API: only what a shopper may buy, found by merchant slug."""

import datetime as dt

import pytest

from newretail.catalog.actions.products import delete_product, set_channels, set_on_sale, update_product
from newretail.core import clock
from newretail.core.testing import make_store

from .conftest import product

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def shop(merchant):
    return f"/api/v1/shop/{merchant.slug}"


def test_categories_and_products_without_login(client, shop, coke, dairy, owner):
    milk = product(owner, dairy, name="伊利 纯牛奶")
    tree = client.get(f"{shop}/categories").json()
    assert {c["name"] for c in tree} == {"饮料", "乳品"}
    page = client.get(f"{shop}/products").json()
    assert {p["id"] for p in page["items"]} == {coke.pk, milk.pk} and page["total"] == 2
    card = next(p for p in page["items"] if p["id"] == coke.pk)
    assert card["price_fen"] == 300 and card["max_price_fen"] == 350 and card["brand_name"] == "可口可乐"
    assert [p["id"] for p in client.get(f"{shop}/products", {"q": "kele"}).json()["items"]] == [coke.pk]
    drinks_root = next(c for c in tree if c["name"] == "饮料")
    assert [
        p["id"] for p in client.get(f"{shop}/products", {"category": drinks_root["id"]}).json()["items"]
    ] == [coke.pk]
    detail = client.get(f"{shop}/products/{coke.pk}").json()
    assert detail["spec_names"] == ["规格"] and [s["price_fen"] for s in detail["skus"]] == [300, 350]
    assert "cost_fen" not in detail["skus"][0]


def test_only_sellable_mall_products_are_shown(client, shop, owner, coke, drinks):
    hidden = {
        "off": product(owner, drinks, name="下架商品"),
        "pos_only": product(owner, drinks, name="门店专供"),
        "future": product(owner, drinks, name="预售商品"),
        "deleted": product(owner, drinks, name="已删除商品"),
    }
    set_on_sale(actor=owner, product_ids=[hidden["off"].pk], on_sale=False)
    set_channels(actor=owner, product_ids=[hidden["pos_only"].pk], available_in_mall=False)
    update_product(
        actor=owner, product_id=hidden["future"].pk, on_sale_from=clock.now() + dt.timedelta(days=1)
    )
    delete_product(actor=owner, product_id=hidden["deleted"].pk)
    ids = {p["id"] for p in client.get(f"{shop}/products").json()["items"]}
    assert ids == {coke.pk}
    for item in hidden.values():
        assert client.get(f"{shop}/products/{item.pk}").status_code == 404
        assert client.get(f"{shop}/products", {"q": item.name}).json()["total"] == 0


def test_stores_with_address_location_and_hours(client, shop, owner):
    make_store(
        owner,
        name="静安店",
        city="上海市",
        address="南京西路1号",
        latitude="31.229000",
        longitude="121.455000",
        opens_at=dt.time(7),
        closes_at=dt.time(23),
    )
    make_store(owner, name="仓储店", is_online=False)
    stores = client.get(f"{shop}/stores").json()
    assert [s["name"] for s in stores] == ["静安店"]
    assert stores[0]["business_hours"] == "07:00-23:00" and stores[0]["latitude"] == "31.229000"


def test_unknown_slug_and_other_merchants_products_are_404(client, coke, other_owner):
    assert client.get("/api/v1/shop/no-such-shop/products").status_code == 404
    assert client.get("/api/v1/shop/no-such-shop/stores").status_code == 404
    other = f"/api/v1/shop/{other_owner.merchant.slug}"
    assert client.get(f"{other}/products/{coke.pk}").status_code == 404
    assert client.get(f"{other}/products").json()["total"] == 0


@pytest.mark.parametrize(
    "url",
    ["/api/v1/shop/X!/products", "/api/v1/shop/{slug}/products?page=0", "/api/v1/shop/{slug}/products/0"],
)
def test_bad_input_is_422(client, merchant, url):
    assert client.get(url.format(slug=merchant.slug)).status_code == 422
