"""Step 6, points deduction (积分抵现): after shipping, on the goods amount only, capped at the
merchant's share of it. Points buy whole fen: 100 points per yuan means 1 point = 1 fen; at 200
points per yuan, 301 points buy 150 fen and cost 300 (the odd point stays with the member)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from newretail.core.errors import DomainError
from newretail.marketing.errors import MarketingError
from newretail.marketing.pricing.arithmetic import started_units
from newretail.marketing.pricing.state import PricingState

FEN_PER_YUAN = 100


def apply_points(state: PricingState) -> PricingState:
    wanted = state.context.points_to_use
    if not wanted:
        return state
    rule = state.context.points_rule or state.offers.points_rule
    if rule is None:
        raise DomainError(MarketingError.POINTS_NOT_ACCEPTED)
    if wanted < rule.min_points:
        raise DomainError(MarketingError.POINTS_BELOW_MINIMUM, minimum=rule.min_points)
    goods = state.goods_final()
    cap_fen = goods * rule.max_share_percent // 100
    # Whole points only, and never more fen than the points are worth: at 50 points per yuan
    # (1 point = 2 fen) a 3 fen cap takes 1 point for 2 fen, not 2 points for 3 fen.
    usable = min(wanted, cap_fen * rule.points_per_yuan // FEN_PER_YUAN)
    deduct_fen = usable * FEN_PER_YUAN // rule.points_per_yuan
    if deduct_fen <= 0:
        return state
    points = started_units(deduct_fen * rule.points_per_yuan, FEN_PER_YUAN)
    line_ids = [line_id for line_id in state.line_ids if state.final[line_id] > 0]
    state.adjust(
        source="points",
        kind="points",
        shares=state.spread(-deduct_fen, line_ids),
        explanation=_("%(points)s points") % {"points": points},
    )
    state.points_used = points
    state.points_fen = deduct_fen
    return state
