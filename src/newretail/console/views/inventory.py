"""Console pages for inventory: stock, movements, low stock, suppliers, purchase orders (create,
order, receive), transfers (create, ship, receive) and stocktakes (count sheet, post)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.forms.inventory import (
    AdjustForm,
    CountSheetForm,
    PerLineQuantityForm,
    PurchaseLineFormSet,
    PurchaseOrderForm,
    StocktakeForm,
    SupplierForm,
    ThresholdForm,
    TransferForm,
    TransferLineFormSet,
)
from newretail.console.helpers import done as _done
from newretail.console.helpers import failed as _failed
from newretail.console.helpers import int_param as _int_param
from newretail.console.helpers import owned as _owned
from newretail.console.paging import paginate
from newretail.console.widgets import register_dashboard
from newretail.core.errors import DomainError
from newretail.inventory import queries
from newretail.inventory.actions import ledger, purchasing, stocktakes, transfers
from newretail.inventory.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockMovement,
    Stocktake,
    Supplier,
    Transfer,
)
from newretail.tenancy.access import require_warehouse_access, scoped_warehouses
from newretail.tenancy.errors import TenancyError
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def _form_error(form, error: DomainError) -> None:
    form.add_error(None, error.message)


# --- dashboard -------------------------------------------------------------------------------


def inventory_stats(actor: User) -> list[dict]:
    stats = []
    if actor.has_perm_code(Perm.INVENTORY_VIEW):
        low = queries.low_stock(actor.merchant_id, warehouses=scoped_warehouses(actor)).count()
        stats.append({"label": gettext_lazy("Low stock"), "value": low, "url": reverse("console:low_stock")})
    if actor.has_perm_code(Perm.INVENTORY_PURCHASE):
        open_pos = queries.open_purchase_orders(
            actor.merchant_id, warehouses=scoped_warehouses(actor)
        ).count()
        stats.append(
            {
                "label": gettext_lazy("Open purchase orders"),
                "value": open_pos,
                "url": reverse("console:purchase_order_list") + "?status=open",
            }
        )
    return stats


register_dashboard(inventory_stats)


# --- stock -----------------------------------------------------------------------------------


def _stock_page(request, *, low_only: bool):
    actor = request.user
    warehouses = scoped_warehouses(actor)
    warehouse_id = _int_param(request.GET.get("warehouse"))
    q = request.GET.get("q", "").strip()[:100]
    levels = queries.stock_levels(
        actor.merchant_id, warehouses=warehouses, warehouse_id=warehouse_id, search=q, low_only=low_only
    )
    if low_only:
        levels = levels.order_by("available_qty", "pk")
    context = {
        "warehouses": warehouses,
        "warehouse_id": warehouse_id,
        "q": q,
        "low_only": low_only,
        **paginate(request, levels),
    }
    return render(request, "console/inventory/stock_list.html", context)


@console_view(Perm.INVENTORY_VIEW)
def stock_list(request):
    return _stock_page(request, low_only=False)


@console_view(Perm.INVENTORY_VIEW)
def low_stock(request):
    return _stock_page(request, low_only=True)


@console_view(Perm.INVENTORY_VIEW)
def stock_detail(request, pk: int):
    actor = request.user
    level = _owned(queries.stock_levels(actor.merchant_id), actor, pk)
    require_warehouse_access(actor, level.warehouse)
    form = ThresholdForm(request.POST or None, initial={"threshold": level.low_stock_threshold})
    if request.method == "POST" and form.is_valid():
        try:
            ledger.set_low_stock_threshold(
                actor=actor,
                warehouse_id=level.warehouse_id,
                sku_id=level.sku_id,
                threshold=form.cleaned_data["threshold"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _done(request, _("Threshold saved."), reverse("console:stock_detail", args=[pk]))
    recent = queries.movements(actor.merchant_id, warehouse_id=level.warehouse_id, sku_id=level.sku_id)[:20]
    context = {"level": level, "form": form, "movements": recent}
    return render(request, "console/inventory/stock_detail.html", context)


@console_view(Perm.INVENTORY_ADJUST)
def stock_adjust(request):
    actor = request.user
    initial = {"warehouse": _int_param(request.GET.get("warehouse")), "sku": request.GET.get("sku", "")[:40]}
    form = AdjustForm(request.POST or None, initial=initial, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            movement = ledger.adjust_stock(
                actor=actor,
                warehouse_id=data["warehouse"].pk,
                sku_id=data["sku"].pk,
                quantity=data["quantity"],
                reason=data["reason"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _done(
                request,
                _("Stock adjusted: %(sku)s now %(on_hand)s on hand.")
                % {"sku": data["sku"].display_name, "on_hand": movement.on_hand_after},
                reverse("console:stock_list") + f"?warehouse={data['warehouse'].pk}",
            )
    context = {"form": form, "title": _("Adjust stock"), "cancel_url": reverse("console:stock_list")}
    return render(request, "console/inventory/form.html", context)


@console_view(Perm.INVENTORY_VIEW)
def movement_list(request):
    actor = request.user
    warehouse_id = _int_param(request.GET.get("warehouse"))
    kind = request.GET.get("kind", "")
    kind = kind if kind in StockMovement.Kind.values else ""
    q = request.GET.get("q", "").strip()[:100]
    reference = request.GET.get("reference", "").strip()[:64]
    rows = queries.movements(
        actor.merchant_id,
        warehouses=scoped_warehouses(actor),
        warehouse_id=warehouse_id,
        kind=kind or None,
        reference_id=reference or None,
        search=q,
    )
    context = {
        "warehouses": scoped_warehouses(actor),
        "warehouse_id": warehouse_id,
        "kinds": StockMovement.Kind.choices,
        "kind": kind,
        "q": q,
        "reference": reference,
        **paginate(request, rows),
    }
    return render(request, "console/inventory/movement_list.html", context)


# --- suppliers -------------------------------------------------------------------------------


@console_view(Perm.INVENTORY_PURCHASE)
def supplier_list(request):
    suppliers = Supplier.objects.for_merchant(request.user.merchant_id)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        suppliers = suppliers.filter(Q(name__icontains=q) | Q(contact__icontains=q) | Q(phone__icontains=q))
    return render(request, "console/inventory/supplier_list.html", {"q": q, **paginate(request, suppliers)})


@console_view(Perm.INVENTORY_PURCHASE)
def supplier_create(request):
    form = SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            purchasing.create_supplier(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            return _done(request, _("Supplier saved."), reverse("console:supplier_list"))
    context = {"form": form, "title": _("New supplier"), "cancel_url": reverse("console:supplier_list")}
    return render(request, "console/inventory/form.html", context)


@console_view(Perm.INVENTORY_PURCHASE)
def supplier_edit(request, pk: int):
    supplier = _owned(Supplier.objects.all(), request.user, pk)
    form = SupplierForm(request.POST or None, instance=supplier)
    if request.method == "POST" and form.is_valid():
        try:
            purchasing.update_supplier(actor=request.user, supplier_id=supplier.pk, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            return _done(request, _("Supplier saved."), reverse("console:supplier_list"))
    context = {"form": form, "title": supplier.name, "cancel_url": reverse("console:supplier_list")}
    return render(request, "console/inventory/form.html", context)


# --- purchase orders -------------------------------------------------------------------------


def _scoped_po(request, pk: int) -> PurchaseOrder:
    po = _owned(PurchaseOrder.objects.select_related("supplier", "warehouse", "created_by"), request.user, pk)
    require_warehouse_access(request.user, po.warehouse)
    return po


@console_view(Perm.INVENTORY_PURCHASE)
def purchase_order_list(request):
    actor = request.user
    orders = (
        PurchaseOrder.objects.for_merchant(actor.merchant_id)
        .filter(warehouse__in=scoped_warehouses(actor))
        .select_related("supplier", "warehouse")
    )
    status = request.GET.get("status", "")
    if status == "open":
        orders = orders.filter(status__in=PurchaseOrder.OPEN_STATUSES)
    elif status in PurchaseOrder.Status.values:
        orders = orders.filter(status=status)
    else:
        status = ""
    q = request.GET.get("q", "").strip()[:64]
    if q:
        orders = orders.filter(Q(number__icontains=q) | Q(supplier__name__icontains=q))
    context = {
        "status": status,
        "statuses": PurchaseOrder.Status.choices,
        "q": q,
        **paginate(request, orders.order_by("-pk")),
    }
    return render(request, "console/inventory/purchase_order_list.html", context)


@console_view(Perm.INVENTORY_PURCHASE)
def purchase_order_create(request):
    actor = request.user
    data = request.POST or None
    form = PurchaseOrderForm(data, actor=actor)
    lines = PurchaseLineFormSet(data, prefix="lines", form_kwargs={"merchant_id": actor.merchant_id})
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            po = purchasing.create_purchase_order(
                actor=actor,
                supplier_id=form.cleaned_data["supplier"].pk,
                warehouse_id=form.cleaned_data["warehouse"].pk,
                expected_on=form.cleaned_data["expected_on"],
                note=form.cleaned_data["note"],
                lines=[
                    {
                        "sku_id": line["sku"].pk,
                        "quantity": line["quantity"],
                        "unit_cost_fen": line["unit_cost"],
                    }
                    for line in lines.lines()
                ],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _done(
                request,
                _("Purchase order %(number)s created.") % {"number": po.number},
                reverse("console:purchase_order_detail", args=[po.pk]),
            )
    context = {"form": form, "lines": lines, "with_cost": True, "title": _("New purchase order")}
    return render(request, "console/inventory/document_form.html", context)


@console_view(Perm.INVENTORY_PURCHASE)
def purchase_order_detail(request, pk: int):
    po = _scoped_po(request, pk)
    prefetch_related_objects(
        [po], Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("sku__product"))
    )
    lines = list(po.lines.all())
    receipts = (
        po.receipts.select_related("received_by").prefetch_related("lines__sku__product").order_by("pk")
    )
    context = {
        "po": po,
        "lines": lines,
        "receipts": receipts,
        "can_receive": po.status in PurchaseOrder.RECEIVABLE_STATUSES
        and request.user.has_perm_code(Perm.INVENTORY_RECEIVE),
        "can_cancel": po.status in PurchaseOrder.OPEN_STATUSES,
    }
    return render(request, "console/inventory/purchase_order_detail.html", context)


@console_view(Perm.INVENTORY_PURCHASE)
@require_POST
def purchase_order_place(request, pk: int):
    po = _scoped_po(request, pk)
    url = reverse("console:purchase_order_detail", args=[po.pk])
    try:
        purchasing.place_purchase_order(actor=request.user, purchase_order_id=po.pk)
    except DomainError as error:
        return _failed(request, error, url)
    return _done(request, _("%(number)s marked as ordered.") % {"number": po.number}, url)


@console_view(Perm.INVENTORY_PURCHASE)
@require_POST
def purchase_order_cancel(request, pk: int):
    po = _scoped_po(request, pk)
    url = reverse("console:purchase_order_detail", args=[po.pk])
    try:
        purchasing.cancel_purchase_order(actor=request.user, purchase_order_id=po.pk)
    except DomainError as error:
        return _failed(request, error, url)
    return _done(request, _("%(number)s cancelled.") % {"number": po.number}, url)


@console_view(Perm.INVENTORY_RECEIVE)
def purchase_order_receive(request, pk: int):
    po = _scoped_po(request, pk)
    detail_url = reverse("console:purchase_order_detail", args=[po.pk])
    if po.status not in PurchaseOrder.RECEIVABLE_STATUSES:
        messages.error(request, _("%(number)s cannot be received now.") % {"number": po.number})
        return redirect(detail_url)
    open_lines = [line for line in po.lines.select_related("sku__product") if line.outstanding > 0]
    rows = [
        (line.pk, line.sku.code, f"{line.sku.display_name} ({line.sku.code})", line.outstanding)
        for line in open_lines
    ]
    form = PerLineQuantityForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            receipt = purchasing.receive_purchase_order(
                actor=request.user,
                purchase_order_id=po.pk,
                quantities=form.quantities(),
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _done(request, _("Goods received: %(number)s.") % {"number": receipt.number}, detail_url)
    context = {
        "form": form,
        "title": _("Receive %(number)s") % {"number": po.number},
        "help": _("Quantities arriving now, prefilled with what is outstanding."),
        "submit_label": _("Receive goods"),
        "cancel_url": detail_url,
    }
    return render(request, "console/inventory/form.html", context)


# --- transfers -------------------------------------------------------------------------------


def _scoped_transfer(request, pk: int) -> Transfer:
    transfer = _owned(Transfer.objects.select_related("from_warehouse", "to_warehouse"), request.user, pk)
    ids = request.user.store_ids()
    if ids is not None and not ({transfer.from_warehouse.store_id, transfer.to_warehouse.store_id} & ids):
        raise DomainError(TenancyError.STORE_OUT_OF_SCOPE)
    return transfer


@console_view(Perm.INVENTORY_TRANSFER)
def transfer_list(request):
    actor = request.user
    visible = scoped_warehouses(actor)
    rows = (
        Transfer.objects.for_merchant(actor.merchant_id)
        .filter(Q(from_warehouse__in=visible) | Q(to_warehouse__in=visible))
        .select_related("from_warehouse", "to_warehouse")
    )
    status = request.GET.get("status", "")
    if status in Transfer.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    context = {
        "status": status,
        "statuses": Transfer.Status.choices,
        **paginate(request, rows.order_by("-pk")),
    }
    return render(request, "console/inventory/transfer_list.html", context)


@console_view(Perm.INVENTORY_TRANSFER)
def transfer_create(request):
    actor = request.user
    data = request.POST or None
    form = TransferForm(data, actor=actor)
    lines = TransferLineFormSet(data, prefix="lines", form_kwargs={"merchant_id": actor.merchant_id})
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            transfer = transfers.create_transfer(
                actor=actor,
                from_warehouse_id=form.cleaned_data["from_warehouse"].pk,
                to_warehouse_id=form.cleaned_data["to_warehouse"].pk,
                note=form.cleaned_data["note"],
                lines=[{"sku_id": line["sku"].pk, "quantity": line["quantity"]} for line in lines.lines()],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _done(
                request,
                _("Transfer %(number)s created.") % {"number": transfer.number},
                reverse("console:transfer_detail", args=[transfer.pk]),
            )
    context = {"form": form, "lines": lines, "with_cost": False, "title": _("New transfer")}
    return render(request, "console/inventory/document_form.html", context)


@console_view(Perm.INVENTORY_TRANSFER)
def transfer_detail(request, pk: int):
    transfer = _scoped_transfer(request, pk)
    ids = request.user.store_ids()

    def may(warehouse) -> bool:
        return ids is None or warehouse.store_id in ids

    context = {
        "transfer": transfer,
        "lines": transfer.lines.select_related("sku__product"),
        "can_ship": transfer.status == Transfer.Status.DRAFT and may(transfer.from_warehouse),
        "can_receive": transfer.status == Transfer.Status.IN_TRANSIT and may(transfer.to_warehouse),
    }
    return render(request, "console/inventory/transfer_detail.html", context)


@console_view(Perm.INVENTORY_TRANSFER)
@require_POST
def transfer_ship(request, pk: int):
    transfer = _scoped_transfer(request, pk)
    url = reverse("console:transfer_detail", args=[transfer.pk])
    try:
        transfers.ship_transfer(actor=request.user, transfer_id=transfer.pk)
    except DomainError as error:
        return _failed(request, error, url)
    return _done(
        request, _("%(number)s shipped; the goods are in transit.") % {"number": transfer.number}, url
    )


@console_view(Perm.INVENTORY_TRANSFER)
@require_POST
def transfer_cancel(request, pk: int):
    transfer = _scoped_transfer(request, pk)
    url = reverse("console:transfer_detail", args=[transfer.pk])
    try:
        transfers.cancel_transfer(actor=request.user, transfer_id=transfer.pk)
    except DomainError as error:
        return _failed(request, error, url)
    return _done(request, _("%(number)s cancelled.") % {"number": transfer.number}, url)


@console_view(Perm.INVENTORY_TRANSFER)
def transfer_receive(request, pk: int):
    transfer = _scoped_transfer(request, pk)
    detail_url = reverse("console:transfer_detail", args=[transfer.pk])
    require_warehouse_access(request.user, transfer.to_warehouse)
    if transfer.status != Transfer.Status.IN_TRANSIT:
        messages.error(request, _("%(number)s cannot be received now.") % {"number": transfer.number})
        return redirect(detail_url)
    rows = [
        (line.pk, line.sku.code, f"{line.sku.display_name} ({line.sku.code})", line.quantity)
        for line in transfer.lines.select_related("sku__product")
    ]
    form = PerLineQuantityForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            transfers.receive_transfer(
                actor=request.user,
                transfer_id=transfer.pk,
                quantities=form.quantities(),
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _done(request, _("%(number)s received.") % {"number": transfer.number}, detail_url)
    context = {
        "form": form,
        "title": _("Receive %(number)s") % {"number": transfer.number},
        "help": _(
            "Quantities that arrived, prefilled with what was shipped. A shortfall is written off as a transit loss."
        ),
        "submit_label": _("Receive goods"),
        "cancel_url": detail_url,
    }
    return render(request, "console/inventory/form.html", context)


# --- stocktakes ------------------------------------------------------------------------------


def _scoped_stocktake(request, pk: int) -> Stocktake:
    stocktake = _owned(
        Stocktake.objects.select_related("warehouse", "created_by", "posted_by"), request.user, pk
    )
    require_warehouse_access(request.user, stocktake.warehouse)
    return stocktake


@console_view(Perm.INVENTORY_STOCKTAKE)
def stocktake_list(request):
    actor = request.user
    rows = (
        Stocktake.objects.for_merchant(actor.merchant_id)
        .filter(warehouse__in=scoped_warehouses(actor))
        .select_related("warehouse")
        .order_by("-pk")
    )
    return render(request, "console/inventory/stocktake_list.html", paginate(request, rows))


@console_view(Perm.INVENTORY_STOCKTAKE)
def stocktake_create(request):
    form = StocktakeForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            stocktake = stocktakes.start_stocktake(
                actor=request.user,
                warehouse_id=form.cleaned_data["warehouse"].pk,
                sku_ids=form.cleaned_data["skus"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _done(
                request,
                _("Stocktake %(number)s started.") % {"number": stocktake.number},
                reverse("console:stocktake_detail", args=[stocktake.pk]),
            )
    context = {
        "form": form,
        "title": _("New stocktake"),
        "submit_label": _("Start counting"),
        "cancel_url": reverse("console:stocktake_list"),
    }
    return render(request, "console/inventory/form.html", context)


@console_view(Perm.INVENTORY_STOCKTAKE)
def stocktake_detail(request, pk: int):
    """The count sheet while counting (save counts, post, cancel); the posted result afterwards."""
    stocktake = _scoped_stocktake(request, pk)
    lines = list(stocktake.lines.select_related("sku__product"))
    counting = stocktake.status == Stocktake.Status.COUNTING
    form = None
    if counting:
        form = CountSheetForm(request.POST or None, lines=lines, merchant_id=request.user.merchant_id)
        if request.method == "POST" and form.is_valid():
            counts = form.counts()
            if not counts:
                form.add_error(None, _("Enter at least one count."))
            else:
                try:
                    stocktakes.record_stocktake_counts(
                        actor=request.user, stocktake_id=stocktake.pk, counts=counts
                    )
                except DomainError as error:
                    _form_error(form, error)
                else:
                    return _done(
                        request, _("Counts saved."), reverse("console:stocktake_detail", args=[stocktake.pk])
                    )
    on_hand = dict(
        StockLevel.objects.filter(
            warehouse_id=stocktake.warehouse_id, sku_id__in=[line.sku_id for line in lines]
        ).values_list("sku_id", "on_hand")
    )
    rows = []
    for line in lines:
        now = on_hand.get(line.sku_id, 0)
        if counting:
            difference = None if line.counted_quantity is None else line.counted_quantity - now
        else:
            difference = line.difference
        field = form[f"count_{line.pk}"] if form is not None else None
        rows.append({"line": line, "on_hand_now": now, "difference": difference, "field": field})
    context = {"stocktake": stocktake, "rows": rows, "form": form, "counting": counting}
    return render(request, "console/inventory/stocktake_detail.html", context)


@console_view(Perm.INVENTORY_STOCKTAKE)
@require_POST
def stocktake_post(request, pk: int):
    stocktake = _scoped_stocktake(request, pk)
    url = reverse("console:stocktake_detail", args=[stocktake.pk])
    try:
        stocktakes.post_stocktake(actor=request.user, stocktake_id=stocktake.pk)
    except DomainError as error:
        return _failed(request, error, url)
    return _done(request, _("%(number)s posted.") % {"number": stocktake.number}, url)


@console_view(Perm.INVENTORY_STOCKTAKE)
@require_POST
def stocktake_cancel(request, pk: int):
    stocktake = _scoped_stocktake(request, pk)
    url = reverse("console:stocktake_detail", args=[stocktake.pk])
    try:
        stocktakes.cancel_stocktake(actor=request.user, stocktake_id=stocktake.pk)
    except DomainError as error:
        return _failed(request, error, url)
    return _done(request, _("%(number)s cancelled.") % {"number": stocktake.number}, url)


urlpatterns = [
    path("stock/", stock_list, name="stock_list"),
    path("low-stock/", low_stock, name="low_stock"),
    path("stock/adjust/", stock_adjust, name="stock_adjust"),
    path("stock/<int:pk>/", stock_detail, name="stock_detail"),
    path("movements/", movement_list, name="movement_list"),
    path("suppliers/", supplier_list, name="supplier_list"),
    path("suppliers/new/", supplier_create, name="supplier_create"),
    path("suppliers/<int:pk>/", supplier_edit, name="supplier_edit"),
    path("purchase-orders/", purchase_order_list, name="purchase_order_list"),
    path("purchase-orders/new/", purchase_order_create, name="purchase_order_create"),
    path("purchase-orders/<int:pk>/", purchase_order_detail, name="purchase_order_detail"),
    path("purchase-orders/<int:pk>/order/", purchase_order_place, name="purchase_order_place"),
    path("purchase-orders/<int:pk>/receive/", purchase_order_receive, name="purchase_order_receive"),
    path("purchase-orders/<int:pk>/cancel/", purchase_order_cancel, name="purchase_order_cancel"),
    path("transfers/", transfer_list, name="transfer_list"),
    path("transfers/new/", transfer_create, name="transfer_create"),
    path("transfers/<int:pk>/", transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/ship/", transfer_ship, name="transfer_ship"),
    path("transfers/<int:pk>/receive/", transfer_receive, name="transfer_receive"),
    path("transfers/<int:pk>/cancel/", transfer_cancel, name="transfer_cancel"),
    path("stocktakes/", stocktake_list, name="stocktake_list"),
    path("stocktakes/new/", stocktake_create, name="stocktake_create"),
    path("stocktakes/<int:pk>/", stocktake_detail, name="stocktake_detail"),
    path("stocktakes/<int:pk>/post/", stocktake_post, name="stocktake_post"),
    path("stocktakes/<int:pk>/cancel/", stocktake_cancel, name="stocktake_cancel"),
]
