"""Step 4, coupons (the best-coupon suggestion is in ``suggestions``).

At most one goods coupon (满减券, 折扣券, 兑换券) plus one free-shipping coupon, unless the templates
say they stack (stackable goods coupons combine with each other and with one that does not).
Every threshold is checked on the amount after steps 1–3 of the lines the coupon reaches, before
any coupon: two coupons never make each other reachable. They apply exchange first, then rate
discounts, then cash (cheapest for the shopper, and deterministic). A coupon reaches no line a
promotion barred coupons from, and takes a line at most to ¥0.

A chosen coupon that does not apply is an error the shopper sees ("needs ¥59 of eligible goods"),
never silently dropped; ``suggestions.best_coupons`` is how a page picks coupons that do apply.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from newretail.core.errors import DomainError
from newretail.core.money import format_fen, percent_of
from newretail.marketing.errors import MarketingError
from newretail.marketing.pricing.arithmetic import format_rate, part_of
from newretail.marketing.pricing.offers import CouponKind, CouponOffer
from newretail.marketing.pricing.state import PricingState
from newretail.marketing.pricing.types import Adjustment, PricingContext

APPLY_ORDER = {
    CouponKind.EXCHANGE: 0,
    CouponKind.DISCOUNT: 1,
    CouponKind.CASH_OFF: 2,
    CouponKind.FREE_SHIPPING: 3,
}


def check_combination(coupons: Sequence[CouponOffer]) -> None:
    """Raise unless these coupons may be used together."""
    ids = [coupon.id for coupon in coupons]
    if len(set(ids)) != len(ids):
        raise DomainError(MarketingError.COUPON_TWICE)
    goods = [c for c in coupons if c.kind in CouponKind.GOODS and not c.stackable]
    shipping = [c for c in coupons if c.kind == CouponKind.FREE_SHIPPING and not c.stackable]
    if len(goods) > 1 or len(shipping) > 1:
        raise DomainError(MarketingError.COUPONS_DO_NOT_STACK)


def usable_here(coupon: CouponOffer, context: PricingContext) -> bool:
    if not coupon.valid_from <= context.now < coupon.valid_until:
        return False
    if coupon.channels is not None and context.channel not in coupon.channels:
        return False
    return coupon.stores is None or context.store_id in coupon.stores


def _lines_for(state: PricingState, coupon: CouponOffer) -> list[str]:
    return [
        line_id
        for line_id in state.line_ids
        if line_id not in state.no_coupons
        and coupon.scope.covers(state.cart[line_id].sku_id, state.cart[line_id].category_ids)
    ]


def _refuse(coupon: CouponOffer, short_fen: int = 0) -> DomainError:
    if short_fen > 0:
        return DomainError(
            MarketingError.COUPON_THRESHOLD_NOT_MET,
            name=coupon.name,
            threshold=format_fen(coupon.threshold_fen),
            short=format_fen(short_fen),
        )
    return DomainError(MarketingError.COUPON_NOT_APPLICABLE, name=coupon.name)


def _explain(coupon: CouponOffer) -> str:
    values = {"name": coupon.name}
    if coupon.kind == CouponKind.EXCHANGE:
        return _("Coupon %(name)s: one piece free") % values
    if coupon.kind == CouponKind.DISCOUNT:
        values["rate"] = format_rate(coupon.rate_percent)
        return _("Coupon %(name)s: %(rate)s/10") % values
    values["off"] = format_fen(coupon.off_fen)
    return _("Coupon %(name)s: %(off)s off") % values


def apply_coupons(state: PricingState) -> PricingState:
    coupons = sorted(state.context.coupons, key=lambda c: (APPLY_ORDER[c.kind], c.id))
    if not coupons:
        return state
    check_combination(coupons)
    reach = {coupon.id: _lines_for(state, coupon) for coupon in coupons}
    before = dict(state.final)  # thresholds are checked on the amount after steps 1–3
    for coupon in coupons:
        if not usable_here(coupon, state.context):
            raise DomainError(MarketingError.COUPON_NOT_USABLE_HERE, name=coupon.name)
        line_ids = reach[coupon.id]
        eligible = sum(before[line_id] for line_id in line_ids)
        if not line_ids:
            raise _refuse(coupon)
        if eligible < coupon.threshold_fen:
            raise _refuse(coupon, coupon.threshold_fen - eligible)
        if coupon.kind == CouponKind.FREE_SHIPPING:
            state.free_shipping_coupon_id = coupon.id
            continue
        current = state.goods_final(line_ids)
        if coupon.kind == CouponKind.EXCHANGE:
            targets = [i for i in line_ids if state.cart[i].sku_id == coupon.exchange_sku_id]
            if not targets or state.cart[targets[0]].sold_by_weight:
                raise _refuse(coupon)
            line = state.cart[targets[0]]
            shares = {targets[0]: -part_of(state.final[targets[0]], line.quantity, 1)}
        else:
            if coupon.kind == CouponKind.DISCOUNT:
                off = current - percent_of(current, coupon.rate_percent)
                if coupon.max_off_fen is not None:
                    off = min(off, coupon.max_off_fen)
            else:
                off = min(coupon.off_fen, current)
            shares = state.spread(-off, line_ids) if off > 0 else {}
        if (
            state.adjust(
                source="coupon",
                kind="coupon",
                shares=shares,
                explanation=_explain(coupon),
                source_id=coupon.id,
            )
            is None
        ):
            raise _refuse(coupon)  # the lines are already free: the coupon would be wasted
        state.coupon_ids.append(coupon.id)
    return state


def apply_free_shipping_coupon(state: PricingState, fee_fen: int) -> None:
    """Called by the shipping step when a fee is left to waive."""
    coupon_id = state.free_shipping_coupon_id
    coupon = next(c for c in state.context.coupons if c.id == coupon_id)
    state.add_order_adjustment(
        Adjustment(
            source="coupon",
            kind="shipping_waiver",
            amount_fen=-fee_fen,
            line_ids=(),
            explanation=_("Coupon %(name)s: free shipping") % {"name": coupon.name},
            source_id=coupon.id,
        )
    )
    state.coupon_ids.append(coupon.id)
