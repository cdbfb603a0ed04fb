"""Jobs of marketing run by the Huey consumer: the seckill's order writing, and periodic repairs."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from newretail.core import clock
from newretail.marketing.seckill.buying import drain_queue
from newretail.marketing.seckill.reconcile import reconcile_seckill

# Ahead of event delivery and reports: a shopper is waiting on the page for this order.
SECKILL_PRIORITY = 100


@db_task(priority=SECKILL_PRIORITY)
def drain_seckill_queue_task(item_id: int) -> int:
    """The purchases waiting on an item (the Redis path's queued requests, the database path's
    reserved rows): place their orders until none is left. Returns how many it handled."""
    return drain_queue(item_id)


@db_periodic_task(crontab(minute="*"))
def reconcile_seckill_task() -> int:
    """Every minute: finish or give back seckill purchases stranded between steps (a lost task, a
    process that died), and bring Redis back in line with the database. Returns how many repairs."""
    result = reconcile_seckill(clock.now())
    return result.released + result.placed + result.sold_fixed + result.redis_changes
