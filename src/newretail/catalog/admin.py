"""Django admin for platform operators. Merchants edit their catalog in the console, through the
actions; edits made here skip the actions' checks, so every save at least reindexes search."""

from django.contrib import admin

from newretail.catalog.models import Brand, Category, Product, ProductImage, SearchToken, Sku, StorePrice, Tag
from newretail.catalog.search import category_subtree_ids, index_products, index_skus


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant", "parent", "sort_order", "is_active")
    list_filter = ("merchant", "is_active")
    search_fields = ("name",)
    raw_id_fields = ("parent",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        subtree = category_subtree_ids(obj.merchant_id, obj.pk)
        index_products(Product.objects.filter(category_id__in=subtree).values_list("pk", flat=True))


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant", "is_active")
    list_filter = ("merchant", "is_active")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        index_products(Product.objects.filter(brand=obj).values_list("pk", flat=True))


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant")
    list_filter = ("merchant",)
    search_fields = ("name",)


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0
    fields = ("code", "spec_values", "barcode", "plu", "price_fen", "cost_fen", "is_active", "is_deleted")
    readonly_fields = ("price_fen", "cost_fen")  # price changes are audited: use the console or API
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # a SKU needs a price, which is set through the console or API


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("image", "sort_order")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant", "category", "brand", "status", "is_deleted", "updated_at")
    list_filter = ("merchant", "status", "is_deleted", "available_in_mall", "available_in_pos")
    search_fields = ("name", "skus__barcode", "skus__code")
    raw_id_fields = ("category", "brand")
    filter_horizontal = ("tags",)
    inlines = [SkuInline, ProductImageInline]

    def save_formset(self, request, form, formset, change):
        for row in formset.save(commit=False):
            row.merchant_id = form.instance.merchant_id  # inline rows belong to the product's merchant
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        index_products([form.instance.pk])


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ("code", "product", "merchant", "barcode", "plu", "price_fen", "is_active", "is_deleted")
    list_filter = ("merchant", "is_active", "is_deleted")
    search_fields = ("code", "barcode", "plu", "product__name")
    raw_id_fields = ("product",)
    readonly_fields = ("price_fen", "cost_fen", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        index_skus([obj.pk])


@admin.register(StorePrice)
class StorePriceAdmin(admin.ModelAdmin):
    list_display = ("sku", "store", "merchant", "price_fen", "updated_at")
    list_filter = ("merchant",)
    raw_id_fields = ("sku", "store")
    readonly_fields = ("price_fen",)

    def has_add_permission(self, request):
        return False


@admin.register(SearchToken)
class SearchTokenAdmin(admin.ModelAdmin):
    list_display = ("token", "weight", "sku", "merchant")
    list_filter = ("merchant",)
    search_fields = ("=token",)
    raw_id_fields = ("sku",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
