"""The outbox and its dispatcher (ARCHITECTURE.md rule 6).

Writers call ``record_event`` inside their transaction; the event and one delivery row per
subscribed handler commit with the write or not at all. After commit the worker is asked to
deliver. A handler subscribes by name::

    @subscribe("order.paid", handler="members.earn_points")
    def earn_points(event: Event) -> None: ...

Delivery guarantees:
- once per (event, handler): the handler runs inside the same transaction that marks the
  delivery succeeded, and a delivery is claimed with a conditional UPDATE and a lease, so two
  workers never run it together and a worker killed mid-delivery leaves it pending (its writes
  rolled back) for the sweeper to deliver again once the lease expires;
- retries with exponential backoff (30 s, 1 min, 2 min … capped at 1 h); after MAX_ATTEMPTS the
  delivery is marked failed and shown on the console's failed-deliveries page with a retry button.
The order core imports none of its subscribers: they register themselves at import time.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from newretail.core import clock
from newretail.core.models import Event, EventDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=5)
BASE_BACKOFF = dt.timedelta(seconds=30)
MAX_BACKOFF = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Subscription:
    event_name: str
    handler: str
    function: Callable[[Event], None]


SUBSCRIPTIONS: dict[str, dict[str, Subscription]] = {}


def subscribe(
    event_name: str, *, handler: str
) -> Callable[[Callable[[Event], None]], Callable[[Event], None]]:
    def register(function: Callable[[Event], None]) -> Callable[[Event], None]:
        SUBSCRIPTIONS.setdefault(event_name, {})[handler] = Subscription(event_name, handler, function)
        return function

    return register


def unsubscribe(event_name: str, handler: str) -> None:
    SUBSCRIPTIONS.get(event_name, {}).pop(handler, None)


def _handler(name: str) -> Subscription | None:
    for subscriptions in SUBSCRIPTIONS.values():
        if name in subscriptions:
            return subscriptions[name]
    return None


def record_event(*, merchant_id: int, name: str, payload: dict[str, Any], aggregate: Any = None) -> Event:
    """Write ``name`` to the outbox with a delivery per subscriber, in the caller's transaction."""
    event, deliveries = new_event(merchant_id=merchant_id, name=name, payload=payload, aggregate=aggregate)
    event.save(force_insert=True)
    EventDelivery.objects.bulk_create(deliveries)  # their event_id is taken from the saved event
    deliver_after_commit(event, deliveries)
    return event


def new_event(
    *, merchant_id: int, name: str, payload: dict[str, Any], aggregate: Any = None
) -> tuple[Event, list[EventDelivery]]:
    """The outbox rows of ``record_event``, not written: for a caller that writes them in its own
    statement (``orders.actions.new_order``) and then calls ``deliver_after_commit``."""
    event = Event(
        merchant_id=merchant_id,
        name=name,
        payload=payload,
        aggregate_type=aggregate._meta.label_lower if aggregate is not None else "",
        aggregate_id=str(aggregate.pk) if aggregate is not None else "",
    )
    now = clock.now()
    deliveries = [
        EventDelivery(merchant_id=merchant_id, event=event, handler=handler, next_attempt_at=now)
        for handler in sorted(SUBSCRIPTIONS.get(name, {}))
    ]
    return event, deliveries


def deliver_after_commit(event: Event, deliveries: list[EventDelivery]) -> None:
    """Ask the worker to deliver ``event`` once the caller's transaction commits."""
    if deliveries:
        from newretail.core.tasks import deliver_event_task

        transaction.on_commit(lambda: deliver_event_task(event.pk))


def backoff(attempts: int) -> dt.timedelta:
    return min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempts - 1)))


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    due = Q(pk=delivery_id, status=EventDelivery.Status.PENDING, next_attempt_at__lte=now) & (
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )
    return EventDelivery.objects.filter(due).update(locked_until=now + LEASE) == 1


def deliver(delivery_id: int) -> str:
    """Deliver one pending, due delivery. Returns its status afterwards ("skipped" if it was not
    due, already done or claimed by another worker)."""
    now = clock.now()
    if not _claim(delivery_id, now):
        return "skipped"
    delivery = EventDelivery.objects.select_related("event").get(pk=delivery_id)
    subscription = _handler(delivery.handler)
    try:
        if subscription is None:
            raise LookupError(f"no handler named {delivery.handler}")
        with transaction.atomic():
            subscription.function(delivery.event)
            done = EventDelivery.objects.filter(pk=delivery_id, status=EventDelivery.Status.PENDING).update(
                status=EventDelivery.Status.SUCCEEDED,
                attempts=delivery.attempts + 1,
                delivered_at=clock.now(),
                locked_until=None,
                last_error="",
            )
            if not done:  # retried by hand while we ran: let that run win, undo ours
                raise transaction.TransactionManagementError("delivery changed while running")
        return EventDelivery.Status.SUCCEEDED
    except Exception as error:
        attempts = delivery.attempts + 1
        failed = attempts >= MAX_ATTEMPTS
        logger.warning("event delivery %s (%s) failed: %s", delivery_id, delivery.handler, error)
        EventDelivery.objects.filter(pk=delivery_id).update(
            status=EventDelivery.Status.FAILED if failed else EventDelivery.Status.PENDING,
            attempts=attempts,
            next_attempt_at=clock.now() + backoff(attempts),
            locked_until=None,
            last_error="".join(traceback.format_exception_only(type(error), error))[-2000:],
        )
        return EventDelivery.Status.FAILED if failed else EventDelivery.Status.PENDING


def deliver_event(event_id: int) -> dict[str, str]:
    """Deliver every due delivery of one event (what the on-commit task does)."""
    ids = EventDelivery.objects.filter(event_id=event_id, status=EventDelivery.Status.PENDING).values_list(
        "pk", flat=True
    )
    return {str(pk): deliver(pk) for pk in ids}


def deliver_due(limit: int = 500) -> int:
    """Sweep: deliver pending deliveries whose time has come (retries, and those a dead worker
    left behind once their lease expired). Run every minute by the worker."""
    now = clock.now()
    ids = list(
        EventDelivery.objects.filter(status=EventDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if deliver(pk) == EventDelivery.Status.SUCCEEDED)


def retry_delivery(*, actor: Any, delivery_id: int) -> EventDelivery:
    """Console retry button: put a failed delivery back in the queue, due now."""
    from newretail.core.tenancy import get_owned

    delivery = get_owned(EventDelivery, actor.merchant_id, pk=delivery_id)
    EventDelivery.objects.filter(pk=delivery.pk, status=EventDelivery.Status.FAILED).update(
        status=EventDelivery.Status.PENDING, next_attempt_at=clock.now(), locked_until=None
    )
    from newretail.core.tasks import deliver_delivery_task

    transaction.on_commit(lambda: deliver_delivery_task(delivery.pk))
    delivery.refresh_from_db()
    return delivery
