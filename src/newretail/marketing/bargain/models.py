"""Bargain campaigns (砍价), the bargains members start and the cuts their friends make.

A ``BargainCampaign`` sells one SKU: a bargain starts at ``start_price_fen`` and reaches
``floor_price_fen`` on exactly the ``helpers_needed``-th friend's cut. ``stock`` counts the pieces
the campaign may sell (``sold`` moves by conditional UPDATEs only, so it never passes ``stock``).

A ``Bargain`` is one member's run: the prices and K are copied from the campaign when it starts
(an edit of the campaign never changes a bargain under way); ``current_price_fen`` and
``helpers_count`` move together, under the bargain's row lock, one cut at a time. Its status:
``open`` (helpable while under the floor and before ``expires_at``; buyable until ``expires_at``),
``ordered`` (an order at the bargain's price exists, unpaid or paid), ``expired``.

A ``BargainCut`` is one friend's help: one per member per bargain and one per device per
bargain (constraints), numbered 1..K (``sequence`` unique per bargain: two cuts can never take
the same place even if the row lock were bypassed).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned


class BargainCampaign(MerchantOwned):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=50)
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    start_price_fen = models.BigIntegerField(_("start price (fen)"))
    floor_price_fen = models.BigIntegerField(_("floor price (fen)"))
    helpers_needed = models.IntegerField(_("helpers needed"))
    hours_to_finish = models.IntegerField(_("hours to finish"), default=24)
    stock = models.IntegerField(_("campaign stock"))
    sold = models.IntegerField(_("sold"), default=0)
    per_member_limit = models.IntegerField(_("bargains per member"), default=1)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bargain campaign")
        verbose_name_plural = _("bargain campaigns")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["merchant", "status", "ends_at"], name="bargain_running_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="bargain_window_valid"),
            models.CheckConstraint(
                condition=Q(floor_price_fen__gte=0)
                & Q(helpers_needed__gte=1)
                & Q(start_price_fen__gte=F("floor_price_fen") + F("helpers_needed")),
                name="bargain_prices_valid",
            ),
            models.CheckConstraint(
                condition=Q(sold__gte=0) & Q(sold__lte=F("stock")), name="bargain_stock_holds"
            ),
            models.CheckConstraint(
                condition=Q(per_member_limit__gte=1) & Q(hours_to_finish__gte=1), name="bargain_limits_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def left(self) -> int:
        return max(0, self.stock - self.sold)


class Bargain(MerchantOwned):
    class Status(models.TextChoices):
        OPEN = "open", _("Bargaining")
        ORDERED = "ordered", _("Ordered")
        EXPIRED = "expired", _("Expired")

    campaign = models.ForeignKey(
        BargainCampaign, verbose_name=_("bargain campaign"), on_delete=models.PROTECT, related_name="bargains"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    # What a friend's link carries (not the id: links cannot be walked by counting).
    share_code = models.CharField(_("share code"), max_length=24, unique=True)
    start_price_fen = models.BigIntegerField(_("start price (fen)"))
    floor_price_fen = models.BigIntegerField(_("floor price (fen)"))
    helpers_needed = models.IntegerField(_("helpers needed"))
    current_price_fen = models.BigIntegerField(_("current price (fen)"))
    helpers_count = models.IntegerField(_("helpers"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField(_("expires at"))
    reached_floor_at = models.DateTimeField(_("reached the floor at"), null=True, blank=True)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bought_price_fen = models.BigIntegerField(_("bought at (fen)"), null=True, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bargain")
        verbose_name_plural = _("bargains")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["campaign", "member", "status"], name="bargain_member_idx"),
            models.Index(fields=["status", "expires_at"], name="bargain_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(current_price_fen__gte=F("floor_price_fen"))
                & Q(current_price_fen__lte=F("start_price_fen"))
                & Q(helpers_count__gte=0)
                & Q(helpers_count__lte=F("helpers_needed")),
                name="bargain_never_below_floor",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(order__isnull=False), name="bargain_one_per_order"
            ),
        ]

    def __str__(self) -> str:
        return self.share_code

    @property
    def cut_fen(self) -> int:
        return self.start_price_fen - self.current_price_fen

    @property
    def reached_floor(self) -> bool:
        return self.current_price_fen == self.floor_price_fen

    @property
    def helpers_left(self) -> int:
        return self.helpers_needed - self.helpers_count

    @property
    def progress_percent(self) -> int:
        total = self.start_price_fen - self.floor_price_fen
        return 100 if total <= 0 else min(100, self.cut_fen * 100 // total)


class BargainCut(MerchantOwned):
    bargain = models.ForeignKey(
        Bargain, verbose_name=_("bargain"), on_delete=models.CASCADE, related_name="cuts"
    )
    helper = models.ForeignKey(
        "members.Member", verbose_name=_("helper"), on_delete=models.CASCADE, related_name="+"
    )
    # A keyed hash of the helper's device id (the raw id is never stored).
    device_hash = models.CharField(_("device"), max_length=64)
    sequence = models.IntegerField(_("number"))
    amount_fen = models.BigIntegerField(_("cut (fen)"))
    price_after_fen = models.BigIntegerField(_("price after (fen)"))
    created_at = models.DateTimeField(_("cut at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bargain cut")
        verbose_name_plural = _("bargain cuts")
        ordering = ["bargain", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["bargain", "helper"], name="bargain_cut_once_per_helper"),
            models.UniqueConstraint(fields=["bargain", "device_hash"], name="bargain_cut_once_per_device"),
            models.UniqueConstraint(fields=["bargain", "sequence"], name="bargain_cut_once_per_place"),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=1) & Q(sequence__gte=1), name="bargain_cut_at_least_one_fen"
            ),
        ]
        indexes = [models.Index(fields=["device_hash", "created_at"], name="bargain_cut_device_idx")]

    def __str__(self) -> str:
        return f"{self.bargain_id}#{self.sequence}"
