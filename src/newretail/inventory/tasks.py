"""Periodic jobs of the inventory domain (run by the Huey consumer)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from newretail.core import clock
from newretail.inventory.actions.reservations import expire_reservations


@db_periodic_task(crontab(minute="*"))
def expire_reservations_task() -> int:
    """Every minute: give back the stock of holds whose time ran out."""
    return expire_reservations(now=clock.now())
