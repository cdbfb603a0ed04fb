"""What the mall's pages read: product cards (list, search, decoration blocks), the product page,
store availability. Every read is scoped to the mall's merchant and shows only what a shopper may
buy (products on sale in the mall, inside their sale window, with an active SKU)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Sum

from newretail.catalog.models import Product, ProductImage, Sku
from newretail.catalog.queries import category_lineages, category_subtree_ids, sellable_products
from newretail.catalog.search import SearchFilters, search_products
from newretail.core import clock
from newretail.inventory.models import StockLevel
from newretail.marketing import reports
from newretail.tenancy.models import Store, Warehouse

SORTS = ("default", "newest", "price_asc", "price_desc")
MAX_CARDS = 60


@dataclass(frozen=True)
class ProductCard:
    """What a product card shows: name, cheapest price (a range when SKUs differ), the first
    picture and the tags of running promotions (限时折扣, 满100减20…)."""

    id: int
    name: str
    subtitle: str
    price_fen: int
    max_price_fen: int
    image_url: str | None
    sku_id: int  # the cheapest SKU: "add to cart" from a card when the product has one SKU
    sku_count: int
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductQuery:
    """The mall's browse and search input, already parsed."""

    q: str = ""
    category_id: int | None = None
    brand_id: int | None = None
    min_price_fen: int | None = None
    max_price_fen: int | None = None
    sort: str = "default"


@dataclass
class ProductResults:
    cards: list[ProductCard]
    total: int
    capped: bool = False
    page: int = 1
    page_size: int = 20
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


def _mall_products(merchant_id: int) -> QuerySet[Product]:
    return sellable_products(merchant_id, "mall").filter(
        Exists(Sku.objects.filter(product=OuterRef("pk"), is_deleted=False, is_active=True))
    )


def _price_filtered(products: QuerySet[Product], query: ProductQuery) -> QuerySet[Product]:
    """Price range on the cheapest live SKU; sorting by price uses the same figure."""
    if (
        query.min_price_fen is None
        and query.max_price_fen is None
        and query.sort
        not in (
            "price_asc",
            "price_desc",
        )
    ):
        return products
    live = Q(skus__is_deleted=False, skus__is_active=True)
    products = products.annotate(low_fen=Min("skus__price_fen", filter=live))
    if query.min_price_fen is not None:
        products = products.filter(low_fen__gte=query.min_price_fen)
    if query.max_price_fen is not None:
        products = products.filter(low_fen__lte=query.max_price_fen)
    return products


def browse(merchant_id: int, query: ProductQuery, *, page: int = 1, page_size: int = 20) -> ProductResults:
    """One page of product cards for the category page and the search page.

    With a search text the order is relevance (the catalog's pinyin/jieba index: "kkl" finds
    可口可乐), narrowed by category, brand and price; without one, newest first or by price."""
    offset = (page - 1) * page_size
    if query.q.strip():
        filters = SearchFilters(
            channel="mall", sellable=True, category_id=query.category_id, brand_id=query.brand_id
        )
        has_price = query.min_price_fen is not None or query.max_price_fen is not None
        if not has_price and query.sort == "default":
            result = search_products(merchant_id, query.q, filters, limit=page_size, offset=offset)
            ids, total, capped = result.ids, result.total, result.capped
        else:
            # Price filter or sort over the search's matches (the best ones, at most MAX_LIMIT).
            result = search_products(merchant_id, query.q, filters, limit=200, offset=0)
            matched = _price_filtered(_mall_products(merchant_id).filter(pk__in=result.ids), query)
            ordered = _ordered(matched, query.sort, relevance=result.ids)
            total, capped = len(ordered), result.capped
            ids = ordered[offset : offset + page_size]
        return ProductResults(product_cards(merchant_id, ids), total, capped, page, page_size)
    products = _mall_products(merchant_id)
    if query.category_id:
        products = products.filter(category_id__in=category_subtree_ids(merchant_id, query.category_id))
    if query.brand_id:
        products = products.filter(brand_id=query.brand_id)
    products = _price_filtered(products, query)
    total = products.count()
    ids = _page_ids(products, query.sort, offset, page_size) if total > offset else []
    return ProductResults(product_cards(merchant_id, list(ids)), total, False, page, page_size)


def _page_ids(products: QuerySet[Product], sort: str, offset: int, limit: int) -> list[int]:
    """One page of ids straight from the database (no search: LIMIT/OFFSET on the index)."""
    order = {"price_asc": ("low_fen", "-id"), "price_desc": ("-low_fen", "-id")}.get(sort, ("-id",))
    return list(products.order_by(*order).values_list("pk", flat=True)[offset : offset + limit])


def _ordered(products: QuerySet[Product], sort: str, *, relevance: Sequence[int] = ()) -> list[int]:
    """Product ids in the page order: by price (the cheapest SKU), newest first, or, for a search
    without a sort, in ``relevance`` order."""
    if sort == "price_asc":
        return list(products.order_by("low_fen", "-id").values_list("pk", flat=True))
    if sort == "price_desc":
        return list(products.order_by("-low_fen", "-id").values_list("pk", flat=True))
    if relevance and sort == "default":
        found = set(products.values_list("pk", flat=True))
        return [pk for pk in relevance if pk in found]
    return list(products.order_by("-id").values_list("pk", flat=True))


