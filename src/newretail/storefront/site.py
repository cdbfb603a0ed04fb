"""Which merchant's mall a request is for, how mall URLs are built, and who the shopper is.

Three ways to reach a mall, one set of views:

* path mode: ``/m/<slug>/…`` on the platform's host (always works);
* host mode: a merchant with ``mall_domain`` set gets its mall at ``/`` of that host
  (``MallHostMiddleware`` switches the request to ``storefront.host_urls``);
* single-merchant install: ``settings.MALL_MERCHANT`` (or the only active merchant) is what the
  platform's ``/`` shows, and the list of malls is hidden.

Views never build mall URLs by hand: ``mall_url(request, name, **kwargs)`` (and the ``mall_url``
template tag) add the slug in path mode and leave it out in host mode.

The shopper: logging in stores the member token (the same kind the shopper API issues) in the
session, per merchant, so a browser can hold a login at two malls. A revoked or expired token,
or one of another merchant, is no login. The anonymous cart's token is kept in the session the
same way, and merged into the member's cart at login.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from newretail.members.actions.tokens import token_for_raw
from newretail.members.models import Member
from newretail.tenancy.models import Merchant

HOST_URLCONF = "newretail.storefront.host_urls"


def merchant_for_slug(slug: str) -> Merchant:
    merchant = Merchant.objects.filter(slug=slug, is_active=True).first()
    if merchant is None:
        raise Http404
    return merchant


def merchant_for_host(host: str) -> Merchant | None:
    host = host.split(":", 1)[0].lower()
    if not host:
        return None
    return Merchant.objects.filter(mall_domain=host, is_active=True).first()


def single_merchant() -> Merchant | None:
    """The merchant a single-merchant install serves at "/", or None on a platform of many."""
    if settings.MALL_MERCHANT:
        return Merchant.objects.filter(slug=settings.MALL_MERCHANT, is_active=True).first()
    active = list(Merchant.objects.filter(is_active=True).order_by("pk")[:2])
    return active[0] if len(active) == 1 else None


def mall_of(request: HttpRequest) -> Merchant:
    return request.mall  # type: ignore[attr-defined]


def by_host(request: HttpRequest) -> bool:
    return getattr(request, "mall_by_host", False)


def mall_url(request: HttpRequest, name: str, query: dict | None = None, **kwargs) -> str:
    """The path of mall page ``name`` ("product", product_id=…) for this request's mall."""
    if not by_host(request):
        kwargs["merchant_slug"] = mall_of(request).slug
    url = reverse(f"storefront:{name}", kwargs=kwargs)
    if query:
        url += "?" + urlencode({k: v for k, v in query.items() if v not in (None, "")})
    return url


def mall_absolute_url(merchant: Merchant, name: str, query: dict | None = None, **kwargs) -> str:
    """A full URL for sharing (posters, QR codes, sitemaps) outside a request: the merchant's own
    host when it has one, else the platform's public address with /m/<slug>/."""
    if merchant.mall_domain:
        path = reverse(f"storefront:{name}", urlconf=HOST_URLCONF, kwargs=kwargs)
        base = f"https://{merchant.mall_domain}"
    else:
        path = reverse(f"storefront:{name}", kwargs={"merchant_slug": merchant.slug, **kwargs})
        base = settings.PUBLIC_BASE_URL
    url = base + path
    if query:
        url += "?" + urlencode({k: v for k, v in query.items() if v not in (None, "")})
    return url


def safe_next(request: HttpRequest, target: str | None, fallback: str = "") -> str:
    """``target`` when it points back at this site (a ``next`` after login, a form's way back),
    else ``fallback``: never an open redirect."""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def absolute(request: HttpRequest, path: str) -> str:
    """``path`` as a full URL on the host this request came to (canonical links, Open Graph)."""
    return request.build_absolute_uri(path)


# --- the shopper -----------------------------------------------------------------------------


def _token_key(merchant: Merchant) -> str:
    return f"mall:{merchant.pk}:token"


def _cart_key(merchant: Merchant) -> str:
    return f"mall:{merchant.pk}:cart"


def _store_key(merchant: Merchant) -> str:
    return f"mall:{merchant.pk}:store"


def shopper(request: HttpRequest) -> Member | None:
    """The logged-in member of this mall, or None (cached on the request)."""
    cached = getattr(request, "_mall_member", False)
    if cached is not False:
        return cached
    merchant = mall_of(request)
    raw = request.session.get(_token_key(merchant), "")
    found = token_for_raw(raw) if raw else None
    member = found.member if found is not None and found.member.merchant_id == merchant.pk else None
    if raw and member is None:
        request.session.pop(_token_key(merchant), None)
    request._mall_member = member  # type: ignore[attr-defined]
    return member


def remember_login(request: HttpRequest, member: Member, raw_token: str) -> None:
    merchant = mall_of(request)
    request.session.cycle_key()  # a new session id at login (no session fixation)
    request.session[_token_key(merchant)] = raw_token
    request.session.pop(_cart_key(merchant), None)
    request._mall_member = member  # type: ignore[attr-defined]


def forget_login(request: HttpRequest) -> str:
    """Drop the login from the session; returns the raw token for revoking."""
    request._mall_member = None  # type: ignore[attr-defined]
    return request.session.pop(_token_key(mall_of(request)), "")


def cart_token(request: HttpRequest) -> str:
    return request.session.get(_cart_key(mall_of(request)), "")


def remember_cart_token(request: HttpRequest, token: str) -> None:
    request.session[_cart_key(mall_of(request))] = token


def chosen_store_id(request: HttpRequest) -> int | None:
    value = request.session.get(_store_key(mall_of(request)))
    return value if isinstance(value, int) else None


def remember_store(request: HttpRequest, store_id: int | None) -> None:
    if store_id is None:
        request.session.pop(_store_key(mall_of(request)), None)
    else:
        request.session[_store_key(mall_of(request))] = store_id
