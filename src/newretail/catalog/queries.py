"""Catalog reads that other domains, the API and the pages use. Writes live in ``actions/``;
the search index and query in ``search``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet

from newretail.catalog.barcodes import barcode_variants, normalize_barcode, normalize_plu
from newretail.catalog.models import Brand, Category, Product, Sku, StorePrice
from newretail.catalog.search import (
    SearchFilters,
    SearchResult,
    category_subtree_ids,
    search_products,
    search_skus,
)
from newretail.core import clock
from newretail.core.errors import CoreError, DomainError
from newretail.core.prepared import read_prepared
from newretail.core.rows import from_row, select_list, width
from newretail.core.tenancy import get_owned

__all__ = [
    "CategoryNode",
    "SearchFilters",
    "SearchResult",
    "active_brands",
    "category_subtree_ids",
    "category_tree",
    "effective_price_fen",
    "live_skus",
    "product_detail",
    "product_list",
    "search_products",
    "search_skus",
    "sellable_products",
    "sku_by_barcode",
    "sku_by_plu",
    "sku_is_sellable",
    "skus_by_ids",
    "store_prices_for_sku",
]


@dataclass
class CategoryNode:
    id: int
    name: str
    parent_id: int | None
    sort_order: int
    is_active: bool
    depth: int
    children: list[CategoryNode] = field(default_factory=list)
    product_count: int = 0


def category_tree(
    merchant_id: int, *, active_only: bool = False, with_counts: bool = False
) -> list[CategoryNode]:
    """The merchant's category forest, siblings in (sort_order, id) order. One query (two with
    product counts)."""
    categories = Category.objects.for_merchant(merchant_id).order_by("sort_order", "id")
    if active_only:
        categories = categories.filter(is_active=True)
    counts: dict[int, int] = {}
    if with_counts:
        counts = dict(
            Product.objects.for_merchant(merchant_id)
            .filter(is_deleted=False)
            .values_list("category_id")
            .annotate(n=Count("id"))
            .values_list("category_id", "n")
        )
    nodes = {
        c.pk: CategoryNode(
            c.pk, c.name, c.parent_id, c.sort_order, c.is_active, 0, product_count=counts.get(c.pk, 0)
        )
        for c in categories
    }
    roots: list[CategoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if parent is not None:
            parent.children.append(node)
        elif node.parent_id is None:
            roots.append(node)
        # an inactive parent hides its active children in active_only mode

    def set_depth(items: list[CategoryNode], depth: int) -> None:
        for item in items:
            item.depth = depth
            set_depth(item.children, depth + 1)

    set_depth(roots, 1)
    return roots


def flatten_tree(nodes: list[CategoryNode]) -> list[CategoryNode]:
    """Depth-first list of a tree (for indented selects and tables)."""
    out: list[CategoryNode] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten_tree(node.children))
    return out


def active_brands(merchant_id: int) -> QuerySet[Brand]:
    return Brand.objects.for_merchant(merchant_id).filter(is_active=True)


def live_skus(merchant_id: int) -> QuerySet[Sku]:
    """SKUs that exist for the merchant (not deleted, product not deleted)."""
    return Sku.objects.for_merchant(merchant_id).filter(is_deleted=False, product__is_deleted=False)


@cache
def _live_skus_sql() -> str:
    q = connection.ops.quote_name
    return (
        f"SELECT {select_list(Sku, 's')}, {select_list(Product, 'p')} "  # noqa: S608 (names from the models)
        f"FROM {q(Sku._meta.db_table)} s JOIN {q(Product._meta.db_table)} p ON p.id = s.product_id "
        "WHERE s.merchant_id = %(merchant)s::bigint AND s.id = ANY(%(ids)s::bigint[]) "
        "AND NOT s.is_deleted AND NOT p.is_deleted"
    )


def live_skus_with_products(merchant_id: int, ids: Sequence[int]) -> dict[int, Sku]:
    """``live_skus(merchant_id).select_related("product").filter(pk__in=ids)`` by id: placing an
    order reads its SKUs this way, on PostgreSQL as one prepared read."""
    if connection.vendor != "postgresql":
        return {sku.pk: sku for sku in live_skus(merchant_id).select_related("product").filter(pk__in=ids)}
    found = {}
    for row in read_prepared(_live_skus_sql(), {"merchant": merchant_id, "ids": list(ids)}):
        sku = from_row(Sku, row)
        sku._state.fields_cache["product"] = from_row(Product, row, width(Sku))
        found[sku.pk] = sku
    return found


def skus_by_ids(merchant_id: int, ids: Iterable[int]) -> list[Sku]:
    """SKUs (with product and brand) in the order of ``ids``, e.g. a search result page."""
    ids = list(ids)
    found = Sku.objects.for_merchant(merchant_id).filter(pk__in=ids).select_related("product__brand")
    by_id = {sku.pk: sku for sku in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def sku_by_barcode(merchant_id: int, barcode: str) -> Sku | None:
    """The live SKU with this barcode (UPC-A is found whether scanned as 12 or 13 digits)."""
    code = normalize_barcode(barcode)
    if not code.isascii() or not code.isdigit():
        return None
    return (
        live_skus(merchant_id)
        .filter(barcode__in=barcode_variants(code))
        .select_related("product__brand", "product__category")
        .first()
    )


def sku_by_plu(merchant_id: int, plu: str | int) -> Sku | None:
    """The live weighed SKU with this PLU (leading zeros as printed by a scale are ignored)."""
    try:
        normalized = normalize_plu(plu)
    except DomainError:
        return None
    if not normalized:
        return None
    return live_skus(merchant_id).filter(plu=normalized).select_related("product").first()


def sale_window_q(prefix: str = "") -> Q:
    now = clock.now()
    return (Q(**{f"{prefix}on_sale_from__isnull": True}) | Q(**{f"{prefix}on_sale_from__lte": now})) & (
        Q(**{f"{prefix}on_sale_until__isnull": True}) | Q(**{f"{prefix}on_sale_until__gt": now})
    )


def sellable_products(merchant_id: int, channel: str | None = None) -> QuerySet[Product]:
    """Products a shopper or cashier can buy now: on sale, inside the window, not deleted, sold
    on ``channel`` ("mall" or "pos")."""
    products = Product.objects.for_merchant(merchant_id).filter(
        sale_window_q(), is_deleted=False, status=Product.Status.ON_SALE
    )
    if channel == "mall":
        products = products.filter(available_in_mall=True)
    elif channel == "pos":
        products = products.filter(available_in_pos=True)
    return products


def sku_is_sellable(sku: Sku, channel: str, now: dt.datetime) -> bool:
    """The rule of ``sellable_products`` for one loaded SKU (and its product): may ``channel``
    ("mall" or "pos") sell it at ``now``? The SKU must be active and not deleted too."""
    product = sku.product
    in_channel = product.available_in_pos if channel == "pos" else product.available_in_mall
    return (
        sku.is_active
        and not sku.is_deleted
        and not product.is_deleted
        and in_channel
        and product.status == Product.Status.ON_SALE
        and (product.on_sale_from is None or product.on_sale_from <= now)
        and (product.on_sale_until is None or now < product.on_sale_until)
    )


def with_sku_summary(products: QuerySet[Product], *, active_only: bool = False) -> QuerySet[Product]:
    """Annotate sku_count, min_price_fen, max_price_fen over live (optionally active) SKUs."""
    live = Q(skus__is_deleted=False)
    if active_only:
        live &= Q(skus__is_active=True)
    return products.annotate(
        sku_count=Count("skus", filter=live),
        min_price_fen=Min("skus__price_fen", filter=live),
        max_price_fen=Max("skus__price_fen", filter=live),
    )


def product_list(
    merchant_id: int, *, q: str = "", filters: SearchFilters | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[Product], int]:
    """A page of products (with SKU summary) and the total, for the console, the API and the
    mall. With ``q`` the order is search relevance; without, newest first."""
    filters = filters or SearchFilters()
    if q.strip():
        result = search_products(merchant_id, q, filters, limit=limit, offset=offset)
        found = with_sku_summary(
            Product.objects.for_merchant(merchant_id)
            .filter(pk__in=result.ids)
            .select_related("brand", "category"),
            active_only=filters.sellable,
        )
        by_id = {p.pk: p for p in found}
        return [by_id[pk] for pk in result.ids if pk in by_id], result.total
    products = (
        sellable_products(merchant_id, filters.channel)
        if filters.sellable
        else Product.objects.for_merchant(merchant_id).filter(is_deleted=False)
    )
    if filters.channel and not filters.sellable:
        products = products.filter(**{f"available_in_{filters.channel}": True})
    if filters.sellable:
        products = products.filter(
            Exists(Sku.objects.filter(product=OuterRef("pk"), is_deleted=False, is_active=True))
        )
    if filters.status:
        products = products.filter(status=filters.status)
    if filters.brand_id:
        products = products.filter(brand_id=filters.brand_id)
    if filters.category_id:
        products = products.filter(category_id__in=category_subtree_ids(merchant_id, filters.category_id))
    total = products.count()
    page = with_sku_summary(
        products.select_related("brand", "category").order_by("-id"), active_only=filters.sellable
    )[offset : offset + limit]
    return list(page), total


def product_detail(merchant_id: int, product_id: int, *, sellable_on: str | None = None) -> Product:
    """One product with its live SKUs prefetched as ``live_skus`` (404 for another merchant's
    id, a deleted product, or, with ``sellable_on``, one not sold on that channel now)."""
    base = sellable_products(merchant_id, sellable_on) if sellable_on else Product.objects.all()
    sku_filter = Q(is_deleted=False, is_active=True) if sellable_on else Q(is_deleted=False)
    products = base.select_related("brand", "category").prefetch_related(
        "tags", Prefetch("skus", queryset=Sku.objects.filter(sku_filter).order_by("pk"), to_attr="live_skus")
    )
    product = get_owned(products, merchant_id, pk=product_id, is_deleted=False)
    if sellable_on and not product.live_skus:
        raise DomainError(CoreError.NOT_FOUND)
    return product


def store_prices_for_sku(merchant_id: int, sku_id: int) -> dict[int, int]:
    """{store_id: price_fen} of the store overrides of one SKU."""
    return dict(
        StorePrice.objects.for_merchant(merchant_id)
        .filter(sku_id=sku_id)
        .values_list("store_id", "price_fen")
    )


def effective_price_fen(sku: Sku, store_id: int | None = None) -> int:
    """The SKU's price in a store: the store's override if it has one, else the list price.
    (Member and campaign prices are the pricing engine's business.)"""
    if store_id is not None:
        override = (
            StorePrice.objects.filter(merchant_id=sku.merchant_id, store_id=store_id, sku_id=sku.pk)
            .values_list("price_fen", flat=True)
            .first()
        )
        if override is not None:
            return override
    return sku.price_fen


@cache
def _prices_and_lineages_sql() -> str:
    q = connection.ops.quote_name
    return (
        f"SELECT 'price', sku_id, price_fen, NULL::bigint FROM {q(StorePrice._meta.db_table)} "  # noqa: S608 (names from the models)
        "WHERE merchant_id = %(merchant)s::bigint AND store_id = %(store)s::bigint "
        "AND sku_id = ANY(%(skus)s::bigint[]) "
        f"UNION ALL SELECT 'category', c.id, c.parent_id, parent.parent_id FROM {q(Category._meta.db_table)} c "
        f"LEFT JOIN {q(Category._meta.db_table)} parent ON parent.id = c.parent_id "
        "WHERE c.merchant_id = %(merchant)s::bigint AND c.id = ANY(%(categories)s::bigint[])"
    )


def store_prices_and_lineages(
    merchant_id: int, store_id: int | None, skus: Iterable[Sku]
) -> tuple[dict[int, int], dict[int, tuple[int, ...]]]:
    """({sku id: the store's price}, ``category_lineages`` of the SKUs' products) for pricing a
    cart: one read on PostgreSQL, two elsewhere. ``skus`` carry their products."""
    skus = list(skus)
    category_ids = {sku.product.category_id for sku in skus if sku.product.category_id is not None}
    if connection.vendor != "postgresql":
        prices = (
            dict(
                StorePrice.objects.filter(
                    merchant_id=merchant_id, store_id=store_id, sku_id__in=[sku.pk for sku in skus]
                ).values_list("sku_id", "price_fen")
            )
            if store_id is not None
            else {}
        )
        return prices, category_lineages(merchant_id, category_ids)
    prices, lineages = {}, {}
    params = {
        "merchant": merchant_id,
        "store": store_id,
        "skus": [sku.pk for sku in skus],
        "categories": sorted(category_ids),
    }
    for kind, pk, first, second in read_prepared(_prices_and_lineages_sql(), params):
        if kind == "price":
            prices[pk] = first
        else:
            lineages[pk] = tuple(c for c in (pk, first, second) if c is not None)
    return prices, lineages


def category_lineages(merchant_id: int, category_ids: Iterable[int | None]) -> dict[int, tuple[int, ...]]:
    """Each category with its ancestors, nearest first ({碳酸饮料: (碳酸饮料, 饮料, 酒水饮料)}), in one
    query: the tree is at most three levels deep (``catalog.actions.categories``), so a promotion
    on a top category reaches the products filed under its children."""
    ids = {category_id for category_id in category_ids if category_id is not None}
    if not ids:
        return {}
    rows = Category.objects.filter(merchant_id=merchant_id, pk__in=ids).values_list(
        "pk", "parent_id", "parent__parent_id"
    )
    return {
        pk: tuple(c for c in (pk, parent, grandparent) if c is not None) for pk, parent, grandparent in rows
    }
