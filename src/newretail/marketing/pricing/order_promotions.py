"""Step 3, order-level promotions on the amount after steps 1 and 2: 满减 and 满折 tiers (per order
or per category, 每满 repeatable), 满赠 gifts and 下单有礼 rewards. A line gets at most one 满减 or 满折;
gifts and rewards add nothing to the amounts and may come on top. The highest tier reached
applies; the next tier becomes a hint ("再买¥12.00可减¥10.00")."""

from __future__ import annotations

from django.utils.translation import gettext as _

from newretail.core.money import format_fen, percent_of
from newretail.marketing.pricing.arithmetic import format_rate
from newretail.marketing.pricing.offers import Kind, Promotion, Tier
from newretail.marketing.pricing.state import ORDER_DISCOUNT, PricingState
from newretail.marketing.pricing.types import Adjustment, Hint, PricedLine, Reward


def gift_line_id(promotion_id: int, sku_id: int) -> str:
    # "~" sorts after the digits of cart line ids: gifts come last, in a stable order.
    return f"~gift:{promotion_id}:{sku_id}"


def _benefit(promotion: Promotion, tier: Tier) -> str:
    if promotion.kind == Kind.SPEND_OFF:
        return _("%(off)s off") % {"off": format_fen(tier.off_fen)}
    if promotion.kind == Kind.SPEND_DISCOUNT:
        return _("%(rate)s/10 off the price") % {"rate": format_rate(tier.rate_percent)}
    if promotion.kind == Kind.GIFT:
        return _("a free gift")
    return _("an order gift")


def _hint(state: PricingState, promotion: Promotion, tier: Tier, measure: int) -> None:
    short = tier.threshold - measure
    values = {"short": format_fen(short), "count": short, "benefit": _benefit(promotion, tier)}
    if promotion.counts_pieces:
        message = _("Buy %(count)s more to get %(benefit)s") % values
    else:
        message = _("Add %(short)s more to get %(benefit)s") % values
    state.hints.append(
        Hint(
            promotion_id=promotion.id,
            short_fen=0 if promotion.counts_pieces else short,
            short_quantity=short if promotion.counts_pieces else 0,
            message=message,
        )
    )


def _reached(promotion: Promotion, measure: int) -> tuple[Tier | None, Tier | None]:
    """The highest tier reached and the next one, by threshold."""
    reached = following = None
    for tier in sorted(promotion.tiers, key=lambda t: t.threshold):
        if tier.threshold <= measure:
            reached = tier
        elif following is None:
            following = tier
    return reached, following


def _threshold_text(promotion: Promotion, threshold: int) -> str:
    if promotion.counts_pieces:
        return _("%(count)s pieces") % {"count": threshold}
    return format_fen(threshold)


def _discount(
    state: PricingState, promotion: Promotion, tier: Tier, line_ids: list[str], measure: int
) -> None:
    base = state.goods_final(line_ids)
    values = {"name": promotion.name, "threshold": _threshold_text(promotion, tier.threshold)}
    if promotion.kind == Kind.SPEND_OFF:
        times = measure // tier.threshold if promotion.repeat else 1
        wanted = tier.off_fen * times
        values.update(off=format_fen(tier.off_fen), times=times)
        if promotion.repeat:
            explanation = _("%(name)s: %(off)s off every %(threshold)s, %(times)s×") % values
        else:
            explanation = _("%(name)s: %(off)s off from %(threshold)s") % values
    else:
        wanted = base - percent_of(base, tier.rate_percent)
        values["rate"] = format_rate(tier.rate_percent)
        explanation = _("%(name)s: %(rate)s/10 from %(threshold)s") % values
    discount = state.allowance(promotion, min(wanted, base))
    if discount <= 0:
        return
    shares = state.spread(-discount, line_ids)
    state.adjust(
        source="promotion",
        kind="order_discount",
        shares=shares,
        explanation=explanation,
        source_id=promotion.id,
    )
    state.mark(promotion, line_ids, step=ORDER_DISCOUNT, discount_fen=discount)


def _gift(state: PricingState, promotion: Promotion, tier: Tier, line_ids: list[str]) -> None:
    if tier.gift_sku_id is None:
        return
    quantity = tier.gift_quantity
    if promotion.gift_stock_left is not None:
        quantity = min(quantity, promotion.gift_stock_left)
    if quantity <= 0:
        state.notices.append(_("%(name)s: the gifts are all given away") % {"name": promotion.name})
        return
    line_id = gift_line_id(promotion.id, tier.gift_sku_id)
    explanation = _("%(name)s: gift ×%(quantity)s") % {"name": promotion.name, "quantity": quantity}
    part = Adjustment("promotion", "gift", 0, (line_id,), explanation, promotion.id)
    state.gift_lines.append(
        PricedLine(
            line_id=line_id,
            sku_id=tier.gift_sku_id,
            quantity=quantity,
            list_amount_fen=0,
            final_amount_fen=0,
            unit_price_fen=0,
            adjustments=(part,),
            is_gift=True,
        )
    )
    state.adjustments.append(part)
    state.mark(promotion, line_ids, step=None, discount_fen=0)


def _reward(state: PricingState, promotion: Promotion, tier: Tier, line_ids: list[str]) -> None:
    explanation = promotion.name
    state.rewards.append(
        Reward(
            promotion_id=promotion.id,
            coupon_template_id=tier.coupon_template_id,
            coupon_quantity=tier.coupon_quantity if tier.coupon_template_id else 0,
            points=tier.points,
            explanation=explanation,
        )
    )
    state.mark(promotion, line_ids, step=None, discount_fen=0)


def apply_order_promotions(state: PricingState) -> PricingState:
    for promotion in state.running_of(Kind.ORDER):
        discounting = promotion.kind in (Kind.SPEND_OFF, Kind.SPEND_DISCOUNT)
        line_ids = state.open_lines(promotion, step=ORDER_DISCOUNT if discounting else None)
        if not line_ids or not promotion.tiers:
            continue
        measure = state.pieces(line_ids) if promotion.counts_pieces else state.goods_final(line_ids)
        tier, following = _reached(promotion, measure)
        if promotion.repeat:  # 每满: one tier, applied once per threshold; the next one is one more
            tier = promotion.tiers[0] if measure >= promotion.tiers[0].threshold else None
            following = None if tier else promotion.tiers[0]
        if following is not None:
            _hint(state, promotion, following, measure)
        if tier is None:
            continue
        if discounting:
            _discount(state, promotion, tier, line_ids, measure)
        elif promotion.kind == Kind.GIFT:
            _gift(state, promotion, tier, line_ids)
        else:
            _reward(state, promotion, tier, line_ids)
    return state
