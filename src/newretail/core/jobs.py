"""Background jobs with progress: imports, exports, bulk issues.

A domain registers a handler for a job kind::

    @job_handler("catalog.import_products")
    def import_products(job: Job, progress: Progress) -> dict: ...

The handler reads ``job.params`` / ``job.input_file``, calls ``progress.set(done, total)`` as it
goes, may save ``job.result_file``, and returns a JSON-able summary stored in ``job.result``.
A raised exception marks the job failed with the message (domain errors keep their text).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.models import Job

logger = logging.getLogger(__name__)

JobHandler = Callable[[Job, "Progress"], dict[str, Any]]
HANDLERS: dict[str, JobHandler] = {}
LABELS: dict[str, Any] = {}  # kind -> human name shown on the job pages


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    """Jobs a staff member may see and download: their own, or all of the merchant's for those who
    run the system (``system.manage``). An export holds what its creator was allowed to see (e.g.
    unmasked phones), so it is not handed to colleagues with fewer rights."""
    jobs = Job.objects.for_merchant(user.merchant_id)
    if user.has_perm_code("system.manage"):
        return jobs
    return jobs.filter(created_by=user)


def job_handler(kind: str, *, label: Any = None) -> Callable[[JobHandler], JobHandler]:
    def register(handler: JobHandler) -> JobHandler:
        HANDLERS[kind] = handler
        LABELS[kind] = label or kind
        return handler

    return register


def kind_label(kind: str) -> str:
    return str(LABELS.get(kind, kind))


class Progress:
    """Writes progress at most every ``every`` items so a 10k-row import is not 10k UPDATEs."""

    def __init__(self, job: Job, every: int = 200) -> None:
        self.job = job
        self.every = every
        self._last = 0

    def set(self, done: int, total: int | None = None) -> None:
        if total is not None and total != self.job.total:
            self.job.total = total
            Job.objects.filter(pk=self.job.pk).update(total=total)
        if done - self._last >= self.every or done == self.job.total:
            self._last = done
            self.job.progress = done
            Job.objects.filter(pk=self.job.pk).update(progress=done)


def start_job(*, actor: Any, kind: str, params: dict[str, Any] | None = None, input_file: Any = None) -> Job:
    """Record a queued job and hand it to the worker once the transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"no job handler for {kind}")
    job = Job(merchant_id=actor.merchant_id, kind=kind, created_by=actor, params=params or {})
    if input_file is not None:
        job.input_file.save(getattr(input_file, "name", "upload"), input_file, save=False)
    job.save()
    from newretail.core.tasks import run_job_task

    transaction.on_commit(lambda: run_job_task(job.pk))
    return job


def run_job(job_id: int) -> Job:
    """Run a queued job once: a conditional UPDATE claims it, so a duplicate delivery is a no-op."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=clock.now()
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        result = HANDLERS[job.kind](job, Progress(job))
    except DomainError as error:
        job.status, job.error = Job.Status.FAILED, error.message
    except Exception as error:  # the job page must say it failed, whatever happened
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.status, job.error = Job.Status.FAILED, f"{type(error).__name__}: {error}"
    else:
        job.status, job.result = Job.Status.SUCCEEDED, result or {}
        job.progress = job.total or job.progress
    job.finished_at = clock.now()
    job.save(update_fields=["status", "error", "result", "progress", "finished_at", "result_file"])
    return job
