from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class PaymentError(ErrorCode):
    NOT_PAYABLE = ("payments.not_payable", _("Order {number} is {status} and cannot be paid."), 409)
    ALREADY_PAID = ("payments.already_paid", _("Order {number} is already paid."), 409)
    INVALID_KIND = (
        "payments.invalid_kind",
        _("“{kind}” is not a payment method that can be used here."),
        400,
    )
    INVALID_AMOUNT = (
        "payments.invalid_amount",
        _("A payment must be between ¥0.01 and the {outstanding} still to pay."),
        400,
    )
    PROVIDER_NOT_CONFIGURED = (
        "payments.provider_not_configured",
        _("{provider} is not set up for this shop."),
        409,
    )
    PROVIDER_UNAVAILABLE = (
        "payments.provider_unavailable",
        _("{provider} could not be reached; nothing was charged. Try again in a moment."),
        502,
    )
    PAYMENT_REFUSED = ("payments.payment_refused", _("The payment was refused: {reason}"), 402)
    AUTH_CODE_INVALID = (
        "payments.auth_code_invalid",
        _(
            "Scan the shopper's payment code again (WeChat 18 digits starting 10-15, Alipay 16-24 digits starting 25-30)."
        ),
        400,
    )
    OPENID_REQUIRED = ("payments.openid_required", _("Paying inside WeChat needs the shopper's openid."), 400)
    TOO_MANY_TENDERS = (
        "payments.too_many_tenders",
        _("An order can be paid in at most {maximum} parts."),
        409,
    )
    REFUND_TOO_LARGE = (
        "payments.refund_too_large",
        _("At most {available} can be refunded for {item}."),
        409,
    )
    NOTHING_TO_REFUND = (
        "payments.nothing_to_refund",
        _("There is nothing left to refund on this order."),
        409,
    )
    REFUND_NOT_FAILED = (
        "payments.refund_not_failed",
        _("Refund {number} has not failed; nothing to retry."),
        409,
    )
    INVALID_CREDENTIALS = ("payments.invalid_credentials", _("{field} is missing or not valid."), 400)
    SANDBOX_DISABLED = (
        "payments.sandbox_disabled",
        _("The payment sandbox is turned off on this installation."),
        409,
    )
    INVALID_IDEMPOTENCY_KEY = (
        "payments.invalid_idempotency_key",
        _("An idempotency key must be 1 to 64 characters."),
        400,
    )
