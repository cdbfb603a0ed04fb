"""Builders for promotion and coupon tests: the order fixtures (a store, its warehouse, water at
¥3.50 and cola at ¥5.00 / ¥4.50 in the store), and promotions and coupon templates made through
the real actions with a window around now."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.marketing.actions.coupons import create_coupon_template
from newretail.marketing.actions.promotions import create_promotion
from tests.orders.conftest import cola, committed, place, warehouse, water  # noqa: F401  (fixtures)


def window(days: int = 30) -> dict:
    now = clock.now()
    return {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(days=days)}


@pytest.fixture
def promotion(owner):
    """promotion(kind, rules, **fields) -> a running Promotion made by the owner."""

    def make(kind: str, rules: dict, **fields):
        fields.setdefault("name", kind)
        return create_promotion(actor=owner, kind=kind, rules=rules, **{**window(), **fields})

    return make


@pytest.fixture
def template(owner):
    """template(kind, **fields) -> a CouponTemplate valid from an hour ago for 30 days."""

    def make(kind: str = "cash_off", **fields):
        w = window()
        fields.setdefault("name", kind)
        fields.setdefault("valid_from", w["starts_at"])
        fields.setdefault("valid_until", w["ends_at"])
        return create_coupon_template(actor=owner, kind=kind, **fields)

    return make
