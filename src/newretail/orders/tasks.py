"""Periodic jobs of the order domain (run by the Huey consumer)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from newretail.core import clock
from newretail.orders.actions import expire_unpaid_orders


@db_periodic_task(crontab(minute="*"))
def expire_unpaid_orders_task() -> int:
    """Every minute: close orders left unpaid past their deadline and give their stock back."""
    return expire_unpaid_orders(clock.now())
