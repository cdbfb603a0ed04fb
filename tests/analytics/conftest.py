"""Builders for source-tracking tests: a mall product, a shopper's browser (a test client with a
phone's User-Agent, so the visit counts), and tags made through the real actions."""

from __future__ import annotations

import pytest
from django.test import Client

from newretail.analytics import actions
from newretail.analytics.models import Channel
from tests.inventory.conftest import make_sku, receive

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47"
)


class Shopper:
    """A shopper's browser: keeps cookies, sends a phone User-Agent and optional Referer."""

    def __init__(self):
        self.client = Client(HTTP_USER_AGENT=PHONE_UA)

    def get(self, url: str, referer: str | None = None, **extra):
        if referer:
            extra["HTTP_REFERER"] = referer
        return self.client.get(url, **extra)

    @property
    def visitor_id(self) -> str:
        cookie = self.client.cookies.get("nr_vid")
        return cookie.value if cookie else ""

    def end_session(self, merchant) -> None:
        """30 minutes pass: the per-merchant session cookie expires."""
        self.client.cookies.pop(f"nr_vs_{merchant.pk}", None)


@pytest.fixture
def shopper():
    return Shopper()


@pytest.fixture
def water(merchant, store):
    """A mall product (¥3.50, 100 in stock in the store's warehouse)."""
    sku = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350)
    receive(store.warehouses.get(), sku, 100)
    return sku


@pytest.fixture
def product(water):
    return water.product


@pytest.fixture
def product_url(merchant, product):
    return f"/m/{merchant.slug}/p/{product.pk}/"


@pytest.fixture
def home_url(merchant):
    return f"/m/{merchant.slug}/"


@pytest.fixture
def poster_tag(merchant, product):
    return actions.create_tag(
        merchant, channel=Channel.POSTER, label="夏日海报", target=actions.Target("product", product.pk)
    )
