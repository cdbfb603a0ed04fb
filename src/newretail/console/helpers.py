"""What console views share: reading ids from URLs and query strings, and answering a form
post with a message and a redirect."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect

from newretail.core.errors import DomainError, not_found
from newretail.core.tenancy import get_owned
from newretail.tenancy.models import User

MAX_ID = 2**63 - 1


def int_param(value: str | None) -> int | None:
    """A positive id from a query string, or None for anything else (never a 500)."""
    value = (value or "").strip()
    if value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


def owned(queryset, actor: User, pk: int):
    """get_owned, with ids beyond the database's range answered 404 as well."""
    if pk > MAX_ID:
        raise not_found()
    return get_owned(queryset, actor.merchant_id, pk=pk)


def done(request, message: str, url: str):
    messages.success(request, message)
    return redirect(url)


def failed(request, error: DomainError, url: str):
    messages.error(request, error.message)
    return redirect(url)


def raise_if_denied(error: DomainError) -> None:
    """A refusal that is about access (403, or 404 for another merchant's or store's id) stays
    an error page; only other refusals are shown to the user as a message."""
    if error.status in (403, 404):
        raise error


def refused(request, error: DomainError, url: str):
    """``failed``, except that access refusals stay errors (see ``raise_if_denied``)."""
    raise_if_denied(error)
    return failed(request, error, url)
