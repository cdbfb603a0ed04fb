"""Host mode: a merchant whose ``mall_domain`` is this request's host gets its mall at ``/``.

The request is switched to ``storefront.host_urls`` (the mall at the root, the platform's own
routes — API, console, payments — beside it) and ``request.mall`` is set, so every mall view and
``mall_url`` work without a slug. Requests to the platform's own host skip the lookup."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from newretail.storefront.site import HOST_URLCONF, merchant_for_host

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "testserver", "[::1]"})


class MallHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.platform_host = (urlsplit(settings.PUBLIC_BASE_URL).hostname or "").lower()

    def __call__(self, request):
        host = request.get_host().split(":", 1)[0].lower()
        if host and host != self.platform_host and host not in LOCAL_HOSTS:
            merchant = merchant_for_host(host)
            if merchant is not None:
                request.urlconf = HOST_URLCONF
                request.mall = merchant
                request.mall_by_host = True
        return self.get_response(request)
