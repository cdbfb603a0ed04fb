"""``mall_page``: every mall view's first step — find the merchant (from the slug in path mode,
from the host middleware in host mode; 404 for an unknown or inactive one) and put it on the
request. A domain error the view lets through becomes a page: 404 for "not found" (another
member's order, a product no longer sold), otherwise the error's message with its status.
``member_required`` sends a shopper without a login to the SMS login page and back."""

from __future__ import annotations

from functools import wraps

from django.http import Http404
from django.shortcuts import redirect, render

from newretail.core.errors import DomainError
from newretail.storefront.site import mall_url, merchant_for_slug, shopper


def mall_page(view):
    @wraps(view)
    def wrapped(request, *args, merchant_slug: str | None = None, **kwargs):
        if merchant_slug is not None:
            request.mall = merchant_for_slug(merchant_slug)
            request.mall_by_host = False
        elif getattr(request, "mall", None) is None:
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            if error.status == 404:
                raise Http404 from error
            return render(
                request, "storefront/error.html", {"error": error, "noindex": True}, status=error.status
            )

    return wrapped


def member_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if shopper(request) is None:
            return redirect(mall_url(request, "login", query={"next": request.get_full_path()}))
        return view(request, *args, **kwargs)

    return mall_page(wrapped)
