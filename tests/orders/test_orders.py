"""The order core: pricing snapshot, stock holds, idempotency, the status machine, cancel and
expiry, numbers, tenancy and the order.created event."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from newretail.core import clock, testing
from newretail.core.errors import DomainError
from newretail.core.models import Event
from newretail.inventory.models import Reservation
from newretail.members.models import Member
from newretail.orders.actions.checkout import HOLD_GRACE, create_order
from newretail.orders.actions.lifecycle import cancel_order, expire_unpaid_orders
from newretail.orders.models import Order, OrderAdjustment, OrderEvent, OrderLine
from newretail.orders.state import TRANSITIONS, transition
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = pytest.mark.django_db

S = Order.Status


def test_create_prices_with_store_price_and_shipping_and_reserves(place, water, cola, warehouse):
    order = place({water: 2, cola: 3})

    assert order.status == S.PENDING_PAYMENT
    assert order.goods_list_fen == 2 * 350 + 3 * 500
    assert order.goods_final_fen == 700 + 1350
    assert order.shipping_fen == 800  # express base fee, below the ¥59 free threshold
    assert order.discount_fen == 150
    assert order.payable_fen == 2050 + 800
    lines = {line.sku_id: line for line in order.lines.all()}
    assert lines[cola.pk].unit_price_fen == 450 and lines[cola.pk].final_amount_fen == 1350
    assert lines[water.pk].unit_price_fen == 350 and lines[water.pk].final_amount_fen == 700
    assert lines[water.pk].product_name == "农夫山泉 550ml"
    assert sum(line.final_amount_fen for line in lines.values()) == order.goods_final_fen
    adjustments = list(order.adjustments.values_list("source", "kind", "amount_fen", "line__sku_id"))
    assert sorted(adjustments) == [
        ("express", "shipping_fee", 800, None),
        ("store_price", "item_price", -150, cola.pk),
    ]
    assert sum(a[2] for a in adjustments) == order.payable_fen - order.goods_list_fen
    assert level_of(warehouse, water).reserved == 2
    assert level_of(warehouse, cola).reserved == 3
    holds = Reservation.objects.filter(reference=f"order:{order.pk}", status="active")
    assert sorted(holds.values_list("sku_id", "quantity")) == sorted([(water.pk, 2), (cola.pk, 3)])
    # the holds outlast the order by the grace period, so the order's expiry always runs first
    assert all(
        HOLD_GRACE <= hold.expires_at - order.expires_at < HOLD_GRACE + dt.timedelta(seconds=5) for hold in holds
    )
    assert list(order.events.values_list("kind", flat=True)) == ["created"]


def test_free_shipping_above_threshold_and_pickup_is_free(place, water):
    express = place({water: 20})  # ¥70 >= ¥59
    assert express.shipping_fen == 0 and express.payable_fen == 7000
    assert express.discount_fen == 800  # the waived fee counts as a saving
    pickup = place({water: 1}, fulfilment="pickup")
    assert pickup.shipping_fen == 0 and pickup.payable_fen == 350


def test_order_without_store_uses_list_price(place, cola):
    order = place({cola: 1}, store_id=None, fulfilment="pickup")
    assert order.store_id is None and order.payable_fen == 500


def test_points_mall_prices_like_the_mall(place, water):
    order = place({water: 1}, channel="points_mall", fulfilment="pickup")
    assert order.channel == "points_mall" and order.payable_fen == 350


def test_idempotent_replay_returns_the_same_order_and_reserves_once(place, water, warehouse):
    first = place({water: 2}, idempotency_key="k-1")
    again = place({water: 5}, idempotency_key="k-1")  # even with another body: the first result
    assert again.pk == first.pk and again.payable_fen == first.payable_fen
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 1
    assert level_of(warehouse, water).reserved == 2
    assert Event.objects.filter(name="order.created").count() == 1


def test_insufficient_stock_writes_nothing(place, water, cola, warehouse):
    with pytest.raises(DomainError) as error:
        place({water: 2, cola: 11}, idempotency_key="k-2")
    assert error.value.code == "inventory.insufficient_stock"
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists() and not OrderAdjustment.objects.exists()
    assert not OrderEvent.objects.exists() and not Event.objects.filter(name="order.created").exists()
    assert not Reservation.objects.exists()
    assert level_of(warehouse, water).reserved == 0
    # the number given back: the next order is -0001
    assert place({water: 1}).number.endswith("-0001")


ALL = list(S.values)
ILLEGAL = [(a, b) for a, b in itertools.product(ALL, ALL) if b not in TRANSITIONS[a]]
LEGAL = [(a, b) for a in ALL for b in sorted(TRANSITIONS[a])]


def _order_in(place, water, status: str) -> Order:
    order = place({water: 1}, fulfilment="pickup")
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_illegal_transition_is_refused(place, water, current, target):
    order = _order_in(place, water, current)
    with pytest.raises(DomainError) as error:
        transition(order, target)
    assert error.value.code == "orders.illegal_transition" and error.value.status == 409
    order.refresh_from_db()
    assert order.status == current
    assert not order.events.exclude(kind="created").exists()


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_every_legal_transition_is_applied_with_a_timeline_row(place, water, owner, current, target):
    order = _order_in(place, water, current)
    transition(order, target, actor=owner, note="by hand")
    order.refresh_from_db()
    assert order.status == target
    event = order.events.get(kind=target)
    assert event.actor == owner and event.note == "by hand"
    if target == S.PAID:
        assert order.paid_at is not None


def test_a_lost_race_is_refused(place, water):
    order = place({water: 1})
    stale = Order.objects.get(pk=order.pk)
    transition(order, S.PAID)
    with pytest.raises(DomainError) as error:
        transition(stale, S.CANCELLED)
    assert error.value.code == "orders.illegal_transition"
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_cancel_releases_stock(place, merchant, water, cola, warehouse, owner):
    order = place({water: 2, cola: 3})
    cancelled = cancel_order(order_id=order.pk, merchant=merchant, actor=owner, reason="changed my mind")
    assert cancelled.status == S.CANCELLED and cancelled.cancelled_at is not None
    assert level_of(warehouse, water).reserved == 0 and level_of(warehouse, cola).reserved == 0
    assert set(Reservation.objects.values_list("status", flat=True)) == {"released"}
    event = Event.objects.get(name="order.cancelled")
    assert event.payload["order_id"] == order.pk and event.payload["released"] == 2
    assert order.events.get(kind="cancelled").note == "changed my mind"
    with pytest.raises(DomainError) as error:
        cancel_order(order_id=order.pk, merchant=merchant)
    assert error.value.code == "orders.illegal_transition"


def test_a_paid_order_cannot_be_cancelled_here(place, merchant, water, warehouse):
    order = place({water: 1})
    transition(order, S.PAID)
    with pytest.raises(DomainError) as error:
        cancel_order(order_id=order.pk, merchant=merchant)
    assert error.value.code == "orders.illegal_transition"
    assert level_of(warehouse, water).reserved == 1


def test_cancel_of_another_merchants_order_is_404(place, water, other_owner):
    order = place({water: 1})
    with pytest.raises(DomainError) as error:
        cancel_order(order_id=order.pk, merchant=other_owner.merchant_id)
    assert error.value.status == 404
    assert Order.objects.get(pk=order.pk).status == S.PENDING_PAYMENT


def test_expiry_closes_unpaid_orders_and_releases_stock(place, water, warehouse):
    late = place({water: 2}, ttl=dt.timedelta(minutes=15))
    fresh = place({water: 3}, ttl=dt.timedelta(minutes=30))
    paid = place({water: 4}, ttl=dt.timedelta(minutes=15))
    transition(paid, S.PAID)
    now = clock.now() + dt.timedelta(minutes=16)

    assert expire_unpaid_orders(now) == 1
    assert expire_unpaid_orders(now) == 0  # nothing left to close
    late.refresh_from_db()
    fresh.refresh_from_db()
    paid.refresh_from_db()
    assert (late.status, fresh.status, paid.status) == (S.CLOSED, S.PENDING_PAYMENT, S.PAID)
    assert level_of(warehouse, water).reserved == 3 + 4
    assert Event.objects.filter(name="order.closed").count() == 1
    assert late.events.get(kind=S.CLOSED).note == "已超过付款时限，订单关闭"  # stored in zh-Hans


def test_periodic_task_runs_the_expiry(place, water):
    from newretail.orders.tasks import expire_unpaid_orders_task

    order = place({water: 1}, ttl=dt.timedelta(seconds=1))
    Order.objects.filter(pk=order.pk).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    expire_unpaid_orders_task.call_local()
    assert Order.objects.get(pk=order.pk).status == S.CLOSED


def test_order_numbers_are_unique_and_readable(place, water, merchant):
    numbers = [place({water: 1}).number for _ in range(3)]
    day = clock.local_today(merchant.timezone)
    assert numbers == [f"SO{day:%Y%m%d}-{n:04d}" for n in (1, 2, 3)]
    other, owner = testing.make_merchant()
    store = testing.make_store(owner)
    sku = make_sku(other.pk)
    receive(store.warehouses.get(), sku, 5)
    theirs = create_order(
        merchant=other,
        channel="pos",
        store_id=store.pk,
        warehouse_id=store.warehouses.get().pk,
        fulfilment="in_store",
        lines=[{"sku_id": sku.pk, "quantity": 1}],
    )
    assert theirs.number == f"SO{day:%Y%m%d}-0001"  # numbered per merchant


def test_another_merchants_sku_is_404_and_writes_nothing(place, water, other_owner):
    foreign = make_sku(other_owner.merchant_id)
    with pytest.raises(DomainError) as error:
        place({water: 1, foreign: 1})
    assert error.value.status == 404 and error.value.code == "not_found"
    assert not Order.objects.exists() and not Reservation.objects.exists()


def test_another_merchants_store_or_warehouse_is_404(place, water, other_owner):
    theirs = testing.make_store(other_owner)
    for override in ({"store_id": theirs.pk}, {"warehouse_id": theirs.warehouses.get().pk}):
        with pytest.raises(DomainError) as error:
            place({water: 1}, **override)
        assert error.value.status == 404
    assert not Order.objects.exists()


def test_deleted_or_unsellable_skus_are_refused(place, water):
    water.is_deleted = True
    water.save()
    with pytest.raises(DomainError) as error:
        place({water: 1})
    assert error.value.status == 404
    water.is_deleted = False
    water.save()
    water.product.available_in_pos = False
    water.product.save()
    with pytest.raises(DomainError) as error:
        place({water: 1}, channel="pos", fulfilment="in_store")
    assert error.value.code == "orders.sku_unavailable"
    water.product.status = "off_sale"
    water.product.save()
    with pytest.raises(DomainError) as error:
        place({water: 1})
    assert error.value.code == "orders.sku_unavailable"
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"lines": []}, "orders.empty"),
        ({"lines": [{"sku_id": 1, "quantity": 0}]}, "orders.invalid_line"),
        ({"lines": [{"sku_id": 1, "quantity": True}]}, "orders.invalid_line"),
        ({"lines": [{"sku_id": "1", "quantity": 1}]}, "orders.invalid_line"),
        ({"lines": ["x"]}, "orders.invalid_line"),
        ({"lines": [{"sku_id": 1, "quantity": 1}, {"sku_id": 1, "quantity": 2}]}, "orders.duplicate_sku"),
        ({"channel": "phone"}, "orders.invalid_channel"),
        ({"fulfilment": "drone"}, "orders.invalid_fulfilment"),
        ({"idempotency_key": " "}, "orders.invalid_idempotency_key"),
        ({"idempotency_key": "x" * 65}, "orders.invalid_idempotency_key"),
    ],
)
def test_bad_input_is_a_domain_error(place, water, overrides, code):
    with pytest.raises(DomainError) as error:
        place({water: 1}, **overrides)
    assert error.value.code == code and 400 <= error.value.status < 500
    assert not Order.objects.exists()


def test_delivery_out_of_range_writes_nothing(place, water, store):
    store.latitude, store.longitude = "31.224300", "121.445900"
    store.save()
    far = {
        "recipient": "张三",
        "phone": "13800000000",
        "province": "上海市",
        "city": "上海市",
        "detail": "浦东机场",
        "latitude": "31.150000",
        "longitude": "121.800000",
    }
    with pytest.raises(DomainError) as error:
        place({water: 10}, fulfilment="delivery", warehouse_id=None, store_id=None, address=far)
    assert error.value.code == "orders.no_store_in_range"
    assert not Order.objects.exists() and not Reservation.objects.exists()


def test_order_created_event_is_recorded_once_with_line_amounts(place, water, cola):
    member = Member.objects.create(merchant_id=water.merchant_id, phone="13800001234", source="mall")
    order = place({water: 2, cola: 1}, idempotency_key="evt", member=member)
    place({water: 2, cola: 1}, idempotency_key="evt")
    event = Event.objects.get(name="order.created")
    assert event.aggregate_id == str(order.pk) and event.aggregate_type == "orders.order"
    payload = event.payload
    assert payload["order_id"] == order.pk and payload["number"] == order.number
    assert payload["member_id"] == member.pk and payload["payable_fen"] == order.payable_fen
    assert sorted(
        (line["sku_id"], line["quantity"], line["final_amount_fen"]) for line in payload["lines"]
    ) == sorted([(water.pk, 2, 700), (cola.pk, 1, 450)])
    assert sum(line["final_amount_fen"] for line in payload["lines"]) == payload["goods_final_fen"]
