"""Staff API for inventory: stock levels, the movement ledger, adjustments, reservations for
integrations, suppliers, purchase orders, transfers and stocktakes.

Quantities are integers in the SKU's base unit (pieces; grams for products sold by weight), at
most 10,000,000 per line; money is in fen. Another merchant's ids answer 404; store-bound staff
acting on another store's warehouse get 403 ``tenancy.store_out_of_scope``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import Q, QuerySet
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import field_validator, model_validator

from newretail.api.base import ERRORS, actor_of
from newretail.catalog.models import Sku
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.inventory import queries
from newretail.inventory.actions import ledger, purchasing, reservations, stocktakes, transfers
from newretail.inventory.models import (
    MAX_QUANTITY,
    PurchaseOrder,
    Reservation,
    StockMovement,
    Stocktake,
    Supplier,
    Transfer,
)
from newretail.tenancy.access import require_perm, require_warehouse_access, scoped_warehouses
from newretail.tenancy.errors import TenancyError
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

router = Router(tags=["inventory"])

MAX_ID = 2**63 - 1
MAX_LINES = 500
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Count = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(None, ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(50, ge=1, le=200)]
Offset = Annotated[int, Query(0, ge=0, le=1_000_000)]


def _unique(values: list[int], what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"each {what} may appear only once")


def _page(queryset: QuerySet, limit: int, offset: int) -> dict[str, Any]:
    return {"count": queryset.count(), "items": list(queryset[offset : offset + limit])}


def _require_any(actor: User, *perms: str) -> User:
    for perm in perms[:-1]:
        if actor.has_perm_code(perm):
            return require_perm(actor, perm)
    return require_perm(actor, perms[-1])


class SkuLineOut(Schema):
    """Fields every document line shows about its SKU."""

    sku_id: int
    sku_code: str = Field(..., alias="sku.code")
    product_name: str = Field(..., alias="sku.display_name")


# --- stock -----------------------------------------------------------------------------------


class StockLevelOut(SkuLineOut):
    id: int
    warehouse_id: int
    warehouse_code: str = Field(..., alias="warehouse.code")
    barcode: str = Field(..., alias="sku.barcode")
    unit: str = Field(..., alias="sku.product.unit", description="piece, or kg (quantities in grams)")
    on_hand: int
    reserved: int
    available: int
    in_transit: int = Field(..., alias="in_transit_qty")
    low_stock_threshold: int
    is_low: bool
    updated_at: dt.datetime

    @staticmethod
    def resolve_is_low(obj) -> bool:
        return obj.low_stock_threshold > 0 and obj.available <= obj.low_stock_threshold


class StockPage(Schema):
    count: int
    items: list[StockLevelOut]


@router.get("/stock", response={200: StockPage, **ERRORS})
def list_stock(
    request,
    warehouse_id: OptionalId = None,
    sku_id: OptionalId = None,
    q: Annotated[str, Query("", max_length=100)] = "",
    low_stock: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """Stock levels the caller may see; ``low_stock=true``: only rows at or below their threshold."""
    actor = require_perm(actor_of(request), Perm.INVENTORY_VIEW)
    levels = queries.stock_levels(
        actor.merchant_id,
        warehouses=scoped_warehouses(actor),
        warehouse_id=warehouse_id,
        sku_id=sku_id,
        search=q,
        low_only=low_stock,
    )
    return _page(levels, limit, offset)


class SkuStockOut(Schema):
    sku_id: int
    on_hand: int
    reserved: int
    available: int
    in_transit: int
    warehouses: list[StockLevelOut]


@router.get("/stock/skus/{sku_id}", response={200: SkuStockOut, **ERRORS})
def sku_stock(request, sku_id: PathId):
    """One SKU across the warehouses the caller may see, with totals."""
    actor = require_perm(actor_of(request), Perm.INVENTORY_VIEW)
    sku = get_owned(Sku, actor.merchant_id, pk=sku_id)
    rows = queries.stock_of_sku(actor.merchant_id, sku, warehouses=scoped_warehouses(actor))
    return {
        "sku_id": sku.pk,
        "on_hand": sum(r.on_hand for r in rows),
        "reserved": sum(r.reserved for r in rows),
        "available": sum(r.available for r in rows),
        "in_transit": sum(r.in_transit_qty for r in rows),
        "warehouses": rows,
    }


class ThresholdIn(Schema):
    warehouse_id: Id
    sku_id: Id
    threshold: Count


@router.put("/stock/threshold", response={200: StockLevelOut, **ERRORS})
def set_threshold(request, payload: ThresholdIn):
    """Set the low-stock threshold of a SKU in a warehouse (0 turns the warning off)."""
    actor = actor_of(request)
    level = ledger.set_low_stock_threshold(actor=actor, **payload.dict())
    return queries.stock_levels(actor.merchant_id).get(pk=level.pk)


class MovementOut(Schema):
    id: int
    warehouse_id: int
    sku_id: int
    sku_code: str = Field(..., alias="sku.code")
    kind: str
    quantity: int
    on_hand_after: int
    reference_type: str
    reference_id: str
    note: str
    actor_id: int | None
    created_at: dt.datetime


class MovementPage(Schema):
    count: int
    items: list[MovementOut]


@router.get("/movements", response={200: MovementPage, **ERRORS})
def list_movements(
    request,
    warehouse_id: OptionalId = None,
    sku_id: OptionalId = None,
    kind: StockMovement.Kind | None = None,
    reference_type: Annotated[str, Query("", max_length=32)] = "",
    reference_id: Annotated[str, Query("", max_length=64)] = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """The stock ledger (出入库流水), newest first; ``until`` is exclusive."""
    actor = require_perm(actor_of(request), Perm.INVENTORY_VIEW)
    rows = queries.movements(
        actor.merchant_id,
        warehouses=scoped_warehouses(actor),
        warehouse_id=warehouse_id,
        sku_id=sku_id,
        kind=kind,
        reference_type=reference_type,
        reference_id=reference_id,
        since=since,
        until=until,
    )
    return _page(rows, limit, offset)


class AdjustIn(Schema):
    warehouse_id: Id
    sku_id: Id
    quantity: int = Field(..., ge=-MAX_QUANTITY, le=MAX_QUANTITY, description="signed; not 0")
    reason: str = Field(..., min_length=1, max_length=255)

    @field_validator("quantity")
    @classmethod
    def not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be 0")
        return value


@router.post("/adjustments", response={201: MovementOut, **ERRORS})
def adjust(request, payload: AdjustIn):
    """Post a manual stock adjustment (audited). Needs ``inventory.adjust``."""
    return Status(201, ledger.adjust_stock(actor=actor_of(request), **payload.dict()))


# --- reservations ----------------------------------------------------------------------------


class ReservationOut(Schema):
    id: int
    warehouse_id: int
    sku_id: int
    quantity: int
    reference: str
    status: str
    expires_at: dt.datetime | None
    created_at: dt.datetime
    closed_at: dt.datetime | None


class ReservationIn(Schema):
    warehouse_id: Id
    sku_id: Id
    quantity: Quantity
    reference: str = Field(..., min_length=1, max_length=64, description="e.g. order:123")
    ttl_seconds: int = Field(1800, ge=60, le=7 * 24 * 3600)


@router.post("/reservations", response={201: ReservationOut, 200: ReservationOut, **ERRORS})
def create_reservation(request, payload: ReservationIn):
    """Hold stock for an order of another system. Replaying the same reference returns the same
    hold (200); too little available stock is ``inventory.insufficient_stock`` (409)."""
    actor = actor_of(request)
    known = set(
        Reservation.objects.filter(
            merchant_id=actor.merchant_id, reference=payload.reference, status=Reservation.Status.ACTIVE
        ).values_list("pk", flat=True)
    )
    reservation = reservations.reserve_stock(
        merchant=actor.merchant_id,
        warehouse=payload.warehouse_id,
        sku=payload.sku_id,
        quantity=payload.quantity,
        reference=payload.reference,
        ttl=dt.timedelta(seconds=payload.ttl_seconds),
        actor=actor,
    )
    return Status(200 if reservation.pk in known else 201, reservation)


@router.get("/reservations/{reservation_id}", response={200: ReservationOut, **ERRORS})
def get_reservation(request, reservation_id: PathId):
    actor = require_perm(actor_of(request), Perm.INVENTORY_VIEW)
    reservation = get_owned(
        Reservation.objects.select_related("warehouse"), actor.merchant_id, pk=reservation_id
    )
    require_warehouse_access(actor, reservation.warehouse)
    return reservation


@router.post("/reservations/{reservation_id}/release", response={200: ReservationOut, **ERRORS})
def release_reservation(request, reservation_id: PathId):
    """Give a hold back (idempotent)."""
    actor = actor_of(request)
    return reservations.release_reservation(
        merchant=actor.merchant_id, reservation_id=reservation_id, actor=actor
    )


@router.post("/reservations/{reservation_id}/consume", response={200: MovementOut, **ERRORS})
def consume_reservation(request, reservation_id: PathId):
    """Turn a hold into a sale movement (idempotent)."""
    actor = actor_of(request)
    return reservations.consume_reservation(
        merchant=actor.merchant_id, reservation_id=reservation_id, actor=actor
    )


# --- suppliers -------------------------------------------------------------------------------


class SupplierOut(Schema):
    id: int
    name: str
    contact: str
    phone: str
    address: str
    note: str
    is_active: bool


class SupplierIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    contact: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    note: str = Field("", max_length=255)
    is_active: bool = True


class SupplierPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    contact: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=255)
    is_active: bool | None = None


@router.get("/suppliers", response={200: list[SupplierOut], **ERRORS})
def list_suppliers(request):
    actor = require_perm(actor_of(request), Perm.INVENTORY_PURCHASE)
    return list(Supplier.objects.for_merchant(actor.merchant_id))


@router.post("/suppliers", response={201: SupplierOut, **ERRORS})
def create_supplier(request, payload: SupplierIn):
    return Status(201, purchasing.create_supplier(actor=actor_of(request), **payload.dict()))


@router.get("/suppliers/{supplier_id}", response={200: SupplierOut, **ERRORS})
def get_supplier(request, supplier_id: PathId):
    actor = require_perm(actor_of(request), Perm.INVENTORY_PURCHASE)
    return get_owned(Supplier, actor.merchant_id, pk=supplier_id)


@router.patch("/suppliers/{supplier_id}", response={200: SupplierOut, **ERRORS})
def update_supplier(request, supplier_id: PathId, payload: SupplierPatch):
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return purchasing.update_supplier(actor=actor_of(request), supplier_id=supplier_id, **fields)


@router.delete("/suppliers/{supplier_id}", response={204: None, **ERRORS})
def delete_supplier(request, supplier_id: PathId):
    """Delete a supplier without purchase orders (otherwise 409: make it inactive)."""
    purchasing.delete_supplier(actor=actor_of(request), supplier_id=supplier_id)
    return Status(204, None)


# --- purchase orders -------------------------------------------------------------------------


class PurchaseOrderLineOut(SkuLineOut):
    id: int
    quantity_ordered: int
    quantity_received: int
    outstanding: int
    unit_cost_fen: int
    amount_fen: int


class GoodsReceiptOut(Schema):
    id: int
    number: str
    created_at: dt.datetime
    lines: dict[int, int] = Field(..., description="purchase order line id -> quantity received")

    @staticmethod
    def resolve_lines(obj) -> dict[int, int]:
        return {line.purchase_order_line_id: line.quantity for line in obj.lines.all()}


class PurchaseOrderSummary(Schema):
    id: int
    number: str
    status: str
    supplier_id: int
    supplier_name: str = Field(..., alias="supplier.name")
    warehouse_id: int
    expected_on: dt.date | None
    note: str
    created_at: dt.datetime
    ordered_at: dt.datetime | None
    closed_at: dt.datetime | None


class PurchaseOrderOut(PurchaseOrderSummary):
    total_fen: int
    lines: list[PurchaseOrderLineOut]
    receipts: list[GoodsReceiptOut]


class PurchaseOrderPage(Schema):
    count: int
    items: list[PurchaseOrderSummary]


class PurchaseOrderLineIn(Schema):
    sku_id: Id
    quantity: Quantity
    unit_cost_fen: int | None = Field(
        None, ge=0, le=purchasing.MAX_UNIT_COST_FEN, description="default: the SKU's cost"
    )


class PurchaseOrderIn(Schema):
    supplier_id: Id
    warehouse_id: Id
    expected_on: dt.date | None = None
    note: str = Field("", max_length=500)
    lines: list[PurchaseOrderLineIn] = Field(..., min_length=1, max_length=MAX_LINES)

    @model_validator(mode="after")
    def skus_once(self):
        _unique([line.sku_id for line in self.lines], "sku_id")
        return self


class ReceiveLineIn(Schema):
    line_id: Id
    quantity: Count


class ReceiveIn(Schema):
    lines: list[ReceiveLineIn] = Field(..., min_length=1, max_length=MAX_LINES)
    note: str = Field("", max_length=500)

    @model_validator(mode="after")
    def lines_once(self):
        _unique([line.line_id for line in self.lines], "line_id")
        return self


def _scoped_po(actor: User, purchase_order_id: int) -> PurchaseOrder:
    po = get_owned(
        PurchaseOrder.objects.select_related("supplier", "warehouse").prefetch_related(
            "lines__sku__product", "receipts__lines"
        ),
        actor.merchant_id,
        pk=purchase_order_id,
    )
    require_warehouse_access(actor, po.warehouse)
    return po


@router.get("/purchase-orders", response={200: PurchaseOrderPage, **ERRORS})
def list_purchase_orders(
    request,
    status: PurchaseOrder.Status | None = None,
    warehouse_id: OptionalId = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    actor = _require_any(actor_of(request), Perm.INVENTORY_PURCHASE, Perm.INVENTORY_RECEIVE)
    orders = PurchaseOrder.objects.for_merchant(actor.merchant_id).select_related("supplier")
    orders = orders.filter(warehouse__in=scoped_warehouses(actor))
    if status:
        orders = orders.filter(status=status)
    if warehouse_id:
        orders = orders.filter(warehouse_id=warehouse_id)
    return _page(orders.order_by("-pk"), limit, offset)


@router.post("/purchase-orders", response={201: PurchaseOrderOut, **ERRORS})
def create_purchase_order(request, payload: PurchaseOrderIn):
    """Draft a purchase order; lines default their unit cost to the SKU's cost."""
    actor = actor_of(request)
    po = purchasing.create_purchase_order(actor=actor, **payload.dict())
    return Status(201, _scoped_po(actor, po.pk))


