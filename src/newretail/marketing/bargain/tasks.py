"""Periodic jobs of bargains (run by the Huey consumer)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from newretail.marketing.bargain.buying import expire_bargains


@db_periodic_task(crontab(minute="*/5"))
def expire_bargains_task() -> int:
    """Every five minutes: bargains past their time show as expired. Returns how many."""
    return expire_bargains()
