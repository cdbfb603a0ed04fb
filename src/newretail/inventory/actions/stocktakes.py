"""Stocktakes (盘点): start a count sheet for a warehouse, enter counts, post the differences as
``stocktake`` movements (盘盈 gain / 盘亏 loss), or cancel. One count at a time per warehouse."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.db.models import Q

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.inventory import events
from newretail.inventory.actions.checks import (
    MAX_LINES,
    check_quantity,
    skus_for_lines,
    warehouse_of,
)
from newretail.inventory.actions.ledger import ensure_stock_level, post_movement
from newretail.inventory.actions.numbers import STOCKTAKE, next_document_number
from newretail.inventory.errors import InventoryError
from newretail.inventory.models import MAX_QUANTITY, StockLevel, StockMovement, Stocktake, StocktakeLine
from newretail.tenancy.access import require_perm, require_warehouse_access
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

Status = Stocktake.Status


def _load(actor: User, stocktake_id: int) -> Stocktake:
    stocktake = get_owned(
        Stocktake.objects.select_for_update().select_related("warehouse"), actor.merchant_id, pk=stocktake_id
    )
    require_warehouse_access(actor, stocktake.warehouse)
    return stocktake


def _require_counting(stocktake: Stocktake) -> None:
    if stocktake.status != Status.COUNTING:
        raise DomainError(
            InventoryError.INVALID_STATUS, number=stocktake.number, status=stocktake.get_status_display()
        )


def _in_progress_error(stocktake: Stocktake) -> DomainError:
    return DomainError(
        InventoryError.STOCKTAKE_IN_PROGRESS, warehouse=stocktake.warehouse.name, number=stocktake.number
    )


@transaction.atomic
def start_stocktake(
    *, actor: User, warehouse_id: int, sku_ids: Iterable[int] | None = None, note: str = ""
) -> Stocktake:
    """Open a count sheet. Without ``sku_ids`` it lists every SKU stocked in the warehouse (a
    full count); with them, only those (a cycle count). Each line snapshots the on-hand quantity
    at this moment for reference; the posted difference is computed later (see ``post_stocktake``).
    A warehouse has at most one stocktake counting at a time."""
    require_perm(actor, Perm.INVENTORY_STOCKTAKE)
    warehouse = warehouse_of(actor.merchant_id, warehouse_id)
    require_warehouse_access(actor, warehouse)
    open_count = Stocktake.objects.filter(warehouse=warehouse, status=Status.COUNTING).first()
    if open_count is not None:
        raise _in_progress_error(open_count)
    levels = StockLevel.objects.filter(merchant_id=actor.merchant_id, warehouse=warehouse)
    if sku_ids is None:
        levels = levels.exclude(Q(sku__is_deleted=True) & Q(on_hand=0))
        expected = dict(levels.values_list("sku_id", "on_hand"))
    else:
        sku_ids = list(sku_ids)
        if len(sku_ids) > MAX_LINES:
            raise DomainError(InventoryError.TOO_MANY_LINES, maximum=MAX_LINES)
        skus = skus_for_lines(actor.merchant_id, sku_ids)
        on_hand = dict(levels.filter(sku_id__in=skus).values_list("sku_id", "on_hand"))
        expected = {sku_id: on_hand.get(sku_id, 0) for sku_id in skus}
    try:
        with transaction.atomic():
            stocktake = Stocktake.objects.create(
                merchant_id=actor.merchant_id,
                number=next_document_number(merchant=actor.merchant, prefix=STOCKTAKE),
                warehouse=warehouse,
                note=(note or "")[:500],
                created_by=actor,
            )
    except IntegrityError:  # another count of this warehouse started at the same moment
        raise _in_progress_error(
            Stocktake.objects.select_related("warehouse").get(warehouse=warehouse, status=Status.COUNTING)
        ) from None
    StocktakeLine.objects.bulk_create(
        StocktakeLine(merchant_id=actor.merchant_id, stocktake=stocktake, sku_id=sku_id, expected_on_hand=qty)
        for sku_id, qty in sorted(expected.items())
    )
    return stocktake


@transaction.atomic
def record_stocktake_counts(*, actor: User, stocktake_id: int, counts: Mapping[int, int]) -> Stocktake:
    """Enter counted quantities by SKU id (0..10,000,000; entering again overwrites). A SKU that is
    not on the sheet (found on a shelf) is added with its current on-hand as the snapshot."""
    require_perm(actor, Perm.INVENTORY_STOCKTAKE)
    stocktake = _load(actor, stocktake_id)
    _require_counting(stocktake)
    if not counts:
        raise DomainError(InventoryError.NO_LINES)
    if len(counts) > MAX_LINES:
        raise DomainError(InventoryError.TOO_MANY_LINES, maximum=MAX_LINES)
    for counted in counts.values():
        check_quantity(counted, minimum=0, maximum=MAX_QUANTITY)
    lines = {line.sku_id: line for line in stocktake.lines.all()}
    new_ids = [sku_id for sku_id in counts if sku_id not in lines]
    if new_ids:
        skus_for_lines(actor.merchant_id, new_ids)
        on_hand = dict(
            StockLevel.objects.filter(warehouse=stocktake.warehouse, sku_id__in=new_ids).values_list(
                "sku_id", "on_hand"
            )
        )
        for sku_id in new_ids:
            lines[sku_id] = StocktakeLine.objects.create(
                merchant_id=actor.merchant_id,
                stocktake=stocktake,
                sku_id=sku_id,
                expected_on_hand=on_hand.get(sku_id, 0),
            )
    for sku_id, counted in counts.items():
        line = lines[sku_id]
        if line.counted_quantity != counted:
            line.counted_quantity = counted
            line.save(update_fields=["counted_quantity"])
    return stocktake


@transaction.atomic
def post_stocktake(*, actor: User, stocktake_id: int) -> Stocktake:
    """Post the counts: for every counted line, ``difference = counted - on hand at posting time``
    becomes one ``stocktake`` movement (positive: 盘盈 gain, negative: 盘亏 loss); lines without a
    count are left as they are.

    Why on hand at posting and not the snapshot taken at the start: the store keeps selling while
    it counts. A shelf that held 10 when counting started, sold 2 and was then counted at 8 has
    no loss; comparing with the snapshot would book 2 as lost and the sales would be counted
    twice. So count a shelf, then post promptly; the snapshot stays on the sheet for reference.

    Guarantees: the stock rows are locked in SKU order while the differences are computed and
    posted, so a concurrent sale cannot slip between the read and the movement; a count below
    the quantity held for orders is refused (release those holds first) and nothing is posted;
    the posting is audited with on-hand before and after per SKU."""
    require_perm(actor, Perm.INVENTORY_STOCKTAKE)
    stocktake = _load(actor, stocktake_id)
    _require_counting(stocktake)
    counted_lines = list(
        stocktake.lines.filter(counted_quantity__isnull=False)
        .select_related("sku__product")
        .order_by("sku_id")
    )
    if not counted_lines:
        raise DomainError(InventoryError.NOTHING_COUNTED)
    before, after = {}, {}
    for line in counted_lines:
        level = ensure_stock_level(actor.merchant_id, stocktake.warehouse_id, line.sku_id)
        level = StockLevel.objects.select_for_update().get(pk=level.pk)
        if line.counted_quantity < level.reserved:
            raise DomainError(
                InventoryError.COUNT_BELOW_RESERVED,
                counted=line.counted_quantity,
                sku=line.sku.display_name,
                reserved=level.reserved,
            )
        line.on_hand_at_post = level.on_hand
        line.difference = line.counted_quantity - level.on_hand
        line.save(update_fields=["on_hand_at_post", "difference"])
        if line.difference:
            post_movement(
                merchant=actor.merchant_id,
                warehouse=stocktake.warehouse,
                sku=line.sku,
                kind=StockMovement.Kind.STOCKTAKE,
                quantity=line.difference,
                actor=actor,
                reference_type="stocktake",
                reference_id=stocktake.number,
            )
            before[str(line.sku_id)] = level.on_hand
            after[str(line.sku_id)] = line.counted_quantity
    stocktake.status = Status.POSTED
    stocktake.posted_by = actor
    stocktake.posted_at = clock.now()
    stocktake.save(update_fields=["status", "posted_by", "posted_at"])
    events.stocktake_posted_event(
        stocktake=stocktake, differences={int(sku): after[sku] - before[sku] for sku in before}
    )
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="inventory.stocktake_posted",
        obj=stocktake,
        before=before,
        after=after,
        reason=stocktake.number,
    )
    return stocktake


@transaction.atomic
def cancel_stocktake(*, actor: User, stocktake_id: int) -> Stocktake:
    """Abandon a count: nothing is posted and the warehouse may be counted again."""
    require_perm(actor, Perm.INVENTORY_STOCKTAKE)
    stocktake = _load(actor, stocktake_id)
    _require_counting(stocktake)
    stocktake.status = Status.CANCELLED
    stocktake.save(update_fields=["status"])
    return stocktake