@router.get("/purchase-orders/{purchase_order_id}", response={200: PurchaseOrderOut, **ERRORS})
def get_purchase_order(request, purchase_order_id: PathId):
    actor = _require_any(actor_of(request), Perm.INVENTORY_PURCHASE, Perm.INVENTORY_RECEIVE)
    return _scoped_po(actor, purchase_order_id)


@router.post("/purchase-orders/{purchase_order_id}/order", response={200: PurchaseOrderOut, **ERRORS})
def place_purchase_order(request, purchase_order_id: PathId):
    """Mark a draft as ordered with the supplier."""
    actor = actor_of(request)
    purchasing.place_purchase_order(actor=actor, purchase_order_id=purchase_order_id)
    return _scoped_po(actor, purchase_order_id)


@router.post("/purchase-orders/{purchase_order_id}/receive", response={200: PurchaseOrderOut, **ERRORS})
def receive_purchase_order(request, purchase_order_id: PathId, payload: ReceiveIn):
    """Receive a delivery (partial deliveries allowed; more than outstanding is refused)."""
    actor = actor_of(request)
    purchasing.receive_purchase_order(
        actor=actor,
        purchase_order_id=purchase_order_id,
        quantities={line.line_id: line.quantity for line in payload.lines},
        note=payload.note,
    )
    return _scoped_po(actor, purchase_order_id)


