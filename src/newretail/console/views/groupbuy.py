"""Console pages for group buy (拼团): the filtered list, one form to create and edit a campaign
(settings and product rows), pause and resume, and the campaign page with its live report
(groups opened / succeeded / failed, participants, conversion, GMV, cost of the discount) and
its groups with their seats. Views parse and call ``marketing.groupbuy``; the rules are there."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.forms.groupbuy import GroupBuyFilterForm, GroupBuyForm
from newretail.console.forms.marketing import StatusForm, sku_label, sku_options
from newretail.console.helpers import done, owned, raise_if_denied, refused
from newretail.console.paging import paginate
from newretail.console.views.marketing import TIMING_LABELS, _back, _status_message
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.marketing import reports as marketing_reports
from newretail.marketing.groupbuy import campaigns as campaign_actions
from newretail.marketing.groupbuy import queries
from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyGroup
from newretail.members.queries import name_for, phone_for
from newretail.tenancy.roles import Perm


def _with_timing(campaign: GroupBuyCampaign, now: dt.datetime) -> GroupBuyCampaign:
    campaign.timing = marketing_reports.timing_of(campaign.starts_at, campaign.ends_at, now)
    campaign.timing_label = TIMING_LABELS[campaign.timing]
    return campaign


@console_view(Perm.MARKETING_VIEW)
def groupbuy_list(request):
    actor = request.user
    form = GroupBuyFilterForm(request.GET or None)
    now = clock.now()
    rows = queries.campaigns_for(
        actor.merchant_id, status=form.value("status"), timing=form.value("timing"), now=now
    )
    page = paginate(request, rows)
    page["page_obj"].object_list = campaigns = [_with_timing(c, now) for c in page["page_obj"].object_list]
    for campaign in campaigns:
        items = list(campaign.items.all())
        campaign.item_names = [i.sku.display_name for i in items[:3]]
        campaign.more_items = max(0, len(items) - 3)
        campaign.report = queries.campaign_report(actor.merchant_id, campaign.pk)
    context = {"form": form, "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE), **page}
    return render(request, "console/groupbuy/list.html", context)


def _sku_datalist(merchant_id: int) -> list[dict]:
    return [
        {"code": sku.code, "label": f"{sku_label(sku)} {format_fen(sku.price_fen)}"}
        for sku in sku_options(merchant_id)
    ]


def _form_page(request, campaign: GroupBuyCampaign | None):
    actor = request.user
    if campaign is None:
        start = clock.now().replace(minute=0, second=0, microsecond=0)
        initial = {
            "starts_at": start,
            "ends_at": start + dt.timedelta(days=7),
            "group_size": 3,
            "fill_minutes": 1440,
            "per_member_limit": 1,
            "unpaid_minutes": 10,
        }
    else:
        initial = GroupBuyForm.initial_for(campaign)
    data = request.POST if request.method == "POST" else None
    form = GroupBuyForm(data, merchant_id=actor.merchant_id, campaign=campaign, initial=initial)
    if data is not None and form.is_valid():
        try:
            if campaign is None:
                saved = campaign_actions.create_campaign(actor=actor, **form.action_data())
            else:
                saved = campaign_actions.update_campaign(
                    actor=actor, campaign_id=campaign.pk, **form.action_data()
                )
        except DomainError as error:
            raise_if_denied(error)
            form.add_action_error(error)
        else:
            text = _("Group buy %(name)s created.") if campaign is None else _("Group buy %(name)s saved.")
            return done(
                request, text % {"name": saved.name}, reverse("console:groupbuy_detail", args=[saved.pk])
            )
    if campaign is not None:
        _with_timing(campaign, clock.now())
    context = {"form": form, "campaign": campaign, "sku_options": _sku_datalist(actor.merchant_id)}
    return render(request, "console/groupbuy/form.html", context)


@console_view(Perm.MARKETING_MANAGE)
def groupbuy_create(request):
    return _form_page(request, None)


@console_view(Perm.MARKETING_MANAGE)
def groupbuy_edit(request, pk: int):
    return _form_page(request, owned(GroupBuyCampaign.objects.all(), request.user, pk))


@console_view(Perm.MARKETING_MANAGE)
@require_POST
def groupbuy_status(request, pk: int):
    actor = request.user
    campaign = owned(GroupBuyCampaign.objects.all(), actor, pk)  # first: another merchant's id is 404
    url = _back(request, reverse("console:groupbuy_list"))
    form = StatusForm(request.POST)
    if not form.is_valid():
        return redirect(url)
    try:
        campaign = campaign_actions.set_campaign_status(
            actor=actor, campaign_id=campaign.pk, status=form.cleaned_data["status"]
        )
    except DomainError as error:
        return refused(request, error, url)
    return done(request, _status_message(campaign.name, form.cleaned_data["status"]), url)


def _group_rows(actor, campaign: GroupBuyCampaign, status: str) -> list[dict]:
    rows = []
    for group in queries.groups_for(actor.merchant_id, campaign_id=campaign.pk, status=status)[:100]:
        seats = [
            {
                "name": name_for(actor, seat.member.name) or phone_for(actor, seat.member.phone),
                "is_leader": seat.is_leader,
                "status": seat.status,
                "status_label": seat.get_status_display(),
                "order_id": seat.order_id,
            }
            for seat in group.seats.select_related("member").order_by("-is_leader", "pk")
        ]
        rows.append({"group": group, "seats": seats})
    return rows


@console_view(Perm.MARKETING_VIEW)
def groupbuy_detail(request, pk: int):
    """The campaign with its live report (refreshed by htmx while it runs) and its groups."""
    actor = request.user
    campaign = _with_timing(owned(GroupBuyCampaign.objects.all(), actor, pk), clock.now())
    status = request.GET.get("status", "")
    if status not in GroupBuyGroup.Status.values:
        status = ""
    context = {
        "campaign": campaign,
        "items": campaign.items.select_related("sku__product").order_by("id"),
        "report": queries.campaign_report(actor.merchant_id, campaign.pk),
        "groups": _group_rows(actor, campaign, status),
        "group_status": status,
        "group_statuses": GroupBuyGroup.Status.choices,
        "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE),
        "can_see_orders": actor.has_perm_code(Perm.ORDERS_VIEW),
        "as_of": clock.now(),
        "refresh": campaign.timing == "running" and campaign.status == GroupBuyCampaign.Status.ACTIVE,
    }
    if request.htmx and request.GET.get("part") == "figures":
        return render(request, "console/groupbuy/_report_figures.html", context)
    return render(request, "console/groupbuy/detail.html", context)


urlpatterns = [
    path("marketing/groupbuys/", groupbuy_list, name="groupbuy_list"),
    path("marketing/groupbuys/new/", groupbuy_create, name="groupbuy_create"),
    path("marketing/groupbuys/<int:pk>/", groupbuy_detail, name="groupbuy_detail"),
    path("marketing/groupbuys/<int:pk>/edit/", groupbuy_edit, name="groupbuy_edit"),
    path("marketing/groupbuys/<int:pk>/status/", groupbuy_status, name="groupbuy_status"),
]
