"""Reads other domains use: what the pricing engine needs (shipping rules and running promotions,
cached per merchant; a shopper's allowances and coupons, fresh)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from newretail.catalog.models import Sku
from newretail.catalog.queries import store_prices_and_lineages
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.marketing.codes import normalize_code
from newretail.marketing.errors import MarketingError
from newretail.marketing.loading import (
    bump_cache_version,
    cache_version,
    cache_versions,
    coupon_offer,
    offers_key,
    promotion_allowances,
    running_promotions,
)
from newretail.marketing.models import Coupon, ShippingSettings
from newretail.marketing.pricing import CartLine, CouponOffer, Offers, PointsRule, ShippingRules
from newretail.members.actions.points import points_settings_for
from newretail.members.errors import MemberError
from newretail.members.models import Member
from newretail.members.queries import points_balance

RULES_FIELDS = tuple(field.name for field in ShippingRules.__dataclass_fields__.values())
# Bounded staleness even if an invalidation were lost (e.g. a cache outage during a save).
CACHE_SECONDS = 3600


def bump_shipping_rules_version(merchant_id: int) -> None:
    """Invalidate the cached rules of a merchant (called after a settings change commits)."""
    bump_cache_version("shipping", merchant_id)


def shipping_settings_for(merchant_id: int) -> ShippingSettings:
    """The merchant's settings row, or an unsaved row with the defaults."""
    settings = ShippingSettings.objects.for_merchant(merchant_id).first()
    return settings or ShippingSettings(merchant_id=merchant_id)


def _shipping_key(merchant_id: int, version: int) -> str:
    return f"marketing:shipping:{merchant_id}:{version}"


def pricing_rules_for(
    merchant_id: int, *, key: str | None = None, rules: ShippingRules | None = None
) -> ShippingRules:
    """The shipping rules ``pricing.price_cart`` needs, from Django's cache when fresh. ``key``
    and ``rules``: the cache entry already looked up (``pricing_inputs``)."""
    if key is None:
        key = _shipping_key(merchant_id, cache_version("shipping", merchant_id))
        rules = cache.get(key)
    if rules is None:
        settings = shipping_settings_for(merchant_id)
        rules = ShippingRules(**{name: getattr(settings, name) for name in RULES_FIELDS})
        cache.set(key, rules, CACHE_SECONDS)
    return rules


@dataclass(frozen=True)
class PricingInputs:
    """What ``price_cart`` needs from marketing for one shopper's cart."""

    offers: Offers
    allowances: dict[int, int]
    coupons: tuple[CouponOffer, ...]
    rules: ShippingRules


def pricing_inputs(
    merchant_id: int, *, member: Member | None, coupon_ids: Sequence[int] = (), now: dt.datetime
) -> PricingInputs:
    """The running promotions and the shipping rules (cached: both read in two round trips, the
    versions and then the entries), this shopper's allowances on the limited ones (fresh) and
    the chosen coupons (each must be the member's and available)."""
    versions = cache_versions(("offers", "shipping"), merchant_id)
    keys = (offers_key(merchant_id, versions["offers"]), _shipping_key(merchant_id, versions["shipping"]))
    found = cache.get_many(keys)
    running = running_promotions(merchant_id, now, key=keys[0], found=found.get(keys[0]))
    return PricingInputs(
        offers=running.offers,
        allowances=promotion_allowances(merchant_id, running.limited, member.pk if member else None),
        coupons=member_coupon_offers(merchant_id, member, coupon_ids),
        rules=pricing_rules_for(merchant_id, key=keys[1], rules=found.get(keys[1])),
    )


def member_coupon_offers(
    merchant_id: int, member: Member | None, coupon_ids: Sequence[int]
) -> tuple[CouponOffer, ...]:
    """The chosen coupons as the engine needs them; each must be the member's and available."""
    ids = list(dict.fromkeys(coupon_ids))
    if not ids:
        return ()
    if member is None:
        raise DomainError(MarketingError.COUPON_NOT_AVAILABLE, code="")
    coupons = {
        c.pk: c
        for c in Coupon.objects.select_related("template").filter(
            merchant_id=merchant_id, member=member, pk__in=ids, status=Coupon.Status.AVAILABLE
        )
    }
    missing = [pk for pk in ids if pk not in coupons]
    if missing:
        raise DomainError(MarketingError.COUPON_NOT_AVAILABLE, code=missing[0])
    return tuple(coupon_offer(coupons[pk]) for pk in ids)


def available_coupon_offers(merchant_id: int, member: Member) -> list[CouponOffer]:
    """Every coupon the member could use now (for the best-coupon suggestion)."""
    now = clock.now()
    rows = Coupon.objects.select_related("template").filter(
        merchant_id=merchant_id,
        member=member,
        status=Coupon.Status.AVAILABLE,
        valid_from__lte=now,
        valid_until__gt=now,
    )[:50]
    return [coupon_offer(row) for row in rows]


def coupon_by_code(merchant_id: int, code: str) -> Coupon | None:
    """The coupon a cashier scanned (核销码), or None."""
    return (
        Coupon.objects.select_related("template", "member")
        .filter(merchant_id=merchant_id, code=normalize_code(code))
        .first()
    )


def line_id(sku_id: int) -> str:
    return f"{sku_id:012d}"  # sorts like the SKU id, so pricing order = SKU order


def cart_lines_for(
    merchant_id: int, store_id: int | None, skus: Mapping[int, Sku], lines: Iterable[tuple[int, int]]
) -> list[CartLine]:
    """The pricing engine's input for ``lines``: list prices, the store's prices, weights."""
    store_prices, lineages = store_prices_and_lineages(merchant_id, store_id, skus.values())
    return [
        CartLine(
            line_id=line_id(sku_id),
            sku_id=sku_id,
            quantity=quantity,
            list_price_fen=skus[sku_id].price_fen,
            store_price_fen=store_prices.get(sku_id),
            weight_g=skus[sku_id].weight_g,
            category_ids=lineages.get(skus[sku_id].product.category_id, ()),
            sold_by_weight=skus[sku_id].product.sold_by_weight,
        )
        for sku_id, quantity in lines
    ]


def points_rule_for(merchant_id: int) -> PointsRule | None:
    """How points pay at this merchant's checkout (its points settings), or None when they cannot."""
    settings = points_settings_for(merchant_id)
    if not settings.redeem_per_yuan:
        return None
    return PointsRule(
        points_per_yuan=settings.redeem_per_yuan,
        max_share_percent=settings.redeem_max_percent,
        min_points=settings.redeem_min_points,
    )


def points_context(merchant_id: int, member: Member | None, wanted: int) -> dict[str, Any]:
    """The points part of a pricing context: nothing unless a member asks to pay with points;
    asking for more than they hold is ``members.points_not_enough`` (the engine then caps what
    may be used by the merchant's rule)."""
    if wanted <= 0:
        return {}
    balance = points_balance(member) if member is not None else 0
    if wanted > balance:
        raise DomainError(MemberError.POINTS_NOT_ENOUGH, balance=balance, points=wanted)
    return {"points_to_use": wanted, "points_rule": points_rule_for(merchant_id)}
