import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from newretail.core import clock, events
from newretail.core.events import (
    LEASE,
    MAX_ATTEMPTS,
    deliver,
    deliver_due,
    record_event,
    subscribe,
    unsubscribe,
)
from newretail.core.models import AuditEntry, Event, EventDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers():
    """Two subscribers of test.thing_happened: one writes an audit row (a visible effect), one
    fails while ``failing['on']`` is set."""
    failing = {"on": False, "calls": 0}

    @subscribe("test.thing_happened", handler="test.write_row")
    def write_row(event):
        AuditEntry.objects.create(
            merchant_id=event.merchant_id, action="test.handled", object_type="event", object_id=str(event.pk)
        )

    @subscribe("test.thing_happened", handler="test.flaky")
    def flaky(event):
        failing["calls"] += 1
        if failing["on"]:
            raise RuntimeError("downstream is down")

    yield failing
    unsubscribe("test.thing_happened", "test.write_row")
    unsubscribe("test.thing_happened", "test.flaky")


def handled(event) -> int:
    return AuditEntry.objects.filter(action="test.handled", object_id=str(event.pk)).count()


def test_event_is_delivered_to_each_handler_once_after_commit(
    merchant, handlers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = record_event(merchant_id=merchant.pk, name="test.thing_happened", payload={"n": 1})
    assert handled(event) == 1
    assert set(EventDelivery.objects.filter(event=event).values_list("handler", "status")) == {
        ("test.write_row", "succeeded"),
        ("test.flaky", "succeeded"),
    }
    assert deliver_due() == 0  # nothing left to do
    assert handled(event) == 1


def test_event_without_subscribers_has_no_deliveries(merchant):
    event = record_event(merchant_id=merchant.pk, name="test.nobody_listens", payload={})
    assert not event.deliveries.exists()


def test_failed_handler_retries_with_backoff_then_gives_up(
    merchant, handlers, django_capture_on_commit_callbacks
):
    handlers["on"] = True
    with django_capture_on_commit_callbacks(execute=True):
        event = record_event(merchant_id=merchant.pk, name="test.thing_happened", payload={})
    flaky = EventDelivery.objects.get(event=event, handler="test.flaky")
    assert (flaky.status, flaky.attempts) == ("pending", 1)
    assert "downstream is down" in flaky.last_error
    assert deliver_due() == 0  # not due yet: 30 s backoff
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(MAX_ATTEMPTS - 1):
            traveller.shift(dt.timedelta(hours=1, seconds=1))
            deliver_due()
    flaky.refresh_from_db()
    assert (flaky.status, flaky.attempts) == ("failed", MAX_ATTEMPTS)
    assert handled(event) == 1  # the other handler was never repeated


def test_retry_button_requeues_a_failed_delivery(client, owner, handlers, django_capture_on_commit_callbacks):
    handlers["on"] = True
    with django_capture_on_commit_callbacks(execute=True):
        event = record_event(merchant_id=owner.merchant_id, name="test.thing_happened", payload={})
    EventDelivery.objects.filter(event=event, handler="test.flaky").update(
        status="failed", attempts=MAX_ATTEMPTS
    )
    client.force_login(owner)
    page = client.get(reverse("console:event_delivery_list"))
    assert "test.flaky" in page.content.decode()
    handlers["on"] = False
    delivery = EventDelivery.objects.get(event=event, handler="test.flaky")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("console:event_delivery_retry", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"


def test_worker_dying_mid_delivery_is_delivered_later_exactly_once(merchant, handlers):
    """A worker claims the delivery (lease), runs the handler and dies before committing: its
    writes roll back with it. While the lease holds nobody else runs it; after, the sweeper does."""
    event = record_event(merchant_id=merchant.pk, name="test.thing_happened", payload={})
    delivery = EventDelivery.objects.get(event=event, handler="test.write_row")
    assert events._claim(delivery.pk, clock.now())  # the dying worker's claim; it never finishes
    assert deliver(delivery.pk) == "skipped"
    assert deliver_due() == 1  # only test.flaky was free to run
    assert handled(event) == 0
    with time_machine.travel(clock.now() + LEASE + dt.timedelta(seconds=1), tick=False):
        assert deliver_due() == 1
        assert deliver_due() == 0
    assert handled(event) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_the_same_event_run_the_handler_once(merchant, handlers):
    event = Event.objects.create(merchant_id=merchant.pk, name="test.thing_happened", payload={})
    delivery = EventDelivery.objects.create(
        merchant_id=merchant.pk, event=event, handler="test.write_row", next_attempt_at=clock.now()
    )
    barrier = threading.Barrier(8)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(deliver(delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("succeeded") == 1 and results.count("skipped") == 7
    assert handled(event) == 1
