"""Builders for inventory tests. SKUs are created with the plain ORM (the catalog actions are
written elsewhere); stock is always put in through the real inventory actions."""

from __future__ import annotations

import itertools

import pytest

from newretail.catalog.models import Category, Product, Sku, Unit
from newretail.core import testing
from newretail.inventory.actions.ledger import post_movement
from newretail.inventory.models import StockLevel, StockMovement
from newretail.tenancy.models import Warehouse

_seq = itertools.count(1)


def make_sku(
    merchant_id: int,
    *,
    name: str | None = None,
    code: str | None = None,
    barcode: str | None = None,
    unit: str = Unit.PIECE,
    price_fen: int = 350,
    cost_fen: int = 200,
) -> Sku:
    n = next(_seq)
    category, _ = Category.objects.get_or_create(merchant_id=merchant_id, parent=None, name="饮料")
    product = Product.objects.create(
        merchant_id=merchant_id, name=name or f"矿泉水{n}", category=category, unit=unit
    )
    return Sku.objects.create(
        merchant_id=merchant_id,
        product=product,
        code=code or f"SKU{n:05d}",
        barcode=barcode if barcode is not None else f"69{n:011d}",
        price_fen=price_fen,
        cost_fen=cost_fen,
    )


def receive(warehouse: Warehouse, sku: Sku, quantity: int, actor=None) -> StockMovement:
    """Put stock in as a receipt movement (opening stock for a test)."""
    return post_movement(
        merchant=warehouse.merchant_id,
        warehouse=warehouse,
        sku=sku,
        kind=StockMovement.Kind.RECEIPT,
        quantity=quantity,
        actor=actor,
        reference_type="test",
    )


def level_of(warehouse: Warehouse, sku: Sku) -> StockLevel:
    return StockLevel.objects.get(warehouse=warehouse, sku=sku)


@pytest.fixture
def warehouse(store) -> Warehouse:
    """The store's own warehouse."""
    return store.warehouses.get()


@pytest.fixture
def central(owner) -> Warehouse:
    return testing.make_central_warehouse(owner)


@pytest.fixture
def sku(merchant) -> Sku:
    return make_sku(merchant.pk, name="农夫山泉 550ml", code="NF550", barcode="6921168509256")


@pytest.fixture
def sku2(merchant) -> Sku:
    return make_sku(merchant.pk, name="可口可乐 330ml", code="KO330", barcode="6901939621271")
