from huey.contrib.djhuey import db_task

from newretail.core.jobs import run_job


@db_task(retries=0)
def run_job_task(job_id: int) -> None:
    run_job(job_id)
