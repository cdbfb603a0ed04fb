"""``price_cart``: the pipeline that runs the steps in the order of ARCHITECTURE.md "The pricing
engine", and the checks that hold its promises."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from newretail.core.errors import DomainError
from newretail.marketing.errors import MarketingError
from newretail.marketing.pricing.coupons import apply_coupons
from newretail.marketing.pricing.item_price import apply_item_price
from newretail.marketing.pricing.item_sets import apply_item_sets
from newretail.marketing.pricing.offers import NO_OFFERS, Offers
from newretail.marketing.pricing.order_promotions import apply_order_promotions
from newretail.marketing.pricing.points import apply_points
from newretail.marketing.pricing.shipping import apply_shipping
from newretail.marketing.pricing.state import PricingState
from newretail.marketing.pricing.types import CartLine, PricedCart, PricedLine, PricingContext, ShippingRules

Step = Callable[[PricingState], PricingState]

PIPELINE: tuple[Step, ...] = (
    apply_item_price,  # 1. store price, then the best of member / level / limited-time / campaign
    apply_item_sets,  # 2. N件M元, bundles, 第二件半价
    apply_order_promotions,  # 3. 满减 / 满折 tiers, gifts, order rewards
    apply_coupons,  # 4. coupons, thresholds on the amount after 1–3
    apply_shipping,  # 5. shipping fee and what waives it
    apply_points,  # 6. points deduction; wallet and external tenders follow at payment
)


def _check_lines(lines: Iterable[CartLine]) -> list[CartLine]:
    seen: set[str] = set()
    checked = []
    for line in lines:
        numbers: tuple[int, ...] = (line.quantity, line.list_price_fen, line.weight_g)
        if line.store_price_fen is not None:
            numbers += (line.store_price_fen,)
        if line.campaign_price_fen is not None:
            numbers += (line.campaign_price_fen,)
        if (
            not line.line_id
            or line.line_id.startswith("~")  # reserved for gift lines
            or any(isinstance(n, bool) or not isinstance(n, int) for n in numbers)
            or line.quantity < 1
            or min(numbers) < 0
        ):
            raise DomainError(MarketingError.INVALID_CART_LINE, line=line.line_id)
        if line.line_id in seen:
            raise DomainError(MarketingError.DUPLICATE_CART_LINE, line=line.line_id)
        seen.add(line.line_id)
        checked.append(line)
    return checked


def price_cart(
    lines: Iterable[CartLine],
    context: PricingContext,
    rules: ShippingRules,
    *,
    offers: Offers = NO_OFFERS,
    pipeline: Sequence[Step] = PIPELINE,
) -> PricedCart:
    """Price ``lines`` for ``context`` with the merchant's shipping ``rules`` and running
    ``offers``. Deterministic and pure (no database, no clock: the time is ``context.now``);
    raises a ``DomainError`` for an invalid line, a coupon that does not apply, or a fulfilment
    that refuses the cart (out of delivery range, below minimum).

    Promises, property-tested in tests/marketing/test_pricing_properties.py: no line below zero;
    payable >= 0; the adjustments add up to ``payable - goods_list``; each line's adjustments add
    up to its ``final - list``; line finals add up to ``goods_final``; an exclusive promotion's
    lines carry no other promotion; caps hold; the result does not depend on the order of lines.
    """
    state = PricingState(_check_lines(lines), context, rules, offers)
    for step in pipeline:
        state = step(state)

    priced_lines = [
        PricedLine(
            line_id=line_id,
            sku_id=state.cart[line_id].sku_id,
            quantity=state.cart[line_id].quantity,
            list_amount_fen=state.list_amount[line_id],
            final_amount_fen=state.final[line_id],
            unit_price_fen=state.unit_price[line_id],
            adjustments=tuple(state.line_parts[line_id]),
        )
        for line_id in state.line_ids
    ]
    priced_lines.extend(state.gift_lines)
    goods_list = sum(state.list_amount.values())
    goods_final = state.goods_final()
    payable = goods_final + state.shipping_fen
    if payable < 0 or any(amount < 0 for amount in state.final.values()):
        raise AssertionError("pricing produced a negative amount")  # a step broke its contract
    if sum(a.amount_fen for a in state.adjustments) != payable - goods_list:
        raise AssertionError("adjustments do not add up")
    return PricedCart(
        lines=tuple(priced_lines),
        adjustments=tuple(state.adjustments),
        goods_list_fen=goods_list,
        goods_final_fen=goods_final,
        discount_fen=-sum(a.amount_fen for a in state.adjustments if a.amount_fen < 0),
        shipping_fen=state.shipping_fen,
        payable_fen=payable,
        notices=list(state.notices),
        hints=tuple(state.hints),
        rewards=tuple(state.rewards),
        promotion_discounts=dict(state.promotion_discounts),
        coupon_ids=tuple(state.coupon_ids),
        points_used=state.points_used,
        points_fen=state.points_fen,
    )
