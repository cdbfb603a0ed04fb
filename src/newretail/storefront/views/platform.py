"""The platform's own pages at "/": the single merchant's mall, or the list of malls when the
platform runs many merchants (商户入驻); and the platform's robots.txt."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.defaults import page_not_found as default_page_not_found

from newretail.storefront.site import mall_absolute_url, single_merchant
from newretail.tenancy.models import Merchant

MAX_LISTED = 200


def index(request):
    merchant = single_merchant()
    if merchant is not None:
        return redirect(reverse("storefront:home", kwargs={"merchant_slug": merchant.slug}))
    malls = [
        (m, mall_absolute_url(m, "home"))
        for m in Merchant.objects.filter(is_active=True).order_by("name", "pk")[:MAX_LISTED]
    ]
    return render(request, "storefront/platform_index.html", {"malls": malls})


def robots(request):
    """Crawlers may read every mall (not the console, API or checkout); each mall's sitemap."""
    lines = [
        "User-agent: *",
        "Disallow: /console/",
        "Disallow: /api/",
        "Disallow: /admin/",
        "Disallow: /sandbox/",
        "Disallow: /payments/",
        "Disallow: /m/*/cart/",
        "Disallow: /m/*/checkout/",
        "Disallow: /m/*/orders/",
        "Disallow: /m/*/me/",
        "Disallow: /m/*/login/",
        "",
    ]
    for merchant in Merchant.objects.filter(is_active=True, mall_domain="").order_by("pk")[:MAX_LISTED]:
        lines.append(f"Sitemap: {mall_absolute_url(merchant, 'sitemap')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def api_docs(request):
    return redirect("/api/v1/docs")


def page_not_found(request, exception=None):
    """404 inside a mall keeps the mall's look and a way back; elsewhere Django's plain page."""
    if getattr(request, "mall", None) is not None:
        return render(request, "storefront/not_found.html", {"noindex": True}, status=404)
    return default_page_not_found(request, exception)
