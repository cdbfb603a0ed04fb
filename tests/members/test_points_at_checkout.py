"""Paying with points at checkout (积分抵现): the shop's rule caps what points pay, the order spends
them from the member's account in its own transaction (never more than they hold), and they come
back when the order is cancelled, closed unpaid or refunded. Two orders racing for the same
points on PostgreSQL: one gets them."""

from __future__ import annotations

import pytest

from newretail.core import testing
from newretail.core.errors import DomainError
from newretail.core.ledgers import find_differences
from newretail.members.actions.points import earn_points, return_spent_points
from newretail.members.models import PointsEntry, PointsSettings
from newretail.members.queries import points_balance
from newretail.members.testing import make_member
from newretail.orders.actions import lifecycle
from newretail.orders.actions.checkout import create_order, quote_order
from newretail.orders.models import Order
from tests.inventory.conftest import make_sku, receive
from tests.inventory.test_concurrency import run_threads


def _pickup(merchant, store, sku, *, member, points: int, quantity: int = 2, key: str | None = None) -> Order:
    return create_order(
        merchant=merchant,
        channel="mall",
        fulfilment="pickup",
        store_id=store.pk,
        lines=[{"sku_id": sku.pk, "quantity": quantity}],
        member=member,
        points_to_use=points,
        idempotency_key=key,
    )


@pytest.fixture
def member_with_points(merchant):
    member = make_member(merchant)
    earn_points(member=member, points=1000, reference="test:gift")
    return member


@pytest.mark.django_db
def test_points_pay_up_to_the_shops_share_and_the_order_spends_them(
    merchant, store, water, member_with_points
):
    # ¥7.00 of water; default rule: 100 points = ¥1, at most 50% of the goods -> ¥3.50 for 350 points.
    quote = quote_order(
        merchant=merchant,
        channel="mall",
        fulfilment="pickup",
        store_id=store.pk,
        lines=[(water.pk, 2)],
        member=member_with_points,
        points_to_use=1000,
    )
    assert (quote.priced.points_used, quote.priced.points_fen, quote.priced.payable_fen) == (350, 350, 350)
    order = _pickup(merchant, store, water, member=member_with_points, points=350)
    assert order.payable_fen == 350
    assert sum(line.final_amount_fen for line in order.lines.all()) == 350  # points are on the lines
    assert points_balance(member_with_points) == 650
    spent = PointsEntry.objects.get(member=member_with_points, kind=PointsEntry.Kind.SPEND)
    assert spent.points == -350 and spent.order_id == order.pk
    assert not find_differences(["points"])


@pytest.mark.django_db
def test_asking_for_more_points_than_held_is_refused_and_writes_nothing(
    merchant, store, water, member_with_points
):
    with pytest.raises(DomainError) as caught:
        _pickup(merchant, store, water, member=member_with_points, points=1001)
    assert caught.value.code == "members.points_not_enough"
    assert not Order.objects.exists() and points_balance(member_with_points) == 1000


@pytest.mark.django_db
def test_a_shop_that_turned_points_off_refuses_them(merchant, store, water, member_with_points):
    PointsSettings.objects.create(merchant=merchant, redeem_per_yuan=0)
    with pytest.raises(DomainError) as caught:
        _pickup(merchant, store, water, member=member_with_points, points=100)
    assert caught.value.code == "marketing.points_not_accepted"
    assert points_balance(member_with_points) == 1000


@pytest.mark.django_db
def test_cancelling_gives_the_points_back_once(merchant, store, water, member_with_points, committed):
    order = _pickup(merchant, store, water, member=member_with_points, points=300)
    assert points_balance(member_with_points) == 700
    with committed():
        lifecycle.cancel_order(order_id=order.pk, merchant=merchant.pk, member=member_with_points, reason="")
    assert points_balance(member_with_points) == 1000
    # A replayed delivery of the same event returns nothing more.
    assert (
        return_spent_points(
            member=member_with_points, order_id=order.pk, reference=f"order:{order.pk}:return"
        )
        == 0
    )
    assert points_balance(member_with_points) == 1000
    assert not find_differences(["points"])


@pytest.mark.django_db
def test_a_refund_gives_back_the_refunded_share_of_the_points(merchant, store, water, member_with_points):
    order = _pickup(merchant, store, water, member=member_with_points, points=350, quantity=2)
    # Half the goods refunded, then the rest: half the points, then all of them.
    assert (
        return_spent_points(
            member=member_with_points, order_id=order.pk, reference="refund:1:return", share=(175, 350)
        )
        == 175
    )
    assert points_balance(member_with_points) == 650 + 175
    assert (
        return_spent_points(
            member=member_with_points, order_id=order.pk, reference="refund:2:return", share=(350, 350)
        )
        == 175
    )
    assert points_balance(member_with_points) == 1000
    assert not find_differences(["points"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_orders_racing_for_the_same_points_spend_them_once():
    merchant, owner = testing.make_merchant()
    store = testing.make_store(owner)
    sku = make_sku(merchant.pk, price_fen=1000)
    receive(store.warehouses.get(), sku, 50)
    member = make_member(merchant)
    earn_points(member=member, points=500, reference="test:gift")  # enough for one order's 500

    def place(index: int):
        return _pickup(merchant, store, sku, member=member, points=500, quantity=1, key=f"race-{index}")

    placed, errors = run_threads(4, place)
    assert len(placed) == 1, (placed, errors)
    assert all(e.code == "members.points_not_enough" for e in errors) and len(errors) == 3
    assert points_balance(member) == 0
    assert Order.objects.filter(merchant=merchant).count() == 1
    assert not find_differences(["points"])
