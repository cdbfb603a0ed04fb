"""Step 2, item-set promotions, on the item prices of step 1: N件M元 and pick-N bundles (任选N件M元),
fixed bundles (组合套餐), every N-th piece at a rate (第二件半价). A line joins at most one item-set
promotion; weighed lines never join (they are not pieces).

N件M元 groups the dearest pieces first (the shopper's best deal, and what a cashier would do):
3 pieces for ¥10 over pieces at ¥5, ¥4, ¥4, ¥2 takes ¥5 + ¥4 + ¥4 = ¥13 to ¥10 and leaves ¥2. It
forms no group that would cost more than its pieces: over three ¥5 and three ¥1 pieces, only the
¥5 ones go for ¥10."""

from __future__ import annotations

from django.utils.translation import gettext as _

from newretail.core.money import format_fen, percent_of
from newretail.marketing.pricing.arithmetic import format_rate, part_of
from newretail.marketing.pricing.offers import Kind, Promotion
from newretail.marketing.pricing.state import ITEM_SET, PricingState
from newretail.marketing.pricing.types import Hint


def _apply(
    state: PricingState, promotion: Promotion, weights: dict[str, int], discount: int, explanation: str
) -> None:
    """Give ``discount`` (>0, at most the weights' sum) over the lines in ``weights``."""
    discount = state.allowance(promotion, min(discount, sum(weights.values())))
    if discount <= 0:
        return
    line_ids = sorted(weights)
    shares = state.spread(-discount, line_ids, [weights[line_id] for line_id in line_ids])
    state.adjust(
        source="promotion", kind="item_set", shares=shares, explanation=explanation, source_id=promotion.id
    )
    state.mark(promotion, line_ids, step=ITEM_SET, discount_fen=discount)


def _pieces_hint(state: PricingState, promotion: Promotion, missing: int) -> None:
    state.hints.append(
        Hint(
            promotion_id=promotion.id,
            short_fen=0,
            short_quantity=missing,
            message=_("Buy %(count)s more for %(name)s") % {"count": missing, "name": promotion.name},
        )
    )


def _multi_buy(state: PricingState, promotion: Promotion, line_ids: list[str]) -> None:
    size = promotion.quantity
    pieces = state.pieces(line_ids)
    if pieces < size:
        if pieces:
            _pieces_hint(state, promotion, size - pieces)
        return

    # Dearest pieces first; the per-piece price of a line is its amount over its quantity.
    def unit(line_id: str) -> tuple[int, str]:
        return (-(state.final[line_id] // state.cart[line_id].quantity), line_id)

    ordered = sorted(line_ids, key=unit)
    # How many groups: the k (of as many as fit) whose k × N dearest pieces save the most over
    # k × M, so no group costs more than its pieces (three ¥1 pieces are not "3 for ¥10").
    price, groups, best = promotion.price_fen, 0, 0
    taken_fen = taken_pieces = 0  # the lines wholly before the current one
    boundary = size  # pieces at the end of the next group
    for line_id in ordered:
        quantity, final = state.cart[line_id].quantity, state.final[line_id]
        while boundary <= taken_pieces + quantity:
            count = boundary // size
            saved = taken_fen + part_of(final, quantity, boundary - taken_pieces) - count * price
            if saved > best:
                groups, best = count, saved
            boundary += size
        taken_fen += final
        taken_pieces += quantity
    if groups == 0:
        return

    wanted = groups * size
    weights: dict[str, int] = {}
    for line_id in ordered:
        if wanted == 0:
            break
        quantity = state.cart[line_id].quantity
        take = min(quantity, wanted)
        weights[line_id] = part_of(state.final[line_id], quantity, take)
        wanted -= take
    discount = sum(weights.values()) - groups * promotion.price_fen
    if discount > 0:
        explanation = _("%(name)s: %(count)s for %(price)s, %(groups)s×") % {
            "name": promotion.name,
            "count": size,
            "price": format_fen(promotion.price_fen),
            "groups": groups,
        }
        _apply(state, promotion, weights, discount, explanation)


def _bundle_fixed(state: PricingState, promotion: Promotion, line_ids: list[str]) -> None:
    by_sku = {state.cart[line_id].sku_id: line_id for line_id in line_ids}
    if not promotion.components or any(sku_id not in by_sku for sku_id, _q in promotion.components):
        return
    sets = min(state.cart[by_sku[sku_id]].quantity // quantity for sku_id, quantity in promotion.components)
    if sets == 0:
        return
    weights = {}
    for sku_id, quantity in promotion.components:
        line_id = by_sku[sku_id]
        weights[line_id] = part_of(state.final[line_id], state.cart[line_id].quantity, sets * quantity)
    discount = sum(weights.values()) - sets * promotion.price_fen
    if discount > 0:
        explanation = _("%(name)s: set price %(price)s, %(sets)s×") % {
            "name": promotion.name,
            "price": format_fen(promotion.price_fen),
            "sets": sets,
        }
        _apply(state, promotion, weights, discount, explanation)


def _nth_discount(state: PricingState, promotion: Promotion, line_ids: list[str]) -> None:
    nth = promotion.quantity
    weights: dict[str, int] = {}
    discount = 0
    for line_id in line_ids:
        quantity = state.cart[line_id].quantity
        discounted = quantity // nth
        if discounted == 0:
            continue
        value = part_of(state.final[line_id], quantity, discounted)
        off = value - percent_of(value, promotion.rate_percent)
        if off > 0:
            weights[line_id] = off
            discount += off
    if discount > 0:
        explanation = _("%(name)s: piece no. %(nth)s at %(rate)s/10") % {
            "name": promotion.name,
            "nth": nth,
            "rate": format_rate(promotion.rate_percent),
        }
        _apply(state, promotion, weights, discount, explanation)
    elif line_ids and all(state.cart[i].quantity < nth for i in line_ids):
        _pieces_hint(state, promotion, nth - max(state.cart[i].quantity for i in line_ids))


def apply_item_sets(state: PricingState) -> PricingState:
    for promotion in state.running_of(Kind.ITEM_SET):
        line_ids = state.open_lines(promotion, step=ITEM_SET, pieces_only=True)
        if not line_ids:
            continue
        if promotion.kind in (Kind.MULTI_BUY, Kind.BUNDLE_PICK):
            _multi_buy(state, promotion, line_ids)
        elif promotion.kind == Kind.BUNDLE_FIXED:
            _bundle_fixed(state, promotion, line_ids)
        else:
            _nth_discount(state, promotion, line_ids)
    return state
