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
