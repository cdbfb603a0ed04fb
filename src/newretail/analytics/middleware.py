"""``SourceMiddleware``: records a visit when a shopper opens a mall page.

On the response of a successful GET of a full HTML mall page (a view of the ``storefront``
namespace set ``request.mall``) it:

* gives the browser a visitor cookie (random, HttpOnly, SameSite=Lax, two years) if it has none;
* records a ``Visit`` — one insert — when this is the first page of a browsing session (no
  session cookie for this merchant: 30 minutes without a page view end a session) or the page
  arrived with a ``?src=`` tag of this merchant other than the session's current one;
* takes the channel from the tag, else from the Referer (a search engine is search).

Bots, HEAD, htmx partials, prefetches, errors and non-HTML answers record nothing. A ``?src=`` of
another merchant, or an unknown one, counts as no tag. Typical page views cost no query at all.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError

from newretail.analytics import sources
from newretail.analytics.models import SourceTag, Visit
from newretail.core import clock

log = logging.getLogger(__name__)


def _is_countable(request, response) -> bool:
    if request.method != "GET" or response.status_code != 200 or getattr(response, "streaming", False):
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    match = getattr(request, "resolver_match", None)
    if match is None or "storefront" not in match.namespaces:
        return False
    headers = request.headers
    if headers.get("HX-Request") or "prefetch" in (headers.get("Sec-Purpose", "") + headers.get("Purpose", "")):
        return False
    return not sources.is_bot(headers.get("User-Agent"))


class SourceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        merchant = getattr(request, "mall", None)
        if merchant is not None and _is_countable(request, response):
            try:
                self.track(request, response, merchant)
            except DatabaseError:
                log.exception("visit not recorded")  # tracking never breaks a page
        return response

    def track(self, request, response, merchant) -> None:
        secure = request.is_secure()
        visitor_id = sources.clean_visitor_id(request.COOKIES.get(sources.VISITOR_COOKIE))
        if not visitor_id:
            visitor_id = sources.new_visitor_id()
            response.set_cookie(
                sources.VISITOR_COOKIE,
                visitor_id,
                max_age=sources.VISITOR_COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=secure,
            )
        request.analytics_visitor_id = visitor_id
        session_cookie = f"{sources.SESSION_COOKIE_PREFIX}{merchant.pk}"
        in_session = session_cookie in request.COOKIES
        session_code = request.COOKIES.get(session_cookie, "")
        code = sources.clean_code(request.GET.get("src"))
        tag = None
        if code and code != session_code:
            tag = SourceTag.objects.filter(code=code, merchant_id=merchant.pk).only("pk", "channel").first()
        if tag is not None or not in_session:
            referrer = sources.referrer_host(request.headers.get("Referer"))
            own_host = request.get_host().split(":", 1)[0].lower()
            member = getattr(request, "_mall_member", None) or None  # set when the page asked who is in
            Visit.objects.create(
                merchant_id=merchant.pk,
                visitor_id=visitor_id,
                tag=tag,
                channel=tag.channel if tag is not None else sources.derived_channel(referrer, own_host),
                landing_path=request.path[:200],
                referrer_host=referrer if referrer != own_host else "",
                member_id=member.pk if member is not None else None,
                created_at=clock.now(),
            )
        response.set_cookie(
            session_cookie,
            code if tag is not None else session_code,
            max_age=sources.SESSION_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
