"""Shopper authentication for the member routes under /shop/{merchant_slug}/…

``Authorization: Bearer nrm_…`` (a member token from ``POST /shop/{slug}/auth/login``). A token
only opens the mall of its own merchant: on another merchant's slug it is answered 401, exactly as
a missing or dead token, so nothing of the other merchant is ever reached with it.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from newretail.members.actions.tokens import token_for_raw
from newretail.members.models import Member


class MemberBearer(HttpBearer):
    """Authenticates a member token and checks it against the merchant slug in the path."""

    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        raw = token.strip()
        found = token_for_raw(raw)  # one query: the token with its member and merchant
        if found is None:
            return None
        match = getattr(request, "resolver_match", None)
        slug = match.kwargs.get("merchant_slug") if match is not None else None
        if not slug or found.member.merchant.slug != slug:
            return None
        # Kept for logout, which revokes the token the request came with.
        request.member_token = raw  # type: ignore[attr-defined]
        return found.member


MEMBER_AUTH = [MemberBearer()]


def member_of(request: HttpRequest) -> Member:
    member = getattr(request, "auth", None)
    if not isinstance(member, Member):  # e.g. a route mounted without MEMBER_AUTH: never serve it
        raise AuthenticationError()
    return member


def client_ip(request: HttpRequest) -> str:
    """The client address rate limits are keyed on: REMOTE_ADDR only. Behind a reverse proxy or
    load balancer, configure the proxy/server to set REMOTE_ADDR to the real client (nginx
    ``real_ip``, granian behind a trusted proxy); X-Forwarded-For is not read because any client
    can send it and would get a fresh rate-limit bucket with every request."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
