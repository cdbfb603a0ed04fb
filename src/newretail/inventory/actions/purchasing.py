"""Suppliers, purchase orders (采购单) and goods receipts (收货). A purchase order is drafted,
placed with the supplier (ordered), received in one or more deliveries, or cancelled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.core.tenancy import get_owned
from newretail.inventory import events
from newretail.inventory.actions.checks import (
    check_line_count,
    check_quantity,
    skus_for_lines,
    warehouse_of,
)
from newretail.inventory.actions.ledger import post_movement
from newretail.inventory.actions.numbers import GOODS_RECEIPT, PURCHASE_ORDER, next_document_number
from newretail.inventory.errors import InventoryError
from newretail.inventory.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    StockMovement,
    Supplier,
)
from newretail.tenancy.access import require_perm, require_warehouse_access
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

SUPPLIER_FIELDS = ("name", "contact", "phone", "address", "note", "is_active")
MAX_UNIT_COST_FEN = 10**10  # ¥100,000,000 per unit: anything above is a typo

Status = PurchaseOrder.Status


def _status_error(po: PurchaseOrder) -> DomainError:
    return DomainError(InventoryError.INVALID_STATUS, number=po.number, status=po.get_status_display())


def _save_supplier(supplier: Supplier) -> Supplier:
    supplier.name = supplier.name.strip()
    taken = Supplier.objects.for_merchant(supplier.merchant_id).filter(name=supplier.name)
    if taken.exclude(pk=supplier.pk).exists():
        raise DomainError(InventoryError.SUPPLIER_NAME_TAKEN, name=supplier.name)
    try:
        with transaction.atomic():
            supplier.save()
    except IntegrityError:
        raise DomainError(InventoryError.SUPPLIER_NAME_TAKEN, name=supplier.name) from None
    return supplier


@transaction.atomic
def create_supplier(*, actor: User, name: str, **fields: Any) -> Supplier:
    """Add a supplier; names are unique per merchant."""
    require_perm(actor, Perm.INVENTORY_PURCHASE)
    supplier = Supplier(
        merchant_id=actor.merchant_id,
        name=name,
        **{k: v for k, v in fields.items() if k in SUPPLIER_FIELDS and k != "name"},
    )
    return _save_supplier(supplier)


@transaction.atomic
def update_supplier(*, actor: User, supplier_id: int, **fields: Any) -> Supplier:
    """Change a supplier's details (only the fields given)."""
    require_perm(actor, Perm.INVENTORY_PURCHASE)
    supplier = get_owned(Supplier.objects.select_for_update(), actor.merchant_id, pk=supplier_id)
    for key, value in fields.items():
        if key in SUPPLIER_FIELDS:
            setattr(supplier, key, value)
    return _save_supplier(supplier)


@transaction.atomic
def delete_supplier(*, actor: User, supplier_id: int) -> None:
    """Remove a supplier that has no purchase orders; one with orders can only be made inactive,
    so that past orders keep their supplier."""
    require_perm(actor, Perm.INVENTORY_PURCHASE)
    supplier = get_owned(Supplier.objects.select_for_update(), actor.merchant_id, pk=supplier_id)
    if supplier.purchase_orders.exists():
        raise DomainError(InventoryError.SUPPLIER_IN_USE, name=supplier.name)
    supplier.delete()


def _load_po(actor: User, purchase_order_id: int) -> PurchaseOrder:
    """The purchase order, row-locked, after checking the actor's access to its warehouse."""
    po = get_owned(
        PurchaseOrder.objects.select_for_update().select_related("warehouse"),
        actor.merchant_id,
        pk=purchase_order_id,
    )
    require_warehouse_access(actor, po.warehouse)
    return po


@transaction.atomic
def create_purchase_order(
    *,
    actor: User,
    supplier_id: int,
    warehouse_id: int,
    lines: Iterable[Mapping[str, Any]],
    expected_on: dt.date | None = None,
    note: str = "",
) -> PurchaseOrder:
    """Draft a purchase order for one warehouse. ``lines`` are mappings with ``sku_id``,
    ``quantity`` (1..10,000,000 in the SKU's base unit) and optionally ``unit_cost_fen``
    (defaults to the SKU's cost). Each SKU appears once. The catalog cost is never changed here."""
    require_perm(actor, Perm.INVENTORY_PURCHASE)
    supplier = get_owned(Supplier, actor.merchant_id, pk=supplier_id)
    warehouse = warehouse_of(actor.merchant_id, warehouse_id)
    require_warehouse_access(actor, warehouse)
    lines = list(lines)
    check_line_count(len(lines))
    skus = skus_for_lines(actor.merchant_id, [line["sku_id"] for line in lines])
    rows = []
    for line in lines:
        sku = skus[line["sku_id"]]
        cost = line.get("unit_cost_fen")
        cost = sku.cost_fen if cost is None else cost
        if isinstance(cost, bool) or not isinstance(cost, int) or not 0 <= cost <= MAX_UNIT_COST_FEN:
            raise DomainError(InventoryError.INVALID_COST, maximum=format_fen(MAX_UNIT_COST_FEN))
        rows.append((sku, check_quantity(line["quantity"]), cost))
    po = PurchaseOrder.objects.create(
        merchant_id=actor.merchant_id,
        number=next_document_number(merchant=actor.merchant, prefix=PURCHASE_ORDER),
        supplier=supplier,
        warehouse=warehouse,
        expected_on=expected_on,
        note=(note or "")[:500],
        created_by=actor,
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            merchant_id=actor.merchant_id,
            purchase_order=po,
            sku=sku,
            quantity_ordered=quantity,
            unit_cost_fen=cost,
        )
        for sku, quantity, cost in rows
    )
    return po


