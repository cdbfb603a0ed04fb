"""Refunds (payments.actions.refunds): cumulative rounding per line, the split over tenders by
largest remainder, the caps that make over-refunding impossible, idempotency, and provider
refunds that are lost, refused or retried."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from newretail.core import clock, testing
from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry, Event
from newretail.core.money import allocate
from newretail.members.testing import make_member
from newretail.orders.actions.checkout import create_order
from newretail.orders.models import Order, OrderLine
from newretail.payments.accounts import set_up_sandbox_account
from newretail.payments.actions import refunds
from newretail.payments.actions.charges import pay_order
from newretail.payments.models import Refund, Tender, TenderRefund
from newretail.payments.sandbox import transport
from newretail.payments.sandbox.models import SandboxRefund
from newretail.payments.tasks import reconcile_payments_task
from newretail.tenancy.roles import Role
from tests.inventory.conftest import make_sku, receive
from tests.orders.conftest import MICROPAY_OK
from tests.payments import sandbox_helpers

pytestmark = pytest.mark.django_db

RF = Refund.Kind


# --- cumulative rounding (pure) --------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    final=st.integers(min_value=0, max_value=10**9),
    quantity=st.integers(min_value=1, max_value=60),
    data=st.data(),
)
def test_refunding_a_line_in_any_steps_adds_up_to_its_final_amount(final, quantity, data):
    line = OrderLine(quantity=quantity, final_amount_fen=final, product_name="水")
    total = 0
    while line.refunded_quantity < quantity:
        step = data.draw(st.integers(min_value=1, max_value=quantity - line.refunded_quantity))
        amount = refunds.line_refund_amount(line, step)
        done = line.refunded_quantity
        expected = final * (done + step) // quantity - final * done // quantity
        assert amount == expected >= 0
        line.refunded_quantity += step
        line.refunded_fen += amount
        total += amount
    assert total == final
    with pytest.raises(DomainError):
        refunds.line_refund_amount(line, 1)


def test_three_for_ten_yuan_refunds_333_333_334():
    line = OrderLine(quantity=3, final_amount_fen=1000, product_name="水")
    amounts = []
    for _ in range(3):
        amounts.append(refunds.line_refund_amount(line, 1))
        line.refunded_quantity += 1
        line.refunded_fen += amounts[-1]
    assert amounts == [333, 333, 334]
    assert refunds.line_refund_amount(OrderLine(quantity=3, final_amount_fen=1000), 2) == 666


# --- the split over tenders ------------------------------------------------------------------


@pytest.fixture
def till_order(merchant, store, owner):
    """order(parts) -> an in-store order for sum(parts) fen paid in cash parts, completed."""

    def _order(parts: list[int], quantity: int = 10) -> Order:
        total = sum(parts)
        assert total % quantity == 0
        sku = make_sku(merchant.pk, price_fen=total // quantity)
        receive(store.warehouses.get(), sku, quantity)
        order = create_order(
            merchant=merchant,
            channel="pos",
            fulfilment="in_store",
            store_id=store.pk,
            lines=[{"sku_id": sku.pk, "quantity": quantity}],
        )
        for part in parts:
            pay_order(order_id=order.pk, kind="cash", actor=owner, amount_fen=part)
        order.refresh_from_db()
        assert order.status == Order.Status.COMPLETED
        return order

    return _order


def refund_units(order: Order, quantity: int, owner, **extra) -> Refund:
    line = order.lines.get()
    return refunds.create_refund(
        order=order,
        kind=RF.AFTER_SALE,
        lines=[(line.pk, quantity)],
        include_shipping=False,
        reason="test",
        actor=owner,
        **extra,
    )


def parts_of(refund: Refund) -> list[int]:
    return list(refund.tender_refunds.order_by("tender_id").values_list("amount_fen", flat=True))


def test_a_refund_is_split_over_the_tenders_by_what_each_can_still_refund(till_order, owner):
    order = till_order([101, 203, 696])
    tenders = list(Tender.objects.filter(intent__order=order).order_by("pk"))
    first = refund_units(order, 3, owner)  # 300 of 1000
    assert parts_of(first) == allocate(300, [101, 203, 696]) == [30, 61, 209]
    second = refund_units(order, 3, owner)
    assert parts_of(second) == allocate(300, [71, 142, 487]) == [30, 61, 209]
    last = refund_units(order, 4, owner)
    assert sum(parts_of(first) + parts_of(second) + parts_of(last)) == 1000
    for tender in tenders:
        tender.refresh_from_db()
        assert tender.refunded_fen == tender.amount_fen
    assert all(refund.status == "succeeded" for refund in (first, second, last))
    assert [e.payload["tenders"] for e in Event.objects.filter(name="order.refunded").order_by("pk")][0] == [
        {"kind": "cash", "amount_fen": 30},
        {"kind": "cash", "amount_fen": 61},
        {"kind": "cash", "amount_fen": 209},
    ]


def test_nothing_is_written_when_a_refund_is_too_large(till_order, owner, merchant, store):
    order = till_order([1000], quantity=2)
    refund_units(order, 1, owner, idempotency_key="rf-1")
    before = (Refund.objects.count(), TenderRefund.objects.count(), AuditEntry.objects.count())
    for quantity in (2, 0, -1):
        with pytest.raises(DomainError) as error:
            refund_units(order, quantity, owner)
        assert error.value.code == "payments.refund_too_large"
    assert error.value.message == f"{order.lines.get().product_name}最多还可退1件。"
    line = order.lines.get()
    assert (line.refunded_quantity, line.refunded_fen) == (1, 500)
    assert Tender.objects.get(intent__order=order).refunded_fen == 500
    assert (Refund.objects.count(), TenderRefund.objects.count(), AuditEntry.objects.count()) == before
    # a replayed key returns the first refund, whatever the body says
    assert refund_units(order, 1, owner, idempotency_key="rf-1").amount_fen == 500
    assert Refund.objects.count() == 1
    # unpaid orders have nothing to refund
    receive(store.warehouses.get(), line.sku, 1)
    unpaid = create_order(
        merchant=merchant,
        channel="pos",
        fulfilment="in_store",
        store_id=store.pk,
        lines=[{"sku_id": line.sku_id, "quantity": 1}],
    )
    with pytest.raises(DomainError) as error:
        refund_units(Order.objects.get(pk=unpaid.pk), 1, owner)
    assert error.value.code == "orders.illegal_transition"


def test_each_refund_is_audited(till_order, owner):
    order = till_order([600])
    refund = refund_units(order, 5, owner)
    entry = AuditEntry.objects.get(action="payments.refund_created")
    assert (entry.actor, entry.object_id, entry.after["amount_fen"]) == (owner, str(refund.pk), 300)


# --- provider refunds ------------------------------------------------------------------------


@pytest.fixture
def wechat_paid(merchant, store, owner, monkeypatch):
    """An in-store order for ¥20.00 paid with a WeChat payment code."""
    sandbox_helpers.use_key_pool(monkeypatch)
    set_up_sandbox_account(merchant_id=merchant.pk, provider="wechat")
    sku = make_sku(merchant.pk, price_fen=1000)
    receive(store.warehouses.get(), sku, 2)
    order = create_order(
        merchant=merchant,
        channel="pos",
        fulfilment="in_store",
        store_id=store.pk,
        member=make_member(merchant),
        lines=[{"sku_id": sku.pk, "quantity": 2}],
    )
    tender = pay_order(order_id=order.pk, kind="wechat_micropay", actor=owner, auth_code=MICROPAY_OK)
    assert tender.status == "succeeded"
    order.refresh_from_db()
    return order


@pytest.mark.integration
def test_a_wechat_refund_is_pending_until_the_provider_says_it_succeeded(
    wechat_paid, owner, django_capture_on_commit_callbacks
):
    refund = refund_units(wechat_paid, 1, owner)
    part = refund.tender_refunds.get()
    assert (refund.status, part.status) == ("pending", "pending")
    assert not Event.objects.filter(name="order.refunded").exists()  # recorded when it succeeded
    with django_capture_on_commit_callbacks(execute=True):
        refunds.execute_refund(refund.pk)
    refund.refresh_from_db()
    part.refresh_from_db()
    assert (refund.status, part.status, part.attempts) == (
        "succeeded",
        "succeeded",
        1,
    ) and part.provider_refund_no
    assert Event.objects.filter(name="order.refunded").count() == 1
    refunds.execute_refund(refund.pk)  # nothing left to send
    assert SandboxRefund.objects.count() == 1


@pytest.mark.integration
def test_a_refund_whose_notification_was_lost_is_settled_by_the_reconciler(
    wechat_paid, owner, django_capture_on_commit_callbacks, monkeypatch
):
    refund = refund_units(wechat_paid, 2, owner)
    # WeChat settles the refund, but its notification never reaches us
    monkeypatch.setattr("newretail.payments.sandbox.tasks.deliver_notification_task", lambda pk: None)
    with django_capture_on_commit_callbacks(execute=True):
        refunds.execute_refund(refund.pk)
    assert SandboxRefund.objects.get().status == "succeeded"
    refund.refresh_from_db()
    assert refund.status == "pending"
    assert reconcile_payments_task.call_local() == (0, 0)  # under a minute old
    with time_machine.travel(clock.now() + dt.timedelta(minutes=2), tick=False):
        assert reconcile_payments_task.call_local() == (0, 1)
        assert reconcile_payments_task.call_local() == (0, 0)
    refund.refresh_from_db()
    assert refund.status == "succeeded" and Event.objects.filter(name="order.refunded").count() == 1
    wechat_paid.refresh_from_db()
    assert wechat_paid.status == Order.Status.CLOSED


@pytest.mark.integration
def test_a_refund_sent_while_the_provider_was_unreachable_is_sent_again_once(
    wechat_paid, owner, django_capture_on_commit_callbacks, monkeypatch
):
    refund = refund_units(wechat_paid, 1, owner)

    def unreachable(self, method, url, **kwargs):
        raise requests.ConnectionError("Connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(transport.SandboxRequests, "request", unreachable)
        refunds.execute_refund(refund.pk)
    part = refund.tender_refunds.get()
    assert (part.status, part.attempts) == ("pending", 1) and "could not be reached" in part.failure_reason
    assert not SandboxRefund.objects.exists()
    with time_machine.travel(clock.now() + dt.timedelta(minutes=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            refunds.reconcile_pending_refunds()
    part.refresh_from_db()
    refund.refresh_from_db()
    assert (refund.status, part.status, part.attempts) == ("succeeded", "succeeded", 2)
    (sent,) = SandboxRefund.objects.all()
    assert (sent.out_refund_no, sent.amount_fen) == (part.out_refund_no, 1000)


@pytest.mark.integration
def test_a_refund_that_keeps_failing_is_given_up_after_eight_attempts(wechat_paid, owner, monkeypatch):
    refund = refund_units(wechat_paid, 1, owner)

    def unreachable(self, method, url, **kwargs):
        raise requests.ConnectionError("Connection refused")

    monkeypatch.setattr(transport.SandboxRequests, "request", unreachable)
    refunds.execute_refund(refund.pk)
    start = clock.now()
    for minute in range(1, refunds.MAX_PROVIDER_ATTEMPTS + 2):
        with time_machine.travel(start + dt.timedelta(minutes=2 * minute), tick=False):
            refunds.reconcile_pending_refunds()
    part = refund.tender_refunds.get()
    refund.refresh_from_db()
    assert (part.status, part.attempts, refund.status) == ("failed", refunds.MAX_PROVIDER_ATTEMPTS, "failed")


@pytest.mark.integration
def test_retrying_needs_the_refund_permission_and_a_failed_refund(wechat_paid, owner, store):
    refund = refund_units(wechat_paid, 1, owner)
    cashier = testing.make_staff(owner, Role.CASHIER, stores=[store])
    with pytest.raises(DomainError) as denied:
        refunds.retry_refund(actor=cashier, refund_id=refund.pk)
    assert denied.value.code == "permission_denied"
    with pytest.raises(DomainError) as not_failed:
        refunds.retry_refund(actor=owner, refund_id=refund.pk)
    assert not_failed.value.code == "payments.refund_not_failed"
    other = testing.make_merchant()[1]
    with pytest.raises(DomainError) as hidden:
        refunds.retry_refund(actor=other, refund_id=refund.pk)
    assert hidden.value.code == "not_found"


@pytest.mark.integration
def test_a_surplus_refund_is_made_once_per_tender(wechat_paid):
    tender = Tender.objects.get(intent__order=wechat_paid)
    first = refunds.refund_surplus_tender(tender=tender, order=wechat_paid)
    again = refunds.refund_surplus_tender(tender=tender, order=wechat_paid)
    assert again.pk == first.pk and first.kind == RF.SURPLUS_PAYMENT and first.amount_fen == 2000
    assert Refund.objects.count() == 1
    wechat_paid.refresh_from_db()
    assert wechat_paid.refunded_fen == 0  # the order's own amounts are untouched
