from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView

from newretail.api.urls import api


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:home", permanent=False)),
    path("healthz", healthz),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("console/", include("newretail.console.urls")),
    *([path("sandbox/", include("newretail.payments.sandbox.urls"))] if settings.PAYMENT_SANDBOX else []),
    path("payments/", include("newretail.payments.views")),
]

if settings.DEBUG:
    # Uploaded pictures in development; in production the web server or a CDN serves MEDIA_ROOT
    # (docs/deploy.md).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
