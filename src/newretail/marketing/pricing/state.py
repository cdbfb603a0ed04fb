"""The working state of one ``price_cart`` call.

Steps change it in place (one object per call, never shared, so the engine stays a pure function
from the caller's side) through a few methods that keep the books straight: every amount change
is an ``Adjustment`` split into line parts that add up to it, and no line goes below zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from newretail.core.money import allocate
from newretail.marketing.pricing.arithmetic import line_amount_fen
from newretail.marketing.pricing.offers import NO_OFFERS, Kind, Offers, Promotion, Scope
from newretail.marketing.pricing.types import (
    Adjustment,
    CartLine,
    Hint,
    PricedLine,
    PricingContext,
    Reward,
    ShippingRules,
)

ITEM_SET = "item_set"
ORDER_DISCOUNT = "order_discount"
# Kinds that change no line amount: a line already at ¥0 still counts towards them.
FREE_LINES_COUNT = frozenset({Kind.GIFT, Kind.ORDER_GIFT, Kind.FREE_SHIPPING})


class PricingState:
    def __init__(
        self,
        lines: Sequence[CartLine],
        context: PricingContext,
        rules: ShippingRules,
        offers: Offers = NO_OFFERS,
    ):
        self.context = context
        self.rules = rules
        self.offers = offers
        self.cart: dict[str, CartLine] = {line.line_id: line for line in lines}
        self.line_ids: list[str] = sorted(self.cart)
        self.list_amount: dict[str, int] = {}
        self.final: dict[str, int] = {}
        self.unit_price: dict[str, int] = {}
        for line_id in self.line_ids:
            line = self.cart[line_id]
            amount = line_amount_fen(line.list_price_fen, line.quantity, sold_by_weight=line.sold_by_weight)
            self.list_amount[line_id] = self.final[line_id] = amount
            self.unit_price[line_id] = line.list_price_fen
        self.line_parts: dict[str, list[Adjustment]] = {line_id: [] for line_id in self.line_ids}
        self.adjustments: list[Adjustment] = []
        self.shipping_fen = 0
        self.notices: list[str] = []
        self.hints: list[Hint] = []
        self.rewards: list[Reward] = []
        self.gift_lines: list[PricedLine] = []
        self.promotion_discounts: dict[int, int] = {}
        self.touched: dict[str, set[int]] = {line_id: set() for line_id in self.line_ids}
        self.taken: dict[str, set[str]] = {line_id: set() for line_id in self.line_ids}
        self.closed: set[str] = set()  # taken by an exclusive promotion
        self.no_coupons: set[str] = set()
        self.free_shipping_coupon_id: int | None = None
        self.coupon_ids: list[int] = []
        self.points_used = 0
        self.points_fen = 0
        # The cart's own index, so an offer finds its lines without a scan of every line.
        self._lines_of_sku: dict[int, list[str]] = {}
        self._lines_of_category: dict[int, list[str]] = {}
        for line_id in self.line_ids:
            line = self.cart[line_id]
            self._lines_of_sku.setdefault(line.sku_id, []).append(line_id)
            for category_id in line.category_ids:
                self._lines_of_category.setdefault(category_id, []).append(line_id)
        self._covered: dict[Scope, list[str]] = {}
        self.running = self._running_promotions()

    def _running_promotions(self) -> list[Promotion]:
        """The promotions that may touch this cart: indexed by its SKUs and categories, on for the
        context, with allowance left."""
        context = self.context
        if not len(self.offers):
            return []
        categories = {c for line in self.cart.values() for c in line.category_ids}
        allowance = context.promotion_allowance_fen
        return [
            promotion
            for promotion in self.offers.candidates((line.sku_id for line in self.cart.values()), categories)
            if allowance.get(promotion.id, 1) > 0
            and promotion.runs_for(
                context.channel, context.store_id, context.member_id, context.member_level_id, context.now
            )
        ]

    def running_of(self, kinds: frozenset[str]) -> list[Promotion]:
        return [promotion for promotion in self.running if promotion.kind in kinds]

    # --- which lines an offer may touch -----------------------------------------------------

    def covered(self, scope: Scope) -> list[str]:
        """The lines ``scope`` covers, in line order: ``scope.covers`` of each line, found through
        the cart's SKU and category index (remembered for the call)."""
        found = self._covered.get(scope)
        if found is None:
            if scope.all_items:
                found = self.line_ids
            else:
                hit = {i for sku_id in scope.sku_ids for i in self._lines_of_sku.get(sku_id, ())}
                hit.update(i for c in scope.category_ids for i in self._lines_of_category.get(c, ()))
                found = sorted(hit)
            if scope.excluded_sku_ids:
                found = [i for i in found if self.cart[i].sku_id not in scope.excluded_sku_ids]
            self._covered[scope] = found
        return found

    def lines_of_skus(self, sku_ids: Iterable[int]) -> list[str]:
        """The lines of these SKUs (unordered)."""
        return [i for sku_id in sku_ids for i in self._lines_of_sku.get(sku_id, ())]

    def open_lines(
        self, promotion: Promotion, *, step: str | None = None, pieces_only: bool = False
    ) -> list[str]:
        """Lines ``promotion`` may touch: in its scope, not taken by an exclusive promotion, not
        by another promotion of the same ``step``; an exclusive promotion takes untouched lines
        only; item sets count pieces, so weighed lines are out; a line at ¥0 has nothing left to
        discount, but still counts for gifts, rewards and free shipping."""
        found = []
        for line_id in self.covered(promotion.scope):
            line = self.cart[line_id]
            if line_id in self.closed:
                continue
            if (step and step in self.taken[line_id]) or (pieces_only and line.sold_by_weight):
                continue
            if promotion.exclusive and self.touched[line_id]:
                continue
            if self.final[line_id] <= 0 and promotion.kind not in FREE_LINES_COUNT:
                continue
            found.append(line_id)
        return found

    def allowance(self, promotion: Promotion, discount_fen: int) -> int:
        """``discount_fen`` cut to the promotion's per-order cap and its remaining allowance."""
        given = self.promotion_discounts.get(promotion.id, 0)
        limits = [discount_fen]
        if promotion.max_discount_fen is not None:
            limits.append(promotion.max_discount_fen - given)
        left = self.context.promotion_allowance_fen.get(promotion.id)
        if left is not None:
            limits.append(left - given)
        return max(0, min(limits))

    def mark(
        self, promotion: Promotion, line_ids: Sequence[str], *, step: str | None, discount_fen: int
    ) -> None:
        """Record that ``promotion`` applied to ``line_ids`` (for exclusivity, coupons, usage)."""
        for line_id in line_ids:
            self.touched[line_id].add(promotion.id)
            if step:
                self.taken[line_id].add(step)
            if promotion.exclusive:
                self.closed.add(line_id)
            if not promotion.coupons_allowed:
                self.no_coupons.add(line_id)
        self.promotion_discounts[promotion.id] = self.promotion_discounts.get(promotion.id, 0) + discount_fen

    # --- changing amounts -------------------------------------------------------------------

    def adjust(
        self,
        *,
        source: str,
        kind: str,
        shares: Mapping[str, int],
        explanation: str,
        source_id: int | None = None,
    ) -> Adjustment | None:
        """Move each line's amount by its share and record one adjustment for the total. Shares
        of 0 are dropped; nothing is recorded when they all are."""
        shares = {line_id: share for line_id, share in shares.items() if share}
        if not shares:
            return None
        line_ids = tuple(sorted(shares))
        adjustment = Adjustment(
            source=source,
            kind=kind,
            amount_fen=sum(shares.values()),
            line_ids=line_ids,
            explanation=explanation,
            source_id=source_id,
        )
        for line_id in line_ids:
            final = self.final[line_id] + shares[line_id]
            if final < 0:
                raise ValueError(f"line {line_id} would go below zero")
            self.final[line_id] = final
            self.line_parts[line_id].append(
                Adjustment(source, kind, shares[line_id], (line_id,), explanation, source_id)
            )
        self.adjustments.append(adjustment)
        return adjustment

    def spread(
        self, amount_fen: int, line_ids: Sequence[str], weights: Sequence[int] | None = None
    ) -> dict[str, int]:
        """Split a discount (negative) over lines by largest remainder, in proportion to
        ``weights`` (default: the lines' current amounts). A discount never exceeds its weights,
        so no share exceeds its line."""
        weights = list(weights) if weights is not None else [self.final[line_id] for line_id in line_ids]
        if -amount_fen > sum(weights):
            raise ValueError("a discount cannot exceed the amount it is spread over")
        parts = allocate(-amount_fen, weights)
        return {line_id: -part for line_id, part in zip(line_ids, parts, strict=True)}

    def add_order_adjustment(self, adjustment: Adjustment) -> None:
        """An order-level fee or waiver no line carries (shipping)."""
        self.adjustments.append(adjustment)
        self.shipping_fen += adjustment.amount_fen

    def goods_final(self, line_ids: Sequence[str] | None = None) -> int:
        ids = self.line_ids if line_ids is None else line_ids
        return sum(self.final[line_id] for line_id in ids)

    def pieces(self, line_ids: Sequence[str]) -> int:
        """Pieces in ``line_ids``; a weighed line counts as one piece."""
        return sum(1 if self.cart[i].sold_by_weight else self.cart[i].quantity for i in line_ids)
