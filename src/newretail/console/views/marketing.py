"""Console pages for marketing (营销): promotions (the filtered list, one form for every kind with
a preview of a sample cart priced by the real engine, pause and resume), coupon templates (list,
form, the page with the claim link and its QR code, bulk issue, redeem codes) and the usage
reports. Views parse the input and call ``marketing.actions``; the actions hold every rule."""

from __future__ import annotations

import csv
import datetime as dt
import io

import segno
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from newretail.catalog.queries import live_skus
from newretail.console.decorators import console_view
from newretail.console.forms.coupons import BulkIssueForm, CouponTemplateForm, RedeemCodesForm
from newretail.console.forms.marketing import (
    CHANNEL_CHOICES,
    EVENT_LABELS,
    CouponFilterForm,
    PromotionFilterForm,
    StatusForm,
    sku_label,
    sku_options,
)
from newretail.console.forms.promotions import PromotionForm, SampleCartForm
from newretail.console.helpers import done, owned, raise_if_denied, refused
from newretail.console.paging import paginate
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.marketing import reports
from newretail.marketing.actions import coupons as coupon_actions
from newretail.marketing.actions import promotions as promotion_actions
from newretail.marketing.models import CouponTemplate, Promotion
from newretail.marketing.preview import preview_promotion
from newretail.marketing.pricing.arithmetic import format_rate
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

CK = CouponTemplate.Kind
TIMING_LABELS = {
    "running": gettext_lazy("Running"),
    "upcoming": gettext_lazy("Not started"),
    "ended": gettext_lazy("Ended"),
}
CHANNEL_LABELS = dict(CHANNEL_CHOICES)
CLAIM_LINK_PATH = "/api/v1/shop/{slug}/coupons/claim-link"


