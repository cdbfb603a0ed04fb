"""Payments under real concurrency on PostgreSQL (threads with their own connections, lined up
by a Barrier): one notification delivered twenty times at once pays the order once; two
refunds of a line's last unit at once refund it once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from newretail.core import testing
from newretail.core.errors import DomainError
from newretail.core.models import Event
from newretail.members.testing import make_member
from newretail.orders.actions.aftersales import refund_at_counter
from newretail.orders.actions.checkout import create_order
from newretail.orders.models import AfterSale, Order, OrderLine
from newretail.payments.accounts import set_up_sandbox_account
from newretail.payments.actions import refunds
from newretail.payments.actions.charges import pay_order
from newretail.payments.models import PaymentIntent, PaymentNotification, Refund, Tender
from newretail.payments.sandbox import wechat_protocol
from newretail.payments.sandbox.models import SandboxNotification
from tests.inventory.conftest import make_sku, receive
from tests.inventory.test_concurrency import run_threads
from tests.orders.conftest import confirm_on_cashier
from tests.payments import sandbox_helpers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch):
    sandbox_helpers.use_key_pool(monkeypatch)
    merchant, owner = testing.make_merchant()
    store = testing.make_store(owner)
    sku = make_sku(merchant.pk, price_fen=1000)
    receive(store.warehouses.get(), sku, 10)
    return merchant, owner, store, sku


def test_one_notification_posted_twenty_times_at_once_pays_the_order_once(shop, monkeypatch):
    merchant, _owner, store, sku = shop
    account = set_up_sandbox_account(merchant_id=merchant.pk, provider="wechat")
    member = make_member(merchant)
    order = create_order(
        merchant=merchant,
        channel="mall",
        fulfilment="pickup",
        store_id=store.pk,
        member=member,
        lines=[{"sku_id": sku.pk, "quantity": 2}],
    )
    tender = pay_order(order_id=order.pk, kind="wechat_native", member=member)
    # The shopper pays; WeChat's own delivery is held back so that the test sends it.
    with monkeypatch.context() as patch:
        patch.setattr("newretail.payments.sandbox.tasks.deliver_notification_task", lambda pk: None)
        confirm_on_cashier(tender.action["code_url"])
    sent = SandboxNotification.objects.get(event="TRANSACTION.SUCCESS")
    headers = {"Content-Type": "application/json", **wechat_protocol.signed_headers(sent.merchant, sent.body)}
    path = f"/payments/notify/wechat/{account.pk}/"
    assert sent.url.endswith(path)

    def deliver(_i: int) -> int:
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        return Client().post(path, data=sent.body, content_type="application/json", headers=extra).status_code

    answers, errors = run_threads(20, deliver)

    assert not errors and answers == [200] * 20  # every copy is acknowledged
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and len(order.pickup_code) == 6
    outcomes = list(PaymentNotification.objects.values_list("outcome", flat=True))
    assert sorted(outcomes) == ["accepted"] + ["duplicate"] * 19
    assert Event.objects.filter(name="order.paid", aggregate_id=str(order.pk)).count() == 1
    assert order.events.filter(kind="paid").count() == 1
    intent = PaymentIntent.objects.get(order=order)
    assert (intent.status, intent.paid_fen) == ("succeeded", 2000)
    assert Tender.objects.get(pk=tender.pk).status == "succeeded" and not Refund.objects.exists()


@pytest.fixture
def paid_pair(shop):
    """A completed till order paid in cash: 2 units of a line, one already refunded, and another
    line (so the order stays open when the first line is refunded in full)."""
    merchant, owner, store, sku = shop
    other = make_sku(merchant.pk, price_fen=500)
    receive(store.warehouses.get(), other, 1)
    order = create_order(
        merchant=merchant,
        channel="pos",
        fulfilment="in_store",
        store_id=store.pk,
        lines=[{"sku_id": sku.pk, "quantity": 2}, {"sku_id": other.pk, "quantity": 1}],
    )
    pay_order(order_id=order.pk, kind="cash", actor=owner)
    line = OrderLine.objects.get(order=order, sku=sku)
    refund_at_counter(
        actor=owner,
        order_id=order.pk,
        kind="refund_only",
        reason="quality",
        lines=[{"order_line_id": line.pk, "quantity": 1}],
    )
    return owner, Order.objects.get(pk=order.pk), line


def _last_unit_checks(line: OrderLine, winners: int) -> None:
    line.refresh_from_db()
    assert winners == 1
    assert (line.refunded_quantity, line.refunded_fen) == (2, line.final_amount_fen) == (2, 2000)
    assert Refund.objects.count() == 2 and Refund.objects.filter(status="succeeded").count() == 2
    assert sum(Refund.objects.values_list("amount_fen", flat=True)) == 2000
    assert Tender.objects.get().refunded_fen == 2000
    assert Order.objects.get(pk=line.order_id).status == Order.Status.COMPLETED


def test_two_counter_refunds_of_the_last_unit_at_once_refund_it_once(paid_pair):
    owner, order, line = paid_pair

    def refund(i: int) -> AfterSale:
        return refund_at_counter(
            actor=owner,
            order_id=order.pk,
            kind="refund_only",
            reason="quality",
            lines=[{"order_line_id": line.pk, "quantity": 1}],
            idempotency_key=f"last-unit-{i}",
        )

    done, errors = run_threads(2, refund)

    assert len(errors) == 1 and errors[0].code in ("orders.after_sale_quantity", "payments.refund_too_large")
    _last_unit_checks(line, len(done))
    assert AfterSale.objects.filter(status="refunded").count() == 2


def test_two_refunds_of_the_last_unit_at_the_payments_layer_refund_it_once(paid_pair):
    owner, order, line = paid_pair
    barrier = threading.Barrier(2)
    results: list[object] = []

    def refund() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(
                refunds.create_refund(
                    order=order,
                    kind=Refund.Kind.AFTER_SALE,
                    lines=[(line.pk, 1)],
                    include_shipping=False,
                    reason="并发",
                    actor=owner,
                )
            )
        except DomainError as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(results) == 2 and len(refused) == 1 and refused[0].code == "payments.refund_too_large"
    _last_unit_checks(line, 1)
