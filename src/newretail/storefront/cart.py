"""The cart of the shopper on this request: the member's when logged in, otherwise the anonymous
cart whose token the session keeps (created on first use, merged into the member's at login)."""

from __future__ import annotations

from django.http import HttpRequest

from newretail.orders.actions import cart as carts
from newretail.orders.models import Cart
from newretail.storefront.site import cart_token, mall_of, remember_cart_token, shopper


def shopper_cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    member = shopper(request)
    if member is not None:
        return carts.cart_for_member(member)
    merchant = mall_of(request)
    cart = carts.cart_for_token(merchant, cart_token(request))
    if cart is None and create:
        cart, token = carts.new_anonymous_cart(merchant=merchant)
        remember_cart_token(request, token)
    return cart
