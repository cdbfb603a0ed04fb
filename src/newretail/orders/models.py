"""Orders. Amounts are integer fen; an order's lines and adjustments are snapshots of the
``price_cart`` result at creation and never recomputed. Status changes only through
``orders.state.transition``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from newretail.core.storage import private_storage
from newretail.core.tenancy import MerchantOwned


class Order(MerchantOwned):
    # Stock holds name their order "order:<id>" (``reservation_reference``).
    RESERVATION_PREFIX = "order:"

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
        NONE = "none", _("Nothing to deliver")

    class Kind(models.TextChoices):
        # Goods: lines, stock, fulfilment. A recharge (储值充值) has no lines: paying it credits the
        # member's wallet and completes it at once; it is money held for the member, not a sale.
        # A card order (付费会员卡) has no lines either: paying it starts or renews the card.
        GOODS = "goods", _("Goods order")
        RECHARGE = "recharge", _("Stored-value recharge")
        CARD = "card", _("Membership card")

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
    kind = models.CharField(_("order kind"), max_length=10, choices=Kind.choices, default=Kind.GOODS)
    store = models.ForeignKey(
        "tenancy.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    fulfilment = models.CharField(_("fulfilment"), max_length=16, choices=Fulfilment.choices)
    # Where the goods come from; none for an order without goods (a recharge).
    warehouse = models.ForeignKey(
        "tenancy.Warehouse",
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    goods_list_fen = models.BigIntegerField(_("goods at list price (fen)"))
    discount_fen = models.BigIntegerField(_("discount (fen)"), default=0)
    shipping_fen = models.BigIntegerField(_("shipping (fen)"), default=0)
    payable_fen = models.BigIntegerField(_("payable (fen)"))
    # Everything paid back so far (goods and shipping), through succeeded or pending refunds.
    refunded_fen = models.BigIntegerField(_("refunded (fen)"), default=0)
    shipping_refunded_fen = models.BigIntegerField(_("shipping refunded (fen)"), default=0)
    # Express and delivery: the address as it was at checkout (MemberAddress.snapshot()).
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    delivery_distance_m = models.IntegerField(_("delivery distance (m)"), null=True, blank=True)
    buyer_note = models.CharField(_("buyer's note"), max_length=200, blank=True)
    # Store pickup: the code the shopper shows (given when the order is paid).
    pickup_code = models.CharField(_("pickup code"), max_length=6, blank=True)
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=50, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, null=True, blank=True)
    expires_at = models.DateTimeField(_("pay before"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    # Shipped and out-for-delivery orders complete by themselves at this time (OrderSettings).
    auto_complete_at = models.DateTimeField(_("completes automatically at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(refunded_fen__gte=0) & Q(refunded_fen__lte=F("payable_fen")),
                name="order_refunded_within_payable",
            ),
            models.CheckConstraint(
                condition=Q(shipping_refunded_fen__gte=0) & Q(shipping_refunded_fen__lte=F("shipping_fen")),
                name="order_shipping_refunded_within_shipping",
            ),
            # A pickup code identifies one open pickup order of the merchant.
            models.UniqueConstraint(
                fields=["merchant", "pickup_code"],
                condition=Q(status__in=["paid", "fulfilling", "ready_for_pickup"]) & ~Q(pickup_code=""),
                name="order_open_pickup_code_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="order_status_expiry"),
            models.Index(fields=["merchant", "status"], name="order_merchant_status"),
            models.Index(fields=["status", "auto_complete_at"], name="order_status_autocomplete"),
            models.Index(fields=["merchant", "created_at"], name="order_merchant_created"),
            models.Index(fields=["merchant", "member"], name="order_merchant_member"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def reservation_reference(self) -> str:
        return f"{self.RESERVATION_PREFIX}{self.pk}"

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
    # Refunds against this line so far (pending and succeeded): never above quantity / final amount.
    refunded_quantity = models.IntegerField(_("refunded quantity"), default=0)
    refunded_fen = models.BigIntegerField(_("refunded (fen)"), default=0)
    # Units that came back to stock (returns received, paid orders cancelled before shipping).
    returned_quantity = models.IntegerField(_("returned quantity"), default=0)
    is_gift = models.BooleanField(_("gift"), default=False)  # added at ¥0 by a 满赠 promotion

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sku", "is_gift"], name="order_line_sku_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(final_amount_fen__gte=0) & Q(list_amount_fen__gte=0),
                name="order_line_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(refunded_quantity__gte=0)
                & Q(refunded_quantity__lte=F("quantity"))
                & Q(refunded_fen__gte=0)
                & Q(refunded_fen__lte=F("final_amount_fen"))
                & Q(returned_quantity__gte=0)
                & Q(returned_quantity__lte=F("quantity")),
                name="order_line_refunds_within_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} {self.spec_text}".strip()

    def refund_for(self, quantity: int) -> int:
        """What refunding ``quantity`` more units pays back, by cumulative rounding:
        ``final × (done + q) // quantity − final × done // quantity``, the last units taking what
        is left, so refunding a line unit by unit adds up exactly to its final amount."""
        done = self.refunded_quantity
        if done + quantity == self.quantity:
            return self.final_amount_fen - self.refunded_fen
        final = self.final_amount_fen
        return final * (done + quantity) // self.quantity - final * done // self.quantity


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


class OrderSettings(MerchantOwned):
    """A merchant's order rules (one row per merchant; defaults without one). Read through
    ``orders.queries.order_settings_for``."""

    unpaid_minutes = models.IntegerField(
        _("minutes to pay"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text=_("An unpaid order closes and gives its stock back after this."),
    )
    auto_complete_days = models.IntegerField(
        _("days until shipped orders complete"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    after_sale_days = models.IntegerField(
        _("days to ask for after-sales after completion"),
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order settings")
        verbose_name_plural = _("order settings")
        constraints = [
            models.UniqueConstraint(fields=["merchant"], name="order_settings_one_per_merchant"),
            models.CheckConstraint(
                condition=Q(unpaid_minutes__gte=1) & Q(auto_complete_days__gte=1) & Q(after_sale_days__gte=0),
                name="order_settings_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Cart(MerchantOwned):
    """A shopper's cart (购物车) in one merchant's mall: a member's (one per member) or an
    anonymous one found by its token (only a hash is stored). An anonymous cart merges into the
    member's cart at login."""

    member = models.OneToOneField(
        "members.Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    store = models.ForeignKey(
        "tenancy.Store",
        verbose_name=_("chosen store"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, token_hash__isnull=True)
                | Q(member__isnull=True, token_hash__isnull=False),
                name="cart_member_or_token",
            )
        ]
        indexes = [models.Index(fields=["updated_at"], name="cart_updated")]

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartLine(MerchantOwned):
    """A SKU in a cart with the unit price the shopper was shown (``price_seen_fen``): checkout
    flags a line whose price has moved since, it never changes it silently."""

    cart = models.ForeignKey(Cart, verbose_name=_("cart"), on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="+")
    quantity = models.IntegerField(_("quantity"))
    price_seen_fen = models.BigIntegerField(_("price shown (fen)"))
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["cart", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="cart_line_sku_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(price_seen_fen__gte=0), name="cart_line_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} ×{self.quantity}"


