"""What search engines and share previews read: schema.org JSON-LD for products, offers and
stores, and the sitemap's entries. JSON-LD is serialised with every ``<``, ``>`` and ``&`` escaped
so merchant text can never close the script tag."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from newretail.catalog.models import Product, Sku
from newretail.core.money import fen_to_yuan
from newretail.tenancy.models import Store

SITEMAP_MAX_PRODUCTS = 45_000  # one sitemap file holds at most 50,000 URLs


def jsonld(data: dict) -> SafeString:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # escaped above


def product_jsonld(
    product: Product,
    skus: Sequence[Sku],
    available: dict[int, int],
    url: str,
    images: Sequence[str],
    request,
) -> SafeString:
    offers = [
        {
            "@type": "Offer",
            "sku": sku.code,
            **({"gtin13": sku.barcode} if len(sku.barcode or "") == 13 else {}),
            "price": str(fen_to_yuan(sku.price_fen)),
            "priceCurrency": "CNY",
            "availability": "https://schema.org/InStock"
            if available.get(sku.pk, 0) > 0
            else "https://schema.org/OutOfStock",
            "url": url,
        }
        for sku in skus
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": (product.subtitle or product.description or product.name)[:500],
        "image": [request.build_absolute_uri(i) for i in images],
        "offers": offers[0] if len(offers) == 1 else offers,
    }
    if product.brand_id:
        data["brand"] = {"@type": "Brand", "name": product.brand.name}
    return jsonld(data)


def stores_jsonld(stores: Iterable[Store], url: str, merchant_name: str) -> SafeString:
    items = []
    for store in stores:
        item = {
            "@type": "Store",
            "name": f"{merchant_name} {store.name}",
            "url": url,
            "address": {
                "@type": "PostalAddress",
                "addressRegion": store.province,
                "addressLocality": store.city,
                "streetAddress": f"{store.district}{store.address}",
                "addressCountry": "CN",
            },
        }
        if store.phone:
            item["telephone"] = store.phone
        if store.latitude is not None and store.longitude is not None:
            item["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": str(store.latitude),
                "longitude": str(store.longitude),
            }
        if store.opens_at and store.closes_at:
            item["openingHours"] = f"Mo-Su {store.opens_at:%H:%M}-{store.closes_at:%H:%M}"
        items.append(item)
    return jsonld({"@context": "https://schema.org", "@graph": items})


def sitemap_base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/") if request else settings.PUBLIC_BASE_URL
