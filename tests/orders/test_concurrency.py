"""Orders under real concurrency on PostgreSQL: threads with their own connections create orders
at the same moment (a Barrier lines them up)."""

from __future__ import annotations

import pytest

from newretail.core import testing
from newretail.core.models import Event
from newretail.inventory.models import Reservation
from newretail.orders.actions.checkout import create_order
from newretail.orders.models import Order
from tests.inventory.conftest import level_of, make_sku, receive
from tests.inventory.test_concurrency import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    merchant, owner = testing.make_merchant()
    warehouse = testing.make_store(owner).warehouses.get()
    sku = make_sku(merchant.pk)
    return merchant, warehouse, sku


def _order(merchant, warehouse, sku, key: str | None) -> Order:
    return create_order(
        merchant=merchant.pk,
        channel="mall",
        store_id=warehouse.store_id,
        warehouse_id=warehouse.pk,
        fulfilment="pickup",
        lines=[{"sku_id": sku.pk, "quantity": 1}],
        idempotency_key=key,
    )


def test_twenty_threads_order_the_last_five_units(shop):
    merchant, warehouse, sku = shop
    receive(warehouse, sku, 5)

    orders, errors = run_threads(20, lambda i: _order(merchant, warehouse, sku, f"buyer-{i}"))

    assert len(orders) == 5 and len(errors) == 15
    assert {error.code for error in errors} == {"inventory.insufficient_stock"}
    assert Order.objects.count() == 5
    assert len({order.number for order in orders}) == 5
    level = level_of(warehouse, sku)
    assert level.on_hand == 5 and level.reserved == 5
    assert Reservation.objects.filter(status="active").count() == 5
    assert Event.objects.filter(name="order.created").count() == 5


def test_eight_threads_replaying_one_key_make_one_order(shop):
    merchant, warehouse, sku = shop
    receive(warehouse, sku, 50)

    orders, errors = run_threads(8, lambda i: _order(merchant, warehouse, sku, "same-key"))

    assert not errors and len(orders) == 8
    assert len({order.pk for order in orders}) == 1
    assert Order.objects.count() == 1
    assert level_of(warehouse, sku).reserved == 1
    assert Event.objects.filter(name="order.created").count() == 1


def test_fifty_buyers_of_the_last_five_units_never_oversell(shop):
    """50 shoppers press 提交订单 at the same moment for the last 5 units."""
    merchant, warehouse, sku = shop
    receive(warehouse, sku, 5)

    orders, errors = run_threads(50, lambda i: _order(merchant, warehouse, sku, f"last-five-{i}"))

    assert len(orders) == 5 and len(errors) == 45
    assert {error.code for error in errors} == {"inventory.insufficient_stock"}
    assert all(error.status == 409 and error.params["available"] == 0 for error in errors)
    assert Order.objects.filter(status="pending_payment").count() == 5
    assert sorted(o.number[-4:] for o in Order.objects.all()) == [f"{n:04d}" for n in range(1, 6)]
    level = level_of(warehouse, sku)
    assert (level.on_hand, level.reserved, level.available) == (5, 5, 0)
    holds = Reservation.objects.filter(status="active")
    assert holds.count() == 5 and {h.reference for h in holds} == {f"order:{o.pk}" for o in orders}
    assert Event.objects.filter(name="order.created").count() == 5