@router.post("/purchase-orders/{purchase_order_id}/cancel", response={200: PurchaseOrderOut, **ERRORS})
def cancel_purchase_order(request, purchase_order_id: PathId):
    actor = actor_of(request)
    purchasing.cancel_purchase_order(actor=actor, purchase_order_id=purchase_order_id)
    return _scoped_po(actor, purchase_order_id)


# --- transfers -------------------------------------------------------------------------------


class TransferLineOut(SkuLineOut):
    id: int
    quantity: int
    quantity_received: int | None
    shortfall: int


class TransferSummary(Schema):
    id: int
    number: str
    status: str
    from_warehouse_id: int
    to_warehouse_id: int
    note: str
    created_at: dt.datetime
    shipped_at: dt.datetime | None
    received_at: dt.datetime | None


class TransferOut(TransferSummary):
    lines: list[TransferLineOut]


class TransferPage(Schema):
    count: int
    items: list[TransferSummary]


class TransferLineIn(Schema):
    sku_id: Id
    quantity: Quantity


class TransferIn(Schema):
    from_warehouse_id: Id
    to_warehouse_id: Id
    note: str = Field("", max_length=500)
    lines: list[TransferLineIn] = Field(..., min_length=1, max_length=MAX_LINES)

    @model_validator(mode="after")
    def skus_once(self):
        _unique([line.sku_id for line in self.lines], "sku_id")
        return self


