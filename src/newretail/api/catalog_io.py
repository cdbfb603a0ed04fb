"""Staff API for product import and export. Both run as background jobs: the POST answers 202
with the job, which the client polls at ``/catalog/jobs/{job_id}`` until it has succeeded or
failed, then downloads ``/catalog/jobs/{job_id}/file`` (the export, or the rows an import
refused). Needs ``catalog.import`` (imports also ``catalog.manage``; changing the price of an
existing SKU also ``catalog.price``). Only the merchant's catalog jobs are visible: other ids
answer 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import FileResponse
from django.urls import reverse
from ninja import Field, File, Path, Query, Router, Schema, Status, UploadedFile

from newretail.api.base import ERRORS, actor_of
from newretail.catalog.exports import start_export
from newretail.catalog.imports import start_import
from newretail.catalog.jobs import HANDLED_KINDS
from newretail.core.errors import not_found
from newretail.core.jobs import jobs_visible_to
from newretail.core.models import Job
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

router = Router(tags=["catalog import and export"])

MAX_ID = 2**63 - 1
JobId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
UploadFile = Annotated[UploadedFile, File(..., description="A .csv or .xlsx file, at most 20 MB.")]


class RowErrorOut(Schema):
    line: int = Field(..., description="Line in the file as the merchant sees it (header = line 1).")
    reason: str


class CatalogJobOut(Schema):
    id: int
    kind: str = Field(..., description="catalog.import_products or catalog.export_products")
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: int = Field(..., description="Rows done so far.")
    total: int = Field(..., description="Rows in all (0 until known).")
    percent: int
    summary: str = ""
    created: int | None = Field(None, description="Import: SKU rows created.")
    updated: int | None = Field(None, description="Import: SKU rows updated.")
    unchanged: int | None = Field(None, description="Import: SKU rows already as in the file.")
    rejected: int | None = Field(None, description="Import: rows not imported (see errors).")
    exported: int | None = Field(None, description="Export: SKU rows written.")
    errors: list[RowErrorOut] = Field(default_factory=list, description="First 200 rows not imported.")
    errors_truncated: int = Field(0, description="Further rows not imported (all are in the file).")
    error: str = Field("", description="Why the whole job failed.")
    file_url: str | None = Field(None, description="Download of the export or of the rows not imported.")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class ExportIn(Schema):
    format: Literal["xlsx", "csv"] = "xlsx"
    category_id: int | None = Field(None, ge=1, le=MAX_ID, description="Only this category and below.")
    status: Literal["on_sale", "off_sale"] | None = None


def _job_out(job: Job) -> CatalogJobOut:
    result = job.result or {}

    def number(key: str) -> int | None:
        value = result.get(key)
        return value if isinstance(value, int) else None

    return CatalogJobOut(
        id=job.pk,
        kind=job.kind,
        status=job.status,
        progress=job.progress,
        total=job.total,
        percent=job.percent,
        summary=str(result.get("summary", "")),
        created=number("created"),
        updated=number("updated"),
        unchanged=number("unchanged"),
        rejected=number("rejected"),
        exported=number("skus"),
        errors=[
            RowErrorOut(line=e.get("line", 0), reason=str(e.get("reason", "")))
            for e in result.get("errors", [])
            if isinstance(e, dict)
        ],
        errors_truncated=number("errors_truncated") or 0,
        error=job.error,
        file_url=reverse("api:catalog_job_file", kwargs={"job_id": job.pk}) if job.result_file else None,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _importer(request) -> User:
    return require_perm(actor_of(request), Perm.CATALOG_IMPORT)


def _owned_job(actor: User, job_id: int) -> Job:
    return get_owned(jobs_visible_to(actor).filter(kind__in=HANDLED_KINDS), actor.merchant_id, pk=job_id)


@router.post("/imports", response={202: CatalogJobOut, **ERRORS})
def create_import(request, file: UploadFile):
    """Upload a product file (one row per SKU, headers as in the template). The header row is
    checked now (400 if the file cannot be read or lacks a column); the rows by the job."""
    actor = _importer(request)
    job = start_import(actor=actor, upload=file)
    return Status(202, _job_out(job))


@router.post("/exports", response={202: CatalogJobOut, **ERRORS})
def create_export(request, payload: ExportIn):
    """Export the merchant's products in the import format (re-importing it changes nothing)."""
    actor = _importer(request)
    job = start_export(
        actor=actor, fmt=payload.format, category_id=payload.category_id, status=payload.status
    )
    return Status(202, _job_out(job))


@router.get("/jobs", response={200: list[CatalogJobOut], **ERRORS})
def list_jobs(request, limit: int = Query(20, ge=1, le=100)):
    """The merchant's most recent product imports and exports, newest first."""
    actor = _importer(request)
    jobs = jobs_visible_to(actor).filter(kind__in=HANDLED_KINDS).order_by("-id")
    return [_job_out(job) for job in jobs[:limit]]


@router.get("/jobs/{job_id}", response={200: CatalogJobOut, **ERRORS})
def get_job(request, job_id: JobId):
    """Status, progress and, when done, the result of an import or export."""
    return _job_out(_owned_job(_importer(request), job_id))


@router.get(
    "/jobs/{job_id}/file",
    response={200: None, **ERRORS},
    url_name="catalog_job_file",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The export (.xlsx or .csv), or a CSV of the rows an import refused.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def job_file(request, job_id: JobId):
    job = _owned_job(_importer(request), job_id)
    if not job.result_file:
        raise not_found()
    return FileResponse(
        job.result_file.open("rb"), as_attachment=True, filename=job.result_file.name.rsplit("/", 1)[-1]
    )
