"""Platform operators see members in the Django admin and may rename or deactivate one (a
deactivated member's tokens stop working at once). The phone, addresses and text messages are
read-only: they change only through the actions (the mall, the POS, the console)."""

from django.contrib import admin

from newretail.members.models import Member, MemberAddress, SmsMessage


class MemberAddressInline(admin.TabularInline):
    model = MemberAddress
    extra = 0
    can_delete = False
    fields = ("recipient", "phone", "province", "city", "district", "detail", "is_default", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("phone", "name", "merchant", "source", "registered_store", "is_active", "created_at")
    list_filter = ("merchant", "source", "is_active")
    search_fields = ("phone", "name")
    list_select_related = ("merchant", "registered_store")
    readonly_fields = ("merchant", "phone", "source", "registered_store", "created_at", "last_login_at")
    fields = (
        "merchant",
        "phone",
        "name",
        "source",
        "registered_store",
        "is_active",
        "created_at",
        "last_login_at",
    )
    inlines = [MemberAddressInline]

    def has_add_permission(self, request):
        # Members are created through find_or_create_member (normalised phone, one per merchant).
        return False


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "merchant", "phone", "purpose", "text")
    list_filter = ("merchant", "purpose")
    search_fields = ("phone",)
    readonly_fields = ("merchant", "phone", "purpose", "text", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
