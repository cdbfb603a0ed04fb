"""A mall's robots.txt and sitemap.xml (at the root of a merchant's own host, or under /m/<slug>/
on the platform — the platform's /robots.txt then lists every mall's sitemap)."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string

from newretail.catalog.queries import category_tree, flatten_tree
from newretail.storefront import queries
from newretail.storefront.decorators import mall_page
from newretail.storefront.seo import SITEMAP_MAX_PRODUCTS
from newretail.storefront.site import absolute, by_host, mall_of, mall_url


@mall_page
def robots(request):
    lines = ["User-agent: *"]
    for name in ("cart", "checkout", "orders", "me", "login"):
        lines.append(f"Disallow: {mall_url(request, name)}")
    lines += ["Disallow: /console/", "Disallow: /api/"] if by_host(request) else []
    lines += ["", f"Sitemap: {absolute(request, mall_url(request, 'sitemap'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@mall_page
def sitemap(request):
    merchant = mall_of(request)
    urls = [
        (absolute(request, mall_url(request, "home")), None),
        (absolute(request, mall_url(request, "stores")), None),
    ]
    for node in flatten_tree(category_tree(merchant.pk, active_only=True)):
        urls.append((absolute(request, mall_url(request, "category", query={"category": node.id})), None))
    for pk, updated_at in queries.sitemap_products(merchant.pk, SITEMAP_MAX_PRODUCTS):
        urls.append((absolute(request, mall_url(request, "product", product_id=pk)), updated_at))
    body = render_to_string("storefront/sitemap.xml", {"urls": urls})
    return HttpResponse(body, content_type="application/xml; charset=utf-8")
