"""Template context of every mall page: the mall, its theme, the shopper and the cart badge."""

from __future__ import annotations

from newretail.orders.actions.cart import cart_for_token
from newretail.orders.models import CartLine
from newretail.storefront.site import cart_token, shopper
from newretail.storefront.theme import theme_for


def mall_context(request) -> dict:
    merchant = getattr(request, "mall", None)
    if merchant is None:
        return {}
    member = shopper(request)
    if member is not None:
        count = CartLine.objects.filter(cart__member=member).count()
    else:
        cart = cart_for_token(merchant, cart_token(request))
        count = CartLine.objects.filter(cart=cart).count() if cart is not None else 0
    return {"mall": merchant, "theme": theme_for(merchant), "shopper": member, "cart_count": count}
