"""Step 1, the item price: the store's price replaces the list price in that store; then the best
single item-level price wins, never two: member price or level discount (会员价/会员折扣), a
limited-time discount (限时折扣), or a campaign price (秒杀/拼团) the caller put on the line.
Percentages apply to the store price where there is one. Ties go to the higher priority, then the
older promotion; a campaign price beats a promotion at the same price. A promotion whose per-order
cap or budget runs out only keeps the lines where its share still beats their next best price, so
a line never ends dearer than a price it was offered in full (or than no promotion at all)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from newretail.core.money import format_fen, percent_of
from newretail.marketing.pricing.arithmetic import format_rate, line_amount_fen
from newretail.marketing.pricing.offers import Kind, Promotion
from newretail.marketing.pricing.state import PricingState


def promotion_unit_price(promotion: Promotion, sku_id: int, base_unit_fen: int) -> int | None:
    """The unit price ``promotion`` offers for a SKU whose price is ``base_unit_fen``, or None."""
    fixed = promotion.sku_prices.get(sku_id)
    if fixed is not None:
        return fixed
    if promotion.kind == Kind.MEMBER_PRICE or promotion.rate_percent >= 100:
        return None  # a member price is per SKU; a rate of 100% changes nothing
    return percent_of(base_unit_fen, promotion.rate_percent)


def _explain(promotion: Promotion, unit_fen: int) -> str:
    values = {
        "name": promotion.name,
        "price": format_fen(unit_fen),
        "rate": format_rate(promotion.rate_percent),
    }
    if promotion.kind == Kind.LEVEL_DISCOUNT:
        return _("%(name)s: members pay %(rate)s/10") % values
    if promotion.kind == Kind.MEMBER_PRICE:
        return _("%(name)s: member price %(price)s") % values
    if promotion.sku_prices:
        return _("%(name)s: limited-time price %(price)s") % values
    return _("%(name)s: limited-time %(rate)s/10") % values


Option = tuple[int, int, Promotion | None]  # (unit price, rank, promotion; None: the campaign)


def _options(
    state: PricingState, promotions: list[Promotion], base_of: dict[str, int]
) -> dict[str, list[Option]]:
    """Every price below the base a line is offered, best first: each promotion against the lines
    it reaches (its scope, or a price for the line's SKU); on a tie the campaign, then the
    promotion applied first."""
    options: dict[str, list[Option]] = {}
    for rank, promotion in enumerate(promotions):
        reached = state.covered(promotion.scope)
        if promotion.sku_prices:
            reached = {*reached, *state.lines_of_skus(promotion.sku_prices)}
        for line_id in reached:
            price = promotion_unit_price(promotion, state.cart[line_id].sku_id, base_of[line_id])
            if price is not None and price < base_of[line_id]:
                options.setdefault(line_id, []).append((price, rank, promotion))
    for line_id in state.line_ids:
        campaign = state.cart[line_id].campaign_price_fen
        if campaign is not None and campaign < base_of[line_id]:
            options.setdefault(line_id, []).append((campaign, -1, None))
    for found in options.values():
        found.sort(key=lambda option: option[:2])
    return options


def _choose(
    state: PricingState, options: dict[str, list[Option]], amount_of: dict[str, int]
) -> dict[str, int]:
    """Which option each line takes (an index into its options): the best, unless a capped
    promotion leaves the line dearer than its next option would be (a 8折 capped at ¥5 does not
    beat a 9折 or a seckill price); then the next, until no line wants to move."""
    choice = dict.fromkeys(options, 0)

    def amount(line_id: str, unit_fen: int) -> int:
        line = state.cart[line_id]
        return line_amount_fen(unit_fen, line.quantity, sold_by_weight=line.sold_by_weight)

    while True:
        taking: dict[int, list[str]] = {}
        by_id: dict[int, Promotion] = {}
        for line_id in state.line_ids:
            if line_id in choice and (promotion := options[line_id][choice[line_id]][2]) is not None:
                taking.setdefault(promotion.id, []).append(line_id)
                by_id[promotion.id] = promotion
        moved = False
        for promotion_id, line_ids in taking.items():
            discounts = [amount_of[i] - amount(i, options[i][choice[i]][0]) for i in line_ids]
            capped = state.allowance(by_id[promotion_id], sum(discounts))
            if capped == sum(discounts):
                continue
            shares = state.spread(-capped, line_ids, discounts) if capped > 0 else dict.fromkeys(line_ids, 0)
            for line_id in line_ids:
                following = choice[line_id] + 1
                if following < len(options[line_id]):
                    if amount(line_id, options[line_id][following][0]) < amount_of[line_id] + shares[line_id]:
                        choice[line_id] = following
                        moved = True
        if not moved:
            return choice


def apply_item_price(state: PricingState) -> PricingState:
    promotions = state.running_of(Kind.ITEM_PRICE)
    base_of: dict[str, int] = {}
    amount_of: dict[str, int] = {}  # the line's amount at its base price
    for line_id in state.line_ids:
        line = state.cart[line_id]
        base_of[line_id] = line.list_price_fen if line.store_price_fen is None else line.store_price_fen
        amount_of[line_id] = line_amount_fen(
            base_of[line_id], line.quantity, sold_by_weight=line.sold_by_weight
        )
    options = _options(state, promotions, base_of)
    choice = _choose(state, options, amount_of)

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
        if line_id not in choice:
            continue
        best_price, _rank, best = options[line_id][choice[line_id]]
        state.unit_price[line_id] = best_price
        discount = state.final[line_id] - line_amount_fen(
            best_price, line.quantity, sold_by_weight=line.sold_by_weight
        )
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
