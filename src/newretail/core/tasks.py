from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from newretail.core import events
from newretail.core.jobs import run_job


@db_task(retries=0)
def run_job_task(job_id: int) -> None:
    run_job(job_id)


@db_task(retries=0)
def deliver_event_task(event_id: int) -> None:
    events.deliver_event(event_id)


@db_task(retries=0)
def deliver_delivery_task(delivery_id: int) -> None:
    events.deliver(delivery_id)


@db_periodic_task(crontab(minute="*"))
def deliver_due_events() -> None:
    events.deliver_due()
