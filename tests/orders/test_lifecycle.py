"""An order's life after payment: fulfilment steps and their refusals, pickup codes and their
verification, completion (by the shopper, the courier, the counter, the clock), free orders,
and delivery of ``order.paid`` to a subscriber when the worker dies or the subscriber fails."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings

from newretail.core import clock, events, testing
from newretail.core.errors import DomainError
from newretail.core.events import LEASE, deliver, deliver_due, subscribe, unsubscribe
from newretail.core.models import AuditEntry, Event, EventDelivery
from newretail.members.testing import make_member
from newretail.orders.actions import lifecycle
from newretail.orders.actions.settings import update_order_settings
from newretail.orders.models import Order
from newretail.payments.actions.charges import pay_order
from newretail.tenancy.roles import Role
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = pytest.mark.django_db

S = Order.Status


def refused(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    return error.value


def paid(order: Order, actor) -> Order:
    pay_order(order_id=order.pk, kind="cash", actor=actor)
    order.refresh_from_db()
    return order


@pytest.fixture
def pickup(place, owner, water):
    """pickup(qty=1, **overrides) -> a paid pickup order."""

    def _pickup(quantity: int = 1, **overrides) -> Order:
        overrides.setdefault("fulfilment", "pickup")
        overrides.setdefault("address", None)
        return paid(place({water: quantity}, **overrides), owner)

    return _pickup


# --- fulfilment steps ------------------------------------------------------------------------


def test_each_step_applies_to_its_own_fulfilment_only(place, owner, water):
    express = paid(place({water: 1}), owner)
    for step in (lifecycle.mark_ready_for_pickup, lifecycle.send_out_for_delivery, lifecycle.mark_delivered):
        assert refused(step, actor=owner, order_id=express.pk).code == "orders.wrong_fulfilment"
    for carrier, number in (("", "SF1"), ("顺丰", " "), ("顺丰", "X" * 51)):
        error = refused(
            lifecycle.ship_order, actor=owner, order_id=express.pk, carrier=carrier, tracking_number=number
        )
        assert error.code == "orders.tracking_required"
    express.refresh_from_db()
    assert express.status == S.PAID and list(express.events.values_list("kind", flat=True)) == [
        "created",
        "paid",
    ]

    unpaid = place({water: 1})
    error = refused(
        lifecycle.ship_order, actor=owner, order_id=unpaid.pk, carrier="顺丰", tracking_number="SF1"
    )
    assert error.code == "orders.illegal_transition"
    assert (
        refused(lifecycle.start_fulfilment, actor=owner, order_id=unpaid.pk).code
        == "orders.illegal_transition"
    )


def test_fulfilment_needs_the_permission_and_the_store(place, owner, store, water):
    order = paid(place({water: 1}), owner)
    clerk_elsewhere = testing.make_staff(owner, Role.STORE_MANAGER, stores=[testing.make_store(owner)])
    error = refused(
        lifecycle.ship_order, actor=clerk_elsewhere, order_id=order.pk, carrier="顺丰", tracking_number="SF1"
    )
    assert error.code == "not_found"  # another store's order does not leak
    guide = testing.make_staff(owner, Role.GUIDE, stores=[store])
    assert refused(lifecycle.start_fulfilment, actor=guide, order_id=order.pk).code in (
        "permission_denied",
        "not_found",
    )
    other = testing.make_merchant()[1]
    assert refused(lifecycle.start_fulfilment, actor=other, order_id=order.pk).code == "not_found"
    order.refresh_from_db()
    assert order.status == S.PAID


def test_shipping_twice_is_refused_and_the_tracking_number_stays(place, owner, water):
    order = paid(place({water: 1}), owner)
    lifecycle.ship_order(actor=owner, order_id=order.pk, carrier="顺丰", tracking_number="SF1")
    error = refused(
        lifecycle.ship_order, actor=owner, order_id=order.pk, carrier="圆通", tracking_number="YT2"
    )
    assert error.code == "orders.illegal_transition"
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (S.SHIPPED, "顺丰", "SF1")
    assert Event.objects.filter(name="order.fulfilled", aggregate_id=str(order.pk)).count() == 1


def test_only_the_shopper_confirms_receipt_of_a_shipped_order(place, owner, water, merchant):
    member = make_member(merchant)
    order = paid(place({water: 1}, member=member), owner)
    assert (
        refused(lifecycle.confirm_receipt, member=member, order_id=order.pk).code
        == "orders.illegal_transition"
    )
    lifecycle.ship_order(actor=owner, order_id=order.pk, carrier="顺丰", tracking_number="SF1")
    stranger = make_member(merchant)
    assert refused(lifecycle.confirm_receipt, member=stranger, order_id=order.pk).code == "not_found"
    assert lifecycle.confirm_receipt(member=member, order_id=order.pk).status == S.COMPLETED
    assert (
        refused(lifecycle.confirm_receipt, member=member, order_id=order.pk).code
        == "orders.illegal_transition"
    )


def test_auto_completion_takes_only_due_shipped_orders(place, owner, water):
    update_order_settings(actor=owner, auto_complete_days=2)
    shipped = paid(place({water: 1}), owner)
    lifecycle.ship_order(actor=owner, order_id=shipped.pk, carrier="顺丰", tracking_number="SF1")
    waiting = paid(place({water: 1}), owner)  # paid, never shipped
    unpaid = place({water: 1})
    start = clock.now()
    with time_machine.travel(start + dt.timedelta(days=2, seconds=1), tick=False):
        assert lifecycle.complete_due_orders() == 1
        assert lifecycle.complete_due_orders() == 0
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert (statuses[shipped.pk], statuses[waiting.pk], statuses[unpaid.pk]) == (
        S.COMPLETED,
        S.PAID,
        S.PENDING_PAYMENT,
    )


# --- pickup codes ----------------------------------------------------------------------------


def test_a_pickup_code_is_given_at_payment_and_unique_among_open_pickups(pickup, monkeypatch):
    first = pickup()
    assert len(first.pickup_code) == 6 and first.pickup_code.isdigit()
    free = (int(first.pickup_code) + 1) % 10**6
    draws = iter([int(first.pickup_code), int(first.pickup_code), free])
    monkeypatch.setattr(lifecycle.secrets, "randbelow", lambda _n: next(draws))
    second = pickup()
    assert second.pickup_code == f"{free:06d}"  # the taken code was drawn twice and skipped


def test_verify_pickup_hands_over_a_paid_order_in_one_step(pickup, owner, store, warehouse, water):
    order = pickup(3)
    cashier = testing.make_staff(owner, Role.CASHIER, stores=[store])
    done = lifecycle.verify_pickup(actor=cashier, code=f" {order.pickup_code[:3]} {order.pickup_code[3:]} ")
    assert done.pk == order.pk and done.status == S.COMPLETED
    assert list(done.events.values_list("kind", flat=True)) == [
        "created",
        "paid",
        "fulfilling",
        "ready_for_pickup",
        "completed",
    ]
    assert done.events.get(kind="completed").note == f"凭提货码{order.pickup_code}自提"
    assert Event.objects.filter(name="order.fulfilled", aggregate_id=str(order.pk)).count() == 1
    assert level_of(warehouse, water).on_hand == 97
    again = refused(lifecycle.verify_pickup, actor=cashier, code=order.pickup_code)
    assert again.code == "orders.pickup_code_invalid" and again.status == 404


def test_verify_pickup_refuses_bad_codes_and_other_stores(pickup, owner):
    order = pickup()
    assert refused(lifecycle.verify_pickup, actor=owner, code="12ab").code == "orders.pickup_code_format"
    assert refused(lifecycle.verify_pickup, actor=owner, code="1234567").code == "orders.pickup_code_format"
    elsewhere = testing.make_staff(owner, Role.CASHIER, stores=[testing.make_store(owner)])
    error = refused(lifecycle.verify_pickup, actor=elsewhere, code=order.pickup_code)
    assert error.code == "orders.pickup_code_invalid"
    assert error.message == f"没有提货码为{order.pickup_code}的待自提订单。"
    order.refresh_from_db()
    assert order.status == S.PAID


@pytest.fixture(params=["locmem", "database"])
def cache_backend(request):
    """Rate limits on the test cache and on Django's database cache (the embedded profile)."""
    if request.param == "locmem":
        yield
        return
    database = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "lifecycle_cache"}
    }
    with override_settings(CACHES=database):
        call_command("createcachetable", verbosity=0)
        caches["default"].clear()
        yield


