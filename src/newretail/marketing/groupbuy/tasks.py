"""Group buy's periodic job (run by the Huey consumer)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from newretail.core import clock
from newretail.marketing.groupbuy.seats import fail_expired_groups


@db_periodic_task(crontab(minute="*"))
def fail_expired_groups_task() -> int:
    """Every minute: groups past their deadline fail and their members are refunded."""
    return fail_expired_groups(clock.now())
