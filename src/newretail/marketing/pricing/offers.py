"""Promotions and coupons as the pricing engine sees them: plain frozen values, loaded from the
models once per merchant (``marketing.queries.offers_for``) and shared by every cart priced until
a promotion changes. ``Offers`` indexes them by SKU and category so a cart only looks at the
promotions that can touch its lines (the naive way, every promotion against every line, is the
benchmark's baseline)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class Kind:
    """Promotion kinds, by the step of the pipeline that applies them."""

    # step 1, item price (the best single one wins)
    LEVEL_DISCOUNT = "level_discount"  # 会员折扣: members of some levels pay rate% of the price
    MEMBER_PRICE = "member_price"  # 会员价: a fixed price per SKU for members (of some levels)
    FLASH_DISCOUNT = "flash_discount"  # 限时折扣: rate% or a fixed price per SKU, in a window
    # step 2, item sets
    MULTI_BUY = "multi_buy"  # N件M元: N pieces from the scope cost M, as often as it saves
    BUNDLE_PICK = "bundle_pick"  # 组合套餐(任选): pick N from a list of SKUs for M
    BUNDLE_FIXED = "bundle_fixed"  # 组合套餐(固定): a set of SKUs and quantities for M
    NTH_DISCOUNT = "nth_discount"  # 第N件X折 (第二件半价): every N-th piece of a SKU at rate%
    # step 3, order level
    SPEND_OFF = "spend_off"  # 满减 (tiers, optionally 每满)
    SPEND_DISCOUNT = "spend_discount"  # 满折 (tiers)
    GIFT = "gift"  # 满赠: a gift SKU at ¥0
    ORDER_GIFT = "order_gift"  # 下单有礼: coupons or points after payment
    # step 5, shipping
    FREE_SHIPPING = "free_shipping"  # 满额包邮

    ITEM_PRICE = frozenset({LEVEL_DISCOUNT, MEMBER_PRICE, FLASH_DISCOUNT})
    ITEM_SET = frozenset({MULTI_BUY, BUNDLE_PICK, BUNDLE_FIXED, NTH_DISCOUNT})
    ORDER = frozenset({SPEND_OFF, SPEND_DISCOUNT, GIFT, ORDER_GIFT})
    ALL = ITEM_PRICE | ITEM_SET | ORDER | {FREE_SHIPPING}


@dataclass(frozen=True)
class Scope:
    """Which lines an offer reaches: everything, or some SKUs and categories, minus exclusions."""

    all_items: bool = True
    sku_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    excluded_sku_ids: frozenset[int] = frozenset()

    def covers(self, sku_id: int, category_ids: Iterable[int]) -> bool:
        if sku_id in self.excluded_sku_ids:
            return False
        if self.all_items or sku_id in self.sku_ids:
            return True
        return not self.category_ids.isdisjoint(category_ids)


EVERYTHING = Scope()


@dataclass(frozen=True)
class Tier:
    """One step of a tiered promotion: from ``threshold`` (fen, or pieces when the promotion counts
    pieces) the shopper gets ``off_fen`` off, pays ``rate_percent``% or receives a gift."""

    threshold: int
    off_fen: int = 0
    rate_percent: int = 100
    gift_sku_id: int | None = None
    gift_quantity: int = 1
    coupon_template_id: int | None = None
    coupon_quantity: int = 1
    points: int = 0


@dataclass(frozen=True)
class Promotion:
    """A promotion as plain values. Fields a kind does not use keep their defaults.

    ``level_ids`` None: everyone (also guests) unless ``members_only``; a set: members of those
    levels. ``stores``/``channels`` None: all. ``exclusive``: no other promotion touches its
    lines (it only takes lines no promotion touched before). ``coupons_allowed`` False: coupons
    skip its lines. ``max_discount_fen`` caps what it gives one order.
    """

    id: int
    kind: str
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    scope: Scope = EVERYTHING
    priority: int = 0
    exclusive: bool = False
    coupons_allowed: bool = True
    stores: frozenset[int] | None = None
    channels: frozenset[str] | None = None
    level_ids: frozenset[int] | None = None
    members_only: bool = False
    max_discount_fen: int | None = None
    # item price and item sets
    rate_percent: int = 100
    sku_prices: Mapping[int, int] = field(default_factory=dict)
    quantity: int = 0  # N of N件M元, pick-N, 第N件
    price_fen: int = 0  # M of N件M元 and the bundle price
    components: tuple[tuple[int, int], ...] = ()  # (sku_id, quantity) of a fixed bundle
    # order level
    tiers: tuple[Tier, ...] = ()
    counts_pieces: bool = False  # thresholds in pieces (满2件) instead of fen
    repeat: bool = False  # 每满: the (single) tier applies once per threshold reached
    gift_stock_left: int | None = None  # None: the gift SKU's own stock decides

    def runs_for(
        self,
        context_channel: str,
        store_id: int | None,
        member_id: int | None,
        level_id: int | None,
        now: dt.datetime,
    ) -> bool:
        """Whether this promotion is on for the cart's channel, store, shopper and time."""
        if not self.starts_at <= now < self.ends_at:
            return False
        if self.channels is not None and context_channel not in self.channels:
            return False
        if self.stores is not None and store_id not in self.stores:
            return False
        if self.level_ids is not None:
            return member_id is not None and level_id in self.level_ids
        return member_id is not None or not self.members_only

    @property
    def sort_key(self) -> tuple[int, int]:
        return (-self.priority, self.id)  # higher priority first, then the older one