@pytest.mark.integration
def test_guessing_pickup_codes_is_rate_limited_on_every_cache(pickup, owner, store, cache_backend):
    order = pickup()
    cashier = testing.make_staff(owner, Role.CASHIER, stores=[store])
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    for _ in range(lifecycle.PICKUP_VERIFY_LIMIT):
        assert (
            refused(lifecycle.verify_pickup, actor=cashier, code=wrong).code == "orders.pickup_code_invalid"
        )
    # the wrong tries count although each one failed (and rolled its transaction back)
    assert refused(lifecycle.verify_pickup, actor=cashier, code=order.pickup_code).code == "rate_limited"
    order.refresh_from_db()
    assert order.status == S.PAID
    assert lifecycle.verify_pickup(actor=owner, code=order.pickup_code).status == S.COMPLETED  # per person


# --- free orders -----------------------------------------------------------------------------


def test_an_order_that_costs_nothing_is_paid_at_once(place, merchant, warehouse):
    sample = make_sku(merchant.pk, name="试用装", price_fen=0)
    receive(warehouse, sample, 5)
    order = place({sample: 2}, fulfilment="pickup", address=None)
    assert (order.status, order.payable_fen) == (S.PAID, 0)
    assert len(order.pickup_code) == 6
    assert level_of(warehouse, sample).on_hand == 3
    (event,) = Event.objects.filter(name="order.paid", aggregate_id=str(order.pk))
    assert event.payload["tenders"] == []


