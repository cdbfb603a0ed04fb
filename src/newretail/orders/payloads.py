"""The shapes of ``order.*`` event payloads that several actions write. Subscribers (points,
commissions, analytics) rely on these keys; add keys, never rename them."""

from __future__ import annotations

from typing import Any

from newretail.orders.models import Order, OrderLine


def line_payload(line: OrderLine) -> dict[str, int]:
    return {
        "line_id": line.pk,
        "sku_id": line.sku_id,
        "quantity": line.quantity,
        "unit_price_fen": line.unit_price_fen,
        "list_amount_fen": line.list_amount_fen,
        "final_amount_fen": line.final_amount_fen,
    }


def order_payload(order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": order.pk,
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "kind": order.kind,
        "fulfilment": order.fulfilment,
        "store_id": order.store_id,
        "member_id": order.member_id,
        **extra,
    }
