"""Step 1, the item price: the store's price replaces the list price in that store; then the best
single item-level price wins, never two: member price or level discount (会员价/会员折扣), a
limited-time discount (限时折扣), or a campaign price (秒杀/拼团) the caller put on the line.
Percentages apply to the store price where there is one. Ties go to the higher priority, then the
older promotion; a campaign price beats a promotion at the same price."""

from __future__ import annotations

from django.utils.translation import gettext as _

from newretail.core.money import format_fen
from newretail.marketing.pricing.arithmetic import format_rate, line_amount_fen, percent_half_up
from newretail.marketing.pricing.offers import Kind, Promotion
from newretail.marketing.pricing.state import PricingState


def promotion_unit_price(promotion: Promotion, sku_id: int, base_unit_fen: int) -> int | None:
    """The unit price ``promotion`` offers for a SKU whose price is ``base_unit_fen``, or None."""
    fixed = promotion.sku_prices.get(sku_id)
    if fixed is not None:
        return fixed
    if promotion.kind == Kind.MEMBER_PRICE or promotion.rate_percent >= 100:
        return None  # a member price is per SKU; a rate of 100% changes nothing
    return percent_half_up(base_unit_fen, promotion.rate_percent)


def _explain(promotion: Promotion, unit_fen: int) -> str:
    values = {"name": promotion.name, "price": format_fen(unit_fen), "rate": format_rate(promotion.rate_percent)}
    if promotion.kind == Kind.LEVEL_DISCOUNT:
        return _("%(name)s: members pay %(rate)s/10") % values
    if promotion.kind == Kind.MEMBER_PRICE:
        return _("%(name)s: member price %(price)s") % values
    if promotion.sku_prices:
        return _("%(name)s: limited-time price %(price)s") % values
    return _("%(name)s: limited-time %(rate)s/10") % values


def apply_item_price(state: PricingState) -> PricingState:
    promotions = state.running_of(Kind.ITEM_PRICE)
    base_of: dict[str, int] = {}
    for line_id in state.line_ids:
        line = state.cart[line_id]
        base_of[line_id] = line.list_price_fen if line.store_price_fen is None else line.store_price_fen
    # The best price per line: each promotion against the lines it reaches (its scope, or a
    # price for the line's SKU), in application order, so a tie stays with the earlier one.
    offered: dict[str, tuple[int, Promotion]] = {}
    for promotion in promotions:
        reached = state.covered(promotion.scope)
        if promotion.sku_prices:
            reached = {*reached, *state.lines_of_skus(promotion.sku_prices)}
        for line_id in reached:
            price = promotion_unit_price(promotion, state.cart[line_id].sku_id, base_of[line_id])
            if price is not None and (line_id not in offered or price < offered[line_id][0]):
                offered[line_id] = (price, promotion)

    chosen: dict[int, dict[str, int]] = {}  # promotion id -> {line: discount}
    unit_of: dict[tuple[int, str], int] = {}
    for line_id in state.line_ids:
        line = state.cart[line_id]
        base = line.list_price_fen
        if line.store_price_fen is not None and line.store_price_fen != base:
            amount = line_amount_fen(line.store_price_fen, line.quantity, sold_by_weight=line.sold_by_weight)
            state.adjust(
                source="store_price",
                kind="item_price",
                shares={line_id: amount - state.final[line_id]},
                explanation=_("Store price %(price)s (list price %(list)s)")
                % {"price": format_fen(line.store_price_fen), "list": format_fen(base)},
            )
            base = line.store_price_fen
        state.unit_price[line_id] = base
        best_price, best = base, None
        if line.campaign_price_fen is not None and line.campaign_price_fen < best_price:
            best_price = line.campaign_price_fen
        if line_id in offered and offered[line_id][0] < best_price:  # a campaign wins a tie
            best_price, best = offered[line_id]
        if best_price >= base:
            continue
        state.unit_price[line_id] = best_price
        discount = state.final[line_id] - line_amount_fen(best_price, line.quantity, sold_by_weight=line.sold_by_weight)
        if best is None:
            state.adjust(
                source="campaign",
                kind="item_price",
                shares={line_id: -discount},
                explanation=_("%(name)s price %(price)s")
                % {"name": line.campaign_name or _("Campaign"), "price": format_fen(best_price)},
            )
            continue
        chosen.setdefault(best.id, {})[line_id] = discount
        unit_of[(best.id, line_id)] = best_price

    by_id = {promotion.id: promotion for promotion in promotions}
    for promotion_id, discounts in chosen.items():
        promotion = by_id[promotion_id]
        line_ids = sorted(discounts)
        wanted = sum(discounts.values())
        capped = state.allowance(promotion, wanted)
        if capped <= 0:
            for line_id in line_ids:  # the cap is spent: the line keeps its base price
                line = state.cart[line_id]
                state.unit_price[line_id] = (
                    line.list_price_fen if line.store_price_fen is None else line.store_price_fen
                )
            continue
        shares = (
            {line_id: -discounts[line_id] for line_id in line_ids}
            if capped == wanted
            else state.spread(-capped, line_ids, [discounts[line_id] for line_id in line_ids])
        )
        for line_id in line_ids:
            state.adjust(
                source="promotion",
                kind="item_price",
                shares={line_id: shares[line_id]},
                explanation=_explain(promotion, unit_of[(promotion_id, line_id)]),
                source_id=promotion.id,
            )
        state.mark(promotion, line_ids, step=None, discount_fen=capped)
    return state
