"""The shopper's account in the mall: log in with an SMS code (registering on first login, the
anonymous cart merged in), log out, the member centre (我的), points with the daily sign-in, and
the address book."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.analytics.actions import record_signup
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.marketing import reports
from newretail.members.actions import addresses as address_actions
from newretail.members.actions import login as login_actions
from newretail.members.actions.levels import next_level
from newretail.members.actions.points import sign_in
from newretail.members.actions.tokens import revoke_member_token
from newretail.members.queries import (
    member_address,
    member_addresses,
    member_by_phone,
    points_summary,
    wallet_summary,
)
from newretail.orders.actions.cart import merge_carts
from newretail.orders.models import Order
from newretail.storefront.decorators import mall_page, member_required
from newretail.storefront.params import whole_number
from newretail.storefront.site import (
    cart_token,
    forget_login,
    mall_of,
    mall_url,
    remember_login,
    safe_next,
    shopper,
)

ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail")


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@mall_page
def login(request):
    """Step 1 sends a 6-digit code to the phone; step 2 checks it and logs in. Both steps are
    rate-limited by the members actions (per phone, per IP)."""
    merchant = mall_of(request)
    next_url = safe_next(
        request, request.POST.get("next") or request.GET.get("next"), mall_url(request, "me")
    )
    phone = request.POST.get("phone", "").strip()[:30]
    code_sent = False
    error = ""
    if request.method == "POST":
        if request.POST.get("step") == "send":
            try:
                login_actions.request_login_code(merchant=merchant, phone=phone, ip=_ip(request))
                code_sent = True
            except DomainError as problem:
                error = problem.message
        else:
            code_sent = True
            is_new = member_by_phone(merchant=merchant, phone=phone) is None if phone else False
            try:
                member, raw = login_actions.login_with_code(
                    merchant=merchant, phone=phone, code=request.POST.get("code", "")[:12], ip=_ip(request)
                )
            except DomainError as problem:
                error = problem.message
            else:
                token = cart_token(request)
                remember_login(request, member, raw)
                merge_carts(member=member, token=token)
                if is_new:
                    record_signup(request, member)
                messages.success(request, _("Welcome, you are logged in"))
                return redirect(next_url)
    return render(
        request,
        "storefront/login.html",
        {"phone": phone, "code_sent": code_sent, "error": error, "next": next_url, "noindex": True},
    )


@require_POST
@mall_page
def logout(request):
    raw = forget_login(request)
    if raw:
        revoke_member_token(raw=raw)
    return redirect(mall_url(request, "home"))


@member_required
def me(request):
    member = shopper(request)
    now = clock.now()
    counts = {
        status: Order.objects.filter(member=member, kind=Order.Kind.GOODS, status=status).count()
        for status in (Order.Status.PENDING_PAYMENT, Order.Status.READY_FOR_PICKUP, Order.Status.SHIPPED)
    }
    return render(
        request,
        "storefront/me.html",
        {
            "member": member,
            "points": points_summary(member, last=0),
            "wallet": wallet_summary(member, last=0),
            "next_level": next_level(member),
            "coupon_count": reports.member_coupons(member, state="available", now=now).count(),
            "to_pay": counts[Order.Status.PENDING_PAYMENT],
            "to_pick_up": counts[Order.Status.READY_FOR_PICKUP],
            "shipped": counts[Order.Status.SHIPPED],
            "active_tab": "me",
            "noindex": True,
        },
    )


@member_required
def points(request):
    member = shopper(request)
    if request.method == "POST":
        result = sign_in(member=member)
        if result.already:
            messages.info(request, _("Already signed in today"))
        else:
            messages.success(
                request,
                _("Signed in: +%(points)s points, %(streak)s days in a row")
                % {"points": result.points, "streak": result.streak},
            )
        return redirect(mall_url(request, "my_points"))
    return render(
        request,
        "storefront/points.html",
        {"summary": points_summary(member), "active_tab": "me", "noindex": True},
    )


@member_required
def addresses(request):
    member = shopper(request)
    if request.method == "POST":
        address_id = whole_number(request.POST.get("address_id")) or 0
        try:
            if request.POST.get("action") == "delete":
                address_actions.delete_address(member=member, address_id=address_id)
            else:
                address_actions.set_default_address(member=member, address_id=address_id)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect(mall_url(request, "addresses"))
    return render(
        request,
        "storefront/addresses.html",
        {
            "addresses": member_addresses(member=member),
            "next": request.GET.get("next", ""),
            "active_tab": "me",
            "noindex": True,
        },
    )


@member_required
def address_form(request, address_id: int | None = None):
    member = shopper(request)
    address = member_address(member=member, address_id=address_id) if address_id else None
    values = {name: getattr(address, name, "") for name in ADDRESS_FIELDS}
    error = ""
    back = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip()[:200] for name in ADDRESS_FIELDS}
        is_default = bool(request.POST.get("is_default"))
        try:
            if address is None:
                address_actions.add_address(member=member, is_default=is_default, **values)
            else:
                address_actions.update_address(
                    member=member,
                    address_id=address.pk,
                    **values,
                    **({"is_default": True} if is_default else {}),
                )
        except DomainError as problem:
            error = problem.message
        else:
            return redirect(safe_next(request, back, mall_url(request, "addresses")))
    return render(
        request,
        "storefront/address_form.html",
        {"address": address, "values": values, "error": error, "next": back, "noindex": True},
    )
