from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class MarketingError(ErrorCode):
    OUT_OF_DELIVERY_RANGE = (
        "marketing.out_of_delivery_range",
        _("The address is {distance} from the store; local delivery reaches {radius}."),
        400,
    )
    BELOW_DELIVERY_MINIMUM = (
        "marketing.below_delivery_minimum",
        _("Local delivery needs an order of at least {minimum}; add {short} more."),
        400,
    )
    DELIVERY_DISTANCE_UNKNOWN = (
        "marketing.delivery_distance_unknown",
        _("Choose a delivery address with a map location."),
        400,
    )
    INVALID_CART_LINE = (
        "marketing.invalid_cart_line",
        _("Cart line {line} has an invalid quantity, price or weight."),
        400,
    )
    DUPLICATE_CART_LINE = ("marketing.duplicate_cart_line", _("Cart line {line} appears twice."), 400)
    UNKNOWN_SETTING = ("marketing.unknown_setting", _("There is no shipping setting called {field}."), 400)
    INVALID_SETTING = (
        "marketing.invalid_setting",
        _("{field} must be a whole number between {minimum} and {maximum}."),
        400,
    )
    INVALID_REGION_SURCHARGE = (
        "marketing.invalid_region_surcharge",
        _("Region surcharges must map a province to an amount between ¥0 and {maximum}."),
        400,
    )
    COUPON_TWICE = ("marketing.coupon_twice", _("The same coupon was chosen twice."), 400)
    COUPONS_DO_NOT_STACK = (
        "marketing.coupons_do_not_stack",
        _("Only one goods coupon and one free-shipping coupon can be used on an order."),
        400,
    )
    COUPON_NOT_USABLE_HERE = (
        "marketing.coupon_not_usable_here",
        _("Coupon {name} cannot be used here or at this time."),
        400,
    )
    COUPON_THRESHOLD_NOT_MET = (
        "marketing.coupon_threshold_not_met",
        _("Coupon {name} needs {threshold} of eligible goods; add {short} more."),
        400,
    )
    COUPON_NOT_APPLICABLE = (
        "marketing.coupon_not_applicable",
        _("Coupon {name} does not apply to anything in this order."),
        400,
    )
    POINTS_NOT_ACCEPTED = ("marketing.points_not_accepted", _("This shop does not accept points."), 400)
    POINTS_BELOW_MINIMUM = (
        "marketing.points_below_minimum",
        _("Use at least {minimum} points, or none."),
        400,
    )
    INVALID_PROMOTION = ("marketing.invalid_promotion", _("{field}: {problem}"), 400)
    INVALID_COUPON_TEMPLATE = ("marketing.invalid_coupon_template", _("{field}: {problem}"), 400)
    COUPON_SOLD_OUT = ("marketing.coupon_sold_out", _("All of these coupons have been claimed."), 409)
    COUPON_LIMIT_REACHED = (
        "marketing.coupon_limit_reached",
        _("You already hold as many of these coupons as one member may."),
        409,
    )
    COUPON_NOT_CLAIMABLE = ("marketing.coupon_not_claimable", _("This coupon cannot be claimed now."), 409)
    REDEEM_CODE_INVALID = ("marketing.redeem_code_invalid", _("This code is not valid or was already used."), 400)
    COUPON_NOT_AVAILABLE = (
        "marketing.coupon_not_available",
        _("Coupon {code} is used, locked to another order or expired."),
        409,
    )
    PROMOTION_EXHAUSTED = (
        "marketing.promotion_exhausted",
        _("A promotion in this order has just run out; check the new price."),
        409,
    )
