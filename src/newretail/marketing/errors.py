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
