"""Builders for bargain tests: the order fixtures (a store, its warehouse, water at ¥3.50 with
100 in stock) and campaigns made through the real setup action with a window around now."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from newretail.core import clock
from newretail.marketing.bargain.cutting import help_bargain
from newretail.marketing.bargain.setup import create_campaign
from newretail.members.testing import make_member
from tests.orders.conftest import committed, warehouse, water  # noqa: F401  (fixtures)


def campaign_data(sku, **fields) -> dict:
    now = clock.now()
    return {
        "name": "好友砍价",
        "sku_id": sku.pk,
        "start_price_fen": 350,
        "floor_price_fen": 100,
        "helpers_needed": 3,
        "hours_to_finish": 24,
        "stock": 5,
        "per_member_limit": 1,
        "starts_at": now - dt.timedelta(minutes=5),
        "ends_at": now + dt.timedelta(days=3),
        **fields,
    }


@pytest.fixture
def campaign(owner, water):  # noqa: F811  (the imported fixture)
    """campaign(**fields) -> a running campaign on water: ¥3.50 to ¥1.00 with 3 helpers, 5 pieces."""

    def make(**fields):
        return create_campaign(actor=owner, **campaign_data(water, **fields))

    return make


def device() -> str:
    return secrets.token_urlsafe(12)


def help_with(bargain, merchant, *, helper=None, device_id=None):
    """A fresh friend (member and device unless given) helps ``bargain``."""
    return help_bargain(
        helper=helper or make_member(merchant), share_code=bargain.share_code, device_id=device_id or device()
    )