class CouponKind:
    CASH_OFF = "cash_off"  # 满X减Y (threshold 0: 无门槛)
    DISCOUNT = "discount"  # N折, optionally capped
    FREE_SHIPPING = "free_shipping"
    EXCHANGE = "exchange"  # 兑换券: one piece of a SKU free

    GOODS = frozenset({CASH_OFF, DISCOUNT, EXCHANGE})
    ALL = GOODS | {FREE_SHIPPING}


@dataclass(frozen=True)
class CouponOffer:
    """A member's coupon (an issued ``Coupon`` and its template) as the engine needs it."""

    id: int
    template_id: int
    kind: str
    name: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    threshold_fen: int = 0
    off_fen: int = 0
    rate_percent: int = 100
    max_off_fen: int | None = None
    exchange_sku_id: int | None = None
    scope: Scope = EVERYTHING
    stackable: bool = False
    channels: frozenset[str] | None = None
    stores: frozenset[int] | None = None


@dataclass(frozen=True)
class PointsRule:
    """How points pay (step 6): ``points_per_yuan`` points are worth ¥1; at most ``max_share_percent``
    of the goods amount after discounts; at least ``min_points`` in one order."""

    points_per_yuan: int = 100
    max_share_percent: int = 50
    min_points: int = 0


class Offers:
    """A merchant's running promotions, indexed for the engine. Built once per change."""

    def __init__(self, promotions: Iterable[Promotion] = (), points_rule: PointsRule | None = None):
        self.promotions = tuple(sorted(promotions, key=lambda p: p.sort_key))
        self.points_rule = points_rule
        by_sku: dict[int, list[Promotion]] = defaultdict(list)
        by_category: dict[int, list[Promotion]] = defaultdict(list)
        everywhere: list[Promotion] = []
        for promotion in self.promotions:
            scope = promotion.scope
            if scope.all_items:
                everywhere.append(promotion)
                continue
            for sku_id in scope.sku_ids | set(promotion.sku_prices) | {c[0] for c in promotion.components}:
                by_sku[sku_id].append(promotion)
            for category_id in scope.category_ids:
                by_category[category_id].append(promotion)
        self._by_sku = dict(by_sku)
        self._by_category = dict(by_category)
        self._everywhere = tuple(everywhere)

    def __len__(self) -> int:
        return len(self.promotions)

    def candidates(self, sku_ids: Iterable[int], category_ids: Iterable[int]) -> list[Promotion]:
        """The promotions whose scope may reach a cart with these SKUs and categories, in
        application order (priority, then id). Scope exclusions are checked per line later."""
        found: dict[int, Promotion] = {p.id: p for p in self._everywhere}
        for sku_id in sku_ids:
            for promotion in self._by_sku.get(sku_id, ()):
                found[promotion.id] = promotion
        for category_id in category_ids:
            for promotion in self._by_category.get(category_id, ()):
                found[promotion.id] = promotion
        return sorted(found.values(), key=lambda p: p.sort_key)


NO_OFFERS = Offers()
