"""Platform operators see orders in the Django admin read-only: orders change only through the
actions (status machine, stock holds, events)."""

from django.contrib import admin

from newretail.orders.models import Order, OrderAdjustment, OrderEvent, OrderLine


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    fields = (
        "sku",
        "product_name",
        "spec_text",
        "quantity",
        "unit_price_fen",
        "list_amount_fen",
        "final_amount_fen",
    )


class OrderAdjustmentInline(_ReadOnlyInline):
    model = OrderAdjustment
    fields = ("line", "source", "kind", "amount_fen", "explanation")


class OrderEventInline(_ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "kind", "note", "actor")
    readonly_fields = ("created_at",)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "merchant",
        "channel",
        "store",
        "fulfilment",
        "status",
        "payable_fen",
        "created_at",
    )
    list_filter = ("merchant", "status", "channel", "fulfilment")
    search_fields = ("number", "idempotency_key")
    list_select_related = ("merchant", "store")
    inlines = (OrderLineInline, OrderAdjustmentInline, OrderEventInline)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
