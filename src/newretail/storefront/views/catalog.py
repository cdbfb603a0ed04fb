"""Browsing the mall: the category page (分类), search with filters and sort, the product page.

Views parse the query string, call ``storefront.queries`` and render; bad input (a letter in a
price, a page past the end, another merchant's category) gives an empty or corrected page, never
an error."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from newretail.analytics.actions import Target, share_tag, tag_url
from newretail.analytics.models import TargetKind
from newretail.catalog.models import Brand, Category
from newretail.catalog.queries import category_tree, flatten_tree, product_detail
from newretail.core import clock
from newretail.core.money import MoneyFormatError, yuan_to_fen
from newretail.core.qr import qr_svg_inline
from newretail.storefront import queries
from newretail.storefront.campaign_panels import product_campaigns
from newretail.storefront.decorators import mall_page, member_required
from newretail.storefront.params import whole_number
from newretail.storefront.seo import product_jsonld
from newretail.storefront.site import absolute, chosen_store_id, mall_of, mall_url, shopper
from newretail.storefront.views.seckill import product_seckill

PAGE_SIZE = 20
MAX_PAGE = 200


def _fen(value: str | None) -> int | None:
    if not (value or "").strip():
        return None
    try:
        fen = yuan_to_fen(value.strip())
    except MoneyFormatError:  # an unreadable price is "no filter"
        return None
    return fen if 0 <= fen < 10**12 else None


def _query(request) -> tuple[queries.ProductQuery, int]:
    get = request.GET
    sort = get.get("sort", "default")
    query = queries.ProductQuery(
        q=get.get("q", "")[:100],
        category_id=whole_number(get.get("category")),
        brand_id=whole_number(get.get("brand")),
        min_price_fen=_fen(get.get("min")),
        max_price_fen=_fen(get.get("max")),
        sort=sort if sort in queries.SORTS else "default",
    )
    return query, whole_number(get.get("page"), high=MAX_PAGE) or 1


@mall_page
def categories(request):
    """The 分类 tab: top categories on a rail, the chosen one's subcategories and products."""
    merchant = mall_of(request)
    tree = category_tree(merchant.pk, active_only=True)
    chosen_id = whole_number(request.GET.get("category"))
    known = {node.id: node for node in flatten_tree(tree)}
    current = known.get(chosen_id) if chosen_id else (tree[0] if tree else None)
    top = current
    while top is not None and top.parent_id is not None:
        top = known.get(top.parent_id)
    query, page = _query(request)
    query = queries.ProductQuery(category_id=current.id if current else None, sort=query.sort)
    results = queries.browse(merchant.pk, query, page=page, page_size=PAGE_SIZE)
    return render(
        request,
        "storefront/category.html",
        {
            "tree": tree,
            "top": top,
            "current": current,
            "results": results,
            "active_tab": "category",
            "canonical_url": absolute(
                request, mall_url(request, "category", query={"category": current.id if current else None})
            ),
            "next_url": _page_url(request, "category", results, page + 1),
            "prev_url": _page_url(request, "category", results, page - 1),
        },
    )


def _page_url(request, name: str, results: queries.ProductResults, page: int) -> str | None:
    if page < 1 or (page > results.page and not results.has_next) or page > MAX_PAGE:
        return None
    params = request.GET.copy()
    params["page"] = page
    return f"{mall_url(request, name)}?{params.urlencode()}"


@mall_page
def search(request):
    """Search (Chinese, pinyin, initials) with category, brand and price filters and a sort."""
    merchant = mall_of(request)
    query, page = _query(request)
    results = queries.browse(merchant.pk, query, page=page, page_size=PAGE_SIZE)
    sort_links = []
    for key, label in (
        ("default", _("Best match") if query.q else _("Newest")),
        ("price_asc", _("Price ↑")),
        ("price_desc", _("Price ↓")),
    ):
        params = request.GET.copy()
        params["sort"] = key
        params.pop("page", None)
        sort_links.append(
            {
                "url": f"{mall_url(request, 'search')}?{params.urlencode()}",
                "label": label,
                "on": key == query.sort,
            }
        )
    return render(
        request,
        "storefront/search.html",
        {
            "q": query.q,
            "query": query,
            "results": results,
            "categories": flatten_tree(category_tree(merchant.pk, active_only=True)),
            "brands": Brand.objects.for_merchant(merchant).filter(is_active=True).order_by("name")[:200],
            "min": request.GET.get("min", "")[:12],
            "max": request.GET.get("max", "")[:12],
            "sort_links": sort_links,
            "noindex": bool(query.q),  # result pages are not for search engines (thin content)
            "canonical_url": absolute(request, mall_url(request, "search")),
            "next_url": _page_url(request, "search", results, page + 1),
            "prev_url": _page_url(request, "search", results, page - 1),
        },
    )


