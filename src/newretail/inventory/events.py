"""Domain events of the inventory domain, one named constructor each. They go to the outbox
(``core.events.record_event``) in the caller's transaction; subscribers (notifications, ERP
webhooks, analytics) register with ``core.events.subscribe`` and inventory imports none of them.

Payload quantities are in the SKU's base unit (grams for products sold by weight)."""

from __future__ import annotations

from newretail.core.events import record_event
from newretail.core.models import Event

GOODS_RECEIVED = "inventory.goods_received"
TRANSFER_SHIPPED = "inventory.transfer_shipped"
TRANSFER_RECEIVED = "inventory.transfer_received"
STOCKTAKE_POSTED = "inventory.stocktake_posted"
STOCK_ADJUSTED = "inventory.stock_adjusted"
LOW_STOCK = "inventory.low_stock"


def goods_received_event(*, receipt, quantities: dict[int, int]) -> Event:
    """A delivery was received against a purchase order; ``quantities``: SKU id -> received."""
    return record_event(
        merchant_id=receipt.merchant_id,
        name=GOODS_RECEIVED,
        aggregate=receipt.purchase_order,
        payload={
            "receipt": receipt.number,
            "purchase_order": receipt.purchase_order.number,
            "warehouse_id": receipt.warehouse_id,
            "lines": {str(sku_id): qty for sku_id, qty in quantities.items()},
        },
    )


def transfer_event(*, transfer, name: str) -> Event:
    lines = {str(line.sku_id): [line.quantity, line.quantity_received] for line in transfer.lines.all()}
    return record_event(
        merchant_id=transfer.merchant_id,
        name=name,
        aggregate=transfer,
        payload={
            "number": transfer.number,
            "from_warehouse_id": transfer.from_warehouse_id,
            "to_warehouse_id": transfer.to_warehouse_id,
            "lines": lines,  # SKU id -> [shipped, received or null]
        },
    )


def stocktake_posted_event(*, stocktake, differences: dict[int, int]) -> Event:
    return record_event(
        merchant_id=stocktake.merchant_id,
        name=STOCKTAKE_POSTED,
        aggregate=stocktake,
        payload={
            "number": stocktake.number,
            "warehouse_id": stocktake.warehouse_id,
            "differences": {str(sku_id): diff for sku_id, diff in differences.items()},
        },
    )


def stock_adjusted_event(*, movement) -> Event:
    return record_event(
        merchant_id=movement.merchant_id,
        name=STOCK_ADJUSTED,
        aggregate=movement,
        payload={
            "warehouse_id": movement.warehouse_id,
            "sku_id": movement.sku_id,
            "quantity": movement.quantity,
            "on_hand": movement.on_hand_after,
            "reason": movement.note,
        },
    )


def low_stock_event(
    *, merchant_id: int, warehouse_id: int, sku_id: int, available: int, threshold: int
) -> Event:
    """Available stock just fell to or below the SKU's low-stock threshold (once per crossing)."""
    return record_event(
        merchant_id=merchant_id,
        name=LOW_STOCK,
        payload={
            "warehouse_id": warehouse_id,
            "sku_id": sku_id,
            "available": available,
            "threshold": threshold,
        },
    )


def check_low_stock(
    *, merchant_id: int, warehouse_id: int, sku_id: int, before: int, after: int, threshold: int
) -> None:
    """Record ``inventory.low_stock`` when available goes from above the threshold to at or below."""
    if threshold > 0 and before > threshold >= after:
        low_stock_event(
            merchant_id=merchant_id,
            warehouse_id=warehouse_id,
            sku_id=sku_id,
            available=after,
            threshold=threshold,
        )
