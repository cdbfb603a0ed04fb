from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class BargainError(ErrorCode):
    INVALID = ("bargain.invalid", _("{field}: {problem}"), 400)
    NOT_STARTED = ("bargain.not_started", _("This bargain campaign starts at {starts}."), 409)
    ENDED = ("bargain.ended", _("This bargain campaign has ended."), 409)
    PAUSED = ("bargain.paused", _("This bargain campaign is paused."), 409)
    SOLD_OUT = ("bargain.sold_out", _("Sold out: every piece of this bargain campaign has been taken."), 409)
    LIMIT_REACHED = (
        "bargain.limit_reached",
        _("Each member may run at most {limit} bargains in this campaign."),
        409,
    )
    ALREADY_RUNNING = ("bargain.already_running", _("You already have a bargain running for this item."), 409)
    EXPIRED = ("bargain.expired", _("This bargain has run out of time."), 409)
    FLOOR_REACHED = ("bargain.floor_reached", _("This bargain is already at its lowest price."), 409)
    ALREADY_HELPED = ("bargain.already_helped", _("You have already helped with this bargain."), 409)
    DEVICE_USED = (
        "bargain.device_used",
        _("Someone on this device has already helped with this bargain."),
        409,
    )
    SELF_HELP = ("bargain.self_help", _("You cannot help your own bargain; share it with friends."), 409)
    DEVICE_REQUIRED = (
        "bargain.device_required",
        _("We could not recognise this device; allow cookies and try again."),
        400,
    )
    BUSY = ("bargain.busy", _("Many friends are helping right now; try again."), 409)
    ALREADY_ORDERED = ("bargain.already_ordered", _("This bargain has already been ordered."), 409)
    IN_USE = ("bargain.in_use", _("Members have started bargains in this campaign; pause it instead."), 409)
