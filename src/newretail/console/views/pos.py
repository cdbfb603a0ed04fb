"""Console pages of the store POS: setup (the merchant's till rules, terminals, scale label
formats and store devices; ``pos.manage``), shift history with the X/Z reports and over/short
(``pos.reports``), the scan-to-buy exit-code check at the door (``orders.fulfil``), the staff
roster's week (``staff.roster``, printable) and the store dashboard (footfall, purchases and
conversion by hour; ``pos.reports``). Store-bound staff see and act on their stores only."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.forms.pos import (
    DayForm,
    DeviceForm,
    ExitCodeForm,
    PosSettingsForm,
    RosterShiftForm,
    ScaleFormatForm,
    ShiftFilterForm,
    TerminalForm,
    WeekForm,
    store_choices,
)
from newretail.console.helpers import done, owned, refused
from newretail.console.paging import paginate
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.qr import qr_svg_inline
from newretail.orders.models import Order
from newretail.pos import queries, reports, scale
from newretail.pos.actions import devices, roster, scan_to_buy, setup
from newretail.pos.models import ExitPass, ScaleLabelFormat, Shift, StoreDevice, Terminal, Ticket
from newretail.storefront.site import mall_absolute_url
from newretail.tenancy.access import scoped_stores
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def _in_scope(queryset, actor: User):
    ids = actor.store_ids()
    return queryset if ids is None else queryset.filter(store_id__in=ids)


def _setup_url() -> str:
    return reverse("console:pos_setup")


# --- setup -------------------------------------------------------------------------------------


@console_view(Perm.POS_MANAGE)
def pos_setup(request):
    """The merchant's till rules, terminals, scale label formats and store devices."""
    actor = request.user
    current = queries.pos_settings(actor.merchant_id)
    form = PosSettingsForm(
        initial={
            "cash_rounding": current.cash_rounding,
            "offline_limit": f"{current.offline_ticket_limit_fen / 100:.2f}",
            "receipt_header": current.receipt_header,
            "receipt_footer": current.receipt_footer,
        }
    )
    if request.method == "POST":
        form = PosSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                setup.update_pos_settings(
                    actor=actor,
                    cash_rounding=data["cash_rounding"],
                    offline_ticket_limit_fen=int(round(data["offline_limit"] * 100)),
                    receipt_header=data["receipt_header"],
                    receipt_footer=data["receipt_footer"],
                )
            except DomainError as error:
                return refused(request, error, _setup_url())
            return done(request, _("Till rules saved."), _setup_url())
    context = {
        "form": form,
        "terminal_form": TerminalForm(actor=actor),
        "scale_form": ScaleFormatForm(),
        "device_form": DeviceForm(actor=actor),
        "terminals": _in_scope(Terminal.objects.for_merchant(actor.merchant_id), actor).select_related(
            "store"
        ),
        "formats": ScaleLabelFormat.objects.for_merchant(actor.merchant_id),
        "default_formats": scale.DEFAULT_FORMATS,
        "devices": _in_scope(StoreDevice.objects.for_merchant(actor.merchant_id), actor).select_related(
            "store"
        ),
        "new_key": request.session.pop("pos_new_device_key", None),
        "scan_entries": _scan_entries(actor),
    }
    return render(request, "console/pos/setup.html", context)


def _scan_entries(actor: User) -> list[dict]:
    """Each store's scan-to-buy address with its QR code, to print at the entrance."""
    merchant = actor.merchant
    entries = []
    for store in scoped_stores(actor).filter(is_active=True).order_by("code"):
        url = mall_absolute_url(merchant, "scan_basket", store_id=store.pk)
        entries.append({"store": store, "url": url, "qr": qr_svg_inline(url, scale=3)})
    return entries


