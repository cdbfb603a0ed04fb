"""Payments: a merchant's provider accounts, one payment intent per order with its tenders, and
refunds back through those tenders. Amounts are integer fen. Statuses change only through
``payments.actions`` with conditional UPDATEs; provider calls happen outside database
transactions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned
from newretail.payments.gateways import base


class PaymentAccount(MerchantOwned):
    """A merchant's account with a provider (WeChat Pay or Alipay), live or in the local sandbox.
    Secrets (private keys, API keys) are stored encrypted in ``secrets`` and never shown back;
    ``payments.secrets`` reads and writes them."""

    class Provider(models.TextChoices):
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")

    class Mode(models.TextChoices):
        SANDBOX = "sandbox", _("Sandbox")
        LIVE = "live", _("Live")

    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.SANDBOX)
    # WeChat: appid; Alipay: app_id.
    app_id = models.CharField(_("app ID"), max_length=64)
    # WeChat only: the merchant number, the API certificate serial and the platform public key id.
    mch_id = models.CharField(_("merchant number"), max_length=32, blank=True)
    cert_serial_no = models.CharField(_("API certificate serial"), max_length=64, blank=True)
    platform_public_key_id = models.CharField(_("platform public key ID"), max_length=64, blank=True)
    secrets = models.TextField(_("encrypted secrets"), editable=False)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("payment account")
        verbose_name_plural = _("payment accounts")
        ordering = ["provider"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "provider"], name="payment_account_one_per_provider")
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} ({self.get_mode_display()})"


class PaymentIntent(MerchantOwned):
    """What an order asks to be paid, and how far it is (one per order). It succeeds when its
    succeeded tenders add up to ``amount_fen``; the order becomes paid in the same transaction."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        SUCCEEDED = "succeeded", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.OneToOneField(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="payment"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    paid_fen = models.BigIntegerField(_("paid (fen)"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    succeeded_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0) & Q(paid_fen__gte=0) & Q(paid_fen__lte=F("amount_fen")),
                name="payment_intent_paid_within_amount",
            )
        ]

    def __str__(self) -> str:
        return f"payment {self.pk}"


def provider_of(kind: str) -> str:
    """The provider that charges a tender kind ("" for instant tenders such as cash)."""
    if kind in base.WECHAT_KINDS:
        return PaymentAccount.Provider.WECHAT
    if kind in base.ALIPAY_KINDS:
        return PaymentAccount.Provider.ALIPAY
    return ""


class Tender(MerchantOwned):
    """One way part of an intent is paid (支付方式): a WeChat or Alipay charge, cash at the till,
    or (members issue) stored value and points. ``out_trade_no`` is our reference at the
    provider. ``refunded_fen`` counts pending and succeeded refunds of this tender."""

    class Kind(models.TextChoices):
        WECHAT_JSAPI = base.WECHAT_JSAPI, _("WeChat Pay (in WeChat)")
        WECHAT_NATIVE = base.WECHAT_NATIVE, _("WeChat Pay (QR code)")
        WECHAT_MICROPAY = base.WECHAT_MICROPAY, _("WeChat Pay (payment code)")
        ALIPAY_PAGE = base.ALIPAY_PAGE, _("Alipay (web)")
        ALIPAY_WAP = base.ALIPAY_WAP, _("Alipay (mobile web)")
        ALIPAY_MICROPAY = base.ALIPAY_MICROPAY, _("Alipay (payment code)")
        CASH = "cash", _("Cash")
        WALLET = "wallet", _("Stored value")
        POINTS = "points", _("Points")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    intent = models.ForeignKey(PaymentIntent, on_delete=models.PROTECT, related_name="tenders")
    kind = models.CharField(_("payment method"), max_length=20, choices=Kind.choices)
    account = models.ForeignKey(
        PaymentAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="tenders"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    out_trade_no = models.CharField(_("payment reference"), max_length=32)
    provider_trade_no = models.CharField(_("provider transaction number"), max_length=64, blank=True)
    # What the client does next (redirect URL, QR code_url, JSAPI parameters, poll).
    action = models.JSONField(_("next step"), default=dict, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    refunded_fen = models.BigIntegerField(_("refunded (fen)"), default=0)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    succeeded_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["intent", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "out_trade_no"], name="tender_out_trade_no_unique"),
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="tender_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0) & Q(refunded_fen__gte=0) & Q(refunded_fen__lte=F("amount_fen")),
                name="tender_refunded_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="tender_status_created")]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def provider(self) -> str:
        return provider_of(self.kind)

    @property
    def refundable_fen(self) -> int:
        return self.amount_fen - self.refunded_fen if self.status == self.Status.SUCCEEDED else 0


class Refund(MerchantOwned):
    """Money paid back for an order (退款), split over the order's succeeded tenders. Goods lines
    and shipping it covers are in ``lines`` and ``shipping_fen``; a refund of a surplus payment
    (paid twice, or paid after the order had closed) has no lines and one tender."""

    class Kind(models.TextChoices):
        AFTER_SALE = "after_sale", _("After-sales")
        ORDER_CANCELLED = "order_cancelled", _("Order cancelled")
        SURPLUS_PAYMENT = "surplus_payment", _("Payment not needed")
        WALLET_WITHDRAWAL = "wallet_withdrawal", _("Stored value withdrawn")

    class Status(models.TextChoices):
        PENDING = "pending", _("Refunding")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Refund failed")

    number = models.CharField(_("number"), max_length=32)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="refunds"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The after-sales request this refund settles (kind after_sale).
    after_sale = models.OneToOneField(
        "orders.AfterSale",
        verbose_name=_("after-sales request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refund",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    shipping_fen = models.BigIntegerField(_("of which shipping (fen)"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="refund_number_unique"),
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="refund_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0) & Q(shipping_fen__gte=0) & Q(shipping_fen__lte=F("amount_fen")),
                name="refund_amounts_valid",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status"], name="refund_merchant_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def goods_fen(self) -> int:
        return self.amount_fen - self.shipping_fen


class RefundLine(MerchantOwned):
    """How much of one order line a refund pays back."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.IntegerField(_("quantity"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["refund", "order_line"], name="refund_line_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) & Q(amount_fen__gte=0), name="refund_line_valid"
            ),
        ]


class TenderRefund(MerchantOwned):
    """One tender's share of a refund, sent back the way it was paid. ``out_refund_no`` is our
    reference at the provider: retrying a failed one sends the same number, so the provider never
    pays twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Refunding")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Refund failed")

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="tender_refunds")
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    out_refund_no = models.CharField(_("refund reference"), max_length=64)
    provider_refund_no = models.CharField(_("provider refund number"), max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    attempts = models.IntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        ordering = ["refund", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "out_refund_no"], name="tender_refund_number_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="tender_refund_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="tender_refund_status_created")]

    def __str__(self) -> str:
        return self.out_refund_no


class PaymentNotification(MerchantOwned):
    """Every notification a provider sent us and what we did with it: accepted, a duplicate,
    or rejected (bad signature, amount that does not match, unknown reference). The raw body is
    not kept (it may carry personal data); its SHA-256 is."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DUPLICATE = "duplicate", _("Already known")
        BAD_SIGNATURE = "bad_signature", _("Rejected: signature")
        AMOUNT_MISMATCH = "amount_mismatch", _("Rejected: amount")
        UNKNOWN_REFERENCE = "unknown_reference", _("Rejected: unknown reference")

    account = models.ForeignKey(PaymentAccount, on_delete=models.CASCADE, related_name="notifications")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.outcome} {self.reference}"
