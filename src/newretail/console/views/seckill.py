"""Console pages for seckill (秒杀): the filtered list, one form to create and edit a campaign
(settings and product rows), pause and resume, and the live report (sold and left, orders placed
and paid, GMV, participants, conversion, and the cost: list price minus seckill price, times the
pieces paid). Views parse and call ``marketing.seckill``; the rules are there."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.forms.marketing import StatusForm, sku_label, sku_options
from newretail.console.forms.seckill import SeckillFilterForm, SeckillForm
from newretail.console.helpers import done, owned, raise_if_denied, refused
from newretail.console.paging import paginate
from newretail.console.views.marketing import TIMING_LABELS, _back, _status_message
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.marketing import reports as marketing_reports
from newretail.marketing.models import SeckillCampaign
from newretail.marketing.seckill import campaigns as seckill_actions
from newretail.marketing.seckill.queries import campaigns_for
from newretail.marketing.seckill.reports import campaign_report
from newretail.tenancy.roles import Perm


def _with_timing(campaign: SeckillCampaign, now: dt.datetime) -> SeckillCampaign:
    campaign.timing = marketing_reports.timing_of(campaign.starts_at, campaign.ends_at, now)
    campaign.timing_label = TIMING_LABELS[campaign.timing]
    return campaign


@console_view(Perm.MARKETING_VIEW)
def seckill_list(request):
    actor = request.user
    form = SeckillFilterForm(request.GET or None)
    now = clock.now()
    rows = campaigns_for(actor.merchant_id, status=form.value("status"), timing=form.value("timing"), now=now)
    page = paginate(request, rows)
    page["page_obj"].object_list = campaigns = [_with_timing(c, now) for c in page["page_obj"].object_list]
    for campaign in campaigns:
        items = list(campaign.items.all())
        campaign.stock_total = sum(i.stock for i in items)
        campaign.sold_total = sum(i.sold for i in items)
        campaign.item_names = [i.sku.display_name for i in items[:3]]
        campaign.more_items = max(0, len(items) - 3)
    context = {"form": form, "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE), **page}
    return render(request, "console/seckill/list.html", context)


def _sku_datalist(merchant_id: int) -> list[dict]:
    return [
        {"code": sku.code, "label": f"{sku_label(sku)} {format_fen(sku.price_fen)}"}
        for sku in sku_options(merchant_id)
    ]


def _form_page(request, campaign: SeckillCampaign | None):
    actor = request.user
    if campaign is None:
        start = (clock.now() + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        initial = {
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=2),
            "per_member_limit": 1,
            "unpaid_minutes": 5,
        }
    else:
        initial = SeckillForm.initial_for(campaign)
    data = request.POST if request.method == "POST" else None
    form = SeckillForm(data, merchant_id=actor.merchant_id, campaign=campaign, initial=initial)
    if data is not None and form.is_valid():
        try:
            if campaign is None:
                saved = seckill_actions.create_campaign(actor=actor, **form.action_data())
            else:
                saved = seckill_actions.update_campaign(
                    actor=actor, campaign_id=campaign.pk, **form.action_data()
                )
        except DomainError as error:
            raise_if_denied(error)
            form.add_action_error(error)
        else:
            text = _("Seckill %(name)s created.") if campaign is None else _("Seckill %(name)s saved.")
            return done(
                request, text % {"name": saved.name}, reverse("console:seckill_report", args=[saved.pk])
            )
    if campaign is not None:
        _with_timing(campaign, clock.now())
    context = {"form": form, "campaign": campaign, "sku_options": _sku_datalist(actor.merchant_id)}
    return render(request, "console/seckill/form.html", context)


@console_view(Perm.MARKETING_MANAGE)
def seckill_create(request):
    return _form_page(request, None)


@console_view(Perm.MARKETING_MANAGE)
def seckill_edit(request, pk: int):
    return _form_page(request, owned(SeckillCampaign.objects.all(), request.user, pk))


@console_view(Perm.MARKETING_MANAGE)
@require_POST
def seckill_status(request, pk: int):
    actor = request.user
    campaign = owned(SeckillCampaign.objects.all(), actor, pk)  # first: another merchant's id is 404
    url = _back(request, reverse("console:seckill_list"))
    form = StatusForm(request.POST)
    if not form.is_valid():
        return redirect(url)
    try:
        campaign = seckill_actions.set_campaign_status(
            actor=actor, campaign_id=campaign.pk, status=form.cleaned_data["status"]
        )
    except DomainError as error:
        return refused(request, error, url)
    return done(request, _status_message(campaign.name, form.cleaned_data["status"]), url)


@console_view(Perm.MARKETING_VIEW)
def seckill_report(request, pk: int):
    """The live report; with htmx it refreshes its figures every few seconds while the seckill runs."""
    actor = request.user
    campaign = _with_timing(owned(SeckillCampaign.objects.all(), actor, pk), clock.now())
    report = campaign_report(campaign)
    context = {
        "campaign": campaign,
        "report": report,
        "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE),
        "as_of": clock.now(),
        "refresh": campaign.timing == "running" and campaign.status == SeckillCampaign.Status.ACTIVE,
    }
    if request.htmx:
        return render(request, "console/seckill/_report_figures.html", context)
    return render(request, "console/seckill/report.html", context)


urlpatterns = [
    path("marketing/seckills/", seckill_list, name="seckill_list"),
    path("marketing/seckills/new/", seckill_create, name="seckill_create"),
    path("marketing/seckills/<int:pk>/", seckill_report, name="seckill_report"),
    path("marketing/seckills/<int:pk>/edit/", seckill_edit, name="seckill_edit"),
    path("marketing/seckills/<int:pk>/status/", seckill_status, name="seckill_status"),
]
