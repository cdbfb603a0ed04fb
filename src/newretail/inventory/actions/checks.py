"""Input checks and tenancy-safe lookups shared by the inventory actions. A warehouse or SKU may
be passed as a row or an id; either way it must belong to the acting merchant (404 otherwise)."""

from __future__ import annotations

from newretail.catalog.models import Sku
from newretail.core.errors import DomainError, not_found
from newretail.core.tenancy import get_owned
from newretail.inventory.errors import InventoryError
from newretail.inventory.models import MAX_QUANTITY
from newretail.tenancy.models import Warehouse

# Most lines one purchase order, transfer or count submission may carry.
MAX_LINES = 500


def warehouse_of(merchant_id: int, warehouse: Warehouse | int) -> Warehouse:
    if isinstance(warehouse, Warehouse):
        if warehouse.merchant_id != merchant_id:
            raise not_found()
        return warehouse
    return get_owned(Warehouse, merchant_id, pk=warehouse)


def sku_of(merchant_id: int, sku: Sku | int, *, allow_deleted: bool = True) -> Sku:
    """The SKU of this merchant. New documents pass ``allow_deleted=False``; goods of a deleted SKU
    that are already on the way may still be received, sold or counted."""
    if isinstance(sku, Sku):
        if sku.merchant_id != merchant_id or (sku.is_deleted and not allow_deleted):
            raise not_found()
        return sku
    queryset = Sku.objects.select_related("product")
    if not allow_deleted:
        queryset = queryset.filter(is_deleted=False)
    return get_owned(queryset, merchant_id, pk=sku)


def check_quantity(quantity: object, *, minimum: int = 1, maximum: int = MAX_QUANTITY) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not minimum <= quantity <= maximum:
        raise DomainError(
            InventoryError.INVALID_QUANTITY, quantity=quantity, minimum=minimum, maximum=maximum
        )
    return quantity


def check_signed_quantity(quantity: object) -> int:
    """A non-zero whole quantity within ±MAX_QUANTITY (movements and adjustments)."""
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or quantity == 0
        or not -MAX_QUANTITY <= quantity <= MAX_QUANTITY
    ):
        raise DomainError(
            InventoryError.INVALID_QUANTITY, quantity=quantity, minimum=-MAX_QUANTITY, maximum=MAX_QUANTITY
        )
    return quantity


def check_line_count(count: int) -> None:
    if count == 0:
        raise DomainError(InventoryError.NO_LINES)
    if count > MAX_LINES:
        raise DomainError(InventoryError.TOO_MANY_LINES, maximum=MAX_LINES)


def skus_for_lines(merchant_id: int, sku_ids: list[int]) -> dict[int, Sku]:
    """Resolve the SKUs of new document lines in one query: unknown, deleted or another merchant's
    ids are 404; a SKU on two lines is refused."""
    seen: set[int] = set()
    for sku_id in sku_ids:
        if sku_id in seen:
            sku = Sku.objects.select_related("product").filter(merchant_id=merchant_id, pk=sku_id).first()
            raise DomainError(InventoryError.DUPLICATE_LINE, sku=sku.display_name if sku else sku_id)
        seen.add(sku_id)
    skus = {
        s.pk: s
        for s in Sku.objects.select_related("product").filter(
            merchant_id=merchant_id, is_deleted=False, pk__in=seen
        )
    }
    if len(skus) != len(seen):
        raise not_found()
    return skus
