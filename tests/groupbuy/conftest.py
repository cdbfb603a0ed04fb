"""Builders for group-buy tests: the order fixtures (a store, its warehouse, water at ¥3.50 with
100 in stock), a running campaign made through the real action, and helpers to open, join and
pay seats (cash at the counter by the owner, so the payment is instant; the sandbox tests pay
online)."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.marketing.groupbuy.campaigns import create_campaign
from newretail.marketing.groupbuy.seats import join_group, open_group
from newretail.payments.actions.charges import pay_order
from tests.orders.conftest import (  # noqa: F401  (fixtures)
    cola,
    committed,
    place,
    sandbox_keys,
    shopper,
    staff_api,
    warehouse,
    water,
    wechat_account,
)


@pytest.fixture
def campaign(owner, water):  # noqa: F811
    """campaign(**fields) -> a running group buy of water at ¥2.00, groups of 3 within an hour."""

    def make(**fields):
        now = clock.now()
        data = {
            "name": "三人团",
            "starts_at": now - dt.timedelta(minutes=5),
            "ends_at": now + dt.timedelta(days=2),
            "group_size": 3,
            "fill_minutes": 60,
            "items": [{"sku_id": water.pk, "group_price_fen": 200}],
            **fields,
        }
        return create_campaign(actor=owner, **data)

    return make


@pytest.fixture
def seats(store, owner, committed):  # noqa: F811
    """Helpers bound to the store: open(member, item) / join(member, group) -> Joined (pickup);
    pay(order) pays in cash and delivers the events."""

    class Seats:
        def open(self, member, item, **kwargs):
            kwargs.setdefault("fulfilment", "pickup")
            kwargs.setdefault("store_id", store.pk)
            return open_group(member=member, item_id=item.pk, **kwargs)

        def join(self, member, group, **kwargs):
            kwargs.setdefault("fulfilment", "pickup")
            kwargs.setdefault("store_id", store.pk)
            return join_group(member=member, group_id=group.pk, **kwargs)

        def pay(self, order):
            with committed():
                pay_order(order_id=order.pk, kind="cash", actor=owner)

    return Seats()
