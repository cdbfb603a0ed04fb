from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class InventoryError(ErrorCode):
    INSUFFICIENT_STOCK = (
        "inventory.insufficient_stock",
        _("Not enough stock of {sku} in {warehouse}: {available} available, {requested} requested."),
        409,
    )
    INVALID_QUANTITY = (
        "inventory.invalid_quantity",
        _("Quantity {quantity} is not allowed here (whole units between {minimum} and {maximum})."),
        400,
    )
    WRONG_SIGN = (
        "inventory.wrong_sign",
        _("A {kind} movement cannot have the quantity {quantity}."),
        400,
    )
    INVALID_COST = ("inventory.invalid_cost", _("A unit cost must be between ¥0 and {maximum}."), 400)
    REASON_REQUIRED = ("inventory.reason_required", _("Give a reason for the adjustment."), 400)
    INVALID_REFERENCE = (
        "inventory.invalid_reference",
        _("A reservation needs a reference of 1 to 64 characters, e.g. order:123."),
        400,
    )
    INVALID_TTL = ("inventory.invalid_ttl", _("A reservation must hold for at least one second."), 400)
    RESERVATION_CONFLICT = (
        "inventory.reservation_conflict",
        _(
            "Reference {reference} already holds {quantity} of this SKU; release it before holding another quantity."
        ),
        409,
    )
    RESERVATION_NOT_ACTIVE = (
        "inventory.reservation_not_active",
        _("Reservation {reference} is {status}, no longer active."),
        409,
    )
    INVALID_STATUS = (
        "inventory.invalid_status",
        _("{number} is {status}; this is not possible now."),
        409,
    )
    NO_LINES = ("inventory.no_lines", _("Add at least one line with a quantity."), 400)
    TOO_MANY_LINES = ("inventory.too_many_lines", _("A document holds at most {maximum} lines."), 400)
    DUPLICATE_LINE = ("inventory.duplicate_line", _("{sku} appears on more than one line."), 400)
    LINE_NOT_FOUND = ("inventory.line_not_found", _("Line {line} is not part of {number}."), 400)
    OVER_RECEIPT = (
        "inventory.over_receipt",
        _("Cannot receive {quantity} of {sku}: only {outstanding} outstanding on {number}."),
        400,
    )
    OVER_TRANSFER_RECEIPT = (
        "inventory.over_transfer_receipt",
        _("Cannot receive {quantity} of {sku}: only {shipped} were shipped on {number}."),
        400,
    )
    SAME_WAREHOUSE = ("inventory.same_warehouse", _("Choose two different warehouses."), 400)
    STOCKTAKE_IN_PROGRESS = (
        "inventory.stocktake_in_progress",
        _("{warehouse} is already being counted ({number}); post or cancel that stocktake first."),
        409,
    )
    COUNT_BELOW_RESERVED = (
        "inventory.count_below_reserved",
        _("Counted {counted} of {sku}, but {reserved} are held for orders; release those holds first."),
        409,
    )
    NOTHING_COUNTED = ("inventory.nothing_counted", _("Enter at least one count before posting."), 400)
    SKU_NOT_FOUND = ("inventory.sku_not_found", _("No SKU with code or barcode “{code}”."), 400)
    SUPPLIER_NAME_TAKEN = ("inventory.supplier_name_taken", _("Supplier {name} already exists."), 409)
    SUPPLIER_IN_USE = (
        "inventory.supplier_in_use",
        _("Supplier {name} has purchase orders; mark it inactive instead."),
        409,
    )
    INVALID_THRESHOLD = (
        "inventory.invalid_threshold",
        _("The low-stock threshold must be between 0 and {maximum}."),
        400,
    )
