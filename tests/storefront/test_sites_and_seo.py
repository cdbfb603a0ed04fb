"""Where a mall is served (path, own host, single-merchant install) and what crawlers and share
previews read: robots.txt, sitemap.xml, canonical links, Open Graph and JSON-LD that merchant
text cannot break out of."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from newretail.catalog.models import Product
from newretail.core.testing import make_merchant, make_store
from newretail.storefront.site import mall_absolute_url
from newretail.tenancy.models import Merchant
from tests.storefront.conftest import mall

pytestmark = pytest.mark.django_db


def test_a_merchant_host_serves_its_mall_at_the_root(merchant, cola, settings):
    settings.ALLOWED_HOSTS = ["*"]
    Merchant.objects.filter(pk=merchant.pk).update(mall_domain="shop.example.com")
    client = Client(HTTP_HOST="shop.example.com")
    html = client.get(f"/p/{cola.product_id}/").content.decode()
    assert "可口可乐 330ml" in html
    assert 'href="/cart/"' in html and f"/m/{merchant.slug}/" not in html  # links without the slug
    assert '<link rel="canonical" href="http://shop.example.com/p/' in html
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://shop.example.com/sitemap.xml" in robots
    assert client.get("/healthz").status_code == 200  # the platform's routes still answer there
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon["Location"].endswith("/img/favicon.svg")
    # Another merchant's products are not reachable through this host.
    other, _owner = make_merchant()
    assert client.get(f"/m/{other.slug}/").status_code == 404


def test_shared_links_use_the_merchants_host_when_it_has_one(merchant, settings):
    assert mall_absolute_url(merchant, "product", product_id=7, query={"src": "abc"}) == (
        f"{settings.PUBLIC_BASE_URL}/m/{merchant.slug}/p/7/?src=abc"
    )
    merchant.mall_domain = "shop.example.com"
    assert mall_absolute_url(merchant, "home") == "https://shop.example.com/"


def test_single_merchant_install_opens_on_its_mall(merchant, settings):
    settings.MALL_MERCHANT = merchant.slug
    response = Client().get("/")
    assert response.status_code == 302 and response["Location"] == f"/m/{merchant.slug}/"


def test_a_platform_of_many_merchants_lists_their_malls(merchant, settings):
    settings.MALL_MERCHANT = ""
    other, _owner = make_merchant(name="第二家店")
    html = Client().get("/").content.decode()
    assert merchant.name in html and "第二家店" in html
    assert f"/m/{other.slug}/" in html


def test_platform_robots_lists_every_malls_sitemap_and_hides_private_pages(merchant, settings):
    robots = Client().get("/robots.txt").content.decode()
    assert f"Sitemap: {settings.PUBLIC_BASE_URL}/m/{merchant.slug}/sitemap.xml" in robots
    for private in ("/console/", "/api/", "/m/*/checkout/", "/m/*/me/"):
        assert f"Disallow: {private}" in robots


def test_sitemap_lists_home_stores_categories_and_buyable_products(web, merchant, owner, cola, water):
    Product.objects.filter(pk=water.product_id).update(status=Product.Status.OFF_SALE)
    xml = web.text(mall(merchant, "sitemap.xml"))
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert f"http://testserver/m/{merchant.slug}/" in locs
    assert f"http://testserver/m/{merchant.slug}/p/{cola.product_id}/" in locs
    assert f"http://testserver/m/{merchant.slug}/p/{water.product_id}/" not in locs  # not on sale
    assert any("/category/?category=" in loc for loc in locs)


def test_json_ld_cannot_be_closed_by_merchant_text(web, merchant, cola):
    Product.objects.filter(pk=cola.product_id).update(
        name='可乐</script><script>alert(1)</script>', subtitle='"><img src=x onerror=alert(2)>'
    )
    html = web.text(mall(merchant, f"p/{cola.product_id}/"))
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    data = json.loads(block)
    assert data["name"] == '可乐</script><script>alert(1)</script>'  # the text survives, escaped
    assert data["offers"]["price"] == "5.00"


def test_stores_page_carries_store_structured_data(web, merchant, owner):
    make_store(owner, name="静安店", latitude="31.228000", longitude="121.450000", phone="021-12345678")
    html = web.text(mall(merchant, "stores/"))
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])
    store = next(item for item in data["@graph"] if item["name"].endswith("静安店"))
    assert store["@type"] == "Store" and store["geo"]["latitude"] == "31.228000"
    assert store["telephone"] == "021-12345678"


def test_private_pages_are_not_for_search_engines(web, merchant):
    assert 'name="robots" content="noindex' in web.text(mall(merchant, "cart/"))
    assert 'name="robots" content="noindex' in web.text(mall(merchant, "login/"))
    assert 'name="robots"' not in web.text(mall(merchant, ""))


def test_product_page_scripts_stay_light(web, merchant, cola, settings):
    """No framework bundle: the product page loads at most htmx and the mall's own script."""
    html = web.text(mall(merchant, f"p/{cola.product_id}/"))
    sources = re.findall(r'<script src="([^"]+)"', html)
    static_root = settings.PROJECT_DIR / "src" / "newretail" / "static"
    total = sum((static_root / src.removeprefix(settings.STATIC_URL)).stat().st_size for src in sources)
    assert total < 150_000, (sources, total)
    assert "alpine" not in " ".join(sources) and "echarts" not in " ".join(sources)


def test_a_missing_page_in_a_mall_keeps_the_mall_around_it(web, merchant, settings):
    settings.DEBUG = False
    html = web.text(mall(merchant, "p/999999/"), status=404)
    assert merchant.name in html and "mall-tabs" in html and 'content="noindex' in html
