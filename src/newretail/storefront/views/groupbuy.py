"""Group buy (拼团) in the mall: the running items, an item's page (open a group, or join one of
the groups filling now), a group's page as its share link shows it (seats with masked names, a
countdown, the share link and its QR, the result), and the forms that open and join. Opening
or joining creates the order; the shopper pays it on the usual pay page and lands back here.
Every rule is in ``marketing.groupbuy.seats``; a refusal is shown as its message."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.qr import qr_svg_document, qr_svg_inline
from newretail.marketing.groupbuy import queries
from newretail.marketing.groupbuy.models import GroupBuySeat
from newretail.marketing.groupbuy.seats import join_group, open_group
from newretail.members.queries import member_addresses
from newretail.orders.actions.cart import address_snapshot
from newretail.storefront.decorators import mall_page, member_required
from newretail.storefront.locator import nearest_stores
from newretail.storefront.params import whole_number
from newretail.storefront.site import absolute, mall_of, mall_url, shopper


def _choices(request) -> dict:
    """What the open/join form offers: pickup stores, and the member's addresses for delivery."""
    merchant = mall_of(request)
    member = shopper(request)
    return {
        "stores": [found.store for found in nearest_stores(merchant.pk)[:50]],
        "addresses": member_addresses(member=member) if member is not None else [],
        "form_key": uuid.uuid4().hex,  # one order per form shown, however often it is submitted
    }


def _order_arguments(request) -> dict:
    member = shopper(request)
    fulfilment = request.POST.get("fulfilment", "pickup")
    arguments = {
        "quantity": whole_number(request.POST.get("quantity"), high=99) or 1,
        "fulfilment": fulfilment,
        "buyer_note": request.POST.get("buyer_note", "")[:200],
        "idempotency_key": request.POST.get("key", "")[:64] or None,
    }
    if fulfilment == "pickup":
        arguments["store_id"] = whole_number(request.POST.get("store_id"))
    else:
        address_id = whole_number(request.POST.get("address_id"))
        arguments["address"] = address_snapshot(member, address_id) if address_id else None
    return arguments


@mall_page
def groupbuy_list(request):
    merchant = mall_of(request)
    items = list(queries.running_items(merchant.pk, clock.now())[:50])
    return render(request, "storefront/groupbuy/list.html", {"items": items})


@mall_page
def groupbuy_item(request, item_id: int):
    merchant = mall_of(request)
    item = queries.item_for(merchant.pk, item_id)
    now = clock.now()
    groups = [queries.group_view(g, now) for g in queries.joinable_groups(item, now)]
    running = item.campaign.status == "active" and item.campaign.starts_at <= now < item.campaign.ends_at
    context = {
        "item": item,
        "campaign": item.campaign,
        "groups": groups,
        "running": running,
        "canonical_url": absolute(request, mall_url(request, "groupbuy_item", item_id=item.pk)),
        **_choices(request),
    }
    return render(request, "storefront/groupbuy/item.html", context)


@require_POST
@member_required
def groupbuy_open(request, item_id: int):
    member = shopper(request)
    try:
        joined = open_group(member=member, item_id=item_id, **_order_arguments(request))
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
        return redirect(mall_url(request, "groupbuy_item", item_id=item_id))
    return _to_payment(request, joined)


def _to_payment(request, joined):
    if joined.order.status == "pending_payment":
        return redirect(mall_url(request, "pay", order_id=joined.order.pk))
    return redirect(mall_url(request, "groupbuy_group", token=joined.group.share_token))


@mall_page
def groupbuy_group(request, token: str):
    merchant = mall_of(request)
    member = shopper(request)
    group = queries.group_by_token(merchant.pk, token)
    view = queries.group_view(group, clock.now(), member)
    share_url = absolute(request, mall_url(request, "groupbuy_group", token=group.share_token))
    mine = view.my_seat
    context = {
        "group": group,
        "view": view,
        "item": group.item,
        "campaign": group.campaign,
        "mine": mine,
        "mine_live": mine is not None and mine.live,
        "mine_unpaid": mine is not None and mine.status == GroupBuySeat.Status.PENDING,
        "share_url": share_url,
        "share_qr": qr_svg_inline(share_url, scale=4),
        "deadline_ms": int(group.expires_at.timestamp() * 1000) if group.expires_at else 0,
        "server_ms": int(clock.now().timestamp() * 1000),
        "noindex": True,
        **_choices(request),
    }
    return render(request, "storefront/groupbuy/group.html", context)


@require_POST
@member_required
def groupbuy_join(request, token: str):
    merchant = mall_of(request)
    member = shopper(request)
    group = queries.group_by_token(merchant.pk, token)
    try:
        joined = join_group(member=member, group_id=group.pk, **_order_arguments(request))
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
        return redirect(mall_url(request, "groupbuy_group", token=token))
    return _to_payment(request, joined)


@mall_page
def groupbuy_qr(request, token: str):
    group = queries.group_by_token(mall_of(request).pk, token)
    url = absolute(request, mall_url(request, "groupbuy_group", token=group.share_token))
    return HttpResponse(qr_svg_document(url), content_type="image/svg+xml")


@member_required
def my_groupbuys(request):
    seats = queries.member_groups(shopper(request))
    now = clock.now()
    rows = [{"seat": seat, "view": queries.group_view(seat.group, now)} for seat in seats]
    return render(
        request, "storefront/groupbuy/mine.html", {"rows": rows, "active_tab": "me", "noindex": True}
    )
