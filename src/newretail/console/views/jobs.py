"""Background job pages: a list, a detail page whose progress bar polls with htmx, and the
result file download (served through the app: a job's creator, or staff who run the system)."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path

from newretail.console.decorators import console_view
from newretail.console.paging import paginate
from newretail.core.jobs import jobs_visible_to
from newretail.core.tenancy import get_owned


@console_view()
def job_list(request):
    jobs = jobs_visible_to(request.user).select_related("created_by")
    return render(request, "console/job_list.html", paginate(request, jobs))


@console_view()
def job_detail(request, pk: int):
    job = get_owned(jobs_visible_to(request.user), request.user.merchant_id, pk=pk)
    template = "console/job_progress.html" if request.htmx else "console/job_detail.html"
    return render(request, template, {"job": job})


@console_view()
def job_result_file(request, pk: int):
    job = get_owned(jobs_visible_to(request.user), request.user.merchant_id, pk=pk)
    if not job.result_file:
        raise Http404
    return FileResponse(
        job.result_file.open("rb"), as_attachment=True, filename=job.result_file.name.rsplit("/", 1)[-1]
    )


urlpatterns = [
    path("jobs/", job_list, name="job_list"),
    path("jobs/<int:pk>/", job_detail, name="job_detail"),
    path("jobs/<int:pk>/result/", job_result_file, name="job_result_file"),
]
