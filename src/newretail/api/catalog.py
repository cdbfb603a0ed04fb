"""Staff catalog API: categories, brands, tags, products with SKUs, list prices (audited),
store prices, barcode lookup and search. Routes parse input, call one action or query, and
shape the answer; another merchant's ids answer 404. Cost prices are shown only to staff who
may change them (``catalog.price``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import StringConstraints

from newretail.api.base import ERRORS, actor_of
from newretail.catalog import limits
from newretail.catalog.actions import brands as brand_actions
from newretail.catalog.actions import categories as category_actions
from newretail.catalog.actions import prices as price_actions
from newretail.catalog.actions import products as product_actions
from newretail.catalog.actions import skus as sku_actions
from newretail.catalog.models import Brand, Product, Sku, Tag
from newretail.catalog.queries import (
    CategoryNode,
    SearchFilters,
    category_tree,
    product_detail,
    product_list,
    search_skus,
    sku_by_barcode,
    sku_by_plu,
    skus_by_ids,
    store_prices_for_sku,
)
from newretail.core.errors import not_found
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm, scoped_stores
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

router = Router(tags=["catalog"])

MAX_ID = 2**63 - 1
Id = Annotated[int, Path(..., ge=1, le=MAX_ID)]
Fen = Annotated[int, Field(ge=0, le=limits.MAX_FEN)]
SpecName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.SPEC_NAME_MAX_LEN)
]
SpecValue = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.SPEC_VALUE_MAX_LEN)
]
PositiveId = Annotated[int, Field(ge=1, le=MAX_ID)]


# --- schemas ---------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    sort_order: int
    is_active: bool
    depth: int
    product_count: int
    children: list[CategoryOut] = []


CategoryOut.model_rebuild()


class CategoryIn(Schema):
    name: str = Field(..., min_length=1, max_length=limits.CATEGORY_NAME_MAX_LEN)
    parent_id: PositiveId | None = None
    sort_order: int = Field(0, ge=-100_000, le=100_000)
    is_active: bool = True


class CategoryPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=limits.CATEGORY_NAME_MAX_LEN)
    sort_order: int | None = Field(None, ge=-100_000, le=100_000)
    is_active: bool | None = None
    parent_id: PositiveId | None = Field(
        None, description="Move under this category; null moves to the root."
    )


class BrandOut(Schema):
    id: int
    name: str
    is_active: bool


class BrandIn(Schema):
    name: str = Field(..., min_length=1, max_length=limits.BRAND_NAME_MAX_LEN)
    is_active: bool = True


class BrandPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=limits.BRAND_NAME_MAX_LEN)
    is_active: bool | None = None


class TagOut(Schema):
    id: int
    name: str


class TagIn(Schema):
    name: str = Field(..., min_length=1, max_length=limits.TAG_NAME_MAX_LEN)


class SkuOut(Schema):
    id: int
    product_id: int
    code: str
    spec_values: dict[str, str]
    barcode: str
    plu: str
    price_fen: int
    cost_fen: int | None = Field(None, description="Only for staff with catalog.price.")
    weight_g: int
    is_active: bool
    updated_at: dt.datetime


class SkuIn(Schema):
    spec_values: dict[SpecName, SpecValue] = Field(default_factory=dict, max_length=limits.MAX_SPEC_NAMES)
    code: str = Field("", max_length=limits.CODE_MAX_LEN, description="Blank: P<product id>-<n>.")
    barcode: str = Field(
        "", max_length=20, description="EAN-13, EAN-8, UPC-A or GTIN-14; check digit verified."
    )
    plu: str = Field("", max_length=8, description="1-5 digits; only for products sold by weight.")
    price_fen: Fen
    cost_fen: Fen = 0
    weight_g: int = Field(0, ge=0, le=limits.MAX_WEIGHT_G)
    is_active: bool = True


class SkuPatch(Schema):
    spec_values: dict[SpecName, SpecValue] | None = Field(None, max_length=limits.MAX_SPEC_NAMES)
    code: str | None = Field(None, max_length=limits.CODE_MAX_LEN)
    barcode: str | None = Field(None, max_length=20)
    plu: str | None = Field(None, max_length=8)
    price_fen: Fen | None = None
    cost_fen: Fen | None = None
    weight_g: int | None = Field(None, ge=0, le=limits.MAX_WEIGHT_G)
    is_active: bool | None = None
    reason: str = Field("", max_length=255)


class PriceIn(Schema):
    price_fen: Fen | None = None
    cost_fen: Fen | None = None
    reason: str = Field("", max_length=255)


class ProductFields(Schema):
    subtitle: str = Field("", max_length=limits.SUBTITLE_MAX_LEN)
    brand_id: PositiveId | None = None
    tag_ids: list[PositiveId] = Field(default_factory=list, max_length=50)
    unit: Literal["piece", "kg"] = "piece"
    spec_names: list[SpecName] = Field(default_factory=list, max_length=limits.MAX_SPEC_NAMES)
    description: str = Field("", max_length=limits.DESCRIPTION_MAX_LEN)
    status: Literal["on_sale", "off_sale"] = "on_sale"
    available_in_mall: bool = True
    available_in_pos: bool = True
    on_sale_from: dt.datetime | None = None
    on_sale_until: dt.datetime | None = None


class ProductIn(ProductFields):
    name: str = Field(..., min_length=1, max_length=limits.NAME_MAX_LEN)
    category_id: PositiveId
    skus: list[SkuIn] = Field(..., min_length=1, max_length=limits.MAX_SKUS_PER_PRODUCT)


class ProductPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=limits.NAME_MAX_LEN)
    subtitle: str | None = Field(None, max_length=limits.SUBTITLE_MAX_LEN)
    category_id: PositiveId | None = None
    brand_id: PositiveId | None = None
    tag_ids: list[PositiveId] | None = Field(None, max_length=50)
    unit: Literal["piece", "kg"] | None = None
    spec_names: list[SpecName] | None = Field(None, max_length=limits.MAX_SPEC_NAMES)
    description: str | None = Field(None, max_length=limits.DESCRIPTION_MAX_LEN)
    available_in_mall: bool | None = None
    available_in_pos: bool | None = None
    on_sale_from: dt.datetime | None = None
    on_sale_until: dt.datetime | None = None


class ProductSummaryOut(Schema):
    id: int
    name: str
    subtitle: str
    category_id: int
    category_name: str
    brand_id: int | None
    brand_name: str | None
    unit: str
    status: str
    available_in_mall: bool
    available_in_pos: bool
    on_sale_from: dt.datetime | None
    on_sale_until: dt.datetime | None
    sku_count: int
    min_price_fen: int | None
    max_price_fen: int | None


class ProductOut(ProductSummaryOut):
    spec_names: list[str]
    description: str
    tag_ids: list[int]
    skus: list[SkuOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class ProductPage(Schema):
    items: list[ProductSummaryOut]
    total: int
    page: int
    page_size: int


class BulkStatusIn(Schema):
    product_ids: list[PositiveId] = Field(..., min_length=1, max_length=limits.MAX_BULK_IDS)
    on_sale: bool


class CountOut(Schema):
    changed: int


class StorePriceOut(Schema):
    store_id: int
    store_name: str
    sku_id: int
    list_price_fen: int
    price_fen: int | None = Field(None, description="The store's own price; null: the list price applies.")


class StorePriceIn(Schema):
    price_fen: Fen
    reason: str = Field("", max_length=255)


class SkuHitOut(Schema):
    id: int
    product_id: int
    name: str
    spec_text: str
    code: str
    barcode: str
    plu: str
    price_fen: int
    is_active: bool
    score: int


class SearchOut(Schema):
    items: list[SkuHitOut]
    total: int
    total_is_lower_bound: bool = Field(
        False, description="A very broad query was cut; there are at least ``total`` hits."
    )
    page: int
    page_size: int
    exact_barcode: bool


# --- shaping ---------------------------------------------------------------------------------


def _tree_out(nodes: list[CategoryNode]) -> list[CategoryOut]:
    return [
        CategoryOut(
            id=n.id,
            name=n.name,
            parent_id=n.parent_id,
            sort_order=n.sort_order,
            is_active=n.is_active,
            depth=n.depth,
            product_count=n.product_count,
            children=_tree_out(n.children),
        )
        for n in nodes
    ]


def _sku_out(sku: Sku, actor: User) -> SkuOut:
    return SkuOut(
        id=sku.pk,
        product_id=sku.product_id,
        code=sku.code,
        spec_values={str(k): str(v) for k, v in (sku.spec_values or {}).items()},
        barcode=sku.barcode,
        plu=sku.plu,
        price_fen=sku.price_fen,
        cost_fen=sku.cost_fen if actor.has_perm_code(Perm.CATALOG_PRICE) else None,
        weight_g=sku.weight_g,
        is_active=sku.is_active,
        updated_at=sku.updated_at,
    )


def _summary_fields(product: Product, skus: list[Sku] | None = None) -> dict:
    if skus is not None:
        prices = [s.price_fen for s in skus]
        count, low, high = len(skus), min(prices, default=None), max(prices, default=None)
    else:
        count, low, high = product.sku_count, product.min_price_fen, product.max_price_fen
    return {
        "id": product.pk,
        "name": product.name,
        "subtitle": product.subtitle,
        "category_id": product.category_id,
        "category_name": product.category.name,
        "brand_id": product.brand_id,
        "brand_name": product.brand.name if product.brand_id else None,
        "unit": product.unit,
        "status": product.status,
        "available_in_mall": product.available_in_mall,
        "available_in_pos": product.available_in_pos,
        "on_sale_from": product.on_sale_from,
        "on_sale_until": product.on_sale_until,
        "sku_count": count,
        "min_price_fen": low,
        "max_price_fen": high,
    }


def _product_out(actor: User, product_id: int) -> ProductOut:
    product = product_detail(actor.merchant_id, product_id)
    return ProductOut(
        **_summary_fields(product, product.live_skus),
        spec_names=list(product.spec_names or []),
        description=product.description,
        tag_ids=sorted(t.pk for t in product.tags.all()),
        skus=[_sku_out(s, actor) for s in product.live_skus],
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def _viewer(request) -> User:
    return require_perm(actor_of(request), Perm.CATALOG_VIEW)


def _owned_sku(actor: User, sku_id: int) -> Sku:
    return get_owned(Sku.objects.select_related("product"), actor.merchant_id, pk=sku_id, is_deleted=False)


# --- categories, brands, tags ------------------------------------------------------------------


@router.get("/categories", response={200: list[CategoryOut], **ERRORS})
def list_categories(request):
    actor = _viewer(request)
    return _tree_out(category_tree(actor.merchant_id, with_counts=True))


@router.post("/categories", response={201: CategoryOut, **ERRORS})
def create_category(request, payload: CategoryIn):
    category = category_actions.create_category(actor=actor_of(request), **payload.dict())
    depth = category_actions.depth_of(category)
    return Status(
        201,
        CategoryOut(
            id=category.pk,
            name=category.name,
            parent_id=category.parent_id,
            sort_order=category.sort_order,
            is_active=category.is_active,
            depth=depth,
            product_count=0,
        ),
    )


@router.patch("/categories/{category_id}", response={200: CategoryOut, **ERRORS})
def update_category(request, category_id: Id, payload: CategoryPatch):
    category = category_actions.update_category(
        actor=actor_of(request), category_id=category_id, **payload.dict(exclude_unset=True)
    )
    return CategoryOut(
        id=category.pk,
        name=category.name,
        parent_id=category.parent_id,
        sort_order=category.sort_order,
        is_active=category.is_active,
        depth=category_actions.depth_of(category),
        product_count=category.products.filter(is_deleted=False).count(),
    )


@router.delete("/categories/{category_id}", response={204: None, **ERRORS})
def delete_category(request, category_id: Id):
    category_actions.delete_category(actor=actor_of(request), category_id=category_id)
    return Status(204, None)


@router.get("/brands", response={200: list[BrandOut], **ERRORS})
def list_brands(request):
    actor = _viewer(request)
    return list(Brand.objects.for_merchant(actor.merchant_id).order_by("name"))


@router.post("/brands", response={201: BrandOut, **ERRORS})
def create_brand(request, payload: BrandIn):
    return Status(201, brand_actions.create_brand(actor=actor_of(request), **payload.dict()))


@router.patch("/brands/{brand_id}", response={200: BrandOut, **ERRORS})
def update_brand(request, brand_id: Id, payload: BrandPatch):
    return brand_actions.update_brand(
        actor=actor_of(request), brand_id=brand_id, **payload.dict(exclude_unset=True)
    )


@router.delete("/brands/{brand_id}", response={204: None, **ERRORS})
def delete_brand(request, brand_id: Id):
    brand_actions.delete_brand(actor=actor_of(request), brand_id=brand_id)
    return Status(204, None)


@router.get("/tags", response={200: list[TagOut], **ERRORS})
def list_tags(request):
    actor = _viewer(request)
    return list(Tag.objects.for_merchant(actor.merchant_id).order_by("name"))


@router.post("/tags", response={201: TagOut, **ERRORS})
def create_tag(request, payload: TagIn):
    return Status(201, brand_actions.create_tag(actor=actor_of(request), name=payload.name))


@router.delete("/tags/{tag_id}", response={204: None, **ERRORS})
def delete_tag(request, tag_id: Id):
    brand_actions.delete_tag(actor=actor_of(request), tag_id=tag_id)
    return Status(204, None)


# --- products ----------------------------------------------------------------------------------


@router.get("/products", response={200: ProductPage, **ERRORS})
def list_products(
    request,
    q: str = Query("", max_length=100),
    category: int | None = Query(None, ge=1, le=MAX_ID),
    brand: int | None = Query(None, ge=1, le=MAX_ID),
    status: Literal["on_sale", "off_sale"] | None = None,
    channel: Literal["mall", "pos"] | None = None,
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(20, ge=1, le=100),
):
    actor = _viewer(request)
    filters = SearchFilters(channel=channel, status=status, category_id=category, brand_id=brand)
    products, total = product_list(
        actor.merchant_id, q=q, filters=filters, limit=page_size, offset=(page - 1) * page_size
    )
    return ProductPage(
        items=[ProductSummaryOut(**_summary_fields(p)) for p in products],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.post("/products", response={201: ProductOut, **ERRORS})
def create_product(request, payload: ProductIn):
    actor = actor_of(request)
    data = payload.dict()
    skus = data.pop("skus")
    product = product_actions.create_product(actor=actor, skus=skus, **data)
    return Status(201, _product_out(actor, product.pk))


@router.post("/products/bulk-status", response={200: CountOut, **ERRORS})
def bulk_status(request, payload: BulkStatusIn):
    changed = product_actions.set_on_sale(
        actor=actor_of(request), product_ids=payload.product_ids, on_sale=payload.on_sale
    )
    return CountOut(changed=changed)


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def get_product(request, product_id: Id):
    return _product_out(_viewer(request), product_id)


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS})
def update_product(request, product_id: Id, payload: ProductPatch):
    actor = actor_of(request)
    product_actions.update_product(actor=actor, product_id=product_id, **payload.dict(exclude_unset=True))
    return _product_out(actor, product_id)


@router.delete("/products/{product_id}", response={204: None, **ERRORS})
def delete_product(request, product_id: Id):
    product_actions.delete_product(actor=actor_of(request), product_id=product_id)
    return Status(204, None)


def _set_sale(request, product_id: int, on_sale: bool) -> ProductOut:
    actor = actor_of(request)
    get_owned(Product, actor.merchant_id, pk=product_id, is_deleted=False)
    product_actions.set_on_sale(actor=actor, product_ids=[product_id], on_sale=on_sale)
    return _product_out(actor, product_id)


@router.post("/products/{product_id}/on-sale", response={200: ProductOut, **ERRORS})
def put_on_sale(request, product_id: Id):
    return _set_sale(request, product_id, True)


@router.post("/products/{product_id}/off-sale", response={200: ProductOut, **ERRORS})
def take_off_sale(request, product_id: Id):
    return _set_sale(request, product_id, False)


@router.post("/products/{product_id}/skus", response={201: SkuOut, **ERRORS})
def add_sku(request, product_id: Id, payload: SkuIn):
    actor = actor_of(request)
    sku = sku_actions.add_sku(actor=actor, product_id=product_id, **payload.dict())
    return Status(201, _sku_out(sku, actor))


# --- SKUs and prices ---------------------------------------------------------------------------


@router.get("/skus/by-barcode/{code}", response={200: SkuOut, **ERRORS})
def sku_for_barcode(request, code: str = Path(..., max_length=20)):
    actor = _viewer(request)
    sku = sku_by_barcode(actor.merchant_id, code)
    if sku is None:
        raise not_found()
    return _sku_out(sku, actor)


@router.get("/skus/by-plu/{plu}", response={200: SkuOut, **ERRORS})
def sku_for_plu(request, plu: str = Path(..., max_length=8)):
    actor = _viewer(request)
    sku = sku_by_plu(actor.merchant_id, plu)
    if sku is None:
        raise not_found()
    return _sku_out(sku, actor)


@router.get("/skus/{sku_id}", response={200: SkuOut, **ERRORS})
def get_sku(request, sku_id: Id):
    actor = _viewer(request)
    return _sku_out(_owned_sku(actor, sku_id), actor)


@router.patch("/skus/{sku_id}", response={200: SkuOut, **ERRORS})
def update_sku(request, sku_id: Id, payload: SkuPatch):
    actor = actor_of(request)
    sku = sku_actions.update_sku(actor=actor, sku_id=sku_id, **payload.dict(exclude_unset=True))
    return _sku_out(sku, actor)


@router.delete("/skus/{sku_id}", response={204: None, **ERRORS})
def remove_sku(request, sku_id: Id):
    sku_actions.remove_sku(actor=actor_of(request), sku_id=sku_id)
    return Status(204, None)


@router.put("/skus/{sku_id}/price", response={200: SkuOut, **ERRORS})
def change_price(request, sku_id: Id, payload: PriceIn):
    actor = actor_of(request)
    sku = sku_actions.change_sku_price(actor=actor, sku_id=sku_id, **payload.dict())
    return _sku_out(sku, actor)


@router.get("/skus/{sku_id}/store-prices", response={200: list[StorePriceOut], **ERRORS})
def list_store_prices(request, sku_id: Id):
    actor = _viewer(request)
    sku = _owned_sku(actor, sku_id)
    prices = store_prices_for_sku(actor.merchant_id, sku.pk)
    return [
        StorePriceOut(
            store_id=store.pk,
            store_name=store.name,
            sku_id=sku.pk,
            list_price_fen=sku.price_fen,
            price_fen=prices.get(store.pk),
        )
        for store in scoped_stores(actor)
    ]


@router.put("/skus/{sku_id}/store-prices/{store_id}", response={200: StorePriceOut, **ERRORS})
def set_store_price(request, sku_id: Id, store_id: Id, payload: StorePriceIn):
    actor = actor_of(request)
    price = price_actions.set_store_price(actor=actor, store_id=store_id, sku_id=sku_id, **payload.dict())
    return StorePriceOut(
        store_id=price.store_id,
        store_name=price.store.name,
        sku_id=price.sku_id,
        list_price_fen=price.sku.price_fen,
        price_fen=price.price_fen,
    )


@router.delete("/skus/{sku_id}/store-prices/{store_id}", response={204: None, **ERRORS})
def clear_store_price(request, sku_id: Id, store_id: Id):
    price_actions.clear_store_price(actor=actor_of(request), store_id=store_id, sku_id=sku_id)
    return Status(204, None)


# --- search ------------------------------------------------------------------------------------


@router.get("/search", response={200: SearchOut, **ERRORS})
def search(
    request,
    q: str = Query(..., min_length=1, max_length=100),
    channel: Literal["mall", "pos"] | None = None,
    sellable: bool = False,
    category: int | None = Query(None, ge=1, le=MAX_ID),
    brand: int | None = Query(None, ge=1, le=MAX_ID),
    page: int = Query(1, ge=1, le=1_000),
    page_size: int = Query(20, ge=1, le=100),
):
    """SKUs matching ``q`` (words, pinyin, initials, barcode, PLU, code), best first."""
    actor = _viewer(request)
    filters = SearchFilters(channel=channel, sellable=sellable, category_id=category, brand_id=brand)
    result = search_skus(actor.merchant_id, q, filters, limit=page_size, offset=(page - 1) * page_size)
    items = [
        SkuHitOut(
            id=sku.pk,
            product_id=sku.product_id,
            name=sku.product.name,
            spec_text=sku.spec_text,
            code=sku.code,
            barcode=sku.barcode,
            plu=sku.plu,
            price_fen=sku.price_fen,
            is_active=sku.is_active,
            score=result.scores.get(sku.pk, 0),
        )
        for sku in skus_by_ids(actor.merchant_id, result.ids)
    ]
    return SearchOut(
        items=items,
        total=result.total,
        total_is_lower_bound=result.capped,
        page=page,
        page_size=page_size,
        exact_barcode=result.exact_barcode,
    )
