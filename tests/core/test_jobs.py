import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from newretail.core.errors import CoreError, DomainError
from newretail.core.jobs import HANDLERS, job_handler, run_job, start_job
from newretail.core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting_job():
    @job_handler("test.count")
    def count(job, progress):
        total = job.params["n"]
        for i in range(1, total + 1):
            progress.set(i, total)
        if job.params.get("fail"):
            raise DomainError(CoreError.INVALID_INPUT, detail="bad file")
        job.result_file.save("result.txt", ContentFile(b"done"), save=False)
        return {"summary": f"counted {total}"}

    yield
    HANDLERS.pop("test.count")


def test_job_runs_on_commit_and_records_progress_and_result(
    owner, counting_job, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(actor=owner, kind="test.count", params={"n": 450})
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress, job.total, job.percent) == (450, 450, 100)
    assert job.result == {"summary": "counted 450"}
    assert job.result_file.read() == b"done"


def test_failed_job_keeps_the_domain_message(owner, counting_job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(actor=owner, kind="test.count", params={"n": 3, "fail": True})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "bad file" in job.error


def test_a_job_runs_once_even_if_delivered_twice(owner, counting_job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(actor=owner, kind="test.count", params={"n": 2})
    finished_at = Job.objects.get(pk=job.pk).finished_at
    run_job(job.pk)
    assert Job.objects.get(pk=job.pk).finished_at == finished_at


def test_job_pages_are_scoped_to_the_merchant(
    client, owner, other_owner, counting_job, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(actor=owner, kind="test.count", params={"n": 2})
    client.force_login(owner)
    page = client.get(reverse("console:job_detail", args=[job.pk]))
    assert page.status_code == 200 and "counted 2" in page.content.decode()
    assert client.get(reverse("console:job_result_file", args=[job.pk])).status_code == 200
    client.force_login(other_owner)
    assert client.get(reverse("console:job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("console:job_result_file", args=[job.pk])).status_code == 404


def test_a_result_file_is_only_for_its_creator_or_system_staff(client, owner, store):
    """An export holds what its creator may see (e.g. unmasked phones): a colleague with fewer
    rights neither lists it nor downloads it; staff who run the system see every job."""
    from newretail.core.testing import make_staff
    from newretail.tenancy.roles import Role

    clerk = make_staff(owner, Role.WAREHOUSE_CLERK)
    manager = make_staff(owner, Role.STORE_MANAGER, stores=[store])
    export = Job.objects.create(
        merchant_id=owner.merchant_id,
        kind="test",
        status=Job.Status.SUCCEEDED,
        created_by=manager,
        result_file=ContentFile(b"phone\n13812345678\n", name="orders.csv"),
    )
    url = reverse("console:job_result_file", args=[export.pk])
    client.force_login(clerk)
    assert client.get(url).status_code == 404
    assert export.pk not in [job.pk for job in client.get(reverse("console:job_list")).context["page_obj"]]
    client.force_login(manager)
    assert client.get(url).status_code == 200
    client.force_login(owner)
    assert client.get(url).status_code == 200
