"""Console page for the source report (来源报表): visits, sign-ups, orders and paid amount by
channel and by source tag over a range of days, crediting first or last touch, with a CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newretail.analytics.queries import MAX_RANGE_DAYS, source_report
from newretail.console.decorators import console_view
from newretail.core import clock
from newretail.core.money import format_fen
from newretail.tenancy.roles import Perm

DEFAULT_DAYS = 30


class SourceFilterForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    touch = forms.ChoiceField(
        label=gettext_lazy("Credit sign-ups and orders to"),
        required=False,
        choices=[("first", gettext_lazy("First touch")), ("last", gettext_lazy("Last touch"))],
    )

    def window(self, today: dt.date) -> tuple[dt.date, dt.date, str]:
        """The chosen range (the last 30 days by default; a reversed or too long range is
        put right and said so on the form)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            start, end = end, start
        if (end - start).days >= MAX_RANGE_DAYS:
            start = end - dt.timedelta(days=MAX_RANGE_DAYS - 1)
        return start, end, data.get("touch") or "first"


@console_view(Perm.MARKETING_VIEW)
def source_report_page(request):
    merchant = request.user.merchant
    form = SourceFilterForm(request.GET or None)
    start, end, touch = form.window(clock.local_today(merchant.timezone))
    report = source_report(merchant, start=start, end=end, touch=touch)
    if request.GET.get("format") == "csv":
        return _csv(report)
    context = {"form": form, "report": report, "start": start, "end": end, "touch": touch}
    return render(request, "console/sources/report.html", context)


def _csv(report) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = [_("Visits"), _("Sign-ups"), _("Orders"), _("Paid orders"), _("Paid amount")]
    touch = _("First touch") if report.touch == "first" else _("Last touch")
    writer.writerow([_("Source report"), f"{report.start:%Y-%m-%d}", f"{report.end:%Y-%m-%d}", touch])
    writer.writerow([_("By channel"), _("Channel"), "", *header])
    for row in report.by_channel:
        writer.writerow(["", row.label, "", *_figures(row)])
    writer.writerow([_("By source tag"), _("Tag"), _("Code"), *header])
    for row in report.by_tag:
        writer.writerow([row.channel_label, row.label, row.tag_code, *_figures(row)])
    # The BOM makes Excel read the file as UTF-8 (Chinese names).
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="sources-{report.start:%Y%m%d}-{report.end:%Y%m%d}-{report.touch}.csv"'
    )
    return response


def _figures(row) -> list:
    return [row.visits, row.signups, row.orders, row.paid_orders, format_fen(row.paid_fen, symbol="")]


urlpatterns = [path("marketing/sources/", source_report_page, name="source_report")]
