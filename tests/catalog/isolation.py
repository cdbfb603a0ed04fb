"""Catalog objects and route parameters for the tenant-isolation walk in tests/test_isolation.py.

``register()`` adds them through that module's extension points (WORLD_EXTENSIONS,
CONSOLE_OBJECTS, API_PARAMS, API_BODIES); it is idempotent, so test_isolation.py may also call
it itself."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.files.base import ContentFile

from newretail.catalog.actions.brands import create_brand, create_tag
from newretail.catalog.actions.categories import create_category
from newretail.catalog.actions.products import create_product
from newretail.catalog.models import ProductImage

from .conftest import new_barcode, png_bytes

_plus = iter(range(90001, 99999))


def build_catalog_world(owner, world) -> dict[str, object]:
    """Product A (product routes), product B with one SKU (SKU routes; its removal is refused as
    the last SKU, so later store-price routes still find it), a weighed product with a PLU."""
    category = create_category(actor=owner, name="隔离测试")
    brand = create_brand(actor=owner, name="隔离品牌")
    tag = create_tag(actor=owner, name="隔离标签")
    product = create_product(
        actor=owner,
        name="隔离商品A",
        category_id=category.pk,
        brand_id=brand.pk,
        spec_names=["规格"],
        skus=[{"spec_values": {"规格": "小"}, "price_fen": 100, "barcode": new_barcode()}],
    )
    barcode = new_barcode()
    other = create_product(
        actor=owner, name="隔离商品B", category_id=category.pk, skus=[{"price_fen": 200, "barcode": barcode}]
    )
    plu = str(next(_plus))
    create_product(
        actor=owner,
        name="隔离散称",
        category_id=category.pk,
        unit="kg",
        skus=[{"price_fen": 990, "plu": plu}],
    )
    picture = ProductImage(merchant_id=owner.merchant_id, product=product, sort_order=1)
    picture.image.save("isolation.png", ContentFile(png_bytes()), save=True)
    return {
        "catalog_image": picture,
        "catalog_category": category,
        "catalog_brand": brand,
        "catalog_tag": tag,
        "catalog_product": product,
        "catalog_sku": other.skus.get(),
        "catalog_barcode": SimpleNamespace(pk=barcode),
        "catalog_plu": SimpleNamespace(pk=plu),
        # The shop API is public and addressed by slug: another merchant's slug is that
        # merchant's shop, so this walk cannot apply to it (tests/catalog/test_shop_api.py
        # checks that one merchant's products never show under another's slug).
        "catalog_shop": SimpleNamespace(pk=owner.merchant.slug),
    }


CONSOLE_OBJECTS = {
    "product_detail": "catalog_product",
    "product_edit": "catalog_product",
    "product_delete": "catalog_product",
    "sku_store_prices": "catalog_sku",
    "category_edit": "catalog_category",
    "category_delete": "catalog_category",
    "brand_edit": "catalog_brand",
    "brand_delete": "catalog_brand",
    "tag_delete": "catalog_tag",
    "product_images": "catalog_product",
    "product_image_delete": "catalog_image",
    "product_image_main": "catalog_image",
}

API_PARAMS = {
    "category_id": "catalog_category",
    "brand_id": "catalog_brand",
    "tag_id": "catalog_tag",
    "product_id": "catalog_product",
    "sku_id": "catalog_sku",
    "code": "catalog_barcode",
    "plu": "catalog_plu",
    "merchant_slug": "catalog_shop",
}

P = "/api/v1/catalog"
API_BODIES = {
    ("PATCH", f"{P}/categories/{{category_id}}"): {"name": "改名"},
    ("PATCH", f"{P}/brands/{{brand_id}}"): {"name": "改名"},
    ("PATCH", f"{P}/products/{{product_id}}"): {"name": "改名"},
    ("POST", f"{P}/products/{{product_id}}/on-sale"): {},
    ("POST", f"{P}/products/{{product_id}}/off-sale"): {},
    ("POST", f"{P}/products/{{product_id}}/skus"): {"spec_values": {"规格": "大"}, "price_fen": 150},
    ("PATCH", f"{P}/skus/{{sku_id}}"): {"weight_g": 500},
    ("PUT", f"{P}/skus/{{sku_id}}/price"): {"price_fen": 210},
    ("PUT", f"{P}/skus/{{sku_id}}/store-prices/{{store_id}}"): {"price_fen": 190},
}
