"""The best-coupon suggestion: the member's coupons combined every allowed way, each priced by the
engine itself, and the combination with the lowest payable amount (the checkout preselects it)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Sequence

from newretail.core.errors import DomainError
from newretail.marketing.pricing.coupons import usable_here
from newretail.marketing.pricing.engine import price_cart
from newretail.marketing.pricing.offers import NO_OFFERS, CouponKind, CouponOffer, Offers
from newretail.marketing.pricing.types import CartLine, PricedCart, PricingContext, ShippingRules


@dataclasses.dataclass(frozen=True)
class CouponChoice:
    coupons: tuple[CouponOffer, ...]
    priced: PricedCart


def best_coupons(
    lines: Sequence[CartLine],
    context: PricingContext,
    rules: ShippingRules,
    coupons: Iterable[CouponOffer],
    *,
    offers: Offers = NO_OFFERS,
) -> CouponChoice:
    """The combination of ``coupons`` (the member's, unused) giving the lowest payable amount for
    this cart; on a tie, fewer coupons, then the ones that expire first. Prices every allowed
    combination with the engine itself: one goods coupon that does not stack (or none), all
    stackable ones that apply, one free-shipping coupon (or none)."""

    def price(chosen: tuple[CouponOffer, ...]) -> PricedCart | None:
        try:
            return price_cart(lines, dataclasses.replace(context, coupons=chosen), rules, offers=offers)
        except DomainError:
            return None

    usable = [c for c in coupons if usable_here(c, context)]
    plain_goods = [c for c in usable if c.kind in CouponKind.GOODS and not c.stackable]
    shipping = [c for c in usable if c.kind == CouponKind.FREE_SHIPPING and not c.stackable]
    stackable = [c for c in usable if c.stackable and price((c,)) is not None]
    best: tuple[tuple[int, int, tuple], CouponChoice] | None = None
    for goods, ship, stack in itertools.product(
        [None, *plain_goods], [None, *shipping], [(), tuple(stackable)]
    ):
        chosen = tuple(c for c in (goods, ship, *stack) if c is not None)
        priced = price(chosen)
        if priced is None:
            continue
        used = tuple(c for c in chosen if c.id in priced.coupon_ids)
        key = (priced.payable_fen, len(used), tuple(sorted((c.valid_until, c.id) for c in used)))
        if best is None or key < best[0]:
            best = (key, CouponChoice(coupons=used, priced=priced))
    if best is None:  # the cart cannot be priced at all: let the caller see why
        return CouponChoice(coupons=(), priced=price_cart(lines, context, rules, offers=offers))
    return best[1]
