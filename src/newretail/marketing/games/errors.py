from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class GameError(ErrorCode):
    NOT_STARTED = ("games.not_started", _("This game starts at {starts}."), 409)
    ENDED = ("games.ended", _("This game has ended."), 409)
    PAUSED = ("games.paused", _("This game is paused."), 409)
    NO_CHANCES = (
        "games.no_chances",
        _("No draws left today. Come back tomorrow or earn draws by ordering."),
        409,
    )
    POINTS_NOT_ENOUGH = (
        "games.points_not_enough",
        _("A draw costs {points} points; you have {balance}."),
        409,
    )
    DAILY_LIMIT = ("games.daily_limit", _("At most {limit} draws a day in this game."), 409)
    INVALID_KEY = ("games.invalid_idempotency_key", _("The request key must be 1 to 64 characters."), 400)
    GIFT_NOT_CLAIMABLE = (
        "games.gift_not_claimable",
        _("This prize is not a gift waiting to be claimed."),
        409,
    )
    INVALID = ("games.invalid", _("{field}: {problem}"), 400)
