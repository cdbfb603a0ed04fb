"""Catalog fixtures: a small tree, brands and a product builder that goes through the actions."""

from __future__ import annotations

import itertools

import pytest

from newretail.catalog.actions.brands import create_brand
from newretail.catalog.actions.categories import create_category
from newretail.catalog.actions.products import create_product
from newretail.catalog.barcodes import with_check_digit

_barcodes = itertools.count(1)


def new_barcode() -> str:
    """A fresh valid EAN-13 with a Chinese (69x) prefix."""
    return with_check_digit(f"699{next(_barcodes):09d}")


def product(owner, category, *, name="可口可乐 经典 汽水", brand=None, skus=None, **fields):
    skus = skus if skus is not None else [{"barcode": new_barcode(), "price_fen": 350, "cost_fen": 200}]
    if brand is not None:
        fields["brand_id"] = brand.pk
    return create_product(actor=owner, name=name, category_id=category.pk, skus=skus, **fields)


@pytest.fixture
def drinks(owner):
    root = create_category(actor=owner, name="饮料")
    return create_category(actor=owner, name="碳酸饮料", parent_id=root.pk)


@pytest.fixture
def dairy(owner):
    root = create_category(actor=owner, name="乳品")
    return create_category(actor=owner, name="常温奶", parent_id=root.pk)


@pytest.fixture
def fresh(owner):
    return create_category(actor=owner, name="生鲜")


@pytest.fixture
def coke_brand(owner):
    return create_brand(actor=owner, name="可口可乐")


@pytest.fixture
def yili(owner):
    return create_brand(actor=owner, name="伊利")


@pytest.fixture
def coke(owner, drinks, coke_brand):
    """可口可乐 with two SKUs (330ml, 500ml); the 500ml has the real barcode 6901939621257."""
    return product(
        owner,
        drinks,
        name="可口可乐",
        brand=coke_brand,
        spec_names=["规格"],
        skus=[
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
    )


def png_bytes(size: tuple[int, int] = (64, 64), colour: str = "red") -> bytes:
    """A real PNG picture, made with Pillow."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()
