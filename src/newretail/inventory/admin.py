"""Platform operators see inventory in the Django admin read-only: stock changes only through the
actions (the ledger and its cache must stay in step). Suppliers may be edited."""

from django.contrib import admin

from newretail.inventory.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    StockLevel,
    StockMovement,
    Stocktake,
    StocktakeLine,
    Supplier,
    Transfer,
    TransferLine,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = (
        "merchant",
        "warehouse",
        "sku",
        "on_hand",
        "reserved",
        "low_stock_threshold",
        "updated_at",
    )
    list_filter = ("merchant",)
    search_fields = ("sku__code", "sku__barcode", "warehouse__code")
    list_select_related = ("merchant", "warehouse", "sku__product")


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "merchant",
        "warehouse",
        "sku",
        "kind",
        "quantity",
        "on_hand_after",
        "reference_type",
        "reference_id",
        "actor",
    )
    list_filter = ("merchant", "kind")
    search_fields = ("sku__code", "reference_id")
    list_select_related = ("merchant", "warehouse", "sku__product", "actor")


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "merchant",
        "warehouse",
        "sku",
        "quantity",
        "reference",
        "status",
        "expires_at",
    )
    list_filter = ("merchant", "status")
    search_fields = ("reference",)
    list_select_related = ("merchant", "warehouse", "sku__product")


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant", "contact", "phone", "is_active")
    list_filter = ("merchant", "is_active")
    search_fields = ("name",)


class PurchaseOrderLineInline(ReadOnlyInline):
    model = PurchaseOrderLine
    fields = ("sku", "quantity_ordered", "quantity_received", "unit_cost_fen")


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "merchant", "supplier", "warehouse", "status", "created_at")
    list_filter = ("merchant", "status")
    search_fields = ("number",)
    inlines = [PurchaseOrderLineInline]


class GoodsReceiptLineInline(ReadOnlyInline):
    model = GoodsReceiptLine
    fields = ("sku", "quantity", "unit_cost_fen")


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "merchant", "purchase_order", "warehouse", "received_by", "created_at")
    list_filter = ("merchant",)
    search_fields = ("number", "purchase_order__number")
    inlines = [GoodsReceiptLineInline]


class TransferLineInline(ReadOnlyInline):
    model = TransferLine
    fields = ("sku", "quantity", "quantity_received")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("number", "merchant", "from_warehouse", "to_warehouse", "status", "created_at")
    list_filter = ("merchant", "status")
    search_fields = ("number",)
    inlines = [TransferLineInline]


class StocktakeLineInline(ReadOnlyInline):
    model = StocktakeLine
    fields = ("sku", "expected_on_hand", "counted_quantity", "on_hand_at_post", "difference")


@admin.register(Stocktake)
class StocktakeAdmin(ReadOnlyAdmin):
    list_display = ("number", "merchant", "warehouse", "status", "created_at", "posted_at")
    list_filter = ("merchant", "status")
    search_fields = ("number",)
    inlines = [StocktakeLineInline]
