"""Member errors. Codes are stable once released; messages are English msgids translated to
zh_Hans in ``newretail/locale``. ``{field}`` is a translated field name (the model's verbose
name), so the mall can put the message next to the right input."""

from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class MemberError(ErrorCode):
    INVALID_PHONE = (
        "members.invalid_phone",
        _("Enter a valid 11-digit mainland China mobile number."),
        400,
    )
    CODE_INVALID = (
        "members.code_invalid",
        _("The verification code is wrong or has already been used."),
        400,
    )
    CODE_EXPIRED = (
        "members.code_expired",
        _("The verification code has expired. Request a new one."),
        400,
    )
    CODE_ATTEMPTS_EXCEEDED = (
        "members.code_attempts_exceeded",
        _("Too many wrong codes were entered. Request a new verification code."),
        400,
    )
    CODE_TOO_SOON = (
        "members.code_too_soon",
        _("A verification code was sent less than a minute ago. Please wait before requesting another."),
        429,
    )
    CODE_DAILY_LIMIT = (
        "members.code_daily_limit",
        _("Too many verification codes were requested for this number today. Try again tomorrow."),
        429,
    )
    CODE_IP_LIMIT = (
        "members.code_ip_limit",
        _("Too many verification codes were requested from your network. Try again later."),
        429,
    )
    LOGIN_RATE_LIMITED = (
        "members.login_rate_limited",
        _("Too many login attempts. Try again in {minutes} minutes."),
        429,
    )
    SMS_FAILED = (
        "members.sms_failed",
        _("The text message could not be sent. Try again later."),
        503,
    )
    MEMBER_INACTIVE = (
        "members.member_inactive",
        _("This membership has been deactivated. Please contact the merchant."),
        403,
    )
    INVALID_ADDRESS_PHONE = (
        "members.invalid_address_phone",
        _("Enter the recipient's mobile number, or a landline with its area code (such as 010-12345678)."),
        400,
    )
    ADDRESS_FIELD_REQUIRED = ("members.address_field_required", _("Please fill in {field}."), 400)
    ADDRESS_FIELD_TOO_LONG = (
        "members.address_field_too_long",
        _("{field} is too long (at most {max_length} characters)."),
        400,
    )
    ADDRESS_LOCATION_INVALID = (
        "members.address_location_invalid",
        _("The location needs both a latitude (-90 to 90) and a longitude (-180 to 180)."),
        400,
    )
    ADDRESS_LIMIT = (
        "members.address_limit",
        _("An address book holds at most {limit} addresses. Delete one first."),
        409,
    )
    POINTS_NOT_ENOUGH = (
        "members.points_not_enough",
        _("You have {balance} points: not enough to use {points}."),
        400,
    )
    WALLET_NOT_ENOUGH = (
        "members.wallet_not_enough",
        _("The stored-value balance is {balance}: not enough to pay {amount}."),
        400,
    )
    WALLET_NEEDS_MEMBER = (
        "members.wallet_needs_member",
        _("Stored value can only pay an order that belongs to a member."),
        400,
    )
    WALLET_NOT_FOR_RECHARGE = (
        "members.wallet_not_for_recharge",
        _("A recharge cannot be paid with stored value."),
        400,
    )
    RECHARGE_PLAN_UNAVAILABLE = (
        "members.recharge_plan_unavailable",
        _("This recharge plan is no longer offered."),
        409,
    )
    RECHARGE_AMOUNT_INVALID = (
        "members.recharge_amount_invalid",
        _("Choose a recharge plan, or enter an amount of at least {minimum} (at most {maximum})."),
        400,
    )
    RECHARGE_PLANS_ONLY = (
        "members.recharge_plans_only",
        _("This shop only takes recharges by plan. Choose one of the plans."),
        400,
    )
    WITHDRAWAL_NOT_ALLOWED = (
        "members.withdrawal_not_allowed",
        _("This shop does not pay stored value back."),
        409,
    )
    WITHDRAWAL_TOO_LARGE = (
        "members.withdrawal_too_large",
        _("At most {available} of principal can be withdrawn."),
        400,
    )
    ADJUSTMENT_INVALID = (
        "members.adjustment_invalid",
        _("An adjustment needs a non-zero amount, a reason, and must not take the balance below zero."),
        400,
    )
    MEMBER_CODE_INVALID = (
        "members.member_code_invalid",
        _("This is not a valid member code. Ask the member to open the code again."),
        400,
    )
    MEMBER_CODE_EXPIRED = (
        "members.member_code_expired",
        _("This member code has expired (it changes every minute). Ask the member to refresh it."),
        400,
    )
    MEMBER_CODE_USED = (
        "members.member_code_used",
        _("This member code was already scanned. Ask the member to refresh it."),
        409,
    )
    LEVEL_INVALID = (
        "members.level_invalid",
        _(
            "A level needs a name, a rank from 0 to 99, a growth threshold of 0 or more and a points multiplier from 100% to 1000%."
        ),
        400,
    )
    LEVEL_RANK_TAKEN = ("members.level_rank_taken", _("Another level already has rank {rank}."), 409)
    MERGE_INVALID = (
        "members.merge_invalid",
        _("Choose two different active members of this shop to merge."),
        400,
    )
    DELETE_PRINCIPAL_LEFT = (
        "members.delete_principal_left",
        _(
            "Your stored value still holds {amount} of your own money. Ask the shop to pay it back before deleting the account."
        ),
        409,
    )
    DELETE_ORDERS_OPEN = (
        "members.delete_orders_open",
        _(
            "Some orders are still on their way or can still be returned. Delete the account once they are completed."
        ),
        409,
    )
    CARD_UNAVAILABLE = ("members.card_unavailable", _("This membership card is not on sale."), 409)
    CARD_INVALID = (
        "members.card_invalid",
        _("A card needs a name, a price of 0 or more and a validity of at least one day."),
        400,
    )
    EXCHANGE_UNAVAILABLE = (
        "members.exchange_unavailable",
        _("This item is no longer available in the points mall."),
        409,
    )
    EXCHANGE_LIMIT = (
        "members.exchange_limit",
        _("Each member can exchange this item at most {limit} times."),
        409,
    )
    EXCHANGE_INVALID = (
        "members.exchange_invalid",
        _(
            "A points mall item needs a name, a points price and a product (not sold by weight, its"
            " cash part below its price), a coupon template or a bonus amount."
        ),
        400,
    )
