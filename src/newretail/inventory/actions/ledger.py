"""The stock ledger: ``post_movement`` is the one function that writes a ``StockMovement`` and moves
the cached ``StockLevel`` with it. Everything that changes stock (receipts, sales, returns,
transfers, adjustments, stocktakes) goes through it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from newretail.catalog.models import Sku
from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import merchant_id_of
from newretail.inventory import events
from newretail.inventory.actions.checks import check_signed_quantity, sku_of, warehouse_of
from newretail.inventory.errors import InventoryError
from newretail.inventory.models import MAX_QUANTITY, StockLevel, StockMovement
from newretail.tenancy.access import require_perm, require_warehouse_access
from newretail.tenancy.models import Merchant, User, Warehouse
from newretail.tenancy.roles import Perm

Kind = StockMovement.Kind

# The sign each kind of movement must have: +1 adds stock, -1 takes it, 0 either way.
KIND_SIGN: dict[str, int] = {
    Kind.RECEIPT: 1,
    Kind.RETURN: 1,
    Kind.TRANSFER_IN: 1,
    Kind.SALE: -1,
    Kind.TRANSFER_OUT: -1,
    Kind.ADJUSTMENT: 0,
    Kind.STOCKTAKE: 0,
}


def ensure_stock_level(merchant_id: int, warehouse_id: int, sku_id: int) -> StockLevel:
    """The cache row of (warehouse, SKU), created at zero on first use. Safe under concurrency:
    a racing insert loses on the unique constraint and reads the winner's row."""
    level, _ = StockLevel.objects.get_or_create(
        warehouse_id=warehouse_id, sku_id=sku_id, defaults={"merchant_id": merchant_id}
    )
    if level.merchant_id != merchant_id:  # ids were checked by the caller; this is a bug guard
        raise ValueError("stock level belongs to another merchant")
    return level


def insufficient(warehouse: Warehouse, sku: Sku, requested: int, *, extra_available: int = 0) -> DomainError:
    """INSUFFICIENT_STOCK with the quantity that is available right now."""
    level = StockLevel.objects.filter(warehouse_id=warehouse.pk, sku_id=sku.pk).first()
    available = (level.on_hand - level.reserved if level else 0) + extra_available
    return DomainError(
        InventoryError.INSUFFICIENT_STOCK,
        sku=sku.display_name,
        warehouse=warehouse.name,
        available=max(available, 0),
        requested=requested,
    )


