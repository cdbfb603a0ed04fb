"""Order holds (预占). ``available = on_hand - reserved``; ``reserved`` caches the sum of active
reservations. A reservation ends exactly once: consumed (the sale), released or expired."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import F

from newretail.catalog.models import Sku
from newretail.core import clock
from newretail.core.batches import pks_in_batches
from newretail.core.errors import CoreError, DomainError
from newretail.core.tenancy import get_owned, merchant_id_of
from newretail.inventory import events
from newretail.inventory.actions.checks import check_quantity, sku_of, warehouse_of
from newretail.inventory.actions.ledger import insufficient, post_movement
from newretail.inventory.errors import InventoryError
from newretail.inventory.models import Reservation, StockLevel, StockMovement
from newretail.tenancy.access import require_perm, require_warehouse_access
from newretail.tenancy.models import Merchant, User, Warehouse
from newretail.tenancy.roles import Perm

logger = logging.getLogger(__name__)

DEFAULT_TTL = dt.timedelta(minutes=30)
Status = Reservation.Status


def _check_staff(actor: User | None, warehouse: Warehouse) -> None:
    # Staff (API integrations, console) need the permission and the store; a call from another
    # domain's action (actor None, e.g. checkout) was checked by that action.
    if actor is not None:
        require_perm(actor, Perm.INVENTORY_ADJUST)
        require_warehouse_access(actor, warehouse)


@transaction.atomic
def reserve_stock(
    *,
    merchant: Merchant | int,
    warehouse: Warehouse | int,
    sku: Sku | int,
    quantity: int,
    reference: str,
    ttl: dt.timedelta | None = DEFAULT_TTL,
    actor: User | None = None,
) -> Reservation:
    """Hold ``quantity`` of a SKU in a warehouse for ``reference`` (e.g. "order:123") until
    ``now + ttl`` (``ttl=None``: until released or consumed).

    Guarantees:
    - one conditional UPDATE (``reserved = reserved + q WHERE on_hand - reserved >= q``): under any
      concurrency the sum of holds never exceeds the stock on hand; when it would, nothing is
      written and ``INSUFFICIENT_STOCK`` carries the available quantity;
    - idempotent per (warehouse, SKU, reference): repeating the call returns the active hold
      unchanged; asking for another quantity under the same reference is a conflict.
    """
    merchant_id = merchant_id_of(merchant)
    warehouse = warehouse_of(merchant_id, warehouse)
    sku = sku_of(merchant_id, sku)
    _check_staff(actor, warehouse)
    check_quantity(quantity)
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise DomainError(InventoryError.INVALID_REFERENCE)
    if ttl is not None and ttl.total_seconds() < 1:
        raise DomainError(InventoryError.INVALID_TTL)
    now = clock.now()

    active = Reservation.objects.filter(
        merchant_id=merchant_id, warehouse=warehouse, sku=sku, reference=reference, status=Status.ACTIVE
    )
    # The hold row goes in first: a concurrent call with the same reference waits on the unique
    # index and then replays the winner's hold instead of reserving twice.
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                merchant_id=merchant_id,
                warehouse=warehouse,
                sku=sku,
                quantity=quantity,
                reference=reference,
                expires_at=now + ttl if ttl is not None else None,
            )
    except IntegrityError:
        existing = active.first()
        if existing is None:  # the racing hold ended meanwhile; the caller may simply retry
            raise DomainError(CoreError.CONFLICT) from None
        if existing.quantity != quantity:
            raise DomainError(
                InventoryError.RESERVATION_CONFLICT, reference=reference, quantity=existing.quantity
            ) from None
        return existing

    updated = StockLevel.objects.filter(
        merchant_id=merchant_id,
        warehouse=warehouse,
        sku=sku,
        on_hand__gte=F("reserved") + quantity,
    ).update(reserved=F("reserved") + quantity, updated_at=now)
    if updated != 1:
        raise insufficient(warehouse, sku, quantity)
    on_hand, reserved, threshold = (
        StockLevel.objects.filter(warehouse=warehouse, sku=sku)
        .values_list("on_hand", "reserved", "low_stock_threshold")
        .get()
    )
    events.check_low_stock(
        merchant_id=merchant_id,
        warehouse_id=warehouse.pk,
        sku_id=sku.pk,
        before=on_hand - reserved + quantity,
        after=on_hand - reserved,
        threshold=threshold,
    )
    return reservation


def reserve_stock_lines(
    *,
    merchant: Merchant | int,
    warehouse: Warehouse,
    lines: list[tuple[Sku, int]],
    reference: str,
    ttl: dt.timedelta | None = DEFAULT_TTL,
) -> list[Reservation]:
    """Hold several SKUs of one new document (an order being placed) in one warehouse, inside
    the caller's transaction: one INSERT for all holds, then one conditional UPDATE per SKU in
    SKU-id order (``reserved + q WHERE on_hand - reserved >= q``), then one read for the low-stock
    check. Same guarantee as ``reserve_stock``: the holds never exceed the stock on hand; when one
    line cannot be held ``INSUFFICIENT_STOCK`` is raised and the caller's transaction must roll
    back (nothing of the document survives). ``reference`` must be new (no replay here: the
    document's own idempotency covers it). Checks no permission: the calling action does."""
    merchant_id = merchant_id_of(merchant)
    if warehouse.merchant_id != merchant_id:
        raise DomainError(CoreError.NOT_FOUND)
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise DomainError(InventoryError.INVALID_REFERENCE)
    ordered = sorted(lines, key=lambda line: line[0].pk)
    for sku, quantity in ordered:
        if sku.merchant_id != merchant_id:
            raise DomainError(CoreError.NOT_FOUND)
        check_quantity(quantity)
    now = clock.now()
    holds = Reservation.objects.bulk_create(
        Reservation(
            merchant_id=merchant_id,
            warehouse=warehouse,
            sku=sku,
            quantity=quantity,
            reference=reference,
            expires_at=now + ttl if ttl is not None else None,
        )
        for sku, quantity in ordered
    )
    for sku, quantity in ordered:
        updated = StockLevel.objects.filter(
            merchant_id=merchant_id, warehouse=warehouse, sku=sku, on_hand__gte=F("reserved") + quantity
        ).update(reserved=F("reserved") + quantity, updated_at=now)
        if updated != 1:
            raise insufficient(warehouse, sku, quantity)
    wanted = dict((sku.pk, quantity) for sku, quantity in ordered)
    for sku_id, on_hand, reserved, threshold in StockLevel.objects.filter(
        warehouse=warehouse, sku_id__in=wanted, low_stock_threshold__gt=0
    ).values_list("sku_id", "on_hand", "reserved", "low_stock_threshold"):
        events.check_low_stock(
            merchant_id=merchant_id,
            warehouse_id=warehouse.pk,
            sku_id=sku_id,
            before=on_hand - reserved + wanted[sku_id],
            after=on_hand - reserved,
            threshold=threshold,
        )
    return holds


def _close(reservation: Reservation, status: str) -> bool:
    """Move an active reservation to ``status`` with a conditional UPDATE; False if it was no
    longer active (someone else closed it first)."""
    now = clock.now()
    closed = Reservation.objects.filter(pk=reservation.pk, status=Status.ACTIVE).update(
        status=status, closed_at=now
    )
    if closed != 1:
        return False
    reservation.status = status
    reservation.closed_at = now
    return True


def _unreserve(reservation: Reservation) -> None:
    updated = StockLevel.objects.filter(
        warehouse_id=reservation.warehouse_id,
        sku_id=reservation.sku_id,
        reserved__gte=reservation.quantity,
    ).update(reserved=F("reserved") - reservation.quantity, updated_at=clock.now())
    if updated != 1:  # the cache lost a hold it should have: check_ledgers will show where
        logger.error("stock level reserved below reservation %s", reservation.pk)
        raise DomainError(CoreError.CONFLICT)


@transaction.atomic
def release_reservation(
    *, merchant: Merchant | int, reservation_id: int, actor: User | None = None
) -> Reservation:
    """Give the held quantity back to ``available`` (order cancelled, cart abandoned).

    Idempotent: releasing a released reservation changes nothing. A consumed or expired one
    cannot be released (``RESERVATION_NOT_ACTIVE``)."""
    merchant_id = merchant_id_of(merchant)
    reservation = get_owned(Reservation.objects.select_related("warehouse"), merchant_id, pk=reservation_id)
    _check_staff(actor, reservation.warehouse)
    if _close(reservation, Status.RELEASED):
        _unreserve(reservation)
        return reservation
    reservation.refresh_from_db()
    if reservation.status == Status.RELEASED:
        return reservation
    raise DomainError(
        InventoryError.RESERVATION_NOT_ACTIVE,
        reference=reservation.reference,
        status=reservation.get_status_display(),
    )


@transaction.atomic
def release_reservations(*, merchant: Merchant | int, reference: str, actor: User | None = None) -> int:
    """Release every active hold of ``reference`` (all SKUs of an order). Returns how many."""
    merchant_id = merchant_id_of(merchant)
    ids = list(
        Reservation.objects.filter(merchant_id=merchant_id, reference=reference, status=Status.ACTIVE)
        .order_by("sku_id", "pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        release_reservation(merchant=merchant_id, reservation_id=pk, actor=actor)
    return len(ids)


def _reference_parts(reference: str) -> tuple[str, str]:
    kind, sep, ident = reference.partition(":")
    return (kind[:32], ident) if sep and kind else ("reservation", reference)


@transaction.atomic
def consume_reservation(
    *, merchant: Merchant | int, reservation_id: int, actor: User | None = None
) -> StockMovement:
    """Turn a hold into a sale: posts a ``sale`` movement of the held quantity and lowers
    ``reserved`` by it in the same conditional UPDATE, so the units leave on-hand exactly once.
    The movement's reference is the hold's ("order:123" -> order / 123).

    Idempotent: consuming a consumed reservation returns its sale movement and posts nothing.
    A released or expired hold cannot be consumed (``RESERVATION_NOT_ACTIVE``): reserve again."""
    merchant_id = merchant_id_of(merchant)
    reservation = get_owned(
        Reservation.objects.select_related("warehouse", "sku__product"), merchant_id, pk=reservation_id
    )
    _check_staff(actor, reservation.warehouse)
    if not _close(reservation, Status.CONSUMED):
        reservation.refresh_from_db()
        if reservation.status == Status.CONSUMED and reservation.movement_id:
            return reservation.movement
        raise DomainError(
            InventoryError.RESERVATION_NOT_ACTIVE,
            reference=reservation.reference,
            status=reservation.get_status_display(),
        )
    reference_type, reference_id = _reference_parts(reservation.reference)
    movement = post_movement(
        merchant=merchant_id,
        warehouse=reservation.warehouse,
        sku=reservation.sku,
        kind=StockMovement.Kind.SALE,
        quantity=-reservation.quantity,
        actor=actor,
        reference_type=reference_type,
        reference_id=reference_id,
        consume_reserved=reservation.quantity,
    )
    Reservation.objects.filter(pk=reservation.pk).update(movement=movement)
    reservation.movement = movement
    return movement


def expire_reservations(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Expire every active reservation whose ``expires_at`` has passed and give its quantity back.

    Each reservation is closed in its own short transaction (conditional UPDATE from active), not
    one long transaction over the sweep: a hold consumed or released at the same moment simply
    wins, and the sweep never holds many stock rows locked in an order that could deadlock with
    checkout. Safe to run in several workers at once. Returns how many were expired."""
    now = now or clock.now()
    due = Reservation.objects.filter(status=Status.ACTIVE, expires_at__lte=now)
    return sum(_expire_one(pk) for pk in pks_in_batches(due, batch_size))


@transaction.atomic
def _expire_one(reservation_id: int) -> int:
    reservation = Reservation.objects.filter(pk=reservation_id).first()
    if reservation is None or not _close(reservation, Status.EXPIRED):
        return 0
    _unreserve(reservation)
    return 1