class TransferReceiveLineIn(Schema):
    line_id: Id
    quantity_received: Count


class TransferReceiveIn(Schema):
    lines: list[TransferReceiveLineIn] = Field(
        [], max_length=MAX_LINES, description="lines not listed arrived in full"
    )
    note: str = Field("", max_length=200)

    @model_validator(mode="after")
    def lines_once(self):
        _unique([line.line_id for line in self.lines], "line_id")
        return self


def _scoped_transfer(actor: User, transfer_id: int) -> Transfer:
    """Readable by staff of either end; acting is checked again by each action."""
    transfer = get_owned(
        Transfer.objects.select_related("from_warehouse", "to_warehouse").prefetch_related(
            "lines__sku__product"
        ),
        actor.merchant_id,
        pk=transfer_id,
    )
    ids = actor.store_ids()
    if ids is not None and not ({transfer.from_warehouse.store_id, transfer.to_warehouse.store_id} & ids):
        raise DomainError(TenancyError.STORE_OUT_OF_SCOPE)
    return transfer


@router.get("/transfers", response={200: TransferPage, **ERRORS})
def list_transfers(request, status: Transfer.Status | None = None, limit: Limit = 50, offset: Offset = 0):
    """Transfers from or to the warehouses the caller may see."""
    actor = require_perm(actor_of(request), Perm.INVENTORY_TRANSFER)
    visible = scoped_warehouses(actor)
    rows = Transfer.objects.for_merchant(actor.merchant_id).filter(
        Q(from_warehouse__in=visible) | Q(to_warehouse__in=visible)
    )
    if status:
        rows = rows.filter(status=status)
    return _page(rows.order_by("-pk"), limit, offset)