@transaction.atomic
def place_purchase_order(*, actor: User, purchase_order_id: int) -> PurchaseOrder:
    """Mark a draft as ordered (sent to the supplier); from then on it can be received."""
    require_perm(actor, Perm.INVENTORY_PURCHASE)
    po = _load_po(actor, purchase_order_id)
    if po.status != Status.DRAFT:
        raise _status_error(po)
    po.status = Status.ORDERED
    po.ordered_at = clock.now()
    po.save(update_fields=["status", "ordered_at"])
    return po


@transaction.atomic
def receive_purchase_order(
    *, actor: User, purchase_order_id: int, quantities: Mapping[int, int], note: str = ""
) -> GoodsReceipt:
    """Receive one delivery: ``quantities`` maps purchase order line ids to the quantity that
    arrived (0 or missing: nothing of that line this time).

    Guarantees: only an ordered or partially received order can be received; a line never
    receives more than is outstanding (over-receipt is refused with ``OVER_RECEIPT`` and nothing
    is written); every received line posts one ``receipt`` movement referencing the order; the
    order becomes received when every line is complete, partially received otherwise; the
    delivery is announced as ``inventory.goods_received``. Deliveries
    of one order are serialised by its row lock; stock rows are touched in SKU order."""
    require_perm(actor, Perm.INVENTORY_RECEIVE)
    po = _load_po(actor, purchase_order_id)
    if po.status not in PurchaseOrder.RECEIVABLE_STATUSES:
        raise _status_error(po)
    po_lines = {line.pk: line for line in po.lines.select_related("sku__product")}
    arriving: list[tuple[PurchaseOrderLine, int]] = []
    for line_id, quantity in quantities.items():
        line = po_lines.get(line_id)
        if line is None:
            raise DomainError(InventoryError.LINE_NOT_FOUND, line=line_id, number=po.number)
        if quantity == 0:
            continue
        check_quantity(quantity)
        if quantity > line.outstanding:
            raise DomainError(
                InventoryError.OVER_RECEIPT,
                quantity=quantity,
                sku=line.sku.display_name,
                outstanding=line.outstanding,
                number=po.number,
            )
        arriving.append((line, quantity))
    if not arriving:
        raise DomainError(InventoryError.NO_LINES)

    receipt = GoodsReceipt.objects.create(
        merchant_id=actor.merchant_id,
        number=next_document_number(merchant=actor.merchant, prefix=GOODS_RECEIPT),
        purchase_order=po,
        warehouse=po.warehouse,
        note=(note or "")[:500],
        received_by=actor,
    )
    for line, quantity in sorted(arriving, key=lambda item: item[0].sku_id):
        post_movement(
            merchant=actor.merchant_id,
            warehouse=po.warehouse,
            sku=line.sku,
            kind=StockMovement.Kind.RECEIPT,
            quantity=quantity,
            actor=actor,
            reference_type="purchase_order",
            reference_id=po.number,
            note=receipt.number,
        )
        GoodsReceiptLine.objects.create(
            merchant_id=actor.merchant_id,
            receipt=receipt,
            purchase_order_line=line,
            sku=line.sku,
            quantity=quantity,
            unit_cost_fen=line.unit_cost_fen,
        )
        line.quantity_received += quantity
        line.save(update_fields=["quantity_received"])

    events.goods_received_event(receipt=receipt, quantities={line.sku_id: qty for line, qty in arriving})
    complete = all(line.outstanding == 0 for line in po_lines.values())
    po.status = Status.RECEIVED if complete else Status.PARTIALLY_RECEIVED
    po.closed_at = clock.now() if complete else None
    po.save(update_fields=["status", "closed_at"])
    return receipt


@transaction.atomic
def cancel_purchase_order(*, actor: User, purchase_order_id: int) -> PurchaseOrder:
    """Cancel a draft or ordered purchase order. Cancelling a partially received order closes it
    short: what arrived stays in stock, the outstanding quantities will not be received."""
    require_perm(actor, Perm.INVENTORY_PURCHASE)
    po = _load_po(actor, purchase_order_id)
    if po.status not in PurchaseOrder.OPEN_STATUSES:
        raise _status_error(po)
    po.status = Status.CANCELLED
    po.closed_at = clock.now()
    po.save(update_fields=["status", "closed_at"])
    return po
