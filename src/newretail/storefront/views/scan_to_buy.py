"""Scan-to-buy (扫码购) in the mall: a shopper in a store picks the store, scans shelf barcodes
with the phone's camera (the browser's BarcodeDetector where it has one; typing the digits
otherwise), sees the basket priced by the engine, pays online and shows the exit code at the
door. The basket lives in the session per store; every rule is in ``pos.actions.scan_to_buy``."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.core.errors import DomainError
from newretail.core.qr import qr_svg_inline
from newretail.members.queries import wallet_summary
from newretail.orders.access import member_order
from newretail.orders.models import Order
from newretail.payments.accounts import enabled_account
from newretail.payments.actions import charges
from newretail.payments.models import Tender
from newretail.payments.queries import paid_so_far
from newretail.pos.actions import scan_to_buy as stb
from newretail.pos.errors import PosError
from newretail.storefront.decorators import mall_page, member_required
from newretail.storefront.params import whole_number
from newretail.storefront.site import absolute, chosen_store_id, mall_of, mall_url, shopper
from newretail.tenancy.models import Store

PAY_METHODS = {"wechat": "wechat_native", "alipay": "alipay_wap"}


def _basket_key(request, store_id: int) -> str:
    return f"stb:{mall_of(request).pk}:{store_id}"


def _basket(request, store_id: int) -> list[stb.BasketLine]:
    raw = request.session.get(_basket_key(request, store_id)) or []
    return [stb.BasketLine(int(sku_id), int(qty)) for sku_id, qty in raw][: stb.MAX_LINES]


def _save_basket(request, store_id: int, lines) -> None:
    request.session[_basket_key(request, store_id)] = [[line.sku_id, line.quantity] for line in lines]


@mall_page
def choose_store(request):
    """Which store the shopper is standing in (the one chosen in the mall first)."""
    merchant = mall_of(request)
    stores = list(Store.objects.for_merchant(merchant.pk).filter(is_active=True).order_by("code"))
    chosen = chosen_store_id(request)
    stores.sort(key=lambda s: s.pk != chosen)
    return render(
        request, "storefront/scan_stores.html", {"stores": stores, "chosen": chosen, "noindex": True}
    )


def _scan_url(request, store_id: int) -> str:
    return mall_url(request, "scan_basket", store_id=store_id)


@member_required
def basket(request, store_id: int):
    """The scanning page: camera or typed code, and the basket priced for this store."""
    merchant = mall_of(request)
    store = stb.selling_store(merchant.pk, store_id)
    lines = _basket(request, store.pk)
    quote, error = None, None
    if lines:
        try:
            quote = stb.quote_basket(
                merchant_id=merchant.pk, store_id=store.pk, lines=lines, member=shopper(request)
            )
        except DomainError as problem:
            error = problem.message
    rows = []
    if quote is not None:
        for line in quote.priced.lines:
            sku = quote.skus[line.sku_id]
            weighed = sku.product.sold_by_weight
            rows.append(
                {
                    "sku_id": line.sku_id,
                    "name": sku.display_name,
                    "quantity": f"{line.quantity / 1000:.3f} kg" if weighed else f"×{line.quantity}",
                    "list_fen": line.list_amount_fen,
                    "final_fen": line.final_amount_fen,
                    "notes": [str(a.explanation) for a in line.adjustments],
                    "gift": line.is_gift,
                }
            )
    context = {
        "store": store,
        "rows": rows,
        "quote": quote,
        "error": error,
        "key": uuid.uuid4().hex,
        "noindex": True,
    }
    return render(request, "storefront/scan_basket.html", context)


@require_POST
@member_required
def add(request, store_id: int):
    merchant = mall_of(request)
    store = stb.selling_store(merchant.pk, store_id)
    code = (request.POST.get("code") or "").strip()[:40]
    try:
        scanned = stb.scan_item(merchant_id=merchant.pk, store_id=store.pk, code=code)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        _save_basket(request, store.pk, stb.add_to_basket(_basket(request, store.pk), scanned))
        messages.success(request, _("Added: %(name)s") % {"name": scanned.sku.display_name})
    return redirect(_scan_url(request, store.pk))


@require_POST
@member_required
def remove(request, store_id: int):
    sku_id = whole_number(request.POST.get("sku_id"))
    lines = [line for line in _basket(request, store_id) if line.sku_id != sku_id]
    _save_basket(request, store_id, lines)
    return redirect(_scan_url(request, store_id))


@require_POST
@member_required
def checkout(request, store_id: int):
    """The basket becomes a scan-to-buy order at the price the shopper saw, then the pay page."""
    member = shopper(request)
    lines = _basket(request, store_id)
    try:
        order = stb.place_scan_order(
            member=member,
            store_id=store_id,
            lines=lines,
            idempotency_key=(request.POST.get("key") or "")[:40] or uuid.uuid4().hex,
            expected_payable_fen=whole_number(request.POST.get("payable_fen")),
        )
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
        return redirect(_scan_url(request, store_id))
    _save_basket(request, store_id, [])
    return redirect(mall_url(request, "scan_pay", order_id=order.pk))


def _scan_order(request, order_id: int) -> Order:
    order = member_order(shopper(request), order_id)
    if order.channel != Order.Channel.SCAN_TO_BUY:
        raise DomainError(PosError.NOT_SCAN_TO_BUY, number=order.number)
    return order


@member_required
def pay(request, order_id: int):
    """Pay the scan-to-buy order online (the sandbox cashier in development) or from the wallet
    when it holds enough; back from the cashier the shopper lands on the exit code."""
    member = shopper(request)
    order = _scan_order(request, order_id)
    exit_url = mall_url(request, "scan_exit", order_id=order.pk)
    if order.status != Order.Status.PENDING_PAYMENT:
        return redirect(exit_url)
    methods = [key for key in PAY_METHODS if enabled_account(order.merchant_id, key) is not None]
    outstanding = order.payable_fen - paid_so_far(order.pk)
    balance = wallet_summary(member).balance_fen
    qr = None
    if request.method == "POST":
        method = request.POST.get("method", "")
        try:
            if method == "wallet" and balance >= outstanding:
                charges.pay_order(
                    order_id=order.pk, kind=Tender.Kind.WALLET, member=member, amount_fen=outstanding
                )
                return redirect(exit_url)
            if method not in methods:
                messages.error(request, _("Choose a way to pay."))
                return redirect(mall_url(request, "scan_pay", order_id=order.pk))
            tender = charges.pay_order(
                order_id=order.pk,
                kind=PAY_METHODS[method],
                member=member,
                return_url=absolute(request, exit_url + "?paid=1"),
                client_ip=request.META.get("REMOTE_ADDR", ""),
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(mall_url(request, "scan_pay", order_id=order.pk))
        action = tender.action or {}
        if tender.status == Tender.Status.SUCCEEDED:
            return redirect(exit_url)
        if tender.status == Tender.Status.FAILED:
            messages.error(request, tender.failure_reason or _("The payment failed."))
            return redirect(mall_url(request, "scan_pay", order_id=order.pk))
        if action.get("type") == "redirect":
            return redirect(action["url"])
        if action.get("type") == "qr":
            qr = {"url": action["code_url"], "svg": qr_svg_inline(action["code_url"])}
    context = {
        "order": order,
        "methods": methods,
        "outstanding_fen": outstanding,
        "wallet_fen": balance,
        "wallet_covers": balance >= outstanding > 0,
        "qr": qr,
        "noindex": True,
    }
    return render(request, "storefront/scan_pay.html", context)


@member_required
def exit_code(request, order_id: int):
    """The exit code of a paid order (short code and QR) for the door; before payment it says so."""
    member = shopper(request)
    order = _scan_order(request, order_id)
    if request.GET.get("paid") and order.status == Order.Status.PENDING_PAYMENT:
        for tender in Tender.objects.filter(intent__order=order, status=Tender.Status.PENDING):
            charges.poll_tender(tender_id=tender.pk, member=member)
        order.refresh_from_db()
    exit_pass = None
    if order.status in stb.DONE_STATUSES:
        exit_pass = stb.exit_pass_for(order)
    lines = list(order.lines.select_related("sku__product").order_by("pk"))
    for line in lines:
        weighed = line.sku.product.sold_by_weight
        line.quantity_text = f"{line.quantity / 1000:.3f} kg" if weighed else f"×{line.quantity}"
    context = {
        "order": order,
        "lines": lines,
        "exit_pass": exit_pass,
        "code_text": f"{exit_pass.code[:4]} {exit_pass.code[4:]}" if exit_pass else "",
        "qr": qr_svg_inline(exit_pass.code, scale=7) if exit_pass else "",
        "noindex": True,
    }
    return render(request, "storefront/scan_exit.html", context)
