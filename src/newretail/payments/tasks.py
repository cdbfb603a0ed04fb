"""Background work of payments (run by the Huey consumer; inline in tests)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from newretail.payments.actions import charges, refunds


@db_task()
def close_charge_task(tender_id: int) -> None:
    """Close an abandoned or cancelled charge at the provider."""
    charges.close_charge(tender_id)


@db_task()
def execute_refund_task(refund_id: int) -> None:
    """Send a refund's provider parts (after the refund's transaction committed)."""
    refunds.execute_refund(refund_id)


@db_periodic_task(crontab(minute="*"))
def reconcile_payments_task() -> tuple[int, int]:
    """Every minute: ask providers about charges and refunds left pending (lost notifications)."""
    return charges.reconcile_pending_charges(), refunds.reconcile_pending_refunds()