@console_view(Perm.POS_MANAGE)
@require_POST
def terminal_add(request):
    actor = request.user
    form = TerminalForm(request.POST, actor=actor)
    if not form.is_valid():
        messages.error(request, _("Choose a store and type a terminal code."))
        return redirect(_setup_url())
    try:
        terminal = setup.register_terminal(
            actor=actor,
            store_id=form.cleaned_data["store"],
            code=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
        )
    except DomainError as error:
        return refused(request, error, _setup_url())
    return done(request, _("Terminal %(code)s registered.") % {"code": terminal.code}, _setup_url())


@console_view(Perm.POS_MANAGE)
@require_POST
def terminal_toggle(request, pk: int):
    actor = request.user
    terminal = owned(Terminal.objects.all(), actor, pk)
    terminal = setup.set_active(actor=actor, terminal_id=terminal.pk, is_active=not terminal.is_active)
    message = (
        _("Terminal %(code)s switched on.") if terminal.is_active else _("Terminal %(code)s switched off.")
    )
    return done(request, message % {"code": terminal.code}, _setup_url())


@console_view(Perm.POS_MANAGE)
@require_POST
def scale_format_add(request):
    form = ScaleFormatForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Fill in the scale label format."))
        return redirect(_setup_url())
    try:
        row = setup.add_scale_format(actor=request.user, **form.cleaned_data)
    except DomainError as error:
        return refused(request, error, _setup_url())
    return done(request, _("Scale label format %(name)s added.") % {"name": row.name}, _setup_url())


@console_view(Perm.POS_MANAGE)
@require_POST
def scale_format_toggle(request, pk: int):
    row = owned(ScaleLabelFormat.objects.all(), request.user, pk)
    setup.set_scale_format_active(actor=request.user, format_id=row.pk, is_active=not row.is_active)
    return done(request, _("Scale label format %(name)s saved.") % {"name": row.name}, _setup_url())


@console_view(Perm.POS_MANAGE)
@require_POST
def device_add(request):
    actor = request.user
    form = DeviceForm(request.POST, actor=actor)
    if not form.is_valid():
        messages.error(request, _("Choose a store and what the device does."))
        return redirect(_setup_url())
    try:
        device, raw = devices.register_device(
            actor=actor,
            store_id=form.cleaned_data["store"],
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
        )
    except DomainError as error:
        return refused(request, error, _setup_url())
    # Shown once on the next page, never stored: only its hash is kept.
    request.session["pos_new_device_key"] = {"name": device.name, "key": raw}
    return redirect(_setup_url() + "#devices")


@console_view(Perm.POS_MANAGE)
@require_POST
def device_revoke(request, pk: int):
    device = owned(StoreDevice.objects.all(), request.user, pk)
    devices.revoke_device(actor=request.user, device_id=device.pk)
    return done(
        request, _("The key of %(name)s no longer works.") % {"name": device.name}, _setup_url() + "#devices"
    )


# --- shifts ------------------------------------------------------------------------------------


