"""What goes into the pricing engine and what comes out: plain frozen values, no models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from newretail.marketing.pricing.offers import CouponOffer, PointsRule

CHANNELS = frozenset({"mall", "pos", "scan_to_buy"})
FULFILMENTS = frozenset({"express", "delivery", "pickup", "in_store"})


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartLine:
    """One cart line as the caller loaded it.

    ``quantity`` is in the SKU's base unit: pieces, or grams when ``sold_by_weight`` (then the
    prices are per kg). ``weight_g`` is the shipping weight of one piece; a weighed line weighs
    its quantity. ``category_ids`` holds the product's category and its ancestors, so a promotion
    on 饮料 reaches 碳酸饮料. ``campaign_price_fen`` is a seckill / group-buy price the campaign
    granted for this line (step 1 weighs it against the other item prices).
    """

    line_id: str
    sku_id: int
    quantity: int
    list_price_fen: int
    store_price_fen: int | None = None
    weight_g: int = 0
    category_ids: tuple[int, ...] = ()
    sold_by_weight: bool = False
    campaign_price_fen: int | None = None
    campaign_name: str = ""

    @property
    def shipping_weight_g(self) -> int:
        return self.quantity if self.sold_by_weight else self.weight_g * self.quantity


@dataclass(frozen=True)
class PricingContext:
    """Who buys, where and when, and what they chose to spend (coupons, points).

    ``promotion_allowance_fen`` says how much discount a promotion may still give for this cart,
    by promotion id (missing: no limit; 0: exhausted): the caller derives it from the
    promotion's budget, total and per-member usage limits, so the cached offers stay the same for
    every shopper. ``coupons`` are the member's coupons chosen for this cart, already checked to
    be theirs and unused; the engine checks everything else about them.
    """

    merchant_id: int
    store_id: int | None
    channel: str
    member_id: int | None
    now: dt.datetime
    fulfilment: str
    region_code: str = ""
    # Straight-line distance from the store to the delivery address (``marketing.geo.distance_m``).
    distance_m: int | None = None
    member_level_id: int | None = None
    coupons: tuple[CouponOffer, ...] = ()
    points_to_use: int = 0
    # How points pay for this merchant (its points settings); None: points cannot pay.
    points_rule: PointsRule | None = None
    promotion_allowance_fen: Mapping[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Built by code, never from raw input: a wrong value is a programming error.
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")
        if self.fulfilment not in FULFILMENTS:
            raise ValueError(f"unknown fulfilment {self.fulfilment!r}")
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("PricingContext.now must be an aware datetime")
        if self.points_to_use < 0:
            raise ValueError("points_to_use must be >= 0")


@dataclass(frozen=True)
class ShippingRules:
    """A merchant's shipping fees (``marketing.models.ShippingSettings`` as plain values).

    Express: ``express_base_fee_fen`` covers the first ``express_first_weight_g``; every started
    kg beyond costs ``express_per_kg_fee_fen``; a region surcharge (keyed by province code or name)
    is added and is not waived by free shipping (remote areas pay it). Local delivery: refused beyond
    ``delivery_radius_m`` or below ``delivery_min_order_fen``; ``delivery_base_fee_fen`` covers the
    first ``delivery_base_distance_m``, every started km beyond costs ``delivery_per_km_fee_fen``.
    A free threshold (None: never free) waives the fee when the goods amount after discounts
    reaches it. Pickup and in-store are free.
    """

    express_base_fee_fen: int = 800
    express_first_weight_g: int = 1000
    express_per_kg_fee_fen: int = 200
    express_region_surcharges_fen: Mapping[str, int] = field(default_factory=dict)
    express_free_threshold_fen: int | None = 5900
    delivery_radius_m: int = 3000
    delivery_base_fee_fen: int = 500
    delivery_base_distance_m: int = 2000
    delivery_per_km_fee_fen: int = 100
    delivery_min_order_fen: int = 2000
    delivery_free_threshold_fen: int | None = 4900


# --- outputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """One reason a price moved: negative amounts are discounts, positive ones fees.

    ``source`` names what caused it ("store_price", "promotion", "coupon", "points", "express",
    "delivery", "free_shipping", "campaign"); ``source_id`` is the promotion or coupon id when
    there is one; ``kind`` says what it changes ("item_price", "item_set", "order_discount",
    "gift", "coupon", "points", "shipping_fee", "shipping_surcharge", "shipping_waiver").
    """

    source: str
    kind: str
    amount_fen: int
    line_ids: tuple[str, ...]  # the lines it touches; () for order-level fees such as shipping
    explanation: str  # for people, in the active language
    source_id: int | None = None


@dataclass(frozen=True)
class PricedLine:
    line_id: str
    sku_id: int
    quantity: int
    list_amount_fen: int
    final_amount_fen: int
    unit_price_fen: int  # after the item-level price (step 1), per piece or per kg
    # This line's share of every adjustment that changed its amount; they add up to final - list.
    adjustments: tuple[Adjustment, ...] = ()
    is_gift: bool = False  # added by a 满赠 promotion at ¥0


@dataclass(frozen=True)
class Hint:
    """A promotion the cart almost reaches: "再买¥12.00可减¥10.00"."""

    promotion_id: int
    short_fen: int  # amount still missing (0 when the gap is in pieces)
    short_quantity: int  # pieces still missing (0 when the gap is an amount)
    message: str


@dataclass(frozen=True)
class Reward:
    """Something an order earns after payment (下单有礼), granted by the order-gift handler."""

    promotion_id: int
    coupon_template_id: int | None
    coupon_quantity: int
    points: int
    explanation: str


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    # Every adjustment in the order applied; they add up to payable_fen - goods_list_fen.
    adjustments: tuple[Adjustment, ...]
    goods_list_fen: int
    goods_final_fen: int
    discount_fen: int  # everything saved (goods discounts and waived shipping), >= 0
    shipping_fen: int
    payable_fen: int
    notices: list[str]
    hints: tuple[Hint, ...] = ()
    rewards: tuple[Reward, ...] = ()
    # Discount given by each promotion (for usage limits and budgets), by promotion id.
    promotion_discounts: Mapping[int, int] = field(default_factory=dict)
    coupon_ids: tuple[int, ...] = ()  # the chosen coupons that were used
    points_used: int = 0
    points_fen: int = 0  # what the points took off the goods amount
