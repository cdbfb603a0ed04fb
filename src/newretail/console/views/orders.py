"""Console pages for orders: the filtered list with its export, the order page (lines,
adjustments, payment, refunds, after-sales, timeline) with the fulfilment, cancel and refund
actions the order's status and the user's role allow, and the pickup counter (核销)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.forms.orders import (
    CancelForm,
    ExportFormatForm,
    NoteForm,
    OrderFilterForm,
    PickupVerifyForm,
    RefundItemsForm,
    ShipForm,
)
from newretail.console.helpers import done, owned, raise_if_denied, refused
from newretail.console.paging import paginate
from newretail.console.widgets import register_dashboard
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.members.queries import name_for, phone_for
from newretail.orders import exports
from newretail.orders.actions import aftersales, lifecycle
from newretail.orders.models import AfterSale, Order, OrderLine
from newretail.orders.queries import (
    STATUS_GROUPS,
    event_label,
    refundable_quantities,
    scoped_after_sales,
    scoped_orders,
    staff_order_actions,
    with_details,
)
from newretail.orders.state import PAID_STATUSES
from newretail.payments.actions.refunds import retry_refund
from newretail.payments.models import Refund
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

S = Order.Status
F = Order.Fulfilment


def _order(request, pk: int) -> Order:
    """An order the user may see (another merchant's or store's is 404)."""
    return owned(scoped_orders(request.user), request.user, pk)


def _detailed_order(request, pk: int) -> Order:
    """``_order`` with everything its page shows."""
    return owned(with_details(scoped_orders(request.user)), request.user, pk)


def _detail_url(order: Order) -> str:
    return reverse("console:order_detail", args=[order.pk])


# --- dashboard -------------------------------------------------------------------------------


def order_stats(actor: User) -> list[dict]:
    if not actor.has_perm_code(Perm.ORDERS_VIEW):
        return []
    orders = scoped_orders(actor)
    to_ship = orders.filter(fulfilment=F.EXPRESS, status__in=STATUS_GROUPS["to_fulfil"][1]).count()
    pickups = orders.filter(fulfilment=F.PICKUP, status__in=STATUS_GROUPS["awaiting_pickup"][1]).count()
    review = scoped_after_sales(actor).filter(status=AfterSale.Status.REQUESTED).count()
    order_list = reverse("console:order_list")
    return [
        {
            "label": gettext_lazy("Orders to ship"),
            "value": to_ship,
            "url": f"{order_list}?fulfilment=express&status=to_fulfil",
        },
        {
            "label": gettext_lazy("Pickups waiting"),
            "value": pickups,
            "url": f"{order_list}?fulfilment=pickup&status=awaiting_pickup",
        },
        {
            "label": gettext_lazy("After-sales awaiting review"),
            "value": review,
            "url": reverse("console:after_sale_list") + "?status=requested",
        },
    ]


register_dashboard(order_stats)


# --- list and export -------------------------------------------------------------------------


@console_view(Perm.ORDERS_VIEW)
def order_list(request):
    actor = request.user
    form = OrderFilterForm(request.GET or None, actor=actor)
    if form.is_bound:
        form.is_valid()
    orders = exports.filtered_orders(actor, form.filters()).annotate(item_count=Count("lines"))
    page = paginate(request, orders)
    page["page_obj"].object_list = rows = list(page["page_obj"].object_list)
    for order in rows:
        order.member_phone_display = phone_for(actor, order.member.phone) if order.member_id else ""
    context = {
        "form": form,
        "export_form": ExportFormatForm(),
        # The export repeats the list's filters (it checks them again).
        "filter_items": [
            (name, value) for name, value in request.GET.items() if name in form.fields and value
        ],
        **page,
    }
    return render(request, "console/orders/order_list.html", context)


@console_view(Perm.ORDERS_VIEW)
@require_POST
def order_export(request):
    actor = request.user
    form = OrderFilterForm(request.POST, actor=actor)
    form.is_valid()
    fmt_form = ExportFormatForm(request.POST)
    fmt = fmt_form.cleaned_data["format"] if fmt_form.is_valid() else "xlsx"
    job = exports.start_order_export(actor=actor, fmt=fmt, filters=form.filters())
    return done(
        request,
        _("Export started. Download the file here when it is ready."),
        reverse("console:job_detail", args=[job.pk]),
    )


# --- the order page --------------------------------------------------------------------------


def _detail(request, order: Order, *, ship_form=None, status: int = 200):
    """The order page; ``order`` comes with its details (``_detailed_order``)."""
    actor = request.user
    lines = list(order.lines.all())
    line_names = {line.pk: line for line in lines}
    adjustments = [
        {"adjustment": adjustment, "line": line_names.get(adjustment.line_id)}
        for adjustment in order.adjustments.all()
    ]
    intent = getattr(order, "payment", None)
    tenders = list(intent.tenders.all()) if intent else []  # by id
    refunds = sorted(order.refunds.all(), key=lambda refund: refund.pk)  # oldest first
    after_sales = list(order.after_sales.all())  # newest first
    address = dict(order.shipping_address or {})
    if address:
        address["recipient"] = name_for(actor, address.get("recipient"))
        address["phone"] = phone_for(actor, address.get("phone"))
    member = None
    if order.member_id:
        member = {"name": name_for(actor, order.member.name), "phone": phone_for(actor, order.member.phone)}
    events = [{"event": event, "label": event_label(event.kind)} for event in order.events.all()]
    context = {
        "order": order,
        "lines": lines,
        "adjustments": adjustments,
        "intent": intent,
        "tenders": tenders,
        "refunds": refunds,
        "after_sales": after_sales,
        "address": address,
        "member": member,
        "events": events,
        "show_pickup_code": actor.has_perm_code(Perm.ORDERS_FULFIL) and bool(order.pickup_code),
        "actions": staff_order_actions(actor, order, lines),
        "ship_form": ship_form or ShipForm(),
    }
    return render(request, "console/orders/order_detail.html", context, status=status)


@console_view(Perm.ORDERS_VIEW)
def order_detail(request, pk: int):
    return _detail(request, _detailed_order(request, pk))


def _order_action(request, order: Order, action, done_message: str, **arguments):
    """Run a lifecycle ``action`` on ``order`` for the user and go back to the order page."""
    url = _detail_url(order)
    try:
        action(actor=request.user, order_id=order.pk, **arguments)
    except DomainError as error:
        return refused(request, error, url)
    return done(request, done_message % {"number": order.number}, url)


@console_view(Perm.ORDERS_FULFIL)
@require_POST
def order_start_fulfilment(request, pk: int):
    return _order_action(
        request, _order(request, pk), lifecycle.start_fulfilment, _("%(number)s is being prepared.")
    )


@console_view(Perm.ORDERS_FULFIL)
@require_POST
def order_ship(request, pk: int):
    order = _order(request, pk)  # looked up first: another merchant's id is 404 whatever the body says
    form = ShipForm(request.POST)
    if not form.is_valid():
        return _detail(request, _detailed_order(request, pk), ship_form=form, status=400)
    return _order_action(
        request,
        order,
        lifecycle.ship_order,
        _("%(number)s shipped."),
        carrier=form.cleaned_data["carrier"],
        tracking_number=form.cleaned_data["tracking_number"],
    )


@console_view(Perm.ORDERS_FULFIL)
@require_POST
def order_out_for_delivery(request, pk: int):
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _order_action(
        request,
        _order(request, pk),
        lifecycle.send_out_for_delivery,
        _("%(number)s is out for delivery."),
        note=note,
    )


@console_view(Perm.ORDERS_FULFIL)
@require_POST
def order_delivered(request, pk: int):
    return _order_action(
        request, _order(request, pk), lifecycle.mark_delivered, _("%(number)s delivered and completed.")
    )


@console_view(Perm.ORDERS_FULFIL)
@require_POST
def order_ready_for_pickup(request, pk: int):
    return _order_action(
        request, _order(request, pk), lifecycle.mark_ready_for_pickup, _("%(number)s is ready for pickup.")
    )


@console_view(Perm.ORDERS_VIEW)
@require_POST
def order_cancel(request, pk: int):
    """Unpaid orders need orders.fulfil, paid ones orders.refund: the action decides."""
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _order_action(
        request,
        _order(request, pk),
        lifecycle.cancel_order,
        _("%(number)s cancelled."),
        merchant=request.user.merchant_id,
        reason=reason,
    )


@console_view(Perm.ORDERS_REFUND)
def order_refund(request, pk: int):
    """Refund items on the shopper's behalf: an after-sales request entered by staff, approved at
    once (a return waits for the goods)."""
    actor = request.user
    order = _order(request, pk)
    url = _detail_url(order)
    lines = list(OrderLine.objects.filter(order=order).order_by("sku_id"))
    available = refundable_quantities(order, lines)
    rows = [
        (
            line.pk,
            f"{line.product_name} {line.spec_text}".strip()
            + f" (×{line.quantity}, {format_fen(line.final_amount_fen)})",
            available[line.pk],
        )
        for line in lines
        if available[line.pk] > 0
    ]
    if order.status not in PAID_STATUSES or not rows:
        messages.error(request, _("Nothing on %(number)s can be refunded now.") % {"number": order.number})
        return redirect(url)
    form = RefundItemsForm(request.POST or None, rows=rows, initial={"token": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                after_sale = aftersales.request_after_sale(
                    order_id=order.pk,
                    kind=data["kind"],
                    reason=data["reason"],
                    lines=form.lines(),
                    description=data["description"],
                    actor=actor,
                    idempotency_key=f"console:{data['token']}",
                )
                if after_sale.status == AfterSale.Status.REQUESTED:
                    after_sale = aftersales.approve_after_sale(actor=actor, after_sale_id=after_sale.pk)
        except DomainError as error:
            raise_if_denied(error)
            form.add_error(None, error.message)
        else:
            if after_sale.kind == AfterSale.Kind.RETURN_REFUND:
                text = _(
                    "%(number)s approved: receive the goods when they come back, then the refund starts."
                )
            else:
                text = _("%(number)s approved: %(amount)s goes back through the original payment methods.")
            return done(
                request,
                text % {"number": after_sale.number, "amount": format_fen(after_sale.amount_fen)},
                reverse("console:after_sale_detail", args=[after_sale.pk]),
            )
    context = {"order": order, "form": form, "cancel_url": url}
    return render(request, "console/orders/refund_items.html", context, status=400 if form.errors else 200)


@console_view(Perm.ORDERS_REFUND)
@require_POST
def refund_retry(request, pk: int):
    actor = request.user
    refund = owned(Refund.objects.filter(order__in=scoped_orders(actor)), actor, pk)
    url = reverse("console:order_detail", args=[refund.order_id])
    try:
        retry_refund(actor=actor, refund_id=refund.pk)
    except DomainError as error:
        return refused(request, error, url)
    return done(request, _("Refund %(number)s sent again.") % {"number": refund.number}, url)


# --- pickup counter --------------------------------------------------------------------------


@console_view(Perm.ORDERS_FULFIL)
def pickup_verify(request):
    """One input for the scanner (it types the code and Enter); the result replaces the panel
    below it (htmx) or the whole page (without JavaScript)."""
    actor = request.user
    result = None
    if request.method == "POST":
        form = PickupVerifyForm(request.POST)
        if form.is_valid():
            try:
                order = lifecycle.verify_pickup(actor=actor, code=form.cleaned_data["code"])
            except DomainError as error:
                result = {"ok": False, "message": error.message}
            else:
                order = Order.objects.select_related("member", "store").get(pk=order.pk)
                result = {
                    "ok": True,
                    "order": order,
                    "lines": list(order.lines.order_by("sku_id")),
                    "member": phone_for(actor, order.member.phone) if order.member_id else "",
                }
        else:
            result = {"ok": False, "message": _("Enter the 6-digit pickup code.")}
    context = {"form": PickupVerifyForm(), "result": result}
    if request.htmx:
        return render(request, "console/orders/_pickup_result.html", context)
    return render(request, "console/orders/pickup_verify.html", context)


urlpatterns = [
    path("orders/", order_list, name="order_list"),
    path("orders/export/", order_export, name="order_export"),
    path("orders/pickup/", pickup_verify, name="pickup_verify"),
    path("orders/<int:pk>/", order_detail, name="order_detail"),
    path("orders/<int:pk>/start/", order_start_fulfilment, name="order_start_fulfilment"),
    path("orders/<int:pk>/ship/", order_ship, name="order_ship"),
    path("orders/<int:pk>/out-for-delivery/", order_out_for_delivery, name="order_out_for_delivery"),
    path("orders/<int:pk>/delivered/", order_delivered, name="order_delivered"),
    path("orders/<int:pk>/ready/", order_ready_for_pickup, name="order_ready_for_pickup"),
    path("orders/<int:pk>/cancel/", order_cancel, name="order_cancel"),
    path("orders/<int:pk>/refund/", order_refund, name="order_refund"),
    path("refunds/<int:pk>/retry/", refund_retry, name="refund_retry"),
]
