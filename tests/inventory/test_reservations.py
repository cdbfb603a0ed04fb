import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from newretail.core.errors import DomainError
from newretail.inventory.actions.reservations import (
    consume_reservation,
    expire_reservations,
    release_reservation,
    release_reservations,
    reserve_stock,
)
from newretail.inventory.models import Reservation, StockMovement
from newretail.inventory.queries import available_quantity
from newretail.inventory.tasks import expire_reservations_task
from tests.inventory.conftest import level_of, receive

pytestmark = pytest.mark.django_db


def test_reserve_holds_stock_and_release_gives_it_back(merchant, warehouse, sku):
    receive(warehouse, sku, 10)
    hold = reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=4, reference="order:1")
    level = level_of(warehouse, sku)
    assert (level.on_hand, level.reserved, level.available) == (10, 4, 6)
    assert hold.status == Reservation.Status.ACTIVE and hold.expires_at is not None
    released = release_reservation(merchant=merchant, reservation_id=hold.pk)
    assert released.status == Reservation.Status.RELEASED and released.closed_at is not None
    assert level_of(warehouse, sku).reserved == 0
    # Idempotent: releasing again changes nothing.
    assert release_reservation(merchant=merchant, reservation_id=hold.pk).status == "released"
    assert level_of(warehouse, sku).reserved == 0


def test_insufficient_stock_error_has_the_exact_message(merchant, warehouse, sku):
    receive(warehouse, sku, 5)
    reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=3, reference="order:1")
    with pytest.raises(DomainError) as exc:
        reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=4, reference="order:2")
    error = exc.value
    assert error.code == "inventory.insufficient_stock" and error.status == 409
    with translation.override("en"):
        assert error.message == (
            f"Not enough stock of 农夫山泉 550ml in {warehouse.name}: 2 available, 4 requested."
        )
    with translation.override("zh-hans"):
        assert error.message == f"{warehouse.name}的农夫山泉 550ml库存不足：可用 2，需要 4。"
    assert level_of(warehouse, sku).reserved == 3
    assert Reservation.objects.count() == 1  # the refused hold left no row


def test_reserving_an_sku_never_stocked_reports_zero_available(merchant, warehouse, sku):
    with pytest.raises(DomainError) as exc:
        reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=1, reference="order:9")
    assert exc.value.params["available"] == 0


def test_same_reference_is_idempotent_and_another_quantity_conflicts(merchant, warehouse, sku):
    receive(warehouse, sku, 10)
    first = reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=2, reference="order:7")
    again = reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=2, reference="order:7")
    assert again.pk == first.pk and level_of(warehouse, sku).reserved == 2
    with pytest.raises(DomainError) as exc:
        reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=3, reference="order:7")
    assert exc.value.code == "inventory.reservation_conflict"
    assert level_of(warehouse, sku).reserved == 2


def test_consume_posts_a_sale_and_lowers_reserved_once(merchant, warehouse, sku):
    receive(warehouse, sku, 10)
    hold = reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=4, reference="order:12")
    sale = consume_reservation(merchant=merchant, reservation_id=hold.pk)
    assert sale.kind == StockMovement.Kind.SALE and sale.quantity == -4 and sale.on_hand_after == 6
    assert (sale.reference_type, sale.reference_id) == ("order", "12")
    level = level_of(warehouse, sku)
    assert (level.on_hand, level.reserved) == (6, 0)
    # Idempotent replay returns the same movement and posts nothing.
    assert consume_reservation(merchant=merchant, reservation_id=hold.pk).pk == sale.pk
    assert StockMovement.objects.filter(kind="sale").count() == 1
    with pytest.raises(DomainError) as exc:
        release_reservation(merchant=merchant, reservation_id=hold.pk)
    assert exc.value.code == "inventory.reservation_not_active"


def test_released_hold_cannot_be_consumed(merchant, warehouse, sku):
    receive(warehouse, sku, 10)
    hold = reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=1, reference="order:3")
    release_reservation(merchant=merchant, reservation_id=hold.pk)
    with pytest.raises(DomainError) as exc:
        consume_reservation(merchant=merchant, reservation_id=hold.pk)
    assert exc.value.code == "inventory.reservation_not_active"
    assert level_of(warehouse, sku).on_hand == 10


def test_expire_sweep_releases_only_expired_holds(merchant, warehouse, sku):
    receive(warehouse, sku, 10)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        short = reserve_stock(
            merchant=merchant,
            warehouse=warehouse,
            sku=sku,
            quantity=3,
            reference="cart:1",
            ttl=dt.timedelta(minutes=5),
        )
        long = reserve_stock(
            merchant=merchant,
            warehouse=warehouse,
            sku=sku,
            quantity=2,
            reference="cart:2",
            ttl=dt.timedelta(hours=1),
        )
        forever = reserve_stock(
            merchant=merchant, warehouse=warehouse, sku=sku, quantity=1, reference="pos:1", ttl=None
        )
    assert expire_reservations(now=start + dt.timedelta(minutes=4)) == 0
    assert expire_reservations(now=start + dt.timedelta(minutes=6)) == 1
    assert level_of(warehouse, sku).reserved == 3
    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert statuses == {short.pk: "expired", long.pk: "active", forever.pk: "active"}
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        assert expire_reservations_task.call_local() == 1  # the periodic task runs the same sweep
    assert level_of(warehouse, sku).reserved == 1
    with pytest.raises(DomainError):
        consume_reservation(merchant=merchant, reservation_id=short.pk)


def test_release_all_holds_of_an_order(merchant, warehouse, sku, sku2):
    receive(warehouse, sku, 5)
    receive(warehouse, sku2, 5)
    reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=1, reference="order:44")
    reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku2, quantity=2, reference="order:44")
    assert release_reservations(merchant=merchant, reference="order:44") == 2
    assert (
        available_quantity(merchant, warehouse, sku) == 5
        and available_quantity(merchant, warehouse, sku2) == 5
    )


@pytest.mark.parametrize("reference", ["", " ", "x" * 65])
def test_reference_is_required(merchant, warehouse, sku, reference):
    receive(warehouse, sku, 5)
    with pytest.raises(DomainError) as exc:
        reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=1, reference=reference)
    assert exc.value.code == "inventory.invalid_reference"


def test_another_merchant_cannot_release_a_hold(merchant, warehouse, sku, other_owner):
    receive(warehouse, sku, 5)
    hold = reserve_stock(merchant=merchant, warehouse=warehouse, sku=sku, quantity=1, reference="order:1")
    with pytest.raises(DomainError) as exc:
        release_reservation(merchant=other_owner.merchant, reservation_id=hold.pk)
    assert exc.value.status == 404