@transaction.atomic
def post_movement(
    *,
    merchant: Merchant | int,
    warehouse: Warehouse | int,
    sku: Sku | int,
    kind: str,
    quantity: int,
    actor: User | None = None,
    reference_type: str = "",
    reference_id: str | int = "",
    note: str = "",
    consume_reserved: int = 0,
) -> StockMovement:
    """Append one movement to the ledger and move the cached on-hand by ``quantity``.

    Guarantees:
    - the movement and the cache change commit together or not at all;
    - the cache is changed by one conditional UPDATE (``on_hand + q >= reserved``), so concurrent
      callers can never take stock that is not there: on-hand never goes below zero nor below what
      is reserved for orders, otherwise ``INSUFFICIENT_STOCK`` says how much is available;
    - ``consume_reserved`` (used by a sale that ends a reservation) lowers ``reserved`` in the same
      UPDATE, so the reserved units are sold and never counted twice;
    - ``on_hand_after`` on the movement is the cache value this movement produced;
    - the quantity's sign matches the kind (receipts add, sales take, adjustments either);
    - ``inventory.low_stock`` is recorded when available stock crosses the SKU's threshold.

    It checks no permission: the actions that call it (here and in other domains) do.
    Quantities are in the SKU's base unit (grams for products sold by weight).
    """
    merchant_id = merchant_id_of(merchant)
    warehouse = warehouse_of(merchant_id, warehouse)
    sku = sku_of(merchant_id, sku)
    if kind not in KIND_SIGN:
        raise ValueError(f"unknown movement kind {kind!r}")
    check_signed_quantity(quantity)
    sign = KIND_SIGN[kind]
    if sign and (quantity > 0) != (sign > 0):
        raise DomainError(InventoryError.WRONG_SIGN, kind=Kind(kind).label, quantity=quantity)
    if consume_reserved < 0:
        raise ValueError("consume_reserved must be >= 0")

    level = StockLevel.objects.filter(warehouse_id=warehouse.pk, sku_id=sku.pk)

    def apply() -> int:
        # on_hand + quantity >= reserved - consume_reserved, and reserved >= consume_reserved
        return level.filter(
            on_hand__gte=F("reserved") - (consume_reserved + quantity), reserved__gte=consume_reserved
        ).update(
            on_hand=F("on_hand") + quantity,
            reserved=F("reserved") - consume_reserved,
            updated_at=clock.now(),
        )

    updated = apply()
    if updated == 0 and not level.exists():  # first movement of this SKU here
        ensure_stock_level(merchant_id, warehouse.pk, sku.pk)
        updated = apply()
    if updated != 1:
        raise insufficient(warehouse, sku, -quantity, extra_available=consume_reserved)
    # The UPDATE holds the row lock until commit, so this reads the values it produced.
    on_hand_after, reserved_after, threshold = level.values_list(
        "on_hand", "reserved", "low_stock_threshold"
    ).get()
    available_after = on_hand_after - reserved_after
    events.check_low_stock(
        merchant_id=merchant_id,
        warehouse_id=warehouse.pk,
        sku_id=sku.pk,
        before=available_after - quantity - consume_reserved,
        after=available_after,
        threshold=threshold,
    )
    return StockMovement.objects.create(
        merchant_id=merchant_id,
        warehouse=warehouse,
        sku=sku,
        kind=kind,
        quantity=quantity,
        on_hand_after=on_hand_after,
        reference_type=reference_type[:32],
        reference_id=str(reference_id)[:64],
        note=note[:255],
        actor=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def adjust_stock(*, actor: User, warehouse_id: int, sku_id: int, quantity: int, reason: str) -> StockMovement:
    """A manual correction (damage, theft, found goods, opening stock): posts an ``adjustment``
    movement of the signed ``quantity`` and writes an audit entry with the on-hand before and
    after and the reason. Refused without a reason, or if it would take reserved or missing stock."""
    require_perm(actor, Perm.INVENTORY_ADJUST)
    warehouse = warehouse_of(actor.merchant_id, warehouse_id)
    require_warehouse_access(actor, warehouse)
    sku = sku_of(actor.merchant_id, sku_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(InventoryError.REASON_REQUIRED)
    check_signed_quantity(quantity)
    movement = post_movement(
        merchant=actor.merchant_id,
        warehouse=warehouse,
        sku=sku,
        kind=Kind.ADJUSTMENT,
        quantity=quantity,
        actor=actor,
        reference_type="adjustment",
        note=reason,
    )
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="inventory.stock_adjusted",
        obj=movement,
        before={"warehouse": warehouse.pk, "sku": sku.pk, "on_hand": movement.on_hand_after - quantity},
        after={"warehouse": warehouse.pk, "sku": sku.pk, "on_hand": movement.on_hand_after},
        reason=reason,
    )
    events.stock_adjusted_event(movement=movement)
    return movement


@transaction.atomic
def set_low_stock_threshold(*, actor: User, warehouse_id: int, sku_id: int, threshold: int) -> StockLevel:
    """Set the available quantity at or below which the SKU shows on the low-stock list (0: never)."""
    require_perm(actor, Perm.INVENTORY_ADJUST)
    warehouse = warehouse_of(actor.merchant_id, warehouse_id)
    require_warehouse_access(actor, warehouse)
    sku = sku_of(actor.merchant_id, sku_id)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= MAX_QUANTITY:
        raise DomainError(InventoryError.INVALID_THRESHOLD, maximum=MAX_QUANTITY)
    level = ensure_stock_level(actor.merchant_id, warehouse.pk, sku.pk)
    StockLevel.objects.filter(pk=level.pk).update(low_stock_threshold=threshold, updated_at=clock.now())
    level.refresh_from_db()
    return level
