"""Periodic work of the members domain."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from newretail.members.actions.points import expire_points


@db_periodic_task(crontab(hour="3", minute="41"))
def expire_points_task() -> int:
    """Points batches past the end of their year expire overnight."""
    return expire_points()
