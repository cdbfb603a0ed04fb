"""Access for console pages: login, merchant staff, and a permission code. Domain errors that
escape a view become the right HTTP answer (another merchant's id -> 404)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from newretail.core.errors import DomainError


def console_view(perm: str | None = None) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_merchant_staff:
                raise PermissionDenied
            if perm and not user.has_perm_code(perm):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except DomainError as error:
                if error.status == 404:
                    raise Http404 from None
                if error.status == 403:
                    raise PermissionDenied from None
                return render(request, "console/error.html", {"error": error}, status=error.status)

        wrapper.console_perm = perm  # read by the route-enumerating tenancy test
        return wrapper

    return decorator
