"""The till's pages: choosing a terminal, the POS page itself (a full-screen, keyboard-and-scanner
first page driven by ``static/pos/pos.js`` over the POS API), and printable receipts (58/80 mm).
They only check access and render."""

from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import ensure_csrf_cookie

from newretail.core.errors import DomainError
from newretail.pos import queries, receipts
from newretail.pos.strings import strings
from newretail.tenancy.roles import Perm

app_name = "pos"


def _staff(request: HttpRequest):
    user = request.user
    if not user.is_authenticated:
        return None
    if not user.is_merchant_staff or not user.has_perm_code(Perm.POS_SELL):
        raise PermissionDenied
    return user


def _guard(view):
    def wrapper(request, *args, **kwargs):
        user = _staff(request)
        if user is None:
            return redirect_to_login(request.get_full_path(), login_url=reverse("console:login"))
        try:
            return view(request, user, *args, **kwargs)
        except DomainError as error:
            if error.status == 404:
                raise Http404 from None
            raise PermissionDenied from None

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_guard
def choose_terminal(request, user):
    """The terminals of the cashier's stores; one click opens the till."""
    return render(request, "pos/choose.html", {"terminals": list(queries.usable_terminals(user))})


@ensure_csrf_cookie
@_guard
def till(request, user, terminal_id: int):
    """The POS page of one terminal. Everything else happens over /api/v1/pos/… from pos.js."""
    terminal = queries.terminal_for(user, terminal_id)
    settings = queries.pos_settings(terminal.merchant_id)
    config = {
        "terminalId": terminal.pk,
        "api": "/api/v1/pos",
        "receiptUrl": reverse("pos:receipt", args=[0]).replace("/0/", "/{id}/"),
        "cashier": user.get_full_name() or user.username,
        "userId": user.pk,
        "logoutUrl": reverse("console:logout"),
        # For the receipt the till prints itself while offline.
        "storeName": terminal.store.name,
        "terminalCode": terminal.code,
        "receiptHeader": settings.receipt_header,
        "receiptFooter": settings.receipt_footer,
    }
    return render(
        request,
        "pos/till.html",
        {"terminal": terminal, "config": json.dumps(config), "strings": strings()},
    )


@_guard
def receipt(request, user, ticket_id: int) -> HttpResponse:
    """The printable receipt; ``?paper=58`` for 58 mm rolls, ``&reprint=1`` marks a reprint."""
    ticket = queries.ticket_for(user, ticket_id)
    paper = 58 if request.GET.get("paper") == "58" else 80
    data = receipts.build_receipt(ticket, reprint=request.GET.get("reprint") == "1")
    context = {
        "receipt": data,
        "paper": paper,
        "ticket": ticket,
        "barcode": mark_safe(receipts.barcode_svg(ticket.number)),
    }
    return render(request, "pos/receipt.html", context)


urlpatterns = [
    path("", choose_terminal, name="choose"),
    path("<int:terminal_id>/", till, name="till"),
    path("tickets/<int:ticket_id>/receipt/", receipt, name="receipt"),
]
