"""URLs for a request on a merchant's own mall host: the mall at the root, and the platform's
routes (API, console, payments, sandbox) beside it so links and callbacks keep working."""

from django.urls import include, path

from newretail.config.urls import platform_patterns
from newretail.storefront.views import platform

urlpatterns = [
    *platform_patterns,
    path("", include("newretail.storefront.urls")),
]

handler404 = platform.page_not_found
