"""Import and export through the API: upload -> 202 job -> poll -> result and file; bad files
refused with 4xx; permissions; another merchant's (or a non-catalog) job is 404."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from newretail.catalog.models import Product
from newretail.core.models import Job
from newretail.core.testing import bearer, make_staff
from newretail.tenancy.roles import Role

from .conftest import GOOD_ROWS, HEADER, csv_bytes, xlsx_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

API = "/api/v1/catalog"
BAD_ROW = ["", "价格错", "饮料", "", "", "", "", "BAD-1", "", "", "abc", "", "", "", "", "", ""]


def upload(client, headers, data: bytes, name: str = "products.csv"):
    return client.post(f"{API}/imports", {"file": SimpleUploadedFile(name, data)}, **headers)


def test_upload_runs_the_import_job_and_reports_rows(
    client, owner, owner_headers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, owner_headers, csv_bytes([*GOOD_ROWS, BAD_ROW]))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "catalog.import_products" and body["status"] == "queued"
    job = client.get(f"{API}/jobs/{body['id']}", **owner_headers).json()
    assert job["status"] == "succeeded"
    assert (job["created"], job["updated"], job["unchanged"], job["rejected"]) == (3, 0, 0, 1)
    assert (job["progress"], job["total"], job["percent"]) == (4, 4, 100)
    assert [e["line"] for e in job["errors"]] == [5]
    assert "abc" in job["errors"][0]["reason"]
    report = client.get(job["file_url"], **owner_headers)
    assert report.status_code == 200
    assert b"".join(report.streaming_content).decode("utf-8-sig").splitlines()[1].startswith("5,")
    assert Product.objects.filter(merchant_id=owner.merchant_id).count() == 2


def test_xlsx_upload_and_rerun_is_unchanged(client, owner_headers, django_capture_on_commit_callbacks):
    data = xlsx_bytes(GOOD_ROWS)
    for expected in ((3, 0), (0, 3)):
        with django_capture_on_commit_callbacks(execute=True):
            job_id = upload(client, owner_headers, data, "商品.xlsx").json()["id"]
        job = client.get(f"{API}/jobs/{job_id}", **owner_headers).json()
        assert (job["created"], job["unchanged"]) == expected
        assert job["file_url"] is None  # nothing refused, no report
    listed = client.get(f"{API}/jobs", **owner_headers).json()
    assert [j["kind"] for j in listed] == ["catalog.import_products"] * 2


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"hello", "products.txt", "catalog_io.file_type"),
        (b"", "products.csv", "catalog_io.no_header"),
        ("商品名称,条码\n可乐,1\n".encode(), "products.csv", "catalog_io.columns_missing"),
        (b"PK\x03\x04 broken", "products.xlsx", "catalog_io.file_unreadable"),
    ],
)
def test_bad_files_are_refused_before_a_job_exists(client, owner_headers, data, name, code):
    response = upload(client, owner_headers, data, name)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Job.objects.exists()


def test_a_file_over_the_limit_is_refused(client, owner_headers, monkeypatch):
    monkeypatch.setattr("newretail.catalog.imports.MAX_UPLOAD_BYTES", 100)
    response = upload(client, owner_headers, csv_bytes(GOOD_ROWS))
    assert response.status_code == 400 and response.json()["code"] == "catalog_io.file_too_large"


def test_an_upload_without_a_file_is_a_validation_error(client, owner_headers):
    response = client.post(f"{API}/imports", {}, **owner_headers)
    assert response.status_code == 422


def test_export_job_and_download(client, owner_headers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, owner_headers, csv_bytes(GOOD_ROWS))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{API}/exports", {"format": "xlsx"}, content_type="application/json", **owner_headers
        )
    assert response.status_code == 202, response.content
    job = client.get(f"{API}/jobs/{response.json()['id']}", **owner_headers).json()
    assert (job["status"], job["exported"]) == ("succeeded", 3)
    download = client.get(f"{API}/jobs/{job['id']}/file", **owner_headers)
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).worksheets[0]
    assert list(next(sheet.iter_rows(values_only=True)))[: len(HEADER)][:3] == [
        "商品编号",
        "商品名称",
        "分类",
    ]


@pytest.mark.parametrize(
    "body",
    [{"format": "pdf"}, {"category_id": 0}, {"status": "gone"}, {"category_id": "x"}],
)
def test_export_input_is_validated(client, owner_headers, body):
    response = client.post(f"{API}/exports", body, content_type="application/json", **owner_headers)
    assert response.status_code == 422


def test_export_of_another_merchants_category_is_404(client, owner_headers, other_owner):
    from newretail.catalog.actions.categories import create_category

    theirs = create_category(actor=other_owner, name="别人的")
    response = client.post(
        f"{API}/exports", {"category_id": theirs.pk}, content_type="application/json", **owner_headers
    )
    assert response.status_code == 404


def test_cashiers_may_not_import_or_export(client, owner, store):
    headers = bearer(make_staff(owner, Role.CASHIER, stores=[store]))
    assert upload(client, headers, csv_bytes(GOOD_ROWS)).status_code == 403
    assert client.post(f"{API}/exports", {}, content_type="application/json", **headers).status_code == 403
    assert client.get(f"{API}/jobs", **headers).status_code == 403


def test_other_merchants_jobs_and_other_kinds_are_404(client, owner, owner_headers, other_owner):
    def job(actor, kind):
        return Job.objects.create(
            merchant_id=actor.merchant_id,
            kind=kind,
            status=Job.Status.SUCCEEDED,
            result_file=ContentFile(b"x", name="r.csv"),
        )

    mine = job(owner, "catalog.export_products")
    theirs = job(other_owner, "catalog.export_products")
    other_kind = job(owner, "members.export")  # e.g. personal data: not served by the catalog routes
    assert client.get(f"{API}/jobs/{mine.pk}", **owner_headers).status_code == 200
    assert client.get(f"{API}/jobs/{mine.pk}/file", **owner_headers).status_code == 200
    for other in (theirs, other_kind):
        for path in (f"{API}/jobs/{other.pk}", f"{API}/jobs/{other.pk}/file"):
            response = client.get(path, **owner_headers)
            assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert [j["id"] for j in client.get(f"{API}/jobs", **owner_headers).json()] == [mine.pk]


def test_a_job_without_a_file_has_no_download(client, owner, owner_headers):
    job = Job.objects.create(merchant_id=owner.merchant_id, kind="catalog.import_products")
    assert client.get(f"{API}/jobs/{job.pk}/file", **owner_headers).status_code == 404
