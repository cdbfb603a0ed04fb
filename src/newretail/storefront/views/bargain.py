"""Bargain pages (砍价): the campaigns, a campaign's page with "start bargain", the starter's
bargain page (progress bar, friends' cuts, countdown, share link and QR, buy button), a friend's
"help cut" page (the cut is decided by the server; the page then plays it), and the buy page
(pickup store or address, the price through the order core, then the pay page).

A friend's device is recognised by the ``nr_device`` cookie (a random id this page sets); with
their member login it is what ``marketing.bargain.cutting`` checks (one help per member and one
per device per bargain)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.analytics.actions import record_order
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.qr import qr_svg_document, qr_svg_inline
from newretail.marketing.bargain import queries
from newretail.marketing.bargain.buying import buy_bargain, running_for, start_bargain
from newretail.marketing.bargain.cutting import help_bargain
from newretail.members.queries import member_addresses
from newretail.orders.actions import cart as carts
from newretail.orders.actions.checkout import quote_order
from newretail.storefront import locator
from newretail.storefront.decorators import mall_page, member_required
from newretail.storefront.params import whole_number
from newretail.storefront.queries import first_images
from newretail.storefront.site import mall_absolute_url, mall_url, shopper

DEVICE_COOKIE = "nr_device"
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600
FULFILMENTS = ("pickup", "delivery", "express")


def _ms(value) -> int:
    return int(value.timestamp() * 1000)


def _image(campaign) -> str | None:
    return first_images([campaign.sku.product_id]).get(campaign.sku.product_id)


@mall_page
def campaigns(request):
    now = clock.now()
    found = list(queries.live_campaigns(request.mall.pk, now)[:50])
    images = first_images(c.sku.product_id for c in found)
    return render(
        request,
        "storefront/bargain/campaigns.html",
        {"campaigns": [(c, images.get(c.sku.product_id)) for c in found], "now": now},
    )


@mall_page
def campaign(request, campaign_id: int):
    now = clock.now()
    found = queries.mall_campaign(request.mall.pk, campaign_id, now)
    member = shopper(request)
    return render(
        request,
        "storefront/bargain/campaign.html",
        {
            "campaign": found,
            "image": _image(found),
            "running": running_for(member, found.pk, now) if member else None,
            "live": found.starts_at <= now,
            "countdown_ms": _ms(found.ends_at if found.starts_at <= now else found.starts_at),
            "login_url": mall_url(
                request, "login", query={"next": mall_url(request, "bargain_campaign", campaign_id=found.pk)}
            ),
        },
    )


@require_POST
@member_required
def start(request, campaign_id: int):
    try:
        bargain, _created = start_bargain(member=shopper(request), campaign_id=campaign_id)
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
        return redirect(mall_url(request, "bargain_campaign", campaign_id=campaign_id))
    return redirect(mall_url(request, "bargain", bargain_id=bargain.pk))


@member_required
def my_bargains(request):
    now = clock.now()
    rows = [(b, queries.shown_status(b, now)) for b in queries.member_bargains(shopper(request))]
    return render(
        request, "storefront/bargain/mine.html", {"rows": rows, "active_tab": "me", "noindex": True}
    )


def _page_context(request, bargain) -> dict:
    now = clock.now()
    share_url = mall_absolute_url(request.mall, "bargain_help", share_code=bargain.share_code)
    return {
        "bargain": bargain,
        "campaign": bargain.campaign,
        "image": _image(bargain.campaign),
        "cuts": queries.cuts_of(bargain),
        "state": queries.shown_status(bargain, now),
        "countdown_ms": _ms(bargain.expires_at),
        "share_url": share_url,
        "noindex": True,
    }


@member_required
def detail(request, bargain_id: int):
    bargain = queries.own_bargain(shopper(request), bargain_id)
    context = _page_context(request, bargain)
    context["share_qr"] = qr_svg_inline(context["share_url"], scale=4)
    return render(request, "storefront/bargain/bargain.html", context)


@mall_page
def share_qr(request, share_code: str):
    bargain = queries.shared_bargain(request.mall.pk, share_code)
    url = mall_absolute_url(request.mall, "bargain_help", share_code=bargain.share_code)
    response = HttpResponse(qr_svg_document(url), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@mall_page
def help_page(request, share_code: str):
    """A friend's page. POST helps (needs a login and the device cookie); GET shows the bargain,
    and after a help plays the friend's own cut."""
    bargain = queries.shared_bargain(request.mall.pk, share_code)
    member = shopper(request)
    if member is not None and member.pk == bargain.member_id:
        return redirect(mall_url(request, "bargain", bargain_id=bargain.pk))
    here = mall_url(request, "bargain_help", share_code=bargain.share_code)
    if request.method == "POST":
        if member is None:
            return redirect(mall_url(request, "login", query={"next": here}))
        try:
            help_bargain(helper=member, share_code=share_code, device_id=request.COOKIES.get(DEVICE_COOKIE))
        except DomainError as error:
            if error.status == 404:
                raise
            messages.error(request, error.message)
            return redirect(here)
        return redirect(f"{here}?cut=1")
    context = _page_context(request, bargain)
    mine = queries.cut_by(bargain, member)
    play = mine is not None and request.GET.get("cut") == "1"
    total = bargain.start_price_fen - bargain.floor_price_fen
    context.update(
        {
            # The bar starts where it stood before the friend's cut and moves to now.
            "from_percent": (bargain.start_price_fen - mine.price_after_fen - mine.amount_fen) * 100 // total
            if play
            else None,
            "starter": queries.helper_label(bargain.member),
            "my_cut": mine,
            "play": play,
            "login_url": mall_url(request, "login", query={"next": here}),
        }
    )
    response = render(request, "storefront/bargain/help.html", context)
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax"
        )
    return response