@mall_page
def product(request, product_id: int):
    """The product page: gallery, price, promotions, the SKU picker, stock, store availability,
    description; add to cart or buy now."""
    merchant = mall_of(request)
    found = product_detail(merchant.pk, product_id, sellable_on="mall")
    skus = found.live_skus
    available = queries.sku_availability(merchant.pk, [s.pk for s in skus])
    tags = queries.sku_promotion_tags(merchant.pk, found, [s.pk for s in skus])
    images = [image.image.url for image in found.images.all() if image.image]
    first = next((s for s in skus if available.get(s.pk, 0) > 0), skus[0])
    spec_names = [str(n) for n in (found.spec_names or [])]
    spec_options = [
        {
            "index": i,
            "name": name,
            "values": list(dict.fromkeys(str((s.spec_values or {}).get(name, "")) for s in skus)),
            "chosen": str((first.spec_values or {}).get(name, "")),
        }
        for i, name in enumerate(spec_names)
    ]
    picker = {
        "spec_names": spec_names,
        "skus": [
            {
                "id": s.pk,
                "spec_values": {str(k): str(v) for k, v in (s.spec_values or {}).items()},
                "price_fen": s.price_fen,
                "available": available.get(s.pk, 0),
                "tags": tags.get(s.pk, []),
            }
            for s in skus
        ],
    }
    canonical = absolute(request, mall_url(request, "product", product_id=found.pk))
    store_id = chosen_store_id(request)
    seckill = product_seckill(merchant.pk, [s.pk for s in skus], first.pk)
    campaigns = product_campaigns(request, merchant.pk, [s.pk for s in skus], clock.now())
    return render(
        request,
        "storefront/product.html",
        {
            "product": found,
            "skus": skus,
            "first": first,
            "first_available": available.get(first.pk, 0),
            "first_tags": tags.get(first.pk, []),
            "all_tags": sorted({t for names in tags.values() for t in names}),
            "images": images,
            "spec_options": spec_options,
            "picker": picker,
            "price_low": min(s.price_fen for s in skus),
            "price_high": max(s.price_fen for s in skus),
            "stores": queries.store_availability(merchant.pk, first.pk),
            "chosen_store_id": store_id,
            "category_path": _category_path(merchant.pk, found.category_id),
            "canonical_url": canonical,
            "og_image": absolute(request, images[0]) if images else "",
            "jsonld": product_jsonld(found, skus, available, canonical, images, request),
            "seckill": seckill,
            "campaigns": campaigns,
            "server_ms": int(clock.now().timestamp() * 1000),
        },
    )


def _category_path(merchant_id: int, category_id: int) -> list[Category]:
    """The product's category and its ancestors, root first: one query (the tree is at most
    three levels deep, ``catalog.actions.categories``)."""
    category = (
        Category.objects.select_related("parent__parent")
        .filter(merchant_id=merchant_id, pk=category_id)
        .first()
    )
    path = []
    while category is not None:
        path.insert(0, category)
        category = category.parent
    return path


@member_required
def share(request, product_id: int):
    """The member's own share link (and its QR) for a product: every visit and order that follows
    it is attributed to them (channel "share")."""
    merchant = mall_of(request)
    found = product_detail(merchant.pk, product_id, sellable_on="mall")
    tag = share_tag(merchant, member=shopper(request), target=Target(TargetKind.PRODUCT, found.pk))
    url = tag_url(tag)
    return render(
        request,
        "storefront/share.html",
        {"product": found, "url": url, "qr": qr_svg_inline(url), "noindex": True},
    )
