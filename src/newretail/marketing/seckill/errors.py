from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class SeckillError(ErrorCode):
    NOT_STARTED = ("marketing.seckill_not_started", _("This seckill starts at {starts}."), 409)
    ENDED = ("marketing.seckill_ended", _("This seckill has ended."), 409)
    PAUSED = ("marketing.seckill_paused", _("This seckill is paused."), 409)
    SOLD_OUT = ("marketing.seckill_sold_out", _("Sold out: every piece of this seckill has been taken."), 409)
    LIMIT_EXCEEDED = (
        "marketing.seckill_limit_exceeded",
        _("Each member may buy at most {limit} of this item."),
        409,
    )
    ALREADY_BOUGHT = (
        "marketing.seckill_already_bought",
        _("You already have an order for this item in this seckill."),
        409,
    )
    LEVEL_REQUIRED = (
        "marketing.seckill_level_required",
        _("This seckill is for members of these levels: {levels}."),
        409,
    )
    PURCHASE_LAPSED = (
        "marketing.seckill_purchase_lapsed",
        _("Your seckill took too long to place; try again."),
        409,
    )
    BUSY = ("marketing.seckill_busy", _("The seckill is busy; try again in a moment."), 503)
    INVALID = ("marketing.invalid_seckill", _("{field}: {problem}"), 400)
