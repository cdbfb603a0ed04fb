from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class OrderError(ErrorCode):
    ILLEGAL_TRANSITION = (
        "orders.illegal_transition",
        _("Order {number} is {status} and cannot become {target}."),
        409,
    )
    EMPTY_ORDER = ("orders.empty", _("An order needs at least one line."), 400)
    TOO_MANY_LINES = ("orders.too_many_lines", _("An order can have at most {maximum} lines."), 400)
    INVALID_LINE = (
        "orders.invalid_line",
        _("Line {line} is not valid: give a SKU id and a whole quantity between 1 and {maximum}."),
        400,
    )
    DUPLICATE_SKU = (
        "orders.duplicate_sku",
        _("A SKU appears on more than one line; give its total quantity on one line."),
        400,
    )
    SKU_UNAVAILABLE = ("orders.sku_unavailable", _("{sku} is not on sale in this channel."), 409)
    INVALID_CHANNEL = ("orders.invalid_channel", _("Unknown sales channel “{channel}”."), 400)
    INVALID_FULFILMENT = ("orders.invalid_fulfilment", _("Unknown fulfilment “{fulfilment}”."), 400)
    INVALID_IDEMPOTENCY_KEY = (
        "orders.invalid_idempotency_key",
        _("An idempotency key must be 1 to 64 characters."),
        400,
    )