class AfterSale(MerchantOwned):
    """An after-sales request (售后): refund only, or return and refund, for some lines and
    quantities of one paid order. The merchant approves or rejects; a return is refunded once the
    goods are back."""

    class Kind(models.TextChoices):
        REFUND_ONLY = "refund_only", _("Refund only")
        RETURN_REFUND = "return_refund", _("Return and refund")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting review")
        AWAITING_RETURN = "awaiting_return", _("Awaiting return")
        REFUNDING = "refunding", _("Refunding")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.REQUESTED, Status.AWAITING_RETURN, Status.REFUNDING)

    class Reason(models.TextChoices):
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        QUALITY = "quality", _("Quality problem")
        DAMAGED = "damaged", _("Damaged in transit")
        WRONG_ITEM = "wrong_item", _("Wrong or missing item")
        EXPIRED = "expired", _("Past its best-before date")
        CHANGED_MIND = "changed_mind", _("No longer wanted")
        NOT_RECEIVED = "not_received", _("Not received")
        OTHER = "other", _("Other")

    number = models.CharField(_("number"), max_length=32)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="after_sales"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    description = models.CharField(_("description"), max_length=500, blank=True)
    amount_fen = models.BigIntegerField(_("refund amount (fen)"))
    include_shipping = models.BooleanField(_("shipping refunded too"), default=False)
    requested_by_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_carrier = models.CharField(_("return carrier"), max_length=50, blank=True)
    return_tracking_number = models.CharField(_("return tracking number"), max_length=50, blank=True)
    decision_note = models.CharField(_("merchant's note"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("goods back at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="after_sale_number_unique"),
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="after_sale_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="after_sale_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["merchant", "status"], name="after_sale_merchant_status")]

    def __str__(self) -> str:
        return self.number


class AfterSaleLine(MerchantOwned):
    after_sale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.IntegerField(_("quantity"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    # Filled when returned goods are received: how many were fit to sell again.
    restocked_quantity = models.IntegerField(_("back to stock"), default=0)
    damaged_quantity = models.IntegerField(_("damaged"), default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["after_sale", "order_line"], name="after_sale_line_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0)
                & Q(amount_fen__gte=0)
                & Q(restocked_quantity__gte=0)
                & Q(damaged_quantity__gte=0),
                name="after_sale_line_valid",
            ),
        ]


class AfterSalePhoto(MerchantOwned):
    """A photo the shopper attached (checked by content like product pictures)."""

    after_sale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="photos")
    # Private: shown only to the merchant's staff and the member, through checked views.
    image = models.ImageField(_("photo"), upload_to="after-sales/%Y/%m/", storage=private_storage)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