@member_required
def buy(request, bargain_id: int):
    """Choose pickup or delivery and order at the bargain's current price."""
    member = shopper(request)
    bargain = queries.own_bargain(member, bargain_id)
    here = mall_url(request, "bargain_buy", bargain_id=bargain.pk)
    source = request.POST if request.method == "POST" else request.GET
    fulfilment = source.get("fulfilment", "pickup")
    fulfilment = fulfilment if fulfilment in FULFILMENTS else "pickup"
    store_id = whole_number(source.get("store")) or locator.first_store_id(member.merchant_id)
    addresses = list(member_addresses(member=member))
    address_id = whole_number(source.get("address")) or (addresses[0].pk if addresses else None)
    if request.method == "POST":
        try:
            address = carts.address_snapshot(member, address_id) if fulfilment != "pickup" else None
            order = buy_bargain(
                member=member,
                bargain_id=bargain.pk,
                fulfilment=fulfilment,
                store_id=store_id,
                address=address,
                buyer_note=request.POST.get("buyer_note", "")[:200],
            )
        except DomainError as error:
            if error.status == 404:
                raise
            messages.error(request, error.message)
            return redirect(f"{here}?fulfilment={fulfilment}")
        record_order(request, order)
        return redirect(mall_url(request, "pay", order_id=order.pk))
    if bargain.order_id is not None:
        return redirect(mall_url(request, "order", order_id=bargain.order_id))
    quote, problem = None, None
    try:
        address = carts.address_snapshot(member, address_id) if fulfilment != "pickup" else None
        if fulfilment == "pickup" or address is not None:
            sku_id = bargain.campaign.sku_id
            quote = quote_order(
                merchant=member.merchant_id,
                channel="mall",
                fulfilment=fulfilment,
                lines=[(sku_id, 1)],
                store_id=store_id,
                address=address,
                member=member,
                campaign_prices={sku_id: (bargain.current_price_fen, bargain.campaign.name)},
            )
        else:
            problem = _("Add an address to have it delivered.")
    except DomainError as error:
        if error.status == 404:
            raise
        problem = error.message
    context = _page_context(request, bargain)
    context.update(
        {
            "fulfilment": fulfilment,
            "store_id": store_id,
            "address_id": address_id,
            "addresses": addresses,
            "stores": locator.nearest_stores(member.merchant_id) if fulfilment != "express" else [],
            "priced": quote.priced if quote else None,
            "problem": problem,
            "self_url": request.get_full_path(),
        }
    )
    return render(request, "storefront/bargain/buy.html", context)
