from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from newretail.tenancy.models import Merchant, Store, User, Warehouse


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "mall_domain", "is_active", "created_at")
    search_fields = ("name", "slug", "mall_domain")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("merchant", "code", "name", "city", "district", "is_active", "is_online")
    list_filter = ("merchant", "is_active")
    search_fields = ("name", "code")


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("merchant", "code", "name", "kind", "store")
    list_filter = ("merchant", "kind")


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "display_name", "merchant", "role", "is_active", "is_staff")
    list_filter = ("merchant", "role", "is_active", "is_staff")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("NewRetail", {"fields": ("merchant", "role", "stores", "display_name", "phone")}),
    )
