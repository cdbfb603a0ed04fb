"""The provider's side of the local payment sandbox: the merchants it knows (with the keys it
checks requests with and signs answers with), their trades and refunds, and the notifications it
sends back. These rows belong to the fake provider, not to a NewRetail merchant, so they carry
no ``merchant_id``: a NewRetail merchant only holds its own side (``payments.PaymentAccount``).

States are the sandbox's own, provider-neutral ones; ``wechat_protocol`` and ``alipay_protocol``
translate them into each provider's words (NOTPAY, WAIT_BUYER_PAY, …)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxMerchant(models.Model):
    class Provider(models.TextChoices):
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")

    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    # WeChat: mchid; Alipay: app_id. Unique across both: requests name it and nothing else.
    account_id = models.CharField(_("account ID"), max_length=32, unique=True)
    appid = models.CharField(_("app ID"), max_length=32, blank=True)  # WeChat only
    seller_id = models.CharField(_("seller ID"), max_length=32, blank=True)  # Alipay PID, 2088…
    display_name = models.CharField(_("name shown to payers"), max_length=64)
    merchant_public_key_pem = models.TextField(_("merchant public key"))
    merchant_cert_serial_no = models.CharField(_("merchant certificate serial"), max_length=64, blank=True)
    platform_private_key_pem = models.TextField(_("platform private key"))
    platform_public_key_id = models.CharField(_("platform public key ID"), max_length=64, blank=True)
    apiv3_key = models.CharField(_("APIv3 key"), max_length=32, blank=True)
    api_v2_key = models.CharField(_("API v2 key"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox merchant")
        verbose_name_plural = _("sandbox merchants")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.account_id})"


class SandboxTrade(models.Model):
    class Status(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        PAYING = "paying", _("Payer entering password")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")
        FAILED = "failed", _("Payment refused")

    class MicropayOutcome(models.TextChoices):
        NONE = "", _("Not a payment code")
        PAID = "paid", _("Paid at once")
        PASSWORD = "password", _("Password needed, paid at the second query")
        REFUSED = "refused", _("Refused: insufficient balance")

    merchant = models.ForeignKey(SandboxMerchant, on_delete=models.CASCADE, related_name="trades")
    out_trade_no = models.CharField(_("merchant reference"), max_length=64)
    kind = models.CharField(_("kind"), max_length=20)  # gateways.base WECHAT_* / ALIPAY_* kinds
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    refunded_fen = models.BigIntegerField(_("refunded (fen)"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UNPAID)
    description = models.CharField(_("description"), max_length=256)
    notify_url = models.CharField(_("notification URL"), max_length=512, blank=True)
    return_url = models.CharField(_("return URL"), max_length=512, blank=True)
    provider_trade_no = models.CharField(_("provider transaction number"), max_length=64, unique=True)
    # Unguessable part of the pay page's address (code_url, cashier).
    page_token = models.CharField(_("pay page token"), max_length=32, unique=True)
    prepay_id = models.CharField(_("prepay ID"), max_length=64, blank=True)
    payer_id = models.CharField(_("payer"), max_length=64, blank=True)  # openid / buyer_id once known
    auth_code = models.CharField(_("payment code"), max_length=32, blank=True)
    micropay_outcome = models.CharField(
        _("payment code outcome"), max_length=16, choices=MicropayOutcome.choices, blank=True
    )
    queries_while_paying = models.PositiveIntegerField(_("queries while paying"), default=0)
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    failure_message = models.CharField(_("failure message"), max_length=128, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox trade")
        verbose_name_plural = _("sandbox trades")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "out_trade_no"], name="sandbox_trade_unique_reference"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0)
                & models.Q(refunded_fen__gte=0)
                & models.Q(refunded_fen__lte=models.F("amount_fen")),
                name="sandbox_trade_refunds_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.out_trade_no


class SandboxRefund(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="refunds")
    out_refund_no = models.CharField(_("merchant refund reference"), max_length=64)
    provider_refund_no = models.CharField(_("provider refund number"), max_length=64, unique=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=256, blank=True)
    notify_url = models.CharField(_("notification URL"), max_length=512, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROCESSING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox refund")
        verbose_name_plural = _("sandbox refunds")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trade", "out_refund_no"], name="sandbox_refund_unique_reference"
            ),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="sandbox_refund_positive"),
        ]

    def __str__(self) -> str:
        return self.out_refund_no


class SandboxNotification(models.Model):
    """One notification as the provider sends it (``headers`` are the last ones sent: WeChat
    signs every attempt afresh). ``next_attempt_at`` is null once delivered or given up."""

    merchant = models.ForeignKey(SandboxMerchant, on_delete=models.CASCADE, related_name="notifications")
    trade = models.ForeignKey(
        SandboxTrade, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    refund = models.ForeignKey(
        SandboxRefund, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(_("event"), max_length=32)  # TRANSACTION.SUCCESS, TRADE_SUCCESS, …
    url = models.CharField(_("URL"), max_length=512)
    headers = models.JSONField(_("headers"), default=dict)
    body = models.TextField(_("body"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox notification")
        verbose_name_plural = _("sandbox notifications")
        ordering = ["-id"]
        indexes = [models.Index(fields=["next_attempt_at"], name="sandbox_notification_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.url}"

    @property
    def gave_up(self) -> bool:
        return self.delivered_at is None and self.next_attempt_at is None
