"""The pricing engine: one pure function, ``price_cart``, prices a cart for a context and explains
every fen. The mall cart, the POS ticket and the seckill order all go through it, so no other code
computes a price. Read in this order: ``types`` (what goes in and out), ``offers`` (promotions and
coupons as values), ``engine`` (the pipeline), then one module per step."""

from newretail.marketing.pricing.arithmetic import format_distance, format_rate, line_amount_fen
from newretail.marketing.pricing.engine import PIPELINE, price_cart
from newretail.marketing.pricing.item_price import apply_item_price
from newretail.marketing.pricing.offers import (
    NO_OFFERS,
    CouponKind,
    CouponOffer,
    Kind,
    Offers,
    PointsRule,
    Promotion,
    Scope,
    Tier,
)
from newretail.marketing.pricing.order_promotions import gift_line_id
from newretail.marketing.pricing.shipping import apply_shipping
from newretail.marketing.pricing.state import PricingState
from newretail.marketing.pricing.suggestions import CouponChoice, best_coupons
from newretail.marketing.pricing.types import (
    CHANNELS,
    FULFILMENTS,
    Adjustment,
    CartLine,
    Hint,
    PricedCart,
    PricedLine,
    PricingContext,
    Reward,
    ShippingRules,
)

__all__ = [
    "CHANNELS",
    "FULFILMENTS",
    "NO_OFFERS",
    "PIPELINE",
    "Adjustment",
    "CartLine",
    "CouponChoice",
    "CouponKind",
    "CouponOffer",
    "Hint",
    "Kind",
    "Offers",
    "PointsRule",
    "PricedCart",
    "PricedLine",
    "PricingContext",
    "PricingState",
    "Promotion",
    "Reward",
    "Scope",
    "ShippingRules",
    "Tier",
    "apply_item_price",
    "apply_shipping",
    "best_coupons",
    "format_distance",
    "format_rate",
    "gift_line_id",
    "line_amount_fen",
    "price_cart",
]
