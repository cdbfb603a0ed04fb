"""Step 5, the shipping fee for the fulfilment, on the goods amount after every discount, and what
waives it: the merchant's free-shipping threshold first, then a 满额包邮 promotion, then a
free-shipping coupon (so a coupon is only spent when nothing else makes shipping free). A
promotion waives no more than its cap and budget allow; the next rule may waive the rest. A waiver
never covers the remote-area surcharge. Pickup and in-store sales ship nothing."""

from __future__ import annotations

from django.utils.translation import gettext as _

from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.marketing.errors import MarketingError
from newretail.marketing.pricing.arithmetic import GRAMS_PER_KG, METRES_PER_KM, format_distance, started_units
from newretail.marketing.pricing.coupons import apply_free_shipping_coupon
from newretail.marketing.pricing.offers import Kind
from newretail.marketing.pricing.state import PricingState
from newretail.marketing.pricing.types import Adjustment, Hint


def _fee(state: PricingState, source: str, fee: int, explanation: str) -> None:
    state.add_order_adjustment(Adjustment(source, "shipping_fee", fee, (), explanation))


def _waive(state: PricingState, fee_fen: int, threshold_fen: int | None) -> None:
    """Waive ``fee_fen`` by the first rule that allows it (a promotion at most up to its cap and
    budget, the rest by the next rule); tell the shopper how close they are."""
    if fee_fen == 0:
        return
    goods = state.goods_final()
    if threshold_fen is not None and goods >= threshold_fen:
        state.add_order_adjustment(
            Adjustment(
                "free_shipping",
                "shipping_waiver",
                -fee_fen,
                (),
                _("Free shipping on orders over %(threshold)s") % {"threshold": format_fen(threshold_fen)},
            )
        )
        return
    for promotion in state.running_of(frozenset({Kind.FREE_SHIPPING})):
        line_ids = state.open_lines(promotion)
        if not line_ids or not promotion.tiers:
            continue
        threshold = promotion.tiers[0].threshold
        measure = state.pieces(line_ids) if promotion.counts_pieces else state.goods_final(line_ids)
        if measure >= threshold:
            waived = state.allowance(promotion, fee_fen)  # its cap and budget hold here too
            if waived <= 0:
                continue
            state.add_order_adjustment(
                Adjustment(
                    "promotion",
                    "shipping_waiver",
                    -waived,
                    (),
                    _("%(name)s: free shipping") % {"name": promotion.name},
                    promotion.id,
                )
            )
            state.mark(promotion, line_ids, step=None, discount_fen=waived)
            fee_fen -= waived
            if fee_fen == 0:
                return
            continue
        short = threshold - measure
        state.hints.append(
            Hint(
                promotion_id=promotion.id,
                short_fen=0 if promotion.counts_pieces else short,
                short_quantity=short if promotion.counts_pieces else 0,
                message=(
                    _("Buy %(count)s more for free shipping")
                    if promotion.counts_pieces
                    else _("Add %(amount)s more for free shipping")
                )
                % {"count": short, "amount": format_fen(short)},
            )
        )
    if state.free_shipping_coupon_id is not None:
        apply_free_shipping_coupon(state, fee_fen)
        return
    if threshold_fen is not None:
        state.notices.append(
            _("Add %(amount)s more for free shipping") % {"amount": format_fen(threshold_fen - goods)}
        )


def _express(state: PricingState) -> None:
    rules = state.rules
    weight_g = sum(line.shipping_weight_g for line in state.cart.values())
    extra_kg = started_units(weight_g - rules.express_first_weight_g, GRAMS_PER_KG)
    fee = rules.express_base_fee_fen + extra_kg * rules.express_per_kg_fee_fen
    if fee:
        _fee(state, "express", fee, _("Express shipping %(fee)s") % {"fee": format_fen(fee)})
    _waive(state, fee, rules.express_free_threshold_fen)
    region = state.context.region_code
    surcharge = rules.express_region_surcharges_fen.get(region, 0) if region else 0
    if surcharge:
        state.add_order_adjustment(
            Adjustment(
                "express",
                "shipping_surcharge",
                surcharge,
                (),
                _("Remote area surcharge %(fee)s (%(region)s)")
                % {"fee": format_fen(surcharge), "region": region},
            )
        )


def _delivery(state: PricingState) -> None:
    rules = state.rules
    distance = state.context.distance_m
    if distance is None:
        raise DomainError(MarketingError.DELIVERY_DISTANCE_UNKNOWN)
    if distance > rules.delivery_radius_m:
        raise DomainError(
            MarketingError.OUT_OF_DELIVERY_RANGE,
            distance=format_distance(distance),
            radius=format_distance(rules.delivery_radius_m),
        )
    goods = state.goods_final()
    if goods < rules.delivery_min_order_fen:
        raise DomainError(
            MarketingError.BELOW_DELIVERY_MINIMUM,
            minimum=format_fen(rules.delivery_min_order_fen),
            short=format_fen(rules.delivery_min_order_fen - goods),
        )
    extra_km = started_units(distance - rules.delivery_base_distance_m, METRES_PER_KM)
    fee = rules.delivery_base_fee_fen + extra_km * rules.delivery_per_km_fee_fen
    if fee:
        _fee(state, "delivery", fee, _("Local delivery fee %(fee)s") % {"fee": format_fen(fee)})
    _waive(state, fee, rules.delivery_free_threshold_fen)


def apply_shipping(state: PricingState) -> PricingState:
    """An empty cart ships nothing and pays nothing (the cart page prices it too)."""
    if not state.line_ids:
        return state
    fulfilment = state.context.fulfilment
    if fulfilment == "express":
        _express(state)
    elif fulfilment == "delivery":
        _delivery(state)
    return state
