"""Builders for POS tests: a store with a terminal, a cashier and a manager assigned to it, goods
in the store's warehouse (a bottle of water, a cola with a store price, and loose apples sold by
weight with PLU 101), all through the real actions."""

from __future__ import annotations

import itertools

import pytest

from newretail.catalog.models import Category, Product, Sku, StorePrice, Unit
from newretail.core.testing import PASSWORD, make_staff
from newretail.pos.actions.setup import register_terminal
from newretail.pos.actions.shifts import open_shift
from newretail.tenancy.roles import Role
from tests.inventory.conftest import make_sku, receive

_codes = itertools.count(1)
__all__ = ["PASSWORD"]


@pytest.fixture
def warehouse(store):
    return store.warehouses.get()


@pytest.fixture
def terminal(owner, store):
    return register_terminal(actor=owner, store_id=store.pk, code=f"T{next(_codes):02d}", name="1号收银台")


@pytest.fixture
def cashier(owner, store):
    return make_staff(owner, Role.CASHIER, stores=[store])


@pytest.fixture
def manager(owner, store):
    return make_staff(owner, Role.STORE_MANAGER, stores=[store])


@pytest.fixture
def shift(cashier, terminal):
    return open_shift(actor=cashier, terminal_id=terminal.pk, opening_float_fen=20000)


@pytest.fixture
def water(merchant, warehouse):
    """¥3.50, 100 in stock, barcode 6901234567892."""
    sku = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350, barcode="6901234567892")
    receive(warehouse, sku, 100)
    return sku


@pytest.fixture
def cola(merchant, store, warehouse):
    """¥5.00 list, ¥4.50 in the store, 50 in stock."""
    sku = make_sku(merchant.pk, name="可口可乐 330ml", price_fen=500, barcode="6902538004045")
    StorePrice.objects.create(merchant_id=merchant.pk, store=store, sku=sku, price_fen=450)
    receive(warehouse, sku, 50)
    return sku


@pytest.fixture
def apples(merchant, warehouse):
    """红富士苹果 by weight, ¥12.80/kg, PLU 101, 20 kg in stock."""
    category, _ = Category.objects.get_or_create(merchant_id=merchant.pk, parent=None, name="水果")
    product = Product.objects.create(
        merchant_id=merchant.pk, name="红富士苹果", category=category, unit=Unit.KG
    )
    sku = Sku.objects.create(
        merchant_id=merchant.pk, product=product, code="APPLE", plu="101", price_fen=1280
    )
    receive(warehouse, sku, 20000)
    return sku


def lines(*items):
    """lines((sku, qty), …) -> the ticket lines a till sends."""
    return [{"sku_id": sku.pk, "quantity": qty} for sku, qty in items]


@pytest.fixture
def accounts(merchant, monkeypatch):
    """Sandbox WeChat Pay and Alipay accounts (payment codes at the till)."""
    from newretail.payments.accounts import set_up_sandbox_account
    from tests.payments import sandbox_helpers

    sandbox_helpers.use_key_pool(monkeypatch)
    return {p: set_up_sandbox_account(merchant_id=merchant.pk, provider=p) for p in ("wechat", "alipay")}
