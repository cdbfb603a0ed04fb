"""Cart and checkout pages. The cart shows today's prices with every problem flagged (sold out,
no longer sold, price changed — never silently changed), the promotions applied and the ones the
cart almost reaches (再买¥12.00可减¥10.00). Checkout prices the cart through the pricing engine
for the chosen fulfilment, store, address and coupons (the member's best pick preselected), and
places the order with the payable the shopper saw: a price that moved meanwhile refuses it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.analytics.actions import record_order
from newretail.core.errors import DomainError
from newretail.members.queries import member_addresses
from newretail.orders.actions import cart as carts
from newretail.storefront import checkout_view
from newretail.storefront.cart import shopper_cart
from newretail.storefront.decorators import mall_page, member_required
from newretail.storefront.params import id_list, whole_number
from newretail.storefront.site import chosen_store_id, mall_url, safe_next, shopper


@mall_page
def cart(request):
    found = shopper_cart(request)
    view = carts.view_cart(found) if found is not None else None
    preview = None
    if view is not None and view.items and not view.problems:
        # The cheapest way to see promotions and hints: price it as a pickup/express order would be.
        preview = checkout_view.cart_preview(found, store_id=chosen_store_id(request))
    return render(
        request,
        "storefront/cart.html",
        {
            "view": view,
            "lines": checkout_view.cart_lines(view) if view else [],
            "preview": preview,
            "active_tab": "cart",
            "noindex": True,
        },
    )


@require_POST
@mall_page
def add_to_cart(request):
    sku_id = whole_number(request.POST.get("sku_id"))
    quantity = whole_number(request.POST.get("quantity")) or 1
    fallback = mall_url(request, "cart")
    if sku_id is None:
        messages.error(request, _("Choose a specification first."))
        return redirect(safe_next(request, request.POST.get("next"), fallback))
    found = shopper_cart(request, create=True)
    try:
        carts.add_to_cart(cart=found, sku_id=sku_id, quantity=min(quantity, carts.MAX_LINE_QUANTITY))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(safe_next(request, request.POST.get("next"), fallback))
    if request.POST.get("buy_now"):
        return redirect(mall_url(request, "checkout"))
    messages.success(request, _("Added to cart"))
    return redirect(safe_next(request, request.POST.get("next"), fallback))


@require_POST
@mall_page
def update_line(request, sku_id: int):
    """Change a line's quantity (0 or "remove" deletes it)."""
    found = shopper_cart(request)
    if found is not None:
        quantity = 0 if request.POST.get("remove") else whole_number(request.POST.get("quantity"), low=0) or 0
        try:
            carts.set_cart_quantity(
                cart=found, sku_id=sku_id, quantity=min(quantity, carts.MAX_LINE_QUANTITY)
            )
        except DomainError as error:
            messages.error(request, error.message)
    return redirect(mall_url(request, "cart"))


@require_POST
@mall_page
def accept_prices(request):
    found = shopper_cart(request)
    if found is not None:
        carts.accept_cart_prices(cart=found)
    return redirect(mall_url(request, "cart"))


@member_required
def checkout(request):
    member = shopper(request)
    found = carts.cart_for_member(member)
    if request.method == "POST":
        return _place(request, member)
    choice = checkout_view.Choice.from_query(
        request.GET, default_store_id=chosen_store_id(request) or found.store_id
    )
    addresses = list(member_addresses(member=member))
    if choice.address_id is None and addresses and choice.fulfilment != "pickup":
        choice = choice.with_address(addresses[0].pk)
    page = checkout_view.checkout_page(found, member, choice)
    if page.empty:
        return redirect(mall_url(request, "cart"))
    return render(
        request,
        "storefront/checkout.html",
        {
            "page": page,
            "choice": choice,
            "addresses": addresses,
            "idempotency_key": uuid.uuid4().hex,
            "noindex": True,
            "self_url": request.get_full_path(),
        },
    )


def _place(request, member):
    post = request.POST
    fulfilment = post.get("fulfilment", "")
    coupon_ids = id_list(post.getlist("coupon_ids"), limit=checkout_view.MAX_COUPONS)
    try:
        order = carts.place_order_from_cart(
            member=member,
            fulfilment=fulfilment if fulfilment in checkout_view.FULFILMENTS else "",
            store_id=whole_number(post.get("store_id")),
            address_id=whole_number(post.get("address_id")),
            buyer_note=post.get("buyer_note", "")[:200],
            idempotency_key=(post.get("idempotency_key", "") or "")[:64] or None,
            expected_payable_fen=whole_number(post.get("expected_payable_fen"), low=0),
            coupon_ids=coupon_ids,
            points_to_use=whole_number(post.get("points_to_use"), low=0) or 0,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(safe_next(request, request.POST.get("next"), mall_url(request, "checkout")))
    record_order(request, order)
    return redirect(mall_url(request, "pay", order_id=order.pk))
