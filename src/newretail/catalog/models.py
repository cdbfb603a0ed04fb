"""Catalog: categories, brands, products (SPU) and their SKUs, store price overrides, and the
search token index used by mall, console and POS search."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned


class Category(MerchantOwned):
    """A node of the category tree (at most three levels deep, enforced by the action)."""

    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "parent", "name"], name="category_name_unique_per_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Brand(MerchantOwned):
    name = models.CharField(_("name"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="brand_name_unique_per_merchant")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(MerchantOwned):
    name = models.CharField(_("name"), max_length=20)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="tag_name_unique_per_merchant")
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    KG = "kg", _("kg")


class Product(MerchantOwned):
    """A product as the shopper sees it (SPU, 商品): name, pictures, category; sold as SKUs."""

    class Status(models.TextChoices):
        ON_SALE = "on_sale", _("On sale")
        OFF_SALE = "off_sale", _("Off sale")

    name = models.CharField(_("name"), max_length=100)
    subtitle = models.CharField(_("subtitle"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    brand = models.ForeignKey(
        Brand,
        verbose_name=_("brand"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="products")
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.PIECE)
    # Names of the spec dimensions, e.g. ["规格", "口味"]; each SKU carries one value per name.
    spec_names = models.JSONField(_("spec names"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ON_SALE)
    available_in_mall = models.BooleanField(_("sold in the mall"), default=True)
    available_in_pos = models.BooleanField(_("sold at the POS"), default=True)
    on_sale_from = models.DateTimeField(_("on sale from"), null=True, blank=True)
    on_sale_until = models.DateTimeField(_("on sale until"), null=True, blank=True)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "is_deleted", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def sold_by_weight(self) -> bool:
        return self.unit == Unit.KG


class ProductImage(MerchantOwned):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/")
    sort_order = models.IntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["sort_order", "id"]


class Sku(MerchantOwned):
    """A sellable item (SKU, 规格): one combination of spec values with its own barcode and price.

    ``price_fen`` is the list price; ``cost_fen`` the purchase cost. Items sold by weight
    (product unit kg) are priced per kg and carry a PLU code for scale barcodes.
    """

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="skus"
    )
    code = models.CharField(_("SKU code"), max_length=40)
    spec_values = models.JSONField(_("spec values"), default=dict, blank=True)
    barcode = models.CharField(_("barcode"), max_length=14, blank=True)
    plu = models.CharField(_("PLU code"), max_length=5, blank=True)
    price_fen = models.BigIntegerField(_("list price (fen)"), validators=[MinValueValidator(0)])
    cost_fen = models.BigIntegerField(_("cost (fen)"), default=0, validators=[MinValueValidator(0)])
    weight_g = models.IntegerField(_("shipping weight (g)"), default=0, validators=[MinValueValidator(0)])
    is_active = models.BooleanField(_("active"), default=True)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Bumped on every change that a POS or shelf label must learn about (incremental sync).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "code"],
                condition=Q(is_deleted=False),
                name="sku_code_unique_per_merchant",
            ),
            models.UniqueConstraint(
                fields=["merchant", "barcode"],
                condition=Q(is_deleted=False) & ~Q(barcode=""),
                name="sku_barcode_unique_per_merchant",
            ),
            models.UniqueConstraint(
                fields=["merchant", "plu"],
                condition=Q(is_deleted=False) & ~Q(plu=""),
                name="sku_plu_unique_per_merchant",
            ),
            models.CheckConstraint(
                condition=Q(price_fen__gte=0) & Q(cost_fen__gte=0), name="sku_amounts_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "barcode"]),
            models.Index(fields=["merchant", "plu"]),
            # "Has a live SKU" (the mall's lists): an index probe per product instead of PostgreSQL
            # hashing every merchant's SKUs (bench/bench_mall.py).
            models.Index(
                fields=["product", "price_fen"],
                condition=models.Q(is_active=True, is_deleted=False),
                name="sku_live_by_product",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def spec_text(self) -> str:
        return " ".join(str(v) for v in (self.spec_values or {}).values())

    @property
    def display_name(self) -> str:
        spec = self.spec_text
        return f"{self.product.name} {spec}".strip() if spec else self.product.name


class StorePrice(MerchantOwned):
    """A store's own price for a SKU (门店价), replacing the list price in that store."""

    store = models.ForeignKey(
        "tenancy.Store", verbose_name=_("store"), on_delete=models.CASCADE, related_name="+"
    )
    sku = models.ForeignKey(Sku, verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="store_prices")
    price_fen = models.BigIntegerField(_("store price (fen)"), validators=[MinValueValidator(0)])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("store price")
        verbose_name_plural = _("store prices")
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="store_price_unique"),
            models.CheckConstraint(condition=Q(price_fen__gte=0), name="store_price_not_negative"),
        ]


class SearchToken(MerchantOwned):
    """One searchable token of a SKU (a jieba word, a pinyin spelling or initials, a barcode, a
    PLU). Search is a prefix range scan on (merchant, token): fast on SQLite and PostgreSQL.

    Both indexes hold every column a query reads, so search never visits the table (index-only
    scans on both databases). On PostgreSQL the column uses the "C" collation
    (migration 0002) so that ``token < term || U+FFFF`` is a byte-wise prefix bound whatever
    the database's default collation."""

    # Indexed by search_token_sku below (sku first), which also serves deletes and cascades.
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+", db_index=False)
    token = models.CharField(max_length=64)
    weight = models.SmallIntegerField(default=1)

    class Meta:
        indexes = [
            # Prefix range scans of one term: (merchant, token) -> sku, weight without the table.
            models.Index(fields=["merchant", "token", "sku", "weight"], name="search_token_prefix_cover"),
            # "Does this SKU also match that term?" for the other terms of a query.
            models.Index(fields=["sku", "token", "weight"], name="search_token_sku"),
        ]
