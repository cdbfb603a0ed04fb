"""Background work of the payment sandbox (Huey; tests run it inline)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from newretail.payments.sandbox import notifications, trades


@db_task(retries=0)
def deliver_notification_task(notification_id: int) -> None:
    notifications.deliver(notification_id)


@db_task(retries=0)
def settle_refund_task(refund_id: int) -> None:
    trades.settle_refund(refund_id)


@db_periodic_task(crontab(minute="*"))
def sandbox_tick() -> None:
    """Every minute: finish WeChat refunds whose task was lost, retry due notifications."""
    trades.settle_due_refunds()
    notifications.deliver_due()