# --- order.paid reaches its subscribers exactly once -----------------------------------------


class WorkerKilled(BaseException):
    """Stands for the worker process dying in the middle of a handler (not an Exception: the
    dispatcher cannot catch it, exactly like SIGKILL)."""


@pytest.fixture
def loyalty():
    """A subscriber of order.paid that writes a row per order (a visible effect); it can be told
    to fail or to die half-way."""
    mode = {"now": "ok"}

    @subscribe("order.paid", handler="test.loyalty.award")
    def award(event):
        AuditEntry.objects.create(
            merchant_id=event.merchant_id,
            action="test.loyalty_awarded",
            object_type="order",
            object_id=str(event.payload["order_id"]),
            after={"fen": event.payload["payable_fen"]},
        )
        if mode["now"] == "fail":
            raise RuntimeError("loyalty service is down")
        if mode["now"] == "die":
            raise WorkerKilled

    yield mode
    unsubscribe("order.paid", "test.loyalty.award")


def awarded(order: Order) -> int:
    return AuditEntry.objects.filter(action="test.loyalty_awarded", object_id=str(order.pk)).count()


@pytest.mark.integration
def test_order_paid_is_delivered_once_after_commit(
    place, owner, water, loyalty, django_capture_on_commit_callbacks
):
    order = place({water: 2})
    with django_capture_on_commit_callbacks(execute=True):
        paid(order, owner)
    assert awarded(order) == 1
    delivery = EventDelivery.objects.get(handler="test.loyalty.award")
    assert (delivery.status, delivery.attempts, delivery.event.name) == ("succeeded", 1, "order.paid")
    assert deliver_due() == 0 and deliver(delivery.pk) == "skipped"
    assert awarded(order) == 1


@pytest.mark.integration
def test_a_worker_killed_mid_delivery_of_order_paid_delivers_it_later_exactly_once(
    place, owner, water, loyalty, django_capture_on_commit_callbacks
):
    order = place({water: 1})
    loyalty["now"] = "die"
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        paid(order, owner)  # the on-commit delivery starts, and the worker dies inside the handler
    order.refresh_from_db()
    assert order.status == S.PAID  # the payment itself committed before delivery started
    delivery = EventDelivery.objects.get(handler="test.loyalty.award")
    assert delivery.status == "pending" and delivery.locked_until is not None
    assert awarded(order) == 0  # the handler's writes died with it
    loyalty["now"] = "ok"
    assert deliver(delivery.pk) == "skipped"  # the dead worker's lease holds
    deliver_due()  # other handlers of order.paid (marketing's) are not held up
    delivery.refresh_from_db()
    assert delivery.status == "pending" and awarded(order) == 0
    with time_machine.travel(clock.now() + LEASE + dt.timedelta(seconds=1), tick=False):
        assert deliver_due() == 1
        assert deliver_due() == 0
    assert awarded(order) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)


@pytest.mark.integration
def test_a_worker_that_claimed_order_paid_and_vanished_is_replaced_by_the_sweeper(
    place, owner, water, loyalty
):
    order = paid(place({water: 1}), owner)  # committed; the on-commit task never ran
    delivery = EventDelivery.objects.get(handler="test.loyalty.award")
    assert events._claim(delivery.pk, clock.now())  # claimed by a worker that is then killed
    deliver_due()  # the other handlers of order.paid (marketing's) go ahead
    assert awarded(order) == 0
    with time_machine.travel(clock.now() + LEASE + dt.timedelta(seconds=1), tick=False):
        assert deliver_due() == 1
    assert awarded(order) == 1


@pytest.mark.integration
def test_a_failing_subscriber_of_order_paid_is_retried_until_it_succeeds_once(
    place, owner, water, loyalty, django_capture_on_commit_callbacks
):
    order = place({water: 1})
    loyalty["now"] = "fail"
    with django_capture_on_commit_callbacks(execute=True):
        paid(order, owner)
    delivery = EventDelivery.objects.get(handler="test.loyalty.award")
    assert (delivery.status, delivery.attempts) == (
        "pending",
        1,
    ) and "loyalty service is down" in delivery.last_error
    assert awarded(order) == 0  # rolled back with the failed attempt
    start = clock.now()
    with time_machine.travel(start + dt.timedelta(seconds=31), tick=False):
        assert deliver_due() == 0  # still failing
    loyalty["now"] = "ok"
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        assert deliver_due() == 1
        assert deliver_due() == 0
    assert awarded(order) == 1
    assert Event.objects.filter(name="order.paid", aggregate_id=str(order.pk)).count() == 1
