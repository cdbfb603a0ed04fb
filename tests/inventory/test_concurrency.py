"""Stock under real concurrency: threads with their own PostgreSQL connections hit the real
actions at the same moment (a Barrier lines them up). SQLite serialises writers, so these run
on PostgreSQL only."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from newretail.core import testing
from newretail.core.errors import DomainError
from newretail.core.ledgers import find_differences
from newretail.inventory.actions.ledger import post_movement
from newretail.inventory.actions.purchasing import create_purchase_order, create_supplier
from newretail.inventory.actions.reservations import reserve_stock
from newretail.inventory.models import PurchaseOrder, Reservation, StockMovement
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_threads(
    count: int, work: Callable[[int], object], *, timeout: float = 60
) -> tuple[list, list[DomainError]]:
    """Run ``work(i)`` in ``count`` threads released together; collect results and domain errors."""
    barrier = threading.Barrier(count)
    lock = threading.Lock()
    results: list = []
    errors: list[DomainError] = []
    crashes: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                value = work(index)
            except DomainError as error:
                with lock:
                    errors.append(error)
            else:
                with lock:
                    results.append(value)
        except BaseException as exc:  # anything else fails the test below
            with lock:
                crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)
    assert not crashes, crashes
    return results, errors


@pytest.fixture
def shop():
    merchant, owner = testing.make_merchant()
    warehouse = testing.make_store(owner).warehouses.get()
    return merchant, owner, warehouse, make_sku(merchant.pk)


def test_sixteen_threads_reserve_the_last_ten_units(shop):
    merchant, _owner, warehouse, sku = shop
    receive(warehouse, sku, 10)

    def reserve_one(i: int) -> Reservation:
        return reserve_stock(
            merchant=merchant.pk, warehouse=warehouse.pk, sku=sku.pk, quantity=1, reference=f"order:{i}"
        )

    holds, errors = run_threads(16, reserve_one)
    assert len(holds) == 10 and len(errors) == 6
    assert {e.code for e in errors} == {"inventory.insufficient_stock"}
    level = level_of(warehouse, sku)
    assert (level.on_hand, level.reserved, level.available) == (10, 10, 0)
    assert Reservation.objects.filter(status="active").count() == 10
    assert find_differences() == []


def test_sixteen_threads_reserve_random_quantities(shop):
    merchant, _owner, warehouse, sku = shop
    receive(warehouse, sku, 10)
    quantities = [random.Random(seed).randint(1, 3) for seed in range(16)]

    def reserve_some(i: int) -> Reservation:
        return reserve_stock(
            merchant=merchant.pk,
            warehouse=warehouse.pk,
            sku=sku.pk,
            quantity=quantities[i],
            reference=f"order:{i}",
        )

    holds, errors = run_threads(16, reserve_some)
    reserved = sum(h.quantity for h in holds)
    level = level_of(warehouse, sku)
    assert reserved <= 10 and level.reserved == reserved and level.available >= 0
    for error in errors:
        assert error.code == "inventory.insufficient_stock"
        assert error.params["available"] < error.params["requested"]
    # Whatever failed asked for more than was left in the end.
    assert all(
        quantities[i] > level.available for i in range(16) if f"order:{i}" not in {h.reference for h in holds}
    )
    assert find_differences() == []


def test_receipts_and_sales_at_once_never_go_negative(shop):
    merchant, _owner, warehouse, sku = shop
    receive(warehouse, sku, 5)

    def work(i: int) -> int:
        kind, quantity = ("receipt", 3) if i % 2 else ("sale", -4)
        for _ in range(5):
            try:
                post_movement(
                    merchant=merchant.pk, warehouse=warehouse.pk, sku=sku.pk, kind=kind, quantity=quantity
                )
            except DomainError as error:
                assert error.code == "inventory.insufficient_stock"
        return i

    _done, errors = run_threads(16, work)
    assert not errors
    level = level_of(warehouse, sku)
    movements = StockMovement.objects.filter(warehouse=warehouse, sku=sku)
    assert level.on_hand == sum(m.quantity for m in movements) >= 0
    assert movements.filter(kind="receipt").count() == 1 + 8 * 5
    assert all(m.on_hand_after >= 0 for m in movements)
    assert movements.order_by("-pk").first().on_hand_after == level.on_hand
    assert find_differences() == []


def test_document_numbers_stay_unique_under_concurrency(shop):
    _merchant, owner, warehouse, sku = shop
    supplier = create_supplier(actor=owner, name="并发供应商")

    def create(i: int) -> str:
        po = create_purchase_order(
            actor=owner,
            supplier_id=supplier.pk,
            warehouse_id=warehouse.pk,
            lines=[{"sku_id": sku.pk, "quantity": 1}],
        )
        return po.number

    numbers, errors = run_threads(8, create)
    assert not errors and len(set(numbers)) == 8
    assert sorted(n[-4:] for n in numbers) == [f"{i:04d}" for i in range(1, 9)]
    assert PurchaseOrder.objects.count() == 8
