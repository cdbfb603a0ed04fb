"""Periodic jobs of the order domain (run by the Huey consumer)."""

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from newretail.core import clock
from newretail.orders.actions.cart import delete_stale_anonymous_carts
from newretail.orders.actions.lifecycle import complete_due_orders, expire_unpaid_orders


@db_periodic_task(crontab(minute="*"))
def expire_unpaid_orders_task() -> int:
    """Every minute: close orders left unpaid past their deadline and give their stock back."""
    return expire_unpaid_orders(clock.now())


@db_periodic_task(crontab(minute="7"))
def complete_due_orders_task() -> int:
    """Hourly: complete shipped orders the shopper did not confirm within the merchant's days."""
    return complete_due_orders(clock.now())


@db_periodic_task(crontab(hour="4", minute="17"))
def delete_stale_carts_task() -> int:
    """Nightly: anonymous carts untouched for 30 days are forgotten."""
    return delete_stale_anonymous_carts(older_than=dt.timedelta(days=30))
