"""Orders. Amounts are integer fen; an order's lines and adjustments are snapshots of the
``price_cart`` result at creation and never recomputed. Status changes only through
``orders.state.transition``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned


class Order(MerchantOwned):
    class Channel(models.TextChoices):
        MALL = "mall", _("Online mall")
        POS = "pos", _("POS")
        SCAN_TO_BUY = "scan_to_buy", _("Scan to buy")
        POINTS_MALL = "points_mall", _("Points mall")

    class Fulfilment(models.TextChoices):
        EXPRESS = "express", _("Express")
        DELIVERY = "delivery", _("Local delivery")
        PICKUP = "pickup", _("Store pickup")
        IN_STORE = "in_store", _("In store")

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Pending payment")
        PAID = "paid", _("Paid")
        FULFILLING = "fulfilling", _("Fulfilling")
        SHIPPED = "shipped", _("Shipped")
        READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("order number"), max_length=32)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    store = models.ForeignKey(
        "tenancy.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The members issue turns this into a foreign key.
    member_id = models.BigIntegerField(_("member"), null=True, blank=True)
    fulfilment = models.CharField(_("fulfilment"), max_length=16, choices=Fulfilment.choices)
    warehouse = models.ForeignKey(
        "tenancy.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    goods_list_fen = models.BigIntegerField(_("goods at list price (fen)"))
    discount_fen = models.BigIntegerField(_("discount (fen)"), default=0)
    shipping_fen = models.BigIntegerField(_("shipping (fen)"), default=0)
    payable_fen = models.BigIntegerField(_("payable (fen)"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, null=True, blank=True)
    expires_at = models.DateTimeField(_("pay before"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="order_number_unique_per_merchant"),
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_idempotency_key_unique_per_merchant",
            ),
            models.CheckConstraint(
                condition=Q(goods_list_fen__gte=0)
                & Q(discount_fen__gte=0)
                & Q(shipping_fen__gte=0)
                & Q(payable_fen__gte=0),
                name="order_amounts_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="order_status_expiry"),
            models.Index(fields=["merchant", "status"], name="order_merchant_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def reservation_reference(self) -> str:
        return f"order:{self.pk}"

    @property
    def goods_final_fen(self) -> int:
        return self.payable_fen - self.shipping_fen


class OrderLine(MerchantOwned):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(_("product name"), max_length=100)
    spec_text = models.CharField(_("spec"), max_length=200, blank=True)
    # Pieces, or grams for goods sold by weight (then the unit price is per kg).
    quantity = models.IntegerField(_("quantity"))
    unit_price_fen = models.BigIntegerField(_("unit price (fen)"))
    list_amount_fen = models.BigIntegerField(_("amount at list price (fen)"))
    final_amount_fen = models.BigIntegerField(_("final amount (fen)"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="order_line_sku_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(final_amount_fen__gte=0) & Q(list_amount_fen__gte=0),
                name="order_line_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} {self.spec_text}".strip()


class OrderAdjustment(MerchantOwned):
    """One reason the price moved, as ``price_cart`` explained it: line-level parts carry their
    line; order-level fees (shipping) have none. They add up to ``payable - goods_list``."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="adjustments"
    )
    line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="adjustments",
    )
    source = models.CharField(_("source"), max_length=32)
    kind = models.CharField(_("kind"), max_length=32)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    explanation = models.CharField(_("explanation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("order adjustment")
        verbose_name_plural = _("order adjustments")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.explanation


class OrderEvent(MerchantOwned):
    """The order's timeline: created, and every status change."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=32)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.kind
