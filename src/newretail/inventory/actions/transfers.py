"""Transfers between warehouses (调拨). Shipping posts ``transfer_out`` at the source and leaves the
goods in transit (在途, visible on the destination's stock); receiving posts ``transfer_in`` at
the destination. For every transfer the units out equal the units in; what did not arrive is
written off at the destination as a loss adjustment that names the transfer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.inventory import events
from newretail.inventory.actions.checks import (
    check_line_count,
    check_quantity,
    skus_for_lines,
    warehouse_of,
)
from newretail.inventory.actions.ledger import ensure_stock_level, post_movement
from newretail.inventory.actions.numbers import TRANSFER, next_document_number
from newretail.inventory.errors import InventoryError
from newretail.inventory.models import MAX_QUANTITY, StockMovement, Transfer, TransferLine
from newretail.tenancy.access import require_perm, require_warehouse_access
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

Status = Transfer.Status
Kind = StockMovement.Kind


def _status_error(transfer: Transfer) -> DomainError:
    return DomainError(
        InventoryError.INVALID_STATUS, number=transfer.number, status=transfer.get_status_display()
    )


def _load(actor: User, transfer_id: int) -> Transfer:
    return get_owned(
        Transfer.objects.select_for_update().select_related("from_warehouse", "to_warehouse"),
        actor.merchant_id,
        pk=transfer_id,
    )


@transaction.atomic
def create_transfer(
    *,
    actor: User,
    from_warehouse_id: int,
    to_warehouse_id: int,
    lines: Iterable[Mapping[str, Any]],
    note: str = "",
) -> Transfer:
    """Draft a transfer of ``lines`` (mappings with ``sku_id`` and ``quantity``) from a warehouse
    the actor may act on to any other warehouse of the merchant. Nothing moves until shipped."""
    require_perm(actor, Perm.INVENTORY_TRANSFER)
    source = warehouse_of(actor.merchant_id, from_warehouse_id)
    destination = warehouse_of(actor.merchant_id, to_warehouse_id)
    require_warehouse_access(actor, source)
    if source.pk == destination.pk:
        raise DomainError(InventoryError.SAME_WAREHOUSE)
    lines = list(lines)
    check_line_count(len(lines))
    skus = skus_for_lines(actor.merchant_id, [line["sku_id"] for line in lines])
    rows = [(skus[line["sku_id"]], check_quantity(line["quantity"])) for line in lines]
    transfer = Transfer.objects.create(
        merchant_id=actor.merchant_id,
        number=next_document_number(merchant=actor.merchant, prefix=TRANSFER),
        from_warehouse=source,
        to_warehouse=destination,
        note=(note or "")[:500],
        created_by=actor,
    )
    TransferLine.objects.bulk_create(
        TransferLine(merchant_id=actor.merchant_id, transfer=transfer, sku=sku, quantity=quantity)
        for sku, quantity in rows
    )
    return transfer


@transaction.atomic
def ship_transfer(*, actor: User, transfer_id: int) -> Transfer:
    """Send a draft transfer: every line posts a ``transfer_out`` at the source (in SKU order) and
    the goods are in transit. If any line lacks available stock, nothing is shipped and
    ``INSUFFICIENT_STOCK`` names it."""
    require_perm(actor, Perm.INVENTORY_TRANSFER)
    transfer = _load(actor, transfer_id)
    require_warehouse_access(actor, transfer.from_warehouse)
    if transfer.status != Status.DRAFT:
        raise _status_error(transfer)
    for line in transfer.lines.select_related("sku__product").order_by("sku_id"):
        post_movement(
            merchant=actor.merchant_id,
            warehouse=transfer.from_warehouse,
            sku=line.sku,
            kind=Kind.TRANSFER_OUT,
            quantity=-line.quantity,
            actor=actor,
            reference_type="transfer",
            reference_id=transfer.number,
        )
        # The destination row shows the quantity in transit before anything arrives.
        ensure_stock_level(actor.merchant_id, transfer.to_warehouse_id, line.sku_id)
    transfer.status = Status.IN_TRANSIT
    transfer.shipped_by = actor
    transfer.shipped_at = clock.now()
    transfer.save(update_fields=["status", "shipped_by", "shipped_at"])
    events.transfer_event(transfer=transfer, name=events.TRANSFER_SHIPPED)
    return transfer


@transaction.atomic
def receive_transfer(
    *, actor: User, transfer_id: int, quantities: Mapping[int, int] | None = None, note: str = ""
) -> Transfer:
    """Receive a transfer in transit at its destination. ``quantities`` maps line ids to what
    arrived (missing lines: everything shipped). Each line posts a ``transfer_in`` of the shipped
    quantity; a shortfall is then written off by an ``adjustment`` at the destination whose note
    names the transfer, and audited. Receiving more than was shipped is refused."""
    require_perm(actor, Perm.INVENTORY_TRANSFER)
    transfer = _load(actor, transfer_id)
    require_warehouse_access(actor, transfer.to_warehouse)
    if transfer.status != Status.IN_TRANSIT:
        raise _status_error(transfer)
    lines = {line.pk: line for line in transfer.lines.select_related("sku__product")}
    quantities = dict(quantities or {})
    for line_id, received in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise DomainError(InventoryError.LINE_NOT_FOUND, line=line_id, number=transfer.number)
        check_quantity(received, minimum=0, maximum=MAX_QUANTITY)
        if received > line.quantity:
            raise DomainError(
                InventoryError.OVER_TRANSFER_RECEIPT,
                quantity=received,
                sku=line.sku.display_name,
                shipped=line.quantity,
                number=transfer.number,
            )
    note = (note or "").strip()
    losses = {}
    for line in sorted(lines.values(), key=lambda item: item.sku_id):
        line.quantity_received = quantities.get(line.pk, line.quantity)
        post_movement(
            merchant=actor.merchant_id,
            warehouse=transfer.to_warehouse,
            sku=line.sku,
            kind=Kind.TRANSFER_IN,
            quantity=line.quantity,
            actor=actor,
            reference_type="transfer",
            reference_id=transfer.number,
        )
        if line.shortfall:
            loss_note = _("Transit loss on %(number)s: %(shipped)s shipped, %(received)s received") % {
                "number": transfer.number,
                "shipped": line.quantity,
                "received": line.quantity_received,
            }
            post_movement(
                merchant=actor.merchant_id,
                warehouse=transfer.to_warehouse,
                sku=line.sku,
                kind=Kind.ADJUSTMENT,
                quantity=-line.shortfall,
                actor=actor,
                reference_type="transfer",
                reference_id=transfer.number,
                note=f"{loss_note}. {note}" if note else loss_note,
            )
            losses[str(line.sku_id)] = {"shipped": line.quantity, "received": line.quantity_received}
        line.save(update_fields=["quantity_received"])
    transfer.status = Status.RECEIVED
    transfer.received_by = actor
    transfer.received_at = clock.now()
    if note:
        transfer.note = f"{transfer.note}\n{note}".strip()[:500]
    transfer.save(update_fields=["status", "received_by", "received_at", "note"])
    events.transfer_event(transfer=transfer, name=events.TRANSFER_RECEIVED)
    if losses:
        record_audit(
            actor=actor,
            merchant_id=actor.merchant_id,
            action="inventory.transit_loss",
            obj=transfer,
            before={sku: v["shipped"] for sku, v in losses.items()},
            after={sku: v["received"] for sku, v in losses.items()},
            reason=note,
        )
    return transfer


@transaction.atomic
def cancel_transfer(*, actor: User, transfer_id: int) -> Transfer:
    """Cancel a draft transfer. Goods in transit cannot be cancelled: receive them (possibly 0)."""
    require_perm(actor, Perm.INVENTORY_TRANSFER)
    transfer = _load(actor, transfer_id)
    require_warehouse_access(actor, transfer.from_warehouse)
    if transfer.status != Status.DRAFT:
        raise _status_error(transfer)
    transfer.status = Status.CANCELLED
    transfer.save(update_fields=["status"])
    return transfer
