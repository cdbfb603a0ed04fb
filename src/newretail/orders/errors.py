from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class OrderError(ErrorCode):
    ILLEGAL_TRANSITION = (
        "orders.illegal_transition",
        _("Order {number} is {status} and cannot become {target}."),
        409,
    )
    FULFILMENT_HELD = (
        "orders.fulfilment_held",
        _("Order {number} cannot be fulfilled yet: {reason}"),
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
    PICKUP_STORE_REQUIRED = (
        "orders.pickup_store_required",
        _("Choose the store to pick the order up from."),
        400,
    )
    STORE_NOT_SELLING_ONLINE = (
        "orders.store_not_online",
        _("{store} does not take online orders at the moment."),
        409,
    )
    NOT_IN_STOCK_AT_STORE = (
        "orders.not_in_stock_at_store",
        _("{store} does not have everything in stock ({sku}). {alternatives}"),
        409,
    )
    NO_WAREHOUSE_WITH_STOCK = (
        "orders.no_warehouse_with_stock",
        _("No warehouse can ship everything in this order ({sku} is short)."),
        409,
    )
    NO_STORE_IN_RANGE = (
        "orders.no_store_in_range",
        _("No store delivers to this address: the nearest is {distance} away, delivery reaches {radius}."),
        409,
    )
    NO_STORE_WITH_STOCK = (
        "orders.no_store_with_stock",
        _("No store within delivery range has everything in stock ({sku} is short)."),
        409,
    )
    ADDRESS_REQUIRED = ("orders.address_required", _("Choose a delivery address."), 400)
    ADDRESS_INVALID = ("orders.address_invalid", _("The delivery address is incomplete: {field}."), 400)
    ADDRESS_NEEDS_LOCATION = (
        "orders.address_needs_location",
        _("Local delivery needs the address's map location; pick it on the map."),
        400,
    )
    STORE_REQUIRED = ("orders.store_required", _("An in-store order needs its store."), 400)
    WAREHOUSE_NOT_SELLING = (
        "orders.warehouse_not_selling",
        _("{warehouse} holds damaged goods and cannot fulfil orders."),
        409,
    )
    NOTE_TOO_LONG = ("orders.note_too_long", _("A note can be at most {maximum} characters."), 400)
    PAYMENT_DEADLINE_PASSED = (
        "orders.payment_deadline_passed",
        _("Order {number} was not paid in time and is closed; place it again."),
        409,
    )
    WRONG_FULFILMENT = (
        "orders.wrong_fulfilment",
        _("Order {number} is for {fulfilment}; this step does not apply."),
        409,
    )
    TRACKING_REQUIRED = ("orders.tracking_required", _("Give the carrier and the tracking number."), 400)
    PICKUP_CODE_INVALID = (
        "orders.pickup_code_invalid",
        _("No order waiting for pickup has the code {code}."),
        404,
    )
    PICKUP_CODE_FORMAT = ("orders.pickup_code_format", _("A pickup code is 6 digits."), 400)
    CART_TOO_LARGE = ("orders.cart_too_large", _("A cart can hold at most {maximum} different items."), 400)
    CART_EMPTY = ("orders.cart_empty", _("Your cart is empty."), 400)
    CART_NOT_READY = (
        "orders.cart_not_ready",
        _("Some items in your cart changed: {problems}. Review your cart and try again."),
        409,
    )
    PAYABLE_CHANGED = (
        "orders.payable_changed",
        _("The amount to pay is now {payable} (you saw {expected}). Review the order and try again."),
        409,
    )
    AFTER_SALE_NOT_ALLOWED = (
        "orders.after_sale_not_allowed",
        _("After-sales cannot be requested: {reason}"),
        409,
    )
    AFTER_SALE_QUANTITY = (
        "orders.after_sale_quantity",
        _("At most {available} of {product} can still be refunded."),
        409,
    )
    AFTER_SALE_LINES_REQUIRED = (
        "orders.after_sale_lines_required",
        _("Choose at least one item and quantity to refund."),
        400,
    )
    AFTER_SALE_REASON = ("orders.after_sale_reason", _("Choose a reason from the list."), 400)
    AFTER_SALE_NOTE_REQUIRED = (
        "orders.after_sale_note_required",
        _("Say why the request is rejected; the shopper sees it."),
        400,
    )
    AFTER_SALE_STATUS = (
        "orders.after_sale_status",
        _("After-sales request {number} is {status}; this step does not apply."),
        409,
    )
    RETURN_COUNT_MISMATCH = (
        "orders.return_count_mismatch",
        _("{product}: {expected} were to come back, {counted} were counted."),
        400,
    )
    TOO_MANY_PHOTOS = ("orders.too_many_photos", _("At most {maximum} photos per request."), 400)
    PHOTO_INVALID = (
        "orders.photo_invalid",
        _("“{name}” is not a JPEG, PNG or WebP picture under 5 MB."),
        400,
    )
    INVALID_SETTING = (
        "orders.invalid_setting",
        _("{field} must be a whole number between {minimum} and {maximum}."),
        400,
    )