@router.post("/transfers", response={201: TransferOut, **ERRORS})
def create_transfer(request, payload: TransferIn):
    actor = actor_of(request)
    transfer = transfers.create_transfer(actor=actor, **payload.dict())
    return Status(201, _scoped_transfer(actor, transfer.pk))


@router.get("/transfers/{transfer_id}", response={200: TransferOut, **ERRORS})
def get_transfer(request, transfer_id: PathId):
    actor = require_perm(actor_of(request), Perm.INVENTORY_TRANSFER)
    return _scoped_transfer(actor, transfer_id)


@router.post("/transfers/{transfer_id}/ship", response={200: TransferOut, **ERRORS})
def ship_transfer(request, transfer_id: PathId):
    """Ship: stock leaves the source and is in transit."""
    actor = actor_of(request)
    transfers.ship_transfer(actor=actor, transfer_id=transfer_id)
    return _scoped_transfer(actor, transfer_id)


@router.post("/transfers/{transfer_id}/receive", response={200: TransferOut, **ERRORS})
def receive_transfer(request, transfer_id: PathId, payload: TransferReceiveIn):
    """Receive at the destination; a shortfall is written off as a transit loss."""
    actor = actor_of(request)
    transfers.receive_transfer(
        actor=actor,
        transfer_id=transfer_id,
        quantities={line.line_id: line.quantity_received for line in payload.lines},
        note=payload.note,
    )
    return _scoped_transfer(actor, transfer_id)


@router.post("/transfers/{transfer_id}/cancel", response={200: TransferOut, **ERRORS})
def cancel_transfer(request, transfer_id: PathId):
    actor = actor_of(request)
    transfers.cancel_transfer(actor=actor, transfer_id=transfer_id)
    return _scoped_transfer(actor, transfer_id)


