"""Stock moves an order causes after payment: the holds become sales when it is paid, and goods
come back (to the shelf, or to the damaged-goods warehouse) when it is cancelled or returned."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import F
from django.utils.translation import gettext as _

from newretail.core.errors import CoreError, DomainError
from newretail.inventory.actions.ledger import post_movement
from newretail.inventory.actions.reservations import consume_reservation, reserve_stock
from newretail.inventory.models import Reservation, StockMovement
from newretail.orders.models import Order, OrderLine
from newretail.tenancy.models import User, Warehouse

DAMAGED_CODE = "DAMAGED"


def consume_order_holds(order: Order, lines: list[OrderLine]) -> None:
    """Turn each line's hold into a sale movement, in SKU order. A hold that lapsed (the payment
    came late) is taken again first, so a paid order always has its goods or the payment is
    refused with ``INSUFFICIENT_STOCK`` (the caller refunds it)."""
    active = {
        r.sku_id: r
        for r in Reservation.objects.filter(
            merchant_id=order.merchant_id,
            reference=order.reservation_reference,
            status=Reservation.Status.ACTIVE,
        )
    }
    for line in sorted(lines, key=lambda line: line.sku_id):
        hold = active.get(line.sku_id)
        if hold is None:
            hold = reserve_stock(
                merchant=order.merchant_id,
                warehouse=order.warehouse_id,
                sku=line.sku_id,
                quantity=line.quantity,
                reference=order.reservation_reference,
                ttl=None,
            )
        consume_reservation(merchant=order.merchant_id, reservation_id=hold.pk)


def damaged_warehouse_for(merchant_id: int) -> Warehouse:
    """The merchant's damaged-goods warehouse (残次品仓), created on first use."""
    warehouse, _created = Warehouse.objects.get_or_create(
        merchant_id=merchant_id,
        code=DAMAGED_CODE,
        defaults={"name": _("Damaged goods"), "kind": Warehouse.Kind.DAMAGED},
    )
    return warehouse


def return_to_stock(
    *,
    order: Order,
    quantities: Mapping[int, tuple[int, int]],
    actor: User | None,
    reference_type: str,
    reference_id: str,
) -> None:
    """Book returned goods: ``quantities`` is {order line id: (back to the shelf, damaged)}. The
    shelf is the order's warehouse; damaged units go to the damaged-goods warehouse. A line never
    takes back more than it sold (conditional UPDATE on ``returned_quantity``)."""
    lines = {line.pk: line for line in OrderLine.objects.filter(order=order, pk__in=list(quantities))}
    damaged_warehouse = None
    for line_id in sorted(quantities, key=lambda pk: lines[pk].sku_id):
        restock, damaged = quantities[line_id]
        total = restock + damaged
        if total <= 0:
            continue
        line = lines[line_id]
        updated = OrderLine.objects.filter(pk=line.pk, returned_quantity__lte=F("quantity") - total).update(
            returned_quantity=F("returned_quantity") + total
        )
        if updated != 1:
            raise DomainError(CoreError.CONFLICT)
        for warehouse, quantity in ((order.warehouse_id, restock), (None, damaged)):
            if quantity <= 0:
                continue
            if warehouse is None:
                damaged_warehouse = damaged_warehouse or damaged_warehouse_for(order.merchant_id)
                warehouse = damaged_warehouse.pk
            post_movement(
                merchant=order.merchant_id,
                warehouse=warehouse,
                sku=line.sku_id,
                kind=StockMovement.Kind.RETURN,
                quantity=quantity,
                actor=actor,
                reference_type=reference_type,
                reference_id=reference_id,
                note=order.number,
            )
