"""Builders for order tests: a merchant with a store, the store's warehouse stocked through the
real inventory actions, and SKUs built with the inventory test helpers."""

from __future__ import annotations

import pytest

from newretail.catalog.models import StorePrice
from newretail.orders.actions import create_order
from newretail.orders.models import Order
from tests.inventory.conftest import make_sku, receive


@pytest.fixture
def warehouse(store):
    return store.warehouses.get()


@pytest.fixture
def water(merchant, warehouse):
    """¥3.50 list price, 100 in stock."""
    sku = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350)
    receive(warehouse, sku, 100)
    return sku


@pytest.fixture
def cola(merchant, store, warehouse):
    """¥5.00 list price, ¥4.50 in the store, 10 in stock."""
    sku = make_sku(merchant.pk, name="可口可乐 330ml", price_fen=500)
    StorePrice.objects.create(merchant_id=merchant.pk, store=store, sku=sku, price_fen=450)
    receive(warehouse, sku, 10)
    return sku


@pytest.fixture
def place(merchant, store, warehouse):
    """place({sku: qty}, **overrides) -> Order, a mall express order from the store."""

    def _place(items, **overrides) -> Order:
        arguments = {
            "merchant": merchant,
            "channel": "mall",
            "store_id": store.pk,
            "warehouse_id": warehouse.pk,
            "fulfilment": "express",
            "lines": [{"sku_id": sku.pk, "quantity": qty} for sku, qty in items.items()],
        }
        arguments.update(overrides)
        return create_order(**arguments)

    return _place
