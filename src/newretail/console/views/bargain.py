"""Console pages for bargains (砍价): the filtered list, one form to create and edit a campaign,
pause and resume, delete (before any bargain started), and the live report (bargains started,
helps and helpers, reached the floor, ordered, bought, GMV, cost, conversion; the latest bargains
with their cuts). Views parse and call ``marketing.bargain``; the rules are there."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.forms.bargain import BargainFilterForm, BargainForm
from newretail.console.forms.marketing import StatusForm, sku_label, sku_options
from newretail.console.helpers import done, owned, raise_if_denied, refused
from newretail.console.paging import paginate
from newretail.console.views.marketing import TIMING_LABELS, _back, _status_message
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.core.privacy import mask_phone
from newretail.marketing import reports as marketing_reports
from newretail.marketing.bargain import queries, setup
from newretail.marketing.bargain.models import BargainCampaign
from newretail.tenancy.roles import Perm


def _with_timing(campaign: BargainCampaign, now: dt.datetime) -> BargainCampaign:
    campaign.timing = marketing_reports.timing_of(campaign.starts_at, campaign.ends_at, now)
    campaign.timing_label = TIMING_LABELS[campaign.timing]
    return campaign


@console_view(Perm.MARKETING_VIEW)
def bargain_list(request):
    actor = request.user
    form = BargainFilterForm(request.GET or None)
    now = clock.now()
    rows = queries.campaigns_for(
        actor.merchant_id, status=form.value("status"), timing=form.value("timing"), now=now
    )
    page = paginate(request, rows)
    page["page_obj"].object_list = [_with_timing(c, now) for c in page["page_obj"].object_list]
    context = {"form": form, "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE), **page}
    return render(request, "console/bargain/list.html", context)


def _sku_datalist(merchant_id: int) -> list[dict]:
    return [
        {"code": sku.code, "label": f"{sku_label(sku)} {format_fen(sku.price_fen)}"}
        for sku in sku_options(merchant_id)
    ]


def _form_page(request, campaign: BargainCampaign | None):
    actor = request.user
    if campaign is None:
        start = clock.now().replace(second=0, microsecond=0)
        initial = {"starts_at": start, "ends_at": start + dt.timedelta(days=7), "helpers_needed": 5}
    else:
        initial = BargainForm.initial_for(campaign)
    data = request.POST if request.method == "POST" else None
    form = BargainForm(data, merchant_id=actor.merchant_id, initial=initial)
    if data is not None and form.is_valid():
        try:
            if campaign is None:
                saved = setup.create_campaign(actor=actor, **form.action_data())
            else:
                saved = setup.update_campaign(actor=actor, campaign_id=campaign.pk, **form.action_data())
        except DomainError as error:
            raise_if_denied(error)
            form.add_action_error(error)
        else:
            text = _("Bargain %(name)s created.") if campaign is None else _("Bargain %(name)s saved.")
            return done(
                request, text % {"name": saved.name}, reverse("console:bargain_report", args=[saved.pk])
            )
    if campaign is not None:
        _with_timing(campaign, clock.now())
    context = {"form": form, "campaign": campaign, "sku_options": _sku_datalist(actor.merchant_id)}
    return render(request, "console/bargain/form.html", context)


@console_view(Perm.MARKETING_MANAGE)
def bargain_create(request):
    return _form_page(request, None)


@console_view(Perm.MARKETING_MANAGE)
def bargain_edit(request, pk: int):
    return _form_page(request, owned(BargainCampaign.objects.select_related("sku"), request.user, pk))


@console_view(Perm.MARKETING_MANAGE)
@require_POST
def bargain_status(request, pk: int):
    actor = request.user
    campaign = owned(BargainCampaign.objects.all(), actor, pk)  # first: another merchant's id is 404
    url = _back(request, reverse("console:bargain_list"))
    form = StatusForm(request.POST)
    if not form.is_valid():
        return redirect(url)
    try:
        campaign = setup.set_campaign_status(
            actor=actor, campaign_id=campaign.pk, status=form.cleaned_data["status"]
        )
    except DomainError as error:
        return refused(request, error, url)
    return done(request, _status_message(campaign.name, form.cleaned_data["status"]), url)


@console_view(Perm.MARKETING_MANAGE)
@require_POST
def bargain_delete(request, pk: int):
    actor = request.user
    campaign = owned(BargainCampaign.objects.all(), actor, pk)
    try:
        setup.delete_campaign(actor=actor, campaign_id=campaign.pk)
    except DomainError as error:
        return refused(request, error, reverse("console:bargain_report", args=[campaign.pk]))
    return done(
        request, _("Bargain %(name)s deleted.") % {"name": campaign.name}, reverse("console:bargain_list")
    )


@console_view(Perm.MARKETING_VIEW)
def bargain_report(request, pk: int):
    """The live report; with htmx it refreshes its figures every few seconds while the campaign runs."""
    actor = request.user
    now = clock.now()
    campaign = _with_timing(owned(BargainCampaign.objects.select_related("sku__product"), actor, pk), now)
    recent = []
    for bargain in queries.recent_bargains(campaign):
        recent.append(
            {
                "bargain": bargain,
                "member": mask_phone(bargain.member.phone),
                "state": queries.shown_status(bargain, now),
                "cuts": queries.cuts_of(bargain),
            }
        )
    context = {
        "campaign": campaign,
        "report": queries.campaign_report(campaign),
        "recent": recent,
        "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE),
        "as_of": now,
        "refresh": campaign.timing == "running" and campaign.status == BargainCampaign.Status.ACTIVE,
    }
    if request.htmx:
        return render(request, "console/bargain/_report_figures.html", context)
    return render(request, "console/bargain/report.html", context)


urlpatterns = [
    path("marketing/bargains/", bargain_list, name="bargain_list"),
    path("marketing/bargains/new/", bargain_create, name="bargain_create"),
    path("marketing/bargains/<int:pk>/", bargain_report, name="bargain_report"),
    path("marketing/bargains/<int:pk>/edit/", bargain_edit, name="bargain_edit"),
    path("marketing/bargains/<int:pk>/status/", bargain_status, name="bargain_status"),
    path("marketing/bargains/<int:pk>/delete/", bargain_delete, name="bargain_delete"),
]
