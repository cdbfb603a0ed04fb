"""Shopper API (public, no login): a merchant's mall categories, products and stores, found by
the merchant's slug. Only what a shopper may buy is shown: products on sale, sold in the mall,
not deleted and inside their sale window; SKUs active. Unknown or inactive merchants: 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Path, Query, Router, Schema

from newretail.api.base import ERRORS
from newretail.catalog.models import Product
from newretail.catalog.queries import CategoryNode, SearchFilters, category_tree, product_detail, product_list
from newretail.core.errors import not_found
from newretail.tenancy.models import Merchant, Store

router = Router(tags=["shop"])

MAX_ID = 2**63 - 1
PAGE_SIZE = 20


class ShopCategoryOut(Schema):
    id: int
    name: str
    children: list[ShopCategoryOut] = []


ShopCategoryOut.model_rebuild()


class ShopProductCard(Schema):
    id: int
    name: str
    subtitle: str
    brand_name: str | None
    unit: str
    price_fen: int | None = Field(None, description="The lowest SKU price.")
    max_price_fen: int | None
    image_url: str | None


class ShopProductPage(Schema):
    items: list[ShopProductCard]
    total: int
    page: int
    page_size: int


class ShopSkuOut(Schema):
    id: int
    spec_values: dict[str, str]
    price_fen: int


class ShopProductOut(Schema):
    id: int
    name: str
    subtitle: str
    description: str
    brand_name: str | None
    category_id: int
    unit: str
    spec_names: list[str]
    images: list[str]
    skus: list[ShopSkuOut]


class ShopStoreOut(Schema):
    id: int
    name: str
    province: str
    city: str
    district: str
    address: str
    phone: str
    latitude: Decimal | None
    longitude: Decimal | None
    opens_at: dt.time | None
    closes_at: dt.time | None
    business_hours: str


def _merchant(slug: str) -> Merchant:
    merchant = Merchant.objects.filter(slug=slug, is_active=True).first()
    if merchant is None:
        raise not_found()
    return merchant


def _tree(nodes: list[CategoryNode]) -> list[ShopCategoryOut]:
    return [ShopCategoryOut(id=n.id, name=n.name, children=_tree(n.children)) for n in nodes]


def _image_urls(product: Product) -> list[str]:
    return [image.image.url for image in product.images.all() if image.image]


Slug = Path(..., min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")


@router.get("/{merchant_slug}/categories", response={200: list[ShopCategoryOut], **ERRORS}, auth=None)
def categories(request, merchant_slug: str = Slug):
    merchant = _merchant(merchant_slug)
    return _tree(category_tree(merchant.pk, active_only=True))


@router.get("/{merchant_slug}/products", response={200: ShopProductPage, **ERRORS}, auth=None)
def products(
    request,
    merchant_slug: str = Slug,
    q: str = Query("", max_length=100),
    category: int | None = Query(None, ge=1, le=MAX_ID),
    page: int = Query(1, ge=1, le=1_000),
):
    merchant = _merchant(merchant_slug)
    filters = SearchFilters(channel="mall", sellable=True, category_id=category)
    found, total = product_list(
        merchant.pk, q=q, filters=filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    images = {
        p.pk: _image_urls(p)
        for p in Product.objects.filter(pk__in=[p.pk for p in found]).prefetch_related("images")
    }
    items = [
        ShopProductCard(
            id=p.pk,
            name=p.name,
            subtitle=p.subtitle,
            brand_name=p.brand.name if p.brand_id else None,
            unit=p.unit,
            price_fen=p.min_price_fen,
            max_price_fen=p.max_price_fen,
            image_url=(images.get(p.pk) or [None])[0],
        )
        for p in found
    ]
    return ShopProductPage(items=items, total=total, page=page, page_size=PAGE_SIZE)


@router.get("/{merchant_slug}/products/{product_id}", response={200: ShopProductOut, **ERRORS}, auth=None)
def product(request, merchant_slug: str = Slug, product_id: int = Path(..., ge=1, le=MAX_ID)):
    merchant = _merchant(merchant_slug)
    found = product_detail(merchant.pk, product_id, sellable_on="mall")
    return ShopProductOut(
        id=found.pk,
        name=found.name,
        subtitle=found.subtitle,
        description=found.description,
        brand_name=found.brand.name if found.brand_id else None,
        category_id=found.category_id,
        unit=found.unit,
        spec_names=list(found.spec_names or []),
        images=_image_urls(found),
        skus=[
            ShopSkuOut(
                id=sku.pk,
                spec_values={str(k): str(v) for k, v in (sku.spec_values or {}).items()},
                price_fen=sku.price_fen,
            )
            for sku in found.live_skus
        ],
    )


@router.get("/{merchant_slug}/stores", response={200: list[ShopStoreOut], **ERRORS}, auth=None)
def stores(request, merchant_slug: str = Slug):
    merchant = _merchant(merchant_slug)
    return [
        ShopStoreOut(
            id=s.pk,
            name=s.name,
            province=s.province,
            city=s.city,
            district=s.district,
            address=s.address,
            phone=s.phone,
            latitude=s.latitude,
            longitude=s.longitude,
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            business_hours=s.business_hours,
        )
        for s in Store.objects.for_merchant(merchant).filter(is_active=True, is_online=True).order_by("code")
    ]
