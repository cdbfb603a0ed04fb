from django.contrib import admin

from newretail.analytics.models import Attribution, SourceTag, Visit


@admin.register(SourceTag)
class SourceTagAdmin(admin.ModelAdmin):
    list_display = ("code", "merchant", "channel", "label", "created_at")
    list_filter = ("channel",)
    search_fields = ("code", "label")
    raw_id_fields = ("staff", "member", "store")


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("created_at", "merchant", "channel", "landing_path", "referrer_host")
    list_filter = ("channel",)
    raw_id_fields = ("tag", "member")


@admin.register(Attribution)
class AttributionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "merchant", "kind", "first_channel", "last_channel")
    list_filter = ("kind", "first_channel", "last_channel")
    raw_id_fields = ("member", "order", "first_tag", "last_tag")
