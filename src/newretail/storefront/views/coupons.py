"""Coupons in the mall: the claim centre (领券中心, no login needed to look), claiming, redeeming a
code, and my coupons by state (available / used / expired) with the code to show at the till."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.marketing import reports
from newretail.marketing.actions import coupons as coupon_actions
from newretail.marketing.models import Coupon
from newretail.storefront.decorators import mall_page, member_required
from newretail.storefront.site import absolute, mall_of, mall_url, safe_next, shopper

STATES = (
    ("available", gettext_lazy("Available")),
    ("used", gettext_lazy("Used")),
    ("expired", gettext_lazy("Expired")),
)


@mall_page
def claim_centre(request):
    merchant = mall_of(request)
    member = shopper(request)
    templates = list(reports.claimable_templates(merchant.pk, clock.now())[:100])
    held = set()
    if member is not None:
        held = set(
            Coupon.objects.filter(member=member, template_id__in=[t.pk for t in templates]).values_list(
                "template_id", flat=True
            )
        )
    return render(
        request,
        "storefront/coupons.html",
        {
            "templates": templates,
            "held": held,
            "canonical_url": absolute(request, mall_url(request, "coupons")),
        },
    )


@require_POST
@mall_page
def claim(request, template_id: int):
    member = shopper(request)
    if member is None:
        return redirect(
            mall_url(
                request,
                "login",
                query={"next": safe_next(request, request.POST.get("next"), mall_url(request, "coupons"))},
            )
        )
    try:
        coupon = coupon_actions.claim_coupon(member=member, template_id=template_id)
        messages.success(request, _("Claimed: %(name)s") % {"name": coupon.template.name})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(safe_next(request, request.POST.get("next"), mall_url(request, "coupons")))


@require_POST
@member_required
def redeem(request):
    member = shopper(request)
    try:
        coupon = coupon_actions.redeem_code(member=member, code=request.POST.get("code", "")[:40])
        messages.success(request, _("Redeemed: %(name)s") % {"name": coupon.template.name})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(mall_url(request, "my_coupons"))


@member_required
def my_coupons(request):
    member = shopper(request)
    state = request.GET.get("state", "available")
    if state not in {s for s, _label in STATES}:
        state = "available"
    coupons = list(reports.member_coupons(member, state=state, now=clock.now())[:200])
    return render(
        request,
        "storefront/my_coupons.html",
        {
            "coupons": coupons,
            "state": state,
            "states": [{"key": s, "label": label, "on": s == state} for s, label in STATES],
            "active_tab": "me",
            "noindex": True,
        },
    )
