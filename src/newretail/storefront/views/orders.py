"""The shopper's orders: list by state, detail (lines, adjustments, pickup code and QR, tracking,
timeline), paying (WeChat Pay / Alipay through the merchant's gateway — the local sandbox in
development), cancelling an unpaid order, confirming receipt, asking for an after-sale.

Every order is looked up among the logged-in member's own orders: another member's or merchant's
id is a 404."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from newretail.core.errors import DomainError
from newretail.core.qr import qr_svg_document, qr_svg_inline
from newretail.marketing.groupbuy.queries import share_token_of_order
from newretail.members.queries import wallet_summary
from newretail.orders import queries as order_queries
from newretail.orders.access import member_order
from newretail.orders.actions import aftersales, lifecycle
from newretail.orders.models import AfterSale, Order
from newretail.orders.state import PAID_STATUSES, PICKUP_WAITING
from newretail.payments.accounts import enabled_account
from newretail.payments.actions import charges
from newretail.payments.models import Tender
from newretail.payments.queries import paid_so_far
from newretail.storefront.decorators import member_required
from newretail.storefront.params import whole_number
from newretail.storefront.site import absolute, mall_url, shopper

TABS = (
    ("", gettext_lazy("All")),
    (Order.Status.PENDING_PAYMENT, gettext_lazy("To pay")),
    (Order.Status.PAID, gettext_lazy("Paid")),
    (Order.Status.SHIPPED, gettext_lazy("Shipped")),
    (Order.Status.READY_FOR_PICKUP, gettext_lazy("To pick up")),
    (Order.Status.COMPLETED, gettext_lazy("Completed")),
)
PAY_METHODS = {"wechat": "wechat_native", "alipay": "alipay_wap"}


def _own_order(request, order_id: int) -> Order:
    member = shopper(request)
    return member_order(member, order_id)


@member_required
def order_list(request):
    member = shopper(request)
    status = request.GET.get("status", "")
    orders = (
        Order.objects.filter(member=member, kind=Order.Kind.GOODS)
        .select_related("store")
        .prefetch_related("lines")
        .order_by("-id")
    )
    if status in {s for s, _label in TABS if s}:
        orders = orders.filter(status=status)
    page = Paginator(orders, 10).get_page(request.GET.get("page"))
    tabs = [{"status": s, "label": label, "on": s == status} for s, label in TABS]
    return render(
        request, "storefront/orders.html", {"page": page, "tabs": tabs, "active_tab": "me", "noindex": True}
    )


@member_required
def order_detail(request, order_id: int):
    member = shopper(request)
    order = _own_order(request, order_id)
    if order.kind != Order.Kind.GOODS and order.status != Order.Status.PENDING_PAYMENT:
        return redirect(_after_payment(request, order))
    if request.GET.get("paid") and order.status == Order.Status.PENDING_PAYMENT:
        # Back from the cashier: ask the provider now rather than wait for its notification.
        for tender in Tender.objects.filter(intent__order=order, status=Tender.Status.PENDING):
            charges.poll_tender(tender_id=tender.pk, member=member)
    if request.GET.get("paid") and share_token_of_order(order.pk):  # back from the cashier: a
        return redirect(_after_payment(request, order))  # group-buy seat lands on its group's page
    order = order_queries.with_details(Order.objects.filter(pk=order.pk)).get()
    offers: dict[str, int] = {}
    for adjustment in order.adjustments.all():
        if adjustment.source != "shipping":
            key = adjustment.explanation or adjustment.kind
            offers[key] = offers.get(key, 0) + adjustment.amount_fen
    return render(
        request,
        "storefront/order_detail.html",
        {
            "order": order,
            "show_pickup": bool(order.pickup_code) and order.status in PICKUP_WAITING,
            "offers": sorted(offers.items()),
            "events": [(event, order_queries.event_label(event.kind)) for event in order.events.all()][::-1],
            "after_sales": order.after_sales.all(),
            # The after-sales action's own rule (any paid status); ¥0 orders have nothing to refund.
            "can_after_sale": order.status in PAID_STATUSES and order.payable_fen > 0,
            "active_tab": "me",
            "noindex": True,
        },
    )


@member_required
def pickup_qr(request, order_id: int):
    order = _own_order(request, order_id)
    if not order.pickup_code or order.status not in PICKUP_WAITING:
        raise Http404
    response = HttpResponse(qr_svg_document(order.pickup_code), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@member_required
def pay(request, order_id: int):
    """Choose how to pay; Alipay sends the browser to its cashier and back here, WeChat Pay shows
    its QR (on a phone the WeChat H5 link opens the same cashier). Stored value pays the whole
    order when it holds enough, or a part with the rest paid online (储值 + 微信/支付宝)."""
    member = shopper(request)
    order = _own_order(request, order_id)
    if order.status != Order.Status.PENDING_PAYMENT:
        return redirect(_after_payment(request, order))
    methods = [key for key in ("wechat", "alipay") if enabled_account(order.merchant_id, key) is not None]
    paid = paid_so_far(order.pk)
    outstanding = order.payable_fen - paid
    # A recharge cannot be paid from the wallet it fills.
    balance = wallet_summary(member).balance_fen if order.kind == Order.Kind.GOODS else 0
    qr = None
    if request.method == "POST":
        method = request.POST.get("method", "")
        use_wallet = balance > 0 and (method == "wallet" or request.POST.get("use_wallet") == "1")
        if method not in methods and not (method == "wallet" and balance >= outstanding):
            messages.error(request, _("Choose a way to pay."))
            return redirect(mall_url(request, "pay", order_id=order.pk))
        try:
            if use_wallet:
                part = charges.pay_order(
                    order_id=order.pk,
                    kind=Tender.Kind.WALLET,
                    member=member,
                    amount_fen=min(balance, outstanding),
                )
                order.refresh_from_db()
                if order.status != Order.Status.PENDING_PAYMENT or part.amount_fen == outstanding:
                    return redirect(_after_payment(request, order))
            return_url = absolute(request, mall_url(request, "order", order_id=order.pk, query={"paid": 1}))
            tender = charges.pay_order(
                order_id=order.pk,
                kind=PAY_METHODS[method],
                member=member,
                return_url=return_url,
                client_ip=request.META.get("REMOTE_ADDR", ""),
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(mall_url(request, "pay", order_id=order.pk))
        action = tender.action or {}
        if tender.status == Tender.Status.SUCCEEDED:
            return redirect(_after_payment(request, order))
        if tender.status == Tender.Status.FAILED:
            messages.error(request, tender.failure_reason or _("The payment failed."))
            return redirect(mall_url(request, "pay", order_id=order.pk))
        if action.get("type") == "redirect":
            return redirect(action["url"])
        if action.get("type") == "qr":
            code_url = action["code_url"]
            qr = {"url": code_url, "svg": qr_svg_inline(code_url)}
        paid = paid_so_far(order.pk)
        outstanding = order.payable_fen - paid
    return render(
        request,
        "storefront/pay.html",
        {
            "order": order,
            "methods": methods,
            "qr": qr,
            "paid_fen": paid,
            "outstanding_fen": outstanding,
            "wallet_fen": balance,
            "wallet_covers": balance >= outstanding,
            "noindex": True,
        },
    )


def _after_payment(request, order: Order) -> str:
    """Where a shopper lands once an order is paid (or no longer payable)."""
    if order.kind == Order.Kind.RECHARGE:
        return mall_url(request, "my_wallet")
    if order.kind == Order.Kind.CARD:
        return mall_url(request, "my_cards")
    token = share_token_of_order(order.pk)
    if token:  # a group-buy seat: back to the group's page (seats, countdown, share link)
        return mall_url(request, "groupbuy_group", token=token)
    return mall_url(request, "order", order_id=order.pk)


@require_POST
@member_required
def cancel(request, order_id: int):
    member = shopper(request)
    order = _own_order(request, order_id)
    try:
        lifecycle.cancel_order(
            order_id=order.pk,
            merchant=member.merchant_id,
            member=member,
            reason=_("Cancelled by the shopper"),
        )
        messages.success(request, _("Order cancelled"))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(mall_url(request, "order", order_id=order.pk))


@require_POST
@member_required
def confirm_receipt(request, order_id: int):
    member = shopper(request)
    order = _own_order(request, order_id)
    try:
        lifecycle.confirm_receipt(member=member, order_id=order.pk)
        messages.success(request, _("Thanks — the order is complete"))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(mall_url(request, "order", order_id=order.pk))


@member_required
def after_sale(request, order_id: int):
    """Ask for a refund (or return and refund) of some of the order's items."""
    member = shopper(request)
    order = order_queries.for_display(_own_order(request, order_id))
    lines = [line for line in order.lines.all() if not line.is_gift]
    refundable = order_queries.refundable_quantities(order, lines)
    errors: list[str] = []
    if request.method == "POST":
        chosen = []
        for line in lines:
            quantity = whole_number(request.POST.get(f"qty_{line.pk}"), low=0, high=10**8) or 0
            if quantity > 0:
                chosen.append({"order_line_id": line.pk, "quantity": quantity})
        if not chosen:
            errors.append(_("Choose at least one item."))
        else:
            try:
                aftersales.request_after_sale(
                    order_id=order.pk,
                    kind=request.POST.get("kind", "refund_only"),
                    reason=request.POST.get("reason", "other"),
                    description=request.POST.get("description", "")[:500],
                    lines=chosen,
                    member=member,
                    idempotency_key=(request.POST.get("idempotency_key", "") or "")[:64] or None,
                )
            except DomainError as error:
                errors.append(error.message)
            else:
                messages.success(request, _("After-sale request sent; the shop will reply soon"))
                return redirect(mall_url(request, "order", order_id=order.pk))
    return render(
        request,
        "storefront/after_sale.html",
        {
            "order": order,
            "lines": [(line, refundable.get(line.pk, 0)) for line in lines],
            "reasons": AfterSale.Reason.choices,
            "kinds": AfterSale.Kind.choices,
            "errors": errors,
            "noindex": True,
            "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        },
    )
