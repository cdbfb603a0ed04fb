"""The member code (会员码) the till scans, the privacy page (consent, my data, deleting the
account), and the shopper's stored value (我的储值): balance with principal and bonus apart, the shop's
recharge plans ("充100送20") or a free amount where the shop allows it, and the history. A
recharge is an order: choosing a plan creates it and goes to the pay page."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.money import MoneyFormatError, yuan_to_fen
from newretail.core.qr import code128_svg_inline, qr_svg_inline
from newretail.members.actions.cards import active_cards
from newretail.members.actions.member_code import current_member_code
from newretail.members.actions.members import update_profile
from newretail.members.actions.points_mall import exchange as mall_exchange
from newretail.members.actions.points_mall import items_on_sale
from newretail.members.actions.privacy import delete_account, export_member_data, set_marketing_consent
from newretail.members.actions.wallet import wallet_settings_for
from newretail.members.models import CardPlan, ConsentRecord
from newretail.members.queries import points_summary, recharge_plans_on_sale, wallet_summary
from newretail.orders.actions.recharge import start_card_purchase, start_recharge
from newretail.storefront.decorators import member_required
from newretail.storefront.params import whole_number
from newretail.storefront.site import forget_login, mall_url, shopper


@member_required
def wallet(request):
    member = shopper(request)
    settings = wallet_settings_for(member.merchant_id)
    if request.method == "POST":
        plan_id = whole_number(request.POST.get("plan"))
        amount = None if plan_id else _amount(request.POST.get("amount", ""))
        try:
            order = start_recharge(
                member=member,
                plan_id=plan_id,
                amount_fen=amount,
                # One recharge per form shown: pressing twice does not open two orders.
                idempotency_key=f"recharge:{member.pk}:{request.POST.get('form_key', '')[:36] or uuid.uuid4()}",
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(mall_url(request, "my_wallet"))
        return redirect(mall_url(request, "pay", order_id=order.pk))
    return render(
        request,
        "storefront/wallet.html",
        {
            "summary": wallet_summary(member),
            "plans": recharge_plans_on_sale(member.merchant_id),
            "custom_minimum_fen": settings.custom_recharge_min_fen,
            "form_key": uuid.uuid4(),
            "active_tab": "me",
            "noindex": True,
        },
    )


def _amount(text: str) -> int | None:
    try:
        return yuan_to_fen(text.strip()[:12])
    except MoneyFormatError:
        return None


@member_required
def member_code(request):
    """会员码: this minute's code as a QR and a barcode; the page reloads itself when it changes."""
    member = shopper(request)
    shown = current_member_code(member)
    seconds = max(1, int((shown.expires_at - clock.now()).total_seconds()))
    response = render(
        request,
        "storefront/member_code.html",
        {
            "code": shown.code,
            "qr": qr_svg_inline(shown.code, scale=6),
            "barcode": code128_svg_inline(shown.code),
            "refresh_seconds": seconds,
            "active_tab": "me",
            "noindex": True,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@member_required
def privacy(request):
    """我的隐私: marketing consent, a copy of my data, deleting the account (the rule is shown)."""
    member = shopper(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "consent":
            set_marketing_consent(
                member=member, granted=request.POST.get("granted") == "1", source=ConsentRecord.Source.MALL
            )
            messages.success(request, _("Saved."))
        elif action == "delete" and request.POST.get("confirm") == "1":
            try:
                delete_account(member=member)
            except DomainError as error:
                messages.error(request, error.message)
                return redirect(mall_url(request, "privacy"))
            forget_login(request)
            messages.success(request, _("Your account has been deleted."))
            return redirect(mall_url(request, "home"))
        return redirect(mall_url(request, "privacy"))
    return render(request, "storefront/privacy.html", {"member": member, "active_tab": "me", "noindex": True})


@member_required
def my_data(request):
    """A copy of everything the shop holds about me, as a JSON download."""
    member = shopper(request)
    response = JsonResponse(
        export_member_data(member), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{member.merchant.slug}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@member_required
def my_cards(request):
    """会员卡: the member's valid cards and the cards on sale (buying one goes to the pay page)."""
    member = shopper(request)
    if request.method == "POST":
        try:
            order = start_card_purchase(
                member=member,
                plan_id=whole_number(request.POST.get("plan")) or 0,
                idempotency_key=f"card:{member.pk}:{request.POST.get('form_key', '')[:36] or uuid.uuid4()}",
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(mall_url(request, "my_cards"))
        return redirect(mall_url(request, "pay", order_id=order.pk))
    held = {card.plan_id: card for card in active_cards(member)}
    plans = CardPlan.objects.filter(merchant_id=member.merchant_id, is_active=True, price_fen__gt=0)
    return render(
        request,
        "storefront/cards.html",
        {
            "cards": list(held.values()),
            "plans": plans,
            "held": held,
            "form_key": uuid.uuid4(),
            "active_tab": "me",
            "noindex": True,
        },
    )


@member_required
def points_mall(request):
    """积分商城: what points buy here; a goods voucher is then used on an order like a coupon."""
    member = shopper(request)
    if request.method == "POST":
        try:
            done_exchange = mall_exchange(
                member=member,
                item_id=whole_number(request.POST.get("item")) or 0,
                idempotency_key=f"px:{member.pk}:{request.POST.get('form_key', '')[:36] or uuid.uuid4()}",
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Exchanged: %(name)s") % {"name": done_exchange.item.name})
        return redirect(mall_url(request, "points_mall"))
    return render(
        request,
        "storefront/points_mall.html",
        {
            "items": items_on_sale(member.merchant_id),
            "balance": points_summary(member, last=0).balance,
            "form_key": uuid.uuid4(),
            "active_tab": "me",
            "noindex": True,
        },
    )


@member_required
def points_mall_goods(request, item_id: int):
    """Exchange points (or points + cash) for goods: choose pickup at a store or delivery to an
    address; the exchange is a points mall order, paid at once when there is no cash part."""
    from newretail.members.models import PointsMallItem
    from newretail.members.queries import member_addresses
    from newretail.orders.actions.cart import address_snapshot
    from newretail.storefront.locator import nearest_stores

    member = shopper(request)
    item = (
        PointsMallItem.objects.filter(
            merchant_id=member.merchant_id, pk=item_id, kind=PointsMallItem.Kind.GOODS, is_active=True
        )
        .select_related("sku__product")
        .first()
    )
    if item is None:
        messages.error(request, _("This item is no longer available in the points mall."))
        return redirect(mall_url(request, "points_mall"))
    if request.method == "POST":
        post = request.POST
        fulfilment = "pickup" if post.get("fulfilment") == "pickup" else "express"
        try:
            done_exchange = mall_exchange(
                member=member,
                item_id=item.pk,
                idempotency_key=f"px:{member.pk}:{post.get('form_key', '')[:36] or uuid.uuid4()}",
                fulfilment=fulfilment,
                store_id=whole_number(post.get("store_id")) if fulfilment == "pickup" else None,
                address=address_snapshot(member, whole_number(post.get("address_id")))
                if fulfilment == "express"
                else None,
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(mall_url(request, "points_mall_goods", item_id=item.pk))
        order = done_exchange.order
        if order.status == order.Status.PENDING_PAYMENT:
            return redirect(mall_url(request, "pay", order_id=order.pk))
        messages.success(request, _("Exchanged: %(name)s") % {"name": item.name})
        return redirect(mall_url(request, "order", order_id=order.pk))
    return render(
        request,
        "storefront/points_mall_goods.html",
        {
            "item": item,
            "balance": points_summary(member, last=0).balance,
            "addresses": member_addresses(member=member),
            "stores": nearest_stores(member.merchant_id),
            "form_key": uuid.uuid4(),
            "active_tab": "me",
            "noindex": True,
        },
    )


@member_required
def profile(request):
    """我的资料: name and birthday (a completed profile can earn points; the birthday brings the gift)."""
    member = shopper(request)
    if request.method == "POST":
        birthday = None
        text = request.POST.get("birthday", "").strip()
        if text:
            try:
                birthday = dt.date.fromisoformat(text)
            except ValueError:
                messages.error(request, _("Enter the birthday as a date."))
                return redirect(mall_url(request, "profile"))
            if not dt.date(1900, 1, 1) <= birthday <= clock.now().date():
                messages.error(request, _("Enter the birthday as a date."))
                return redirect(mall_url(request, "profile"))
        member, earned = update_profile(member=member, name=request.POST.get("name", ""), birthday=birthday)
        if earned:
            messages.success(
                request, _("Saved: +%(points)s points for completing your profile") % {"points": earned}
            )
        else:
            messages.success(request, _("Saved."))
        return redirect(mall_url(request, "me"))
    return render(request, "storefront/profile.html", {"member": member, "active_tab": "me", "noindex": True})
