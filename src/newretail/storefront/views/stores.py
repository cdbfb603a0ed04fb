"""The store locator (门店): the mall's stores nearest the shopper (the browser's position, or a
chosen district), with distance, hours and a map link; choosing one makes it the cart's store,
which drives pickup, same-city delivery and store prices."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.orders.actions import cart as carts
from newretail.storefront import locator
from newretail.storefront.cart import shopper_cart
from newretail.storefront.decorators import mall_page
from newretail.storefront.params import whole_number
from newretail.storefront.seo import stores_jsonld
from newretail.storefront.site import absolute, chosen_store_id, mall_of, mall_url, remember_store, safe_next


def _coordinate(value: str | None, limit: int) -> Decimal | None:
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and -limit <= number <= limit else None


@mall_page
def store_list(request):
    merchant = mall_of(request)
    lat = _coordinate(request.GET.get("lat"), 90)
    lng = _coordinate(request.GET.get("lng"), 180)
    district = request.GET.get("district", "")[:32]
    found = locator.nearest_stores(merchant.pk, lat=lat, lng=lng, district=district)
    url = absolute(request, mall_url(request, "stores"))
    return render(
        request,
        "storefront/stores.html",
        {
            "stores": found,
            "districts": locator.districts(merchant.pk),
            "district": district,
            "located": lat is not None and lng is not None,
            "chosen_store_id": chosen_store_id(request),
            "next": safe_next(request, request.GET.get("next")),
            "canonical_url": url,
            "jsonld": stores_jsonld([s.store for s in found], url, merchant.name),
        },
    )


@require_POST
@mall_page
def choose(request):
    merchant = mall_of(request)
    store_id = whole_number(request.POST.get("store_id"))
    cart = shopper_cart(request, create=True)
    carts.choose_cart_store(cart=cart, store_id=store_id)  # refuses another merchant's store (404)
    remember_store(request, store_id)
    store = locator.store_name(merchant.pk, store_id)
    if store:
        messages.success(request, _("Shopping at %(store)s") % {"store": store})
    return redirect(safe_next(request, request.POST.get("next"), mall_url(request, "home")))
