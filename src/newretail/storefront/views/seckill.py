"""The mall's seckill (秒杀) pages: the list of what is running and coming, each with a countdown
(Alpine, counted on the server's clock: the page carries the server's time and the script keeps
the difference to the phone's), and an item's buy page: the shopper chooses pickup or express,
the purchase takes the pieces and queues the order; while the worker writes it the page waits
(htmx polls ``seckill_status`` every second) and then the normal pay page of that order opens.
Refusals (sold out, not started, over the limit, already bought…) and an order the worker could
not place are shown on the buy page."""

from __future__ import annotations

import uuid
from collections import OrderedDict

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.marketing.seckill.buying import purchase_state, queue_seckill
from newretail.marketing.seckill.queries import (
    mall_item,
    mall_seckill_items,
    member_purchase,
    offer_for,
    seckill_for_skus,
)
from newretail.members.models import MemberAddress
from newretail.orders.actions.cart import address_snapshot
from newretail.storefront import locator
from newretail.storefront.decorators import mall_page, member_required
from newretail.storefront.params import whole_number
from newretail.storefront.site import chosen_store_id, mall_of, mall_url, shopper

FULFILMENTS = ("pickup", "express")


def server_ms() -> int:
    return int(clock.now().timestamp() * 1000)


@mall_page
def seckill_list(request):
    """Sessions (one per campaign): live ones first, counting down to their end; then the coming
    ones, counting down to their start."""
    merchant = mall_of(request)
    now = clock.now()
    sessions: OrderedDict[int, dict] = OrderedDict()
    for item in mall_seckill_items(merchant.pk, now):
        session = sessions.setdefault(
            item.campaign_id,
            {
                "name": item.campaign_name,
                "live": item.live,
                "countdown_ms": int(item.countdown_to.timestamp() * 1000),
                "starts_at": item.starts_at,
                "ends_at": item.ends_at,
                "items": [],
            },
        )
        session["items"].append(item)
    return render(
        request,
        "storefront/seckill_list.html",
        {"sessions": list(sessions.values()), "server_ms": server_ms(), "active_tab": "home"},
    )


@require_http_methods(["GET", "POST"])
@member_required
def seckill_buy(request, item_id: int):
    member = shopper(request)
    now = clock.now()
    item = mall_item(member.merchant_id, item_id, now)
    stores = locator.nearest_stores(member.merchant_id)
    addresses = list(MemberAddress.objects.filter(member=member).order_by("-is_default", "-id")[:20])
    purchase = member_purchase(member.pk, item.item_id)
    post = request.POST if request.method == "POST" else None
    fulfilment = (post or request.GET).get("fulfilment", "pickup")
    fulfilment = fulfilment if fulfilment in FULFILMENTS else "pickup"
    store_id = (
        whole_number((post or {}).get("store"))
        or chosen_store_id(request)
        or (stores[0].store.pk if stores else None)
    )
    address_id = whole_number((post or {}).get("address")) or (addresses[0].pk if addresses else None)
    error = None
    waiting = None  # the purchase's state: what the POST made it, else read below
    if post is not None:
        quantity = whole_number(post.get("quantity"), high=99) or 1
        try:
            waiting = queue_seckill(
                member=member,
                item_id=item.item_id,
                quantity=quantity,
                fulfilment=fulfilment,
                store_id=store_id if fulfilment == "pickup" else None,
                address=_address(member, address_id) if fulfilment == "express" else None,
                # One purchase per form shown: a second tap replays the first.
                idempotency_key=f"seckill:{post.get('form_key', '')[:36] or uuid.uuid4()}",
            )
        except DomainError as failure:
            if failure.status == 404:
                raise
            error = failure.message
        else:
            if waiting.order is not None:
                return redirect(mall_url(request, "pay", order_id=waiting.order.pk))
            if waiting.status == "failed":
                error = waiting.error_message
            else:  # queued: the page waits for the worker (and a reload keeps waiting)
                return redirect(mall_url(request, "seckill_buy", item_id=item.item_id))
    if waiting is None:
        waiting = purchase_state(offer_for(member.merchant_id, item.item_id), member.pk)
    if purchase is not None and purchase.order is not None and error is None and post is None:
        messages.info(request, _("You already have an order for this seckill item."))
    state = _state(item, now)
    return render(
        request,
        "storefront/seckill_buy.html",
        {
            "item": item,
            "state": state,
            "purchase": purchase,
            "waiting": not waiting.settled,
            "error": error,
            "fulfilment": fulfilment,
            "stores": stores,
            "store_id": store_id,
            "addresses": addresses,
            "address_id": address_id,
            "form_key": uuid.uuid4(),
            "server_ms": server_ms(),
            "countdown_ms": int(item.countdown_to.timestamp() * 1000),
            "noindex": True,
        },
    )


@member_required
def seckill_status(request, item_id: int):
    """The waiting box, polled while the worker writes the order: the pay page once it is
    there (``HX-Redirect``), the reason if it could not be placed, else the box again."""
    member = shopper(request)
    state = purchase_state(offer_for(member.merchant_id, item_id), member.pk)
    if state.order is not None:
        pay = mall_url(request, "pay", order_id=state.order.pk)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = pay
            return response
        return redirect(pay)
    return render(
        request,
        "storefront/_seckill_waiting.html",
        {"item_id": item_id, "state": state, "waiting": not state.settled},
    )


def product_seckill(merchant_id: int, sku_ids: list[int], first_sku_id: int) -> dict | None:
    """The seckill a product page shows (its first SKU's, else any of its SKUs'; live before
    upcoming) with the buy button's state, or None."""
    now = clock.now()
    found = seckill_for_skus(merchant_id, sku_ids, now)
    item = found.get(first_sku_id) or next(iter(sorted(found.values(), key=lambda i: not i.live)), None)
    if item is None:
        return None
    return {
        "item": item,
        "state": _state(item, now),
        "countdown_ms": int(item.countdown_to.timestamp() * 1000),
    }


def _state(item, now) -> str:
    """What the buy button can do: buy, soon (not started), ended, paused or sold_out."""
    if item.paused:
        return "paused"
    if now >= item.ends_at:
        return "ended"
    if not item.live:
        return "soon"
    return "sold_out" if item.left <= 0 else "buy"


def _address(member, address_id: int | None) -> dict | None:
    return address_snapshot(member, address_id) if address_id else None
