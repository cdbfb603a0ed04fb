"""Inventory: stock per SKU per warehouse as an append-only movement ledger with an on-hand cache,
order holds (reservations), purchasing, transfers and stocktakes.

Units: every quantity (on hand, reserved, movement, order line, count) is an integer in the SKU's
base unit: pieces for products sold by the piece, **grams** for products sold by weight (unit kg),
so 1.25 kg of apples is 1250. Nothing here is ever a float.

The ledger is ``StockMovement``: rows are only ever inserted. ``StockLevel`` is a cache of the sum
of movements (``on_hand``) and of active reservations (``reserved``) that ``check_ledgers``
rebuilds and compares. Only ``inventory.actions`` write these tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned, MerchantOwnedQuerySet

# Upper bound of one line's quantity (10 t in grams, ten million pieces).
MAX_QUANTITY = 10_000_000


class StockLevel(MerchantOwned):
    """The cached stock of one SKU in one warehouse (库存). ``available = on_hand - reserved``."""

    warehouse = models.ForeignKey(
        "tenancy.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    on_hand = models.BigIntegerField(_("on hand"), default=0)
    reserved = models.BigIntegerField(_("reserved"), default=0)
    low_stock_threshold = models.BigIntegerField(
        _("low-stock threshold"),
        default=0,
        help_text=_("Warn when the available quantity falls to this level; 0 turns the warning off."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["warehouse_id", "sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "sku"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
            models.CheckConstraint(
                condition=Q(low_stock_threshold__gte=0), name="stock_threshold_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "sku"])]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.sku_id}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class AppendOnlyQuerySet(MerchantOwnedQuerySet):
    """Ledger rows are never changed or removed, not even in bulk."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} is append-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} is append-only")


class StockMovement(MerchantOwned):
    """One line of the stock ledger (出入库流水). Inserted by ``post_movement`` only; never updated
    or deleted. ``quantity`` is signed, in the SKU's base unit (grams for kg products)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        SALE = "sale", _("Sale")
        RETURN = "return", _("Return")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        ADJUSTMENT = "adjustment", _("Adjustment")
        STOCKTAKE = "stocktake", _("Stocktake")

    warehouse = models.ForeignKey(
        "tenancy.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    quantity = models.BigIntegerField(_("quantity"))
    on_hand_after = models.BigIntegerField(_("on hand after"))
    # What caused the movement, e.g. ("purchase_order", "PO20261123-0001"), ("order", "123").
    reference_type = models.CharField(_("reference type"), max_length=32, blank=True)
    reference_id = models.CharField(_("reference"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_not_zero"),
            models.CheckConstraint(
                condition=Q(on_hand_after__gte=0), name="movement_on_hand_after_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "warehouse", "sku", "id"]),
            models.Index(fields=["merchant", "reference_type", "reference_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("StockMovement is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("StockMovement is append-only")


class Reservation(MerchantOwned):
    """A hold on stock for an order or an integration (预占). While active its quantity is part of
    ``StockLevel.reserved``; it ends consumed (sold), released or expired."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CONSUMED = "consumed", _("Consumed")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")

    warehouse = models.ForeignKey(
        "tenancy.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity"))
    reference = models.CharField(_("reference"), max_length=64, help_text=_("e.g. order:123"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The sale movement that consumed this hold (set once, when consumed).
    movement = models.OneToOneField(
        StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="reservation"
    )

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_positive"),
            # One active hold per reference and SKU: replaying a reservation returns the first one.
            models.UniqueConstraint(
                fields=["merchant", "warehouse", "sku", "reference"],
                condition=Q(status="active"),
                name="reservation_active_reference_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["merchant", "reference"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ×{self.quantity} ({self.status})"


class DocumentSequence(MerchantOwned):
    """Per-merchant, per-day counters behind readable document numbers (PO20261123-0001)."""

    prefix = models.CharField(max_length=4)
    day = models.DateField()
    last_value = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "prefix", "day"], name="document_sequence_unique")
        ]


class Supplier(MerchantOwned):
    """A supplier goods are bought from (供应商)."""

    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="supplier_name_unique_per_merchant")
        ]

    def __str__(self) -> str:
        return self.name


