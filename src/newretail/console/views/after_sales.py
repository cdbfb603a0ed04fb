"""Console pages for after-sales requests (售后): the list, the request page (lines, reason,
photos, return shipment, refund) with approve / reject / receive-the-return, and the photos,
which live in private storage and are served only to the merchant's staff of the order's store."""

from __future__ import annotations

import mimetypes

from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.forms.orders import AfterSaleFilterForm, DecisionForm, ReceiveReturnForm, RejectForm
from newretail.console.helpers import done, owned, raise_if_denied, refused
from newretail.console.paging import paginate
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.orders.actions import aftersales
from newretail.orders.models import AfterSale, AfterSalePhoto
from newretail.orders.queries import scoped_after_sales, staff_after_sale_actions
from newretail.payments.models import Refund, TenderRefund
from newretail.tenancy.roles import Perm


def _after_sale(request, pk: int) -> AfterSale:
    return owned(scoped_after_sales(request.user), request.user, pk)


def _detailed_after_sale(request, pk: int) -> AfterSale:
    """``_after_sale`` with what its page shows."""
    queryset = scoped_after_sales(request.user).select_related(
        "order", "order__store", "requested_by_staff", "decided_by"
    )
    return owned(queryset, request.user, pk)


def _url(after_sale: AfterSale) -> str:
    return reverse("console:after_sale_detail", args=[after_sale.pk])


@console_view(Perm.ORDERS_VIEW)
def after_sale_list(request):
    form = AfterSaleFilterForm(request.GET or None)
    rows = scoped_after_sales(request.user).select_related("order", "order__store")
    status, kind, number = form.value("status"), form.value("kind"), form.value("number").strip()
    if status == "open":
        rows = rows.filter(status__in=AfterSale.OPEN_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if number:
        rows = rows.filter(Q(number__iexact=number) | Q(order__number__iexact=number))
    context = {"form": form, **paginate(request, rows.order_by("-pk"))}
    return render(request, "console/orders/after_sale_list.html", context)


def _detail(request, after_sale: AfterSale, *, reject_form=None, receive_form=None, status: int = 200):
    actor = request.user
    lines = list(after_sale.lines.select_related("order_line").order_by("pk"))
    refund = Refund.objects.filter(after_sale=after_sale).first()
    actions = staff_after_sale_actions(actor, after_sale)
    context = {
        "after_sale": after_sale,
        "order": after_sale.order,
        "lines": lines,
        "photos": list(after_sale.photos.order_by("pk")),
        "refund": refund,
        "tender_refunds": list(
            TenderRefund.objects.filter(refund=refund).select_related("tender").order_by("pk")
        )
        if refund
        else [],
        "can_approve": actions["approve"],
        "can_reject": actions["reject"],
        "can_receive": actions["receive"],
        "approve_form": DecisionForm(),
        "reject_form": reject_form or RejectForm(),
        "receive_form": receive_form or ReceiveReturnForm(lines=lines),
    }
    return render(request, "console/orders/after_sale_detail.html", context, status=status)


@console_view(Perm.ORDERS_VIEW)
def after_sale_detail(request, pk: int):
    return _detail(request, _detailed_after_sale(request, pk))


@console_view(Perm.ORDERS_REFUND)
@require_POST
def after_sale_approve(request, pk: int):
    after_sale = _after_sale(request, pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        after_sale = aftersales.approve_after_sale(actor=request.user, after_sale_id=after_sale.pk, note=note)
    except DomainError as error:
        return refused(request, error, _url(after_sale))
    if after_sale.kind == AfterSale.Kind.RETURN_REFUND:
        text = _("%(number)s approved: the shopper sends the goods back.")
    else:
        text = _("%(number)s approved: %(amount)s goes back through the original payment methods.")
    return done(
        request,
        text % {"number": after_sale.number, "amount": format_fen(after_sale.amount_fen)},
        _url(after_sale),
    )


@console_view(Perm.ORDERS_REFUND)
@require_POST
def after_sale_reject(request, pk: int):
    after_sale = _after_sale(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            aftersales.reject_after_sale(
                actor=request.user, after_sale_id=after_sale.pk, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            raise_if_denied(error)
            form.add_error("note" if error.code == "orders.after_sale_note_required" else None, error.message)
        else:
            return done(request, _("%(number)s rejected.") % {"number": after_sale.number}, _url(after_sale))
    return _detail(request, _detailed_after_sale(request, pk), reject_form=form, status=400)


@console_view(Perm.ORDERS_REFUND)
@require_POST
def after_sale_receive(request, pk: int):
    after_sale = _after_sale(request, pk)
    lines = list(after_sale.lines.select_related("order_line").order_by("pk"))
    form = ReceiveReturnForm(request.POST, lines=lines)
    if form.is_valid():
        try:
            aftersales.receive_returned_goods(
                actor=request.user, after_sale_id=after_sale.pk, counts=form.counts()
            )
        except DomainError as error:
            raise_if_denied(error)
            form.add_error(None, error.message)
        else:
            return done(
                request,
                _("Returned goods of %(number)s received; the refund has started.")
                % {"number": after_sale.number},
                _url(after_sale),
            )
    return _detail(request, _detailed_after_sale(request, pk), receive_form=form, status=400)


@console_view(Perm.ORDERS_VIEW)
def after_sale_photo(request, pk: int):
    """A photo of a request the user may see (store-scoped like the request itself)."""
    photo = owned(
        AfterSalePhoto.objects.filter(after_sale__in=scoped_after_sales(request.user)), request.user, pk
    )
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    content_type = mimetypes.guess_type(photo.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("after-sales/", after_sale_list, name="after_sale_list"),
    path("after-sales/<int:pk>/", after_sale_detail, name="after_sale_detail"),
    path("after-sales/<int:pk>/approve/", after_sale_approve, name="after_sale_approve"),
    path("after-sales/<int:pk>/reject/", after_sale_reject, name="after_sale_reject"),
    path("after-sales/<int:pk>/receive/", after_sale_receive, name="after_sale_receive"),
    path("after-sales/photos/<int:pk>/", after_sale_photo, name="after_sale_photo"),
]