@console_view(Perm.POS_REPORTS)
def shift_list(request):
    """Every shift of the actor's stores, newest first, with its over/short once closed."""
    actor = request.user
    form = ShiftFilterForm(request.GET or None, actor=actor)
    shifts = _in_scope(Shift.objects.for_merchant(actor.merchant_id), actor).select_related(
        "terminal", "store", "cashier"
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["store"]:
            shifts = shifts.filter(store_id=data["store"])
        if data["date_from"]:
            shifts = shifts.filter(opened_at__date__gte=data["date_from"])
        if data["date_to"]:
            shifts = shifts.filter(opened_at__date__lte=data["date_to"])
    page = paginate(request, shifts.order_by("-opened_at", "-id"), per_page=30)
    return render(request, "console/pos/shift_list.html", {"form": form, **page})


@console_view(Perm.POS_REPORTS)
def shift_detail(request, pk: int):
    """The X report of an open shift or the Z report of a closed one, and its tickets."""
    actor = request.user
    shift = owned(
        _in_scope(Shift.objects.select_related("terminal", "store", "cashier", "closed_by"), actor), actor, pk
    )
    report = shift.z_report if shift.status == Shift.Status.CLOSED else reports.shift_report(shift)
    tickets = Ticket.objects.filter(shift=shift).select_related("order").order_by("id")
    context = {"shift": shift, "report": report, "tickets": tickets, "tender_labels": _tender_labels(report)}
    return render(request, "console/pos/shift_detail.html", context)


def _tender_labels(report: dict) -> list[tuple[str, int]]:
    from newretail.payments.models import Tender

    return [
        (str(Tender.Kind(kind).label) if kind in Tender.Kind.values else kind, fen)
        for kind, fen in (report.get("by_tender") or {}).items()
    ]


# --- scan-to-buy exit codes --------------------------------------------------------------------


@console_view(Perm.ORDERS_FULFIL)
def exit_verify(request):
    """The door's check of a scan-to-buy exit code (a scanner types the code and Enter)."""
    actor = request.user
    result = None
    stores = store_choices(actor)
    store_id = request.session.get("pos_exit_store")
    if request.method == "POST":
        form = ExitCodeForm(request.POST, actor=actor)
        if form.is_valid():
            store_id = form.cleaned_data["store"]
            request.session["pos_exit_store"] = store_id
            try:
                exit_pass = scan_to_buy.verify_exit_code(
                    actor=actor, store_id=store_id, code=form.cleaned_data["code"]
                )
            except DomainError as error:
                if error.status in (403, 404):
                    raise
                result = {"ok": False, "message": error.message}
            else:
                order = Order.objects.get(pk=exit_pass.order_id)
                lines = list(order.lines.select_related("sku__product").order_by("pk"))
                for line in lines:
                    weighed = line.sku.product.sold_by_weight
                    line.quantity_text = f"{line.quantity / 1000:.3f}kg" if weighed else f"×{line.quantity}"
                result = {"ok": True, "pass": exit_pass, "order": order, "lines": lines}
        else:
            result = {"ok": False, "message": _("Choose the store and type the 8-digit exit code.")}
    form = ExitCodeForm(actor=actor, initial={"store": store_id or (stores[0][0] if stores else None)})
    recent = _in_scope(ExitPass.objects.for_merchant(actor.merchant_id), actor).filter(used_at__isnull=False)
    context = {
        "form": form,
        "result": result,
        "recent": recent.select_related("order", "store", "used_by").order_by("-used_at")[:10],
    }
    if request.htmx:
        return render(request, "console/pos/_exit_result.html", context)
    return render(request, "console/pos/exit_verify.html", context)


# --- roster ------------------------------------------------------------------------------------


def _store_param(request, actor: User, form) -> int | None:
    stores = store_choices(actor)
    if form.is_valid() and form.cleaned_data.get("store"):
        return form.cleaned_data["store"]
    return stores[0][0] if stores else None


def _staff_choices(actor: User, store_id: int) -> list[tuple[int, str]]:
    people = User.objects.filter(merchant_id=actor.merchant_id, is_active=True).order_by("username")
    choices = []
    for person in people:
        ids = person.store_ids()
        if ids is None or store_id in ids:
            choices.append(
                (person.pk, f"{person.get_full_name() or person.username} · {person.get_role_display()}")
            )
    return choices


@console_view(Perm.STAFF_ROSTER)
def roster_week(request):
    """The store's roster for one week (Monday to Sunday), with a form to add a shift; prints on
    one landscape page."""
    actor = request.user
    week_form = WeekForm(request.GET or None, actor=actor)
    store_id = _store_param(request, actor, week_form)
    if store_id is None:
        return render(request, "console/pos/roster.html", {"week_form": week_form, "week": None})
    zone = actor.merchant.timezone or "Asia/Shanghai"
    day = (week_form.cleaned_data.get("week") if week_form.is_valid() else None) or clock.local_today(zone)
    staff = _staff_choices(actor, store_id)
    add_form = RosterShiftForm(staff=staff, initial={"day": day, "starts_at": "08:00", "ends_at": "16:00"})
    url = reverse("console:pos_roster") + f"?store={store_id}&week={day.isoformat()}"
    if request.method == "POST":
        add_form = RosterShiftForm(request.POST, staff=staff)
        if add_form.is_valid():
            data = add_form.cleaned_data
            try:
                roster.add_roster_shift(
                    actor=actor,
                    store_id=store_id,
                    staff_id=data["staff"],
                    day=data["day"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    note=data["note"],
                )
            except DomainError as error:
                return refused(request, error, url)
            week = data["day"].isoformat()
            return done(
                request,
                _("Shift added to the roster."),
                reverse("console:pos_roster") + f"?store={store_id}&week={week}",
            )
    week = roster.roster_week(actor=actor, store_id=store_id, day=day)
    for row in week["rows"]:
        row["hours"] = f"{row['minutes'] / 60:.1f}"
    context = {
        "week_form": WeekForm(initial={"store": store_id, "week": day}, actor=actor),
        "add_form": add_form,
        "week": week,
        "previous": (week["days"][0] - dt.timedelta(days=7)).isoformat(),
        "next": (week["days"][0] + dt.timedelta(days=7)).isoformat(),
        "store_id": store_id,
        "today": clock.local_today(zone),
    }
    return render(request, "console/pos/roster.html", context)


@console_view(Perm.STAFF_ROSTER)
@require_POST
def roster_remove(request, pk: int):
    from newretail.pos.models import RosterShift

    actor = request.user
    shift = owned(_in_scope(RosterShift.objects.all(), actor), actor, pk)
    roster.remove_roster_shift(actor=actor, roster_shift_id=shift.pk)
    url = reverse("console:pos_roster") + f"?store={shift.store_id}&week={shift.day.isoformat()}"
    return done(request, _("Shift removed from the roster."), url)


# --- store dashboard ---------------------------------------------------------------------------


@console_view(Perm.POS_REPORTS)
def store_dashboard(request):
    """Visitors, purchases and conversion by hour of one day at one store."""
    actor = request.user
    form = DayForm(request.GET or None, actor=actor)
    store_id = _store_param(request, actor, form)
    if store_id is None:
        return render(request, "console/pos/dashboard.html", {"form": form, "data": None})
    day = form.cleaned_data.get("day") if form.is_valid() else None
    data = queries.dashboard_for(actor, store_id, day)
    peak = max([h["visitors"] for h in data["hours"]] + [h["purchases"] for h in data["hours"]] + [1])
    for hour in data["hours"]:
        hour["visitors_pct"] = round(100 * hour["visitors"] / peak)
        hour["purchases_pct"] = round(100 * hour["purchases"] / peak)
    context = {"form": DayForm(initial={"store": store_id, "day": data["day"]}, actor=actor), "data": data}
    return render(request, "console/pos/dashboard.html", context)


urlpatterns = [
    path("pos/setup/", pos_setup, name="pos_setup"),
    path("pos/terminals/new/", terminal_add, name="pos_terminal_add"),
    path("pos/terminals/<int:pk>/toggle/", terminal_toggle, name="pos_terminal_toggle"),
    path("pos/scale-formats/new/", scale_format_add, name="pos_scale_format_add"),
    path("pos/scale-formats/<int:pk>/toggle/", scale_format_toggle, name="pos_scale_format_toggle"),
    path("pos/devices/new/", device_add, name="pos_device_add"),
    path("pos/devices/<int:pk>/revoke/", device_revoke, name="pos_device_revoke"),
    path("pos/shifts/", shift_list, name="pos_shift_list"),
    path("pos/shifts/<int:pk>/", shift_detail, name="pos_shift_detail"),
    path("pos/exit/", exit_verify, name="pos_exit_verify"),
    path("pos/roster/", roster_week, name="pos_roster"),
    path("pos/roster/<int:pk>/remove/", roster_remove, name="pos_roster_remove"),
    path("pos/dashboard/", store_dashboard, name="pos_dashboard"),
]
