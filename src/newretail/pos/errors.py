from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class PosError(ErrorCode):
    # A code or receipt number that finds nothing is bad input (400): 404 is kept for ids, which
    # must not tell another merchant's rows from missing ones.
    TERMINAL_INACTIVE = ("pos.terminal_inactive", _("This terminal is switched off."), 409)
    NO_OPEN_SHIFT = ("pos.no_open_shift", _("Open a shift on this terminal first."), 409)
    SHIFT_ALREADY_OPEN = ("pos.shift_already_open", _("A shift is already open on this terminal."), 409)
    SHIFT_CLOSED = ("pos.shift_closed", _("Shift {number} is closed."), 409)
    SHIFT_HAS_OPEN_TICKETS = (
        "pos.shift_has_open_tickets",
        _("Finish, resume or void the {count} open ticket(s) before closing the shift."),
        409,
    )
    NOT_YOUR_SHIFT = ("pos.not_your_shift", _("This shift belongs to another cashier."), 403)
    INVALID_AMOUNT = ("pos.invalid_amount", _("Enter an amount of at least ¥0.00."), 400)
    TICKET_NOT_OPEN = ("pos.ticket_not_open", _("Ticket {number} is {status}."), 409)
    CASH_TOO_LITTLE = ("pos.cash_too_little", _("The cash received does not cover {due}."), 400)
    UNKNOWN_CODE = ("pos.unknown_code", _("Nothing found for “{code}”."), 400)
    SCALE_LABEL_UNKNOWN_PLU = ("pos.scale_label_unknown_plu", _("No weighed product has PLU {plu}."), 400)
    AUTHORISATION_REQUIRED = (
        "pos.authorisation_required",
        _("A manager must authorise this: ask them to enter their login."),
        403,
    )
    AUTHORISATION_INVALID = (
        "pos.authorisation_invalid",
        _("The manager's authorisation is missing, expired or for another change."),
        403,
    )
    OVERRIDE_INVALID = (
        "pos.override_invalid",
        _("A price override must be lower than the price ({price})."),
        400,
    )
    OFFLINE_LIMIT = ("pos.offline_limit", _("Offline, one ticket may take at most {limit} in cash."), 400)
    OFFLINE_MISMATCH = ("pos.offline_mismatch", _("The offline ticket's cash does not add up."), 400)
    NOTHING_TO_RETURN = ("pos.nothing_to_return", _("Choose at least one item to return."), 400)
    RECEIPT_NOT_FOUND = ("pos.receipt_not_found", _("No completed sale has receipt number “{number}”."), 400)
    INVALID_FORMAT = ("pos.invalid_scale_format", _("Scale label format: {detail}"), 400)
    INVALID_TERMINAL_CODE = (
        "pos.invalid_terminal_code",
        _("A terminal code is 1 to 16 letters, digits or hyphens."),
        400,
    )
    DUPLICATE_TERMINAL = ("pos.duplicate_terminal", _("Terminal code {code} is taken."), 409)
    INVALID_IDEMPOTENCY_KEY = (
        "pos.invalid_idempotency_key",
        _("An idempotency key must be 1 to 64 characters."),
        400,
    )
    TENDER_NOT_OFFERED = ("pos.tender_not_offered", _("This till does not take {kind}."), 400)
    INVALID_DEVICE_KIND = ("pos.invalid_device_kind", _("Choose what the device does."), 400)
    DEVICE_NOT_ALLOWED = ("pos.device_not_allowed", _("This device's key is not for {what}."), 403)
    EXIT_CODE_UNKNOWN = ("pos.exit_code_unknown", _("No paid scan-to-buy order has exit code “{code}”."), 400)
    EXIT_CODE_USED = ("pos.exit_code_used", _("Exit code {code} was already verified at {at}."), 409)
    EXIT_CODE_OTHER_STORE = (
        "pos.exit_code_other_store",
        _("Exit code {code} belongs to a purchase at {store}, not this store."),
        409,
    )
    NOT_SCAN_TO_BUY = ("pos.not_scan_to_buy", _("Order {number} is not a paid scan-to-buy order."), 409)
    SCAN_BASKET_EMPTY = ("pos.scan_basket_empty", _("Scan at least one item first."), 400)
    ROSTER_INVALID_TIMES = ("pos.roster_invalid_times", _("A shift must end after it starts."), 400)
    ROSTER_OVERLAP = ("pos.roster_overlap", _("{name} already works {start}–{end} that day."), 409)
    ROSTER_NOT_AT_STORE = ("pos.roster_not_at_store", _("{name} does not work at this store."), 400)
    FOOTFALL_INVALID_SLOT = (
        "pos.footfall_invalid_slot",
        _("A footfall slot starts on a quarter hour, in the last 7 days, and counts 0 to 100,000 visitors."),
        400,
    )
    STORE_INACTIVE = ("pos.store_inactive", _("This store does not sell at the moment."), 409)