# --- stocktakes ------------------------------------------------------------------------------


class StocktakeLineOut(SkuLineOut):
    id: int
    expected_on_hand: int
    counted_quantity: int | None
    on_hand_at_post: int | None
    difference: int | None


class StocktakeSummary(Schema):
    id: int
    number: str
    status: str
    warehouse_id: int
    note: str
    created_at: dt.datetime
    posted_at: dt.datetime | None


class StocktakeOut(StocktakeSummary):
    lines: list[StocktakeLineOut]


class StocktakePage(Schema):
    count: int
    items: list[StocktakeSummary]


class StocktakeIn(Schema):
    warehouse_id: Id
    sku_ids: list[Id] | None = Field(None, max_length=MAX_LINES, description="omit for a full count")
    note: str = Field("", max_length=500)

    @model_validator(mode="after")
    def skus_once(self):
        _unique(self.sku_ids or [], "sku_id")
        return self


class CountIn(Schema):
    sku_id: Id
    counted: Count


class CountsIn(Schema):
    counts: list[CountIn] = Field(..., min_length=1, max_length=MAX_LINES)

    @model_validator(mode="after")
    def skus_once(self):
        _unique([c.sku_id for c in self.counts], "sku_id")
        return self


def _scoped_stocktake(actor: User, stocktake_id: int) -> Stocktake:
    stocktake = get_owned(
        Stocktake.objects.select_related("warehouse").prefetch_related("lines__sku__product"),
        actor.merchant_id,
        pk=stocktake_id,
    )
    require_warehouse_access(actor, stocktake.warehouse)
    return stocktake


@router.get("/stocktakes", response={200: StocktakePage, **ERRORS})
def list_stocktakes(request, status: Stocktake.Status | None = None, limit: Limit = 50, offset: Offset = 0):
    actor = require_perm(actor_of(request), Perm.INVENTORY_STOCKTAKE)
    rows = Stocktake.objects.for_merchant(actor.merchant_id).filter(warehouse__in=scoped_warehouses(actor))
    if status:
        rows = rows.filter(status=status)
    return _page(rows.order_by("-pk"), limit, offset)


@router.post("/stocktakes", response={201: StocktakeOut, **ERRORS})
def start_stocktake(request, payload: StocktakeIn):
    """Start counting a warehouse (one open count per warehouse)."""
    actor = actor_of(request)
    stocktake = stocktakes.start_stocktake(actor=actor, **payload.dict())
    return Status(201, _scoped_stocktake(actor, stocktake.pk))


@router.get("/stocktakes/{stocktake_id}", response={200: StocktakeOut, **ERRORS})
def get_stocktake(request, stocktake_id: PathId):
    actor = require_perm(actor_of(request), Perm.INVENTORY_STOCKTAKE)
    return _scoped_stocktake(actor, stocktake_id)


@router.post("/stocktakes/{stocktake_id}/counts", response={200: StocktakeOut, **ERRORS})
def submit_counts(request, stocktake_id: PathId, payload: CountsIn):
    """Enter counted quantities by SKU (a SKU not on the sheet is added)."""
    actor = actor_of(request)
    counts = {c.sku_id: c.counted for c in payload.counts}
    stocktakes.record_stocktake_counts(actor=actor, stocktake_id=stocktake_id, counts=counts)
    return _scoped_stocktake(actor, stocktake_id)


@router.post("/stocktakes/{stocktake_id}/post", response={200: StocktakeOut, **ERRORS})
def post_stocktake(request, stocktake_id: PathId):
    """Post: each counted line's difference to the on hand at this moment becomes a movement."""
    actor = actor_of(request)
    stocktakes.post_stocktake(actor=actor, stocktake_id=stocktake_id)
    return _scoped_stocktake(actor, stocktake_id)


@router.post("/stocktakes/{stocktake_id}/cancel", response={200: StocktakeOut, **ERRORS})
def cancel_stocktake(request, stocktake_id: PathId):
    actor = actor_of(request)
    stocktakes.cancel_stocktake(actor=actor, stocktake_id=stocktake_id)
    return _scoped_stocktake(actor, stocktake_id)
