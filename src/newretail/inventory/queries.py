"""Reads of the inventory domain that pages, the API and other domains use. Every function takes
the acting merchant; pass ``warehouses`` (e.g. ``tenancy.access.scoped_warehouses(actor)``) to
limit store-bound staff to their stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from newretail.catalog.models import Sku
from newretail.core.tenancy import merchant_id_of
from newretail.inventory.models import (
    PurchaseOrder,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
)
from newretail.tenancy.models import Merchant, Warehouse

WarehouseFilter = QuerySet[Warehouse] | Iterable[int] | None


def _warehouse_ids(warehouses: WarehouseFilter):
    if warehouses is None:
        return None
    if isinstance(warehouses, QuerySet):
        return warehouses.values("pk")
    return list(warehouses)


def _in_transit_subquery():
    """Quantity shipped to the row's warehouse and not yet received."""
    return Coalesce(
        Subquery(
            TransferLine.objects.filter(
                transfer__status=Transfer.Status.IN_TRANSIT,
                transfer__to_warehouse_id=OuterRef("warehouse_id"),
                sku_id=OuterRef("sku_id"),
            )
            .values("sku_id")
            .annotate(total=Sum("quantity"))
            .values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def stock_levels(
    merchant: Merchant | int,
    *,
    warehouses: WarehouseFilter = None,
    warehouse_id: int | None = None,
    sku_id: int | None = None,
    search: str = "",
    low_only: bool = False,
) -> QuerySet[StockLevel]:
    """Stock rows annotated with ``available_qty`` (on hand - reserved) and ``in_transit_qty``
    (incoming transfers), with warehouse and SKU loaded. ``search`` matches product name, SKU code
    or barcode. ``low_only``: rows whose threshold is set and available is at or below it."""
    levels = (
        StockLevel.objects.for_merchant(merchant_id_of(merchant))
        .select_related("warehouse", "sku__product")
        .annotate(available_qty=F("on_hand") - F("reserved"), in_transit_qty=_in_transit_subquery())
    )
    ids = _warehouse_ids(warehouses)
    if ids is not None:
        levels = levels.filter(warehouse_id__in=ids)
    if warehouse_id is not None:
        levels = levels.filter(warehouse_id=warehouse_id)
    if sku_id is not None:
        levels = levels.filter(sku_id=sku_id)
    search = (search or "").strip()
    if search:
        levels = levels.filter(
            Q(sku__product__name__icontains=search) | Q(sku__code__iexact=search) | Q(sku__barcode=search)
        )
    if low_only:
        levels = levels.filter(low_stock_threshold__gt=0, available_qty__lte=F("low_stock_threshold"))
    return levels.order_by("warehouse__code", "sku__code", "pk")


def low_stock(merchant: Merchant | int, *, warehouses: WarehouseFilter = None) -> QuerySet[StockLevel]:
    """低库存预警: available <= threshold, for rows with a threshold above zero."""
    return stock_levels(merchant, warehouses=warehouses, low_only=True).order_by("available_qty", "pk")


def stock_of_sku(
    merchant: Merchant | int, sku: Sku | int, *, warehouses: WarehouseFilter = None
) -> list[StockLevel]:
    """One SKU's stock in every warehouse (annotated like ``stock_levels``)."""
    sku_id = sku if isinstance(sku, int) else sku.pk
    return list(stock_levels(merchant, warehouses=warehouses, sku_id=sku_id))


def available_quantity(merchant: Merchant | int, warehouse: Warehouse | int, sku: Sku | int) -> int:
    """What can still be sold or reserved: on hand minus reserved (0 if never stocked)."""
    level = (
        StockLevel.objects.for_merchant(merchant_id_of(merchant))
        .filter(
            warehouse_id=warehouse if isinstance(warehouse, int) else warehouse.pk,
            sku_id=sku if isinstance(sku, int) else sku.pk,
        )
        .values_list("on_hand", "reserved")
        .first()
    )
    return level[0] - level[1] if level else 0


def in_transit(
    merchant: Merchant | int,
    *,
    warehouses: WarehouseFilter = None,
    sku_id: int | None = None,
    incoming: bool = True,
) -> dict[tuple[int, int], int]:
    """Quantities in transit keyed by (warehouse id, SKU id): by destination (``incoming``) or by
    source warehouse (``incoming=False``)."""
    side = "transfer__to_warehouse_id" if incoming else "transfer__from_warehouse_id"
    lines = TransferLine.objects.for_merchant(merchant_id_of(merchant)).filter(
        transfer__status=Transfer.Status.IN_TRANSIT
    )
    ids = _warehouse_ids(warehouses)
    if ids is not None:
        lines = lines.filter(**{f"{side}__in": ids})
    if sku_id is not None:
        lines = lines.filter(sku_id=sku_id)
    rows = lines.values(side, "sku_id").annotate(total=Sum("quantity")).order_by()
    return {(row[side], row["sku_id"]): row["total"] for row in rows}


def movements(
    merchant: Merchant | int,
    *,
    warehouses: WarehouseFilter = None,
    warehouse_id: int | None = None,
    sku_id: int | None = None,
    kind: str | None = None,
    reference_type: str | None = None,
    reference_id: str | None = None,
    search: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[StockMovement]:
    """The ledger, newest first, with filters (``until`` is exclusive)."""
    rows = StockMovement.objects.for_merchant(merchant_id_of(merchant)).select_related(
        "warehouse", "sku__product", "actor"
    )
    ids = _warehouse_ids(warehouses)
    if ids is not None:
        rows = rows.filter(warehouse_id__in=ids)
    if warehouse_id is not None:
        rows = rows.filter(warehouse_id=warehouse_id)
    if sku_id is not None:
        rows = rows.filter(sku_id=sku_id)
    if kind:
        rows = rows.filter(kind=kind)
    if reference_type:
        rows = rows.filter(reference_type=reference_type)
    if reference_id:
        rows = rows.filter(reference_id=reference_id)
    search = (search or "").strip()
    if search:
        rows = rows.filter(
            Q(sku__product__name__icontains=search) | Q(sku__code__iexact=search) | Q(sku__barcode=search)
        )
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows.order_by("-pk")


def open_purchase_orders(merchant: Merchant | int, *, warehouses: WarehouseFilter = None) -> QuerySet:
    """Purchase orders not yet received or cancelled (draft, ordered, partially received)."""
    orders = PurchaseOrder.objects.for_merchant(merchant_id_of(merchant)).filter(
        status__in=PurchaseOrder.OPEN_STATUSES
    )
    ids = _warehouse_ids(warehouses)
    return orders if ids is None else orders.filter(warehouse_id__in=ids)


def find_sku(merchant: Merchant | int, text: str) -> Sku | None:
    """A live SKU by its exact code or barcode (what a scanner or a clerk types)."""
    text = (text or "").strip()
    if not text:
        return None
    skus = (
        Sku.objects.for_merchant(merchant_id_of(merchant)).filter(is_deleted=False).select_related("product")
    )
    return skus.filter(barcode=text).first() or skus.filter(code=text).first()
