"""``{% mall_url 'product' product_id=p.id %}``: a mall page's path for the request's mall (with
the merchant's slug in path mode, without it on the merchant's own host)."""

from __future__ import annotations

from django import template

from newretail.marketing.pricing.arithmetic import format_rate
from newretail.storefront.site import mall_url as build_mall_url

register = template.Library()


@register.simple_tag(takes_context=True)
def mall_url(context, name: str, **kwargs) -> str:
    return build_mall_url(context["request"], name, **kwargs)


@register.filter
def zhe(rate_percent) -> str:
    """88 -> "8.8" (the 折 figure of a coupon or discount)."""
    try:
        return format_rate(int(rate_percent))
    except (TypeError, ValueError):
        return ""


@register.simple_tag
def toggle_coupon(choice, coupon_id: int, chosen_ids) -> str:
    """The checkout query string with one coupon switched on or off (the coupon picker's links)."""
    return choice.toggle_coupon(coupon_id, tuple(chosen_ids))


@register.simple_tag
def choice_query(choice, **changes) -> str:
    """The checkout query string with ``changes`` (store=…, address=…, coupons="none")."""
    return choice.query(**changes)