class PurchaseOrder(MerchantOwned):
    """An order to a supplier for goods delivered to one warehouse (采购单)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ORDERED = "ordered", _("Ordered")
        PARTIALLY_RECEIVED = "partially_received", _("Partially received")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.DRAFT, Status.ORDERED, Status.PARTIALLY_RECEIVED)
    RECEIVABLE_STATUSES = (Status.ORDERED, Status.PARTIALLY_RECEIVED)

    number = models.CharField(_("number"), max_length=32)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="purchase_orders"
    )
    warehouse = models.ForeignKey(
        "tenancy.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    expected_on = models.DateField(_("expected on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="purchase_order_number_unique")
        ]
        indexes = [models.Index(fields=["merchant", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def total_fen(self) -> int:
        """What the whole order costs at its unit costs (uses prefetched lines when present)."""
        return sum(line.amount_fen for line in self.lines.all())


class PurchaseOrderLine(MerchantOwned):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    quantity_ordered = models.BigIntegerField(_("quantity ordered"))
    quantity_received = models.BigIntegerField(_("quantity received"), default=0)
    unit_cost_fen = models.BigIntegerField(_("unit cost (fen)"), default=0)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "sku"], name="purchase_order_line_sku_unique"),
            models.CheckConstraint(condition=Q(quantity_ordered__gt=0), name="po_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=0) & Q(quantity_received__lte=F("quantity_ordered")),
                name="po_line_received_within_ordered",
            ),
            models.CheckConstraint(condition=Q(unit_cost_fen__gte=0), name="po_line_cost_not_negative"),
        ]

    @property
    def outstanding(self) -> int:
        return self.quantity_ordered - self.quantity_received

    @property
    def amount_fen(self) -> int:
        return self.quantity_ordered * self.unit_cost_fen


class GoodsReceipt(MerchantOwned):
    """One delivery received against a purchase order (收货单); each line posts a receipt movement."""

    number = models.CharField(_("number"), max_length=32)
    purchase_order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("purchase order"), on_delete=models.PROTECT, related_name="receipts"
    )
    warehouse = models.ForeignKey(
        "tenancy.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("goods receipt")
        verbose_name_plural = _("goods receipts")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="goods_receipt_number_unique")
        ]

    def __str__(self) -> str:
        return self.number


class GoodsReceiptLine(MerchantOwned):
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    purchase_order_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity"))
    unit_cost_fen = models.BigIntegerField(_("unit cost (fen)"), default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_line_quantity_positive")
        ]


class Transfer(MerchantOwned):
    """Stock moved from one warehouse to another (调拨单). Shipping takes it out of the source and
    leaves it in transit (在途) until the destination receives it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_TRANSIT = "in_transit", _("In transit")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=32)
    from_warehouse = models.ForeignKey(
        "tenancy.Warehouse", verbose_name=_("from warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    to_warehouse = models.ForeignKey(
        "tenancy.Warehouse", verbose_name=_("to warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shipped by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="transfer_number_unique"),
            models.CheckConstraint(
                condition=~Q(from_warehouse=F("to_warehouse")), name="transfer_between_two_warehouses"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status"])]

    def __str__(self) -> str:
        return self.number


class TransferLine(MerchantOwned):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity shipped"))
    quantity_received = models.BigIntegerField(_("quantity received"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "sku"], name="transfer_line_sku_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_received__isnull=True)
                | Q(quantity_received__gte=0) & Q(quantity_received__lte=F("quantity")),
                name="transfer_line_received_within_shipped",
            ),
        ]

    @property
    def shortfall(self) -> int:
        return 0 if self.quantity_received is None else self.quantity - self.quantity_received


class Stocktake(MerchantOwned):
    """A count of a warehouse (盘点单). Lines snapshot the on-hand quantity when counting starts;
    posting turns each difference into a stocktake movement (盘盈 gain / 盘亏 loss)."""

    class Status(models.TextChoices):
        COUNTING = "counting", _("Counting")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=32)
    warehouse = models.ForeignKey(
        "tenancy.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.COUNTING)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="stocktake_number_unique"),
            models.UniqueConstraint(
                fields=["warehouse"], condition=Q(status="counting"), name="one_open_stocktake_per_warehouse"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class StocktakeLine(MerchantOwned):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    expected_on_hand = models.BigIntegerField(_("on hand at start"))
    counted_quantity = models.BigIntegerField(_("counted"), null=True, blank=True)
    on_hand_at_post = models.BigIntegerField(_("on hand at posting"), null=True, blank=True)
    difference = models.BigIntegerField(_("difference"), null=True, blank=True)

    class Meta:
        ordering = ["sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "sku"], name="stocktake_line_sku_unique"),
            models.CheckConstraint(
                condition=Q(counted_quantity__isnull=True) | Q(counted_quantity__gte=0),
                name="stocktake_count_not_negative",
            ),
        ]