def _back(request, default: str) -> str:
    """The page a status button came from (a console address on this host), or ``default``."""
    target = request.POST.get("next", "")
    if target.startswith("/console/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _status_message(name: str, status: str) -> str:
    if status == Promotion.Status.PAUSED:
        return _("%(name)s is paused.") % {"name": name}
    return _("%(name)s is active again.") % {"name": name}


def _sku_datalist(actor: User) -> list[dict]:
    return [
        {"code": sku.code, "label": f"{sku_label(sku)} {format_fen(sku.price_fen)}"}
        for sku in sku_options(actor.merchant_id)
    ]


# --- promotions ------------------------------------------------------------------------------


@console_view(Perm.MARKETING_VIEW)
def promotion_list(request):
    actor = request.user
    form = PromotionFilterForm(request.GET or None)
    now = clock.now()
    rows = reports.promotions_for(
        actor.merchant_id,
        now=now,
        kind=form.value("kind"),
        status=form.value("status"),
        timing=form.value("timing"),
    )
    page = paginate(request, rows)
    page["page_obj"].object_list = promotions = list(page["page_obj"].object_list)
    for promotion in promotions:
        promotion.timing = reports.timing_of(promotion.starts_at, promotion.ends_at, now)
        promotion.timing_label = TIMING_LABELS[promotion.timing]
    context = {
        "form": form,
        "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE),
        **page,
    }
    return render(request, "console/marketing/promotion_list.html", context)


def _new_promotion_initial() -> dict:
    start = clock.now().replace(second=0, microsecond=0)
    return {"kind": Promotion.Kind.SPEND_OFF, "starts_at": start, "ends_at": start + dt.timedelta(days=7)}


def _preview(actor: User, form: PromotionForm, sample: SampleCartForm) -> dict:
    """The sample cart priced under the unsaved promotion, or the problems that stop it."""
    form_ok, sample_ok = form.is_valid(), sample.is_valid()
    if not (form_ok and sample_ok):
        return {"errors": form.error_summary() + sample.error_summary()}
    try:
        priced = preview_promotion(
            actor=actor,
            data=form.action_data(),
            lines=sample.lines,
            as_member=not sample.cleaned_data["as_guest"],
        )
    except DomainError as error:
        raise_if_denied(error)
        (sample if error.params.get("field") == "lines" else form).add_action_error(error)
        return {"errors": form.error_summary() + sample.error_summary()}
    skus = live_skus(actor.merchant_id).select_related("product")
    names = {sku.pk: sku.display_name for sku in skus.filter(pk__in=[line.sku_id for line in priced.lines])}
    return {
        "cart": priced,
        "lines": [{"line": line, "name": names.get(line.sku_id, line.sku_id)} for line in priced.lines],
        "adjustments": list(priced.adjustments),
        "hints": [hint.message for hint in priced.hints],
        "rewards": [reward.explanation for reward in priced.rewards],
    }


def _promotion_page(request, promotion: Promotion | None):
    actor = request.user
    merchant_id = actor.merchant_id
    initial = PromotionForm.initial_for(promotion) if promotion else _new_promotion_initial()
    data = request.POST if request.method == "POST" else None
    form = PromotionForm(data, merchant_id=merchant_id, initial=initial)
    sample = SampleCartForm(data, merchant_id=merchant_id)
    preview = None
    if request.method == "POST":
        if request.POST.get("action") == "preview":
            preview = _preview(actor, form, sample)
            if request.htmx:
                return render(request, "console/marketing/_preview.html", {"preview": preview})
        elif form.is_valid():
            try:
                if promotion is None:
                    saved = promotion_actions.create_promotion(actor=actor, **form.action_data())
                else:
                    saved = promotion_actions.update_promotion(
                        actor=actor, promotion_id=promotion.pk, **form.action_data()
                    )
            except DomainError as error:
                raise_if_denied(error)
                form.add_action_error(error)
            else:
                text = (
                    _("Promotion %(name)s created.") if promotion is None else _("Promotion %(name)s saved.")
                )
                return done(request, text % {"name": saved.name}, reverse("console:promotion_list"))
    context = {
        "form": form,
        "sample": sample,
        "preview": preview,
        "promotion": promotion,
        "tiers": form.tier_table(),
        "sku_options": _sku_datalist(actor),
    }
    # Errors re-render the page with 200, as the other console forms do (a 4xx document is
    # logged as a failed resource in the browser console).
    return render(request, "console/marketing/promotion_form.html", context)


@console_view(Perm.MARKETING_MANAGE)
def promotion_create(request):
    return _promotion_page(request, None)


@console_view(Perm.MARKETING_MANAGE)
def promotion_edit(request, pk: int):
    return _promotion_page(request, owned(Promotion.objects.all(), request.user, pk))


@console_view(Perm.MARKETING_MANAGE)
@require_POST
def promotion_status(request, pk: int):
    actor = request.user
    promotion = owned(Promotion.objects.all(), actor, pk)  # first: another merchant's id is 404
    url = _back(request, reverse("console:promotion_list"))
    form = StatusForm(request.POST)
    if not form.is_valid():
        return redirect(url)
    try:
        promotion = promotion_actions.set_promotion_status(
            actor=actor, promotion_id=promotion.pk, status=form.cleaned_data["status"]
        )
    except DomainError as error:
        return refused(request, error, url)
    return done(request, _status_message(promotion.name, form.cleaned_data["status"]), url)


# --- coupon templates ------------------------------------------------------------------------


def coupon_value(template: CouponTemplate) -> str:
    """What a coupon gives, as the shopper reads it ("¥10.00 off, orders from ¥59.00")."""
    if template.kind == CK.CASH_OFF:
        value = _("%(off)s off") % {"off": format_fen(template.off_fen)}
    elif template.kind == CK.DISCOUNT:
        value = _("%(rate)s/10") % {"rate": format_rate(template.rate_percent)}
        if template.max_off_fen:
            value = _("%(value)s, at most %(cap)s off") % {
                "value": value,
                "cap": format_fen(template.max_off_fen),
            }
    elif template.kind == CK.FREE_SHIPPING:
        value = _("Free shipping")
    else:
        item = template.exchange_sku.display_name if template.exchange_sku_id else ""
        value = _("Exchange for %(item)s") % {"item": item}
    if template.threshold_fen:
        return _("%(value)s, orders from %(threshold)s") % {
            "value": value,
            "threshold": format_fen(template.threshold_fen),
        }
    return value


@console_view(Perm.MARKETING_VIEW)
def coupon_template_list(request):
    actor = request.user
    form = CouponFilterForm(request.GET or None)
    now = clock.now()
    rows = reports.coupon_templates_for(
        actor.merchant_id,
        now=now,
        kind=form.value("kind"),
        status=form.value("status"),
        timing=form.value("timing"),
    )
    page = paginate(request, rows)
    page["page_obj"].object_list = templates = list(page["page_obj"].object_list)
    for template in templates:
        template.value_text = coupon_value(template)
        template.timing = reports.timing_of(template.valid_from, template.valid_until, now)
        template.timing_label = TIMING_LABELS[template.timing]
    context = {
        "form": form,
        "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE),
        "can_issue": actor.has_perm_code(Perm.COUPONS_ISSUE),
        **page,
    }
    return render(request, "console/marketing/coupon_list.html", context)


def _template(request, pk: int) -> CouponTemplate:
    return owned(CouponTemplate.objects.select_related("exchange_sku__product"), request.user, pk)


def _template_url(template: CouponTemplate) -> str:
    return reverse("console:coupon_template_detail", args=[template.pk])


def _new_template_initial() -> dict:
    start = clock.now().replace(second=0, microsecond=0)
    return {"kind": CK.CASH_OFF, "valid_from": start, "valid_until": start + dt.timedelta(days=30)}


def _template_page(request, template: CouponTemplate | None):
    actor = request.user
    initial = CouponTemplateForm.initial_for(template) if template else _new_template_initial()
    form = CouponTemplateForm(
        request.POST if request.method == "POST" else None, merchant_id=actor.merchant_id, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            if template is None:
                saved = coupon_actions.create_coupon_template(actor=actor, **form.action_data())
            else:
                saved = coupon_actions.update_coupon_template(
                    actor=actor, template_id=template.pk, **form.action_data()
                )
        except DomainError as error:
            raise_if_denied(error)
            form.add_action_error(error)
        else:
            text = _("Coupon %(name)s created.") if template is None else _("Coupon %(name)s saved.")
            return done(request, text % {"name": saved.name}, _template_url(saved))
    context = {"form": form, "template": template, "sku_options": _sku_datalist(actor)}
    return render(request, "console/marketing/coupon_form.html", context)


@console_view(Perm.MARKETING_MANAGE)
def coupon_template_create(request):
    return _template_page(request, None)


@console_view(Perm.MARKETING_MANAGE)
def coupon_template_edit(request, pk: int):
    return _template_page(request, _template(request, pk))


def claim_link(request, template: CouponTemplate) -> dict:
    """Where the mall posts the token of a claim link, and a QR code of the link to print."""
    api_path = CLAIM_LINK_PATH.format(slug=template.merchant.slug)
    url = request.build_absolute_uri(api_path) + f"?token={template.claim_token}"
    qr = segno.make_qr(url, error="m")
    return {
        "path": api_path,
        "token": template.claim_token,
        "url": url,
        "qr": qr.png_data_uri(scale=5, border=2),
    }


@console_view(Perm.MARKETING_VIEW)
def coupon_template_detail(request, pk: int):
    actor = request.user
    template = _template(request, pk)
    timing = reports.timing_of(template.valid_from, template.valid_until, clock.now())
    context = {
        "template": template,
        "value_text": coupon_value(template),
        "timing": timing,
        "timing_label": TIMING_LABELS[timing],
        "events": [EVENT_LABELS.get(name, name) for name in template.issue_on or []],
        "channels": [CHANNEL_LABELS.get(name, name) for name in template.channels or []],
        "link": claim_link(request, template),
        "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE),
        "can_issue": actor.has_perm_code(Perm.COUPONS_ISSUE),
    }
    return render(request, "console/marketing/coupon_detail.html", context)


@console_view(Perm.MARKETING_MANAGE)
@require_POST
def coupon_template_status(request, pk: int):
    actor = request.user
    template = _template(request, pk)  # first: another merchant's id is 404
    url = _back(request, _template_url(template))
    form = StatusForm(request.POST)
    if not form.is_valid():
        return redirect(url)
    try:
        coupon_actions.set_coupon_template_status(
            actor=actor, template_id=template.pk, status=form.cleaned_data["status"]
        )
    except DomainError as error:
        return refused(request, error, url)
    return done(request, _status_message(template.name, form.cleaned_data["status"]), url)


@console_view(Perm.COUPONS_ISSUE)
def coupon_bulk_issue(request, pk: int):
    actor = request.user
    template = _template(request, pk)
    form = BulkIssueForm(request.POST or None, merchant_id=actor.merchant_id)
    if request.method == "POST" and form.is_valid():
        try:
            job = coupon_actions.start_bulk_issue(
                actor=actor, template_id=template.pk, member_ids=form.cleaned_data["members"]
            )
        except DomainError as error:
            raise_if_denied(error)
            problem = error.params.get("problem")
            if error.params.get("field") == "member_ids" and problem:
                form.add_error("members", str(problem))
            else:
                form.add_error(None, error.message)
        else:
            return done(
                request,
                _("Issuing started; the counts appear here when it is done."),
                reverse("console:job_detail", args=[job.pk]),
            )
    return render(request, "console/marketing/coupon_issue.html", {"template": template, "form": form})


@console_view(Perm.COUPONS_ISSUE)
def coupon_redeem_codes(request, pk: int):
    """Generate redeem codes (兑换码). They are shown once, on this response (or as a CSV file)."""
    actor = request.user
    template = _template(request, pk)
    form = RedeemCodesForm(request.POST or None)
    codes: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            codes = coupon_actions.create_redeem_codes(
                actor=actor, template_id=template.pk, count=form.cleaned_data["count"]
            )
        except DomainError as error:
            raise_if_denied(error)
            form.add_error("count" if error.params.get("field") == "count" else None, error.message)
        else:
            if "csv" in request.POST:
                return _codes_csv(template, codes)
    context = {"template": template, "form": form, "codes": codes, "codes_text": "\n".join(codes)}
    return render(request, "console/marketing/redeem_codes.html", context)


def _codes_csv(template: CouponTemplate, codes: list[str]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Redeem code"), _("Coupon")])
    writer.writerows([code, template.name] for code in codes)
    # The BOM makes Excel read the file as UTF-8 (Chinese names).
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = clock.now().strftime("%Y%m%d%H%M")
    response["Content-Disposition"] = f'attachment; filename="redeem-codes-{template.pk}-{stamp}.csv"'
    return response


# --- reports ---------------------------------------------------------------------------------


@console_view(Perm.MARKETING_VIEW)
def marketing_reports(request):
    merchant_id = request.user.merchant_id
    coupon_rows = reports.coupon_report(merchant_id, clock.now())
    promotion_rows = reports.promotion_report(merchant_id)
    context = {
        "coupon_rows": coupon_rows,
        "promotion_rows": promotion_rows,
        "coupon_totals": {
            name: sum(getattr(row, name) for row in coupon_rows)
            for name in ("issued", "used", "expired", "discount_fen", "sales_fen")
        },
        "promotion_totals": {
            name: sum(getattr(row, name) for row in promotion_rows)
            for name in ("orders", "paid_orders", "discount_fen", "sales_fen")
        },
    }
    return render(request, "console/marketing/reports.html", context)


urlpatterns = [
    path("marketing/promotions/", promotion_list, name="promotion_list"),
    path("marketing/promotions/new/", promotion_create, name="promotion_create"),
    path("marketing/promotions/<int:pk>/", promotion_edit, name="promotion_edit"),
    path("marketing/promotions/<int:pk>/status/", promotion_status, name="promotion_status"),
    path("marketing/coupons/", coupon_template_list, name="coupon_template_list"),
    path("marketing/coupons/new/", coupon_template_create, name="coupon_template_create"),
    path("marketing/coupons/<int:pk>/", coupon_template_detail, name="coupon_template_detail"),
    path("marketing/coupons/<int:pk>/edit/", coupon_template_edit, name="coupon_template_edit"),
    path("marketing/coupons/<int:pk>/status/", coupon_template_status, name="coupon_template_status"),
    path("marketing/coupons/<int:pk>/issue/", coupon_bulk_issue, name="coupon_bulk_issue"),
    path("marketing/coupons/<int:pk>/redeem-codes/", coupon_redeem_codes, name="coupon_redeem_codes"),
    path("marketing/reports/", marketing_reports, name="marketing_reports"),
]
