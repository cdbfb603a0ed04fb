"""Reads of decoration: the published content of a page (cached per merchant, the cache version
bumped by every publish and rollback), the console's page and version lists, and the choices the
editor offers (categories, tags, products, coupons, limited-time discounts)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from newretail.catalog.models import Product, Tag
from newretail.catalog.queries import category_tree, flatten_tree
from newretail.core import clock
from newretail.marketing.loading import bump_cache_version, cache_version
from newretail.marketing.models import CouponTemplate, Promotion
from newretail.storefront.models import MallPage, MallPageVersion

CACHE_SECONDS = 3600  # bounded staleness even if an invalidation were lost
PAGES_CACHE = "mall_pages"
_NOTHING = {"published": False}


def _content_key(merchant_id: int, key: str) -> str:
    return f"storefront:page:{merchant_id}:{key}:{cache_version(PAGES_CACHE, merchant_id)}"


def published_content(merchant_id: int, key: str = MallPage.HOME) -> dict | None:
    """The JSON of the page's published version, or None when it has none (one cache read)."""
    cache_key = _content_key(merchant_id, key)
    found = cache.get(cache_key)
    if found is None:
        content = (
            MallPage.objects.filter(merchant_id=merchant_id, key=key, published_version__isnull=False)
            .values_list("published_version__content", flat=True)
            .first()
        )
        found = {"published": True, "content": content} if content is not None else _NOTHING
        cache.set(cache_key, found, CACHE_SECONDS)
    return found["content"] if found.get("published") else None


def forget_published(merchant_id: int) -> None:
    bump_cache_version(PAGES_CACHE, merchant_id)


def pages_for(merchant_id: int) -> QuerySet[MallPage]:
    return MallPage.objects.for_merchant(merchant_id).select_related("published_version", "draft_updated_by")


def versions_of(page: MallPage) -> QuerySet[MallPageVersion]:
    return MallPageVersion.objects.filter(merchant_id=page.merchant_id, page=page).select_related(
        "created_by"
    )


EDITOR_PRODUCTS = 300


def editor_options(merchant_id: int) -> dict[str, list[list]]:
    """[value, label] pairs for the editor's pickers (ids of this merchant only)."""
    now = clock.now()
    categories = [
        [node.id, "　" * node.depth + node.name]
        for node in flatten_tree(category_tree(merchant_id, active_only=True))
    ]
    tags = [
        [pk, name]
        for pk, name in Tag.objects.for_merchant(merchant_id).order_by("name").values_list("pk", "name")
    ]
    products = [
        [pk, name]
        for pk, name in Product.objects.for_merchant(merchant_id)
        .filter(is_deleted=False)
        .order_by("-id")
        .values_list("pk", "name")[:EDITOR_PRODUCTS]
    ]
    coupons = [
        [pk, name]
        for pk, name in CouponTemplate.objects.for_merchant(merchant_id)
        .filter(status=CouponTemplate.Status.ACTIVE, valid_until__gt=now)
        .order_by("-id")
        .values_list("pk", "name")[:100]
    ]
    promotions = [
        [pk, name]
        for pk, name in Promotion.objects.for_merchant(merchant_id)
        .filter(kind=Promotion.Kind.FLASH_DISCOUNT, status=Promotion.Status.ACTIVE, ends_at__gt=now)
        .order_by("ends_at", "pk")
        .values_list("pk", "name")[:100]
    ]
    return {
        "categories": categories,
        "tags": tags,
        "products": products,
        "coupons": coupons,
        "promotions": promotions,
    }


def page_title(merchant_id: int, key: str) -> str:
    return (
        MallPage.objects.filter(merchant_id=merchant_id, key=key).values_list("title", flat=True).first()
        or ""
    )
