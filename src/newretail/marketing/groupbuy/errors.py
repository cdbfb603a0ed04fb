from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class GroupBuyError(ErrorCode):
    NOT_STARTED = ("groupbuy.not_started", _("This group buy starts at {starts}."), 409)
    ENDED = ("groupbuy.ended", _("This group buy has ended."), 409)
    PAUSED = ("groupbuy.paused", _("This group buy is paused."), 409)
    GROUP_FULL = ("groupbuy.group_full", _("This group is full; open a group of your own."), 409)
    GROUP_NOT_OPEN = ("groupbuy.group_not_open", _("This group is no longer open ({status})."), 409)
    GROUP_NOT_STARTED = (
        "groupbuy.group_not_started",
        _("This group opens when its leader has paid; try again in a moment."),
        409,
    )
    ALREADY_IN_GROUP = ("groupbuy.already_in_group", _("You are already in this group."), 409)
    LIMIT_EXCEEDED = (
        "groupbuy.limit_exceeded",
        _("Each member may buy at most {limit} pieces in this group buy."),
        409,
    )
    NEW_MEMBERS_ONLY = (
        "groupbuy.new_members_only",
        _("Only new members (without a paid order) may join this group."),
        409,
    )
    WRONG_FULFILMENT = (
        "groupbuy.wrong_fulfilment",
        _("Group-buy orders are delivered, shipped or picked up; choose one of those."),
        400,
    )
    INVALID = ("groupbuy.invalid", _("{field}: {problem}"), 400)
