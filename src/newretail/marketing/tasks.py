"""Periodic jobs of marketing (run by the Huey consumer)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from newretail.core import clock
from newretail.marketing.seckill.reconcile import reconcile_seckill


@db_periodic_task(crontab(minute="*"))
def reconcile_seckill_task() -> int:
    """Every minute: give back seckill stock stranded by a process that died mid-purchase, and
    bring Redis back in line with the database's purchases. Returns how many repairs."""
    result = reconcile_seckill(clock.now())
    return result.released + result.sold_fixed + result.redis_changes
