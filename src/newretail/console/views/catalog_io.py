"""Console page for product import and export: upload a file (the import runs as a background
job; the page redirects to the job's progress page), start an export, download the template,
and see recent imports and exports."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.catalog import exports, imports
from newretail.catalog.io_format import BLANK_CELL_HELP, column_notes
from newretail.catalog.jobs import HANDLED_KINDS
from newretail.console.decorators import console_view
from newretail.console.forms.catalog_io import ExportForm, ImportForm
from newretail.core.errors import DomainError
from newretail.core.jobs import jobs_visible_to
from newretail.tenancy.roles import Perm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request, *, import_form=None, export_form=None, status=200):
    jobs = list(
        jobs_visible_to(request.user)
        .filter(kind__in=HANDLED_KINDS)
        .select_related("created_by")
        .order_by("-id")[:10]
    )
    columns = [
        {"header": header, "help": meaning, "required": required}
        for header, meaning, required in column_notes()
    ]
    context = {
        "import_form": import_form or ImportForm(),
        "export_form": export_form or ExportForm(merchant_id=request.user.merchant_id),
        "columns": columns,
        "blank_cell_help": BLANK_CELL_HELP,
        "jobs": jobs,
    }
    return render(request, "console/catalog_io/import.html", context, status=status)


@console_view(Perm.CATALOG_IMPORT)
def product_import(request):
    if request.method != "POST":
        return _page(request)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            job = imports.start_import(actor=request.user, upload=form.cleaned_data["file"])
        except DomainError as error:
            if error.status in (403, 404):
                raise
            form.add_error("file", error.message)
        else:
            messages.success(request, _("Import started. This page shows its progress."))
            return redirect("console:job_detail", job.pk)
    return _page(request, import_form=form, status=400)


@require_POST
@console_view(Perm.CATALOG_IMPORT)
def product_export(request):
    form = ExportForm(request.POST, merchant_id=request.user.merchant_id)
    if form.is_valid():
        job = exports.start_export(
            actor=request.user,
            fmt=form.cleaned_data["format"],
            category_id=form.cleaned_data["category"],
            status=form.cleaned_data["status"] or None,
        )
        messages.success(request, _("Export started. Download the file here when it is ready."))
        return redirect("console:job_detail", job.pk)
    return _page(request, export_form=form, status=400)


@console_view(Perm.CATALOG_IMPORT)
def product_import_template(request):
    response = HttpResponse(exports.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "商品导入模板.xlsx")
    return response


urlpatterns = [
    path("products/import/", product_import, name="product_import"),
    path("products/import/template/", product_import_template, name="product_import_template"),
    path("products/export/", product_export, name="product_export"),
]
