"""Inventory's part of the tenant isolation test (tests/test_isolation.py): a builder of one
object of every inventory kind, and the route tables that map ids to those objects.

Wire it in tests/test_isolation.py with:

    from tests.inventory import isolation as inventory_isolation
    WORLD_EXTENSIONS.append(inventory_isolation.build)
    CONSOLE_OBJECTS.update(inventory_isolation.CONSOLE_OBJECTS)
    API_PARAMS.update(inventory_isolation.API_PARAMS)
    API_BODIES.update(inventory_isolation.API_BODIES)
"""

from __future__ import annotations

from newretail.core.testing import make_central_warehouse
from newretail.inventory.actions.purchasing import create_purchase_order, create_supplier
from newretail.inventory.actions.reservations import reserve_stock
from newretail.inventory.actions.stocktakes import cancel_stocktake, start_stocktake
from newretail.inventory.actions.transfers import create_transfer
from newretail.inventory.models import StockLevel
from tests.inventory.conftest import make_sku, receive


def build(owner, world: dict) -> dict:
    """Stock, a hold, a supplier with a draft PO, a draft transfer and a stocktake. The stocktake
    is cancelled so that the static count body below is refused by state (409) before its SKU id
    is looked up; every other object is in its first state so that own requests succeed."""
    warehouse = world["warehouse"]
    sku = world.get("sku") or make_sku(owner.merchant_id)
    receive(warehouse, sku, 10)
    supplier = create_supplier(actor=owner, name="隔离测试供应商")
    lines = [{"sku_id": sku.pk, "quantity": 2}]
    stocktake = start_stocktake(actor=owner, warehouse_id=warehouse.pk)
    cancel_stocktake(actor=owner, stocktake_id=stocktake.pk)
    return {
        "sku": sku,
        "stock_level": StockLevel.objects.get(warehouse=warehouse, sku=sku),
        "reservation": reserve_stock(
            merchant=owner.merchant_id, warehouse=warehouse, sku=sku, quantity=1, reference="isolation:1"
        ),
        "supplier": supplier,
        "purchase_order": create_purchase_order(
            actor=owner, supplier_id=supplier.pk, warehouse_id=warehouse.pk, lines=lines
        ),
        "transfer": create_transfer(
            actor=owner,
            from_warehouse_id=warehouse.pk,
            to_warehouse_id=make_central_warehouse(owner).pk,
            lines=lines,
        ),
        "stocktake": stocktake,
    }


CONSOLE_OBJECTS: dict[str, str] = {
    "stock_detail": "stock_level",
    "supplier_edit": "supplier",
    "purchase_order_detail": "purchase_order",
    "purchase_order_place": "purchase_order",
    "purchase_order_receive": "purchase_order",
    "purchase_order_cancel": "purchase_order",
    "transfer_detail": "transfer",
    "transfer_ship": "transfer",
    "transfer_receive": "transfer",
    "transfer_cancel": "transfer",
    "stocktake_detail": "stocktake",
    "stocktake_post": "stocktake",
    "stocktake_cancel": "stocktake",
}

API_PARAMS: dict[str, str] = {
    "sku_id": "sku",
    "reservation_id": "reservation",
    "supplier_id": "supplier",
    "purchase_order_id": "purchase_order",
    "transfer_id": "transfer",
    "stocktake_id": "stocktake",
}

_V1 = "/api/v1/inventory"
API_BODIES: dict[tuple[str, str], dict] = {
    ("POST", f"{_V1}/reservations/{{reservation_id}}/release"): {},
    ("POST", f"{_V1}/reservations/{{reservation_id}}/consume"): {},
    ("PATCH", f"{_V1}/suppliers/{{supplier_id}}"): {"phone": "13800000000"},
    ("POST", f"{_V1}/purchase-orders/{{purchase_order_id}}/order"): {},
    ("POST", f"{_V1}/purchase-orders/{{purchase_order_id}}/receive"): {
        "lines": [{"line_id": 1, "quantity": 1}]
    },
    ("POST", f"{_V1}/purchase-orders/{{purchase_order_id}}/cancel"): {},
    ("POST", f"{_V1}/transfers/{{transfer_id}}/ship"): {},
    ("POST", f"{_V1}/transfers/{{transfer_id}}/receive"): {"lines": []},
    ("POST", f"{_V1}/transfers/{{transfer_id}}/cancel"): {},
    ("POST", f"{_V1}/stocktakes/{{stocktake_id}}/counts"): {"counts": [{"sku_id": 1, "counted": 1}]},
    ("POST", f"{_V1}/stocktakes/{{stocktake_id}}/post"): {},
    ("POST", f"{_V1}/stocktakes/{{stocktake_id}}/cancel"): {},
}