def product_cards(
    merchant_id: int,
    product_ids: Sequence[int] | None = None,
    *,
    category_id: int | None = None,
    tag_id: int | None = None,
    limit: int = 8,
) -> list[ProductCard]:
    """Cards for ``product_ids`` in that order (the ones no longer buyable are left out), or, with
    no ids, the newest ``limit`` buyable products of a category or a tag (decoration blocks)."""
    if product_ids is None:
        products = _mall_products(merchant_id)
        if category_id:
            products = products.filter(category_id__in=category_subtree_ids(merchant_id, category_id))
        if tag_id:
            products = products.filter(tags__id=tag_id)
        product_ids = list(products.order_by("-id").values_list("pk", flat=True)[: min(limit, MAX_CARDS)])
    else:
        product_ids = list(product_ids)[:MAX_CARDS]
    if not product_ids:
        return []
    rows = {
        p.pk: p
        for p in _mall_products(merchant_id)
        .filter(pk__in=product_ids)
        .only("pk", "name", "subtitle", "category_id")
    }
    skus: dict[int, list[tuple[int, int]]] = {}
    for sku_id, product_id, price in (
        Sku.objects.filter(product_id__in=list(rows), is_deleted=False, is_active=True)
        .order_by("price_fen", "pk")
        .values_list("pk", "product_id", "price_fen")
    ):
        skus.setdefault(product_id, []).append((sku_id, price))
    images = first_images(rows)
    tags = _promotion_tags(merchant_id, rows.values(), skus)
    cards = []
    for pk in product_ids:
        product = rows.get(pk)
        if product is None or pk not in skus:
            continue
        prices = skus[pk]
        cards.append(
            ProductCard(
                id=pk,
                name=product.name,
                subtitle=product.subtitle,
                price_fen=prices[0][1],
                max_price_fen=prices[-1][1],
                image_url=images.get(pk),
                sku_id=prices[0][0],
                sku_count=len(prices),
                tags=tags.get(pk, ()),
            )
        )
    return cards


def first_images(product_ids: Iterable[int]) -> dict[int, str]:
    """{product id: URL of its first picture} (cards, cart lines), in one query."""
    found: dict[int, str] = {}
    for image in ProductImage.objects.filter(product_id__in=set(product_ids)).order_by("sort_order", "pk"):
        if image.product_id not in found and image.image:
            found[image.product_id] = image.image.url
    return found


def _promotion_tags(
    merchant_id: int, products: Iterable[Product], skus: dict[int, list[tuple[int, int]]]
) -> dict[int, tuple[str, ...]]:
    products = list(products)
    lineages = category_lineages(merchant_id, (p.category_id for p in products))
    pairs = [
        (sku_id, lineages.get(p.category_id, ())) for p in products for sku_id, _price in skus.get(p.pk, [])
    ]
    by_sku = reports.promotion_tags(merchant_id, pairs, clock.now())
    tags: dict[int, tuple[str, ...]] = {}
    for p in products:
        names: list[str] = []
        for sku_id, _price in skus.get(p.pk, []):
            names += [n for n in by_sku.get(sku_id, []) if n not in names]
        tags[p.pk] = tuple(names[:3])
    return tags


def sku_promotion_tags(merchant_id: int, product: Product, sku_ids: Iterable[int]) -> dict[int, list[str]]:
    """The promotion tags of each SKU of one product (the product page)."""
    lineage = category_lineages(merchant_id, [product.category_id]).get(product.category_id, ())
    return reports.promotion_tags(merchant_id, ((sku_id, lineage) for sku_id in sku_ids), clock.now())


@dataclass(frozen=True)
class StoreStock:
    store: Store
    available: int


def _selling_stock(merchant_id: int) -> QuerySet[StockLevel]:
    return StockLevel.objects.filter(merchant_id=merchant_id, warehouse__is_active=True).exclude(
        warehouse__kind=Warehouse.Kind.DAMAGED
    )


def sku_availability(merchant_id: int, sku_ids: Iterable[int]) -> dict[int, int]:
    """Units a shopper can buy now per SKU, over every selling warehouse (on hand less reserved;
    damaged-goods and inactive warehouses do not sell)."""
    rows = (
        _selling_stock(merchant_id)
        .filter(sku_id__in=list(sku_ids))
        .values("sku_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    )
    return {r["sku_id"]: max(0, (r["on_hand"] or 0) - (r["reserved"] or 0)) for r in rows}


def store_availability(merchant_id: int, sku_id: int) -> list[StoreStock]:
    """The mall's stores with what each has of one SKU (the product page's 门店有货)."""
    stores = list(
        Store.objects.for_merchant(merchant_id).filter(is_active=True, is_online=True).order_by("code")
    )
    levels = dict(
        _selling_stock(merchant_id)
        .filter(sku_id=sku_id, warehouse__store_id__in=[s.pk for s in stores])
        .values("warehouse__store_id")
        .annotate(free=Sum("on_hand") - Sum("reserved"))
        .values_list("warehouse__store_id", "free")
    )
    return [StoreStock(s, max(0, levels.get(s.pk) or 0)) for s in stores]


def price_bounds(merchant_id: int) -> tuple[int, int]:
    """The cheapest and dearest buyable SKU (hints on the price filter)."""
    found = Sku.objects.filter(
        product__in=_mall_products(merchant_id), is_deleted=False, is_active=True
    ).aggregate(low=Min("price_fen"), high=Max("price_fen"))
    return found["low"] or 0, found["high"] or 0


def sitemap_products(merchant_id: int, limit: int) -> list[tuple[int, object]]:
    """(product id, last change) of buyable products, newest first, for sitemap.xml."""
    return list(_mall_products(merchant_id).order_by("-id").values_list("pk", "updated_at")[:limit])
