from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path, re_path

from newretail.api import shop_seckill_buy
from newretail.api.urls import api
from newretail.storefront.views import platform


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    # Browsers ask for /favicon.ico on pages that name none (the sandbox cashier, raw API answers).
    # The hashed name is looked up per request, not when the URLs are imported: importing them
    # must not need collected static files (management commands and benchmarks import them).
    return HttpResponsePermanentRedirect(static_url("img/favicon.svg"))


# Routes of the platform itself; a merchant's own mall host serves them too (storefront.host_urls).
platform_patterns = [
    path("healthz", healthz),
    # First after the health check: a seckill's flood should not walk the API's 700 patterns.
    re_path(shop_seckill_buy.PATH, shop_seckill_buy.buy, name="shop_seckill_buy"),
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/docs", platform.api_docs),
    path("console/", include("newretail.console.urls")),
    path("pos/", include("newretail.pos.urls")),
    *([path("sandbox/", include("newretail.payments.sandbox.urls"))] if settings.PAYMENT_SANDBOX else []),
    path("payments/", include("newretail.payments.views")),
]

if settings.DEBUG:
    # Uploaded pictures in development; in production the web server or a CDN serves MEDIA_ROOT
    # (docs/deploy.md).
    platform_patterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns = [
    # "/": the single merchant's mall, or the platform's list of malls (商户入驻).
    path("", platform.index, name="platform_index"),
    path("robots.txt", platform.robots, name="platform_robots"),
    *platform_patterns,
    path("m/<slug:merchant_slug>/", include("newretail.storefront.urls")),
]

handler404 = platform.page_not_found
