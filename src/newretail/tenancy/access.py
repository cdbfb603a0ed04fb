"""Access checks used by every view and API route: who may do what, on which store."""

from __future__ import annotations

from django.db.models import QuerySet

from newretail.core.errors import CoreError, DomainError
from newretail.tenancy.errors import TenancyError
from newretail.tenancy.models import Store, User, Warehouse


def require_staff(actor: User | None) -> User:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_merchant_staff:
        raise DomainError(CoreError.PERMISSION_DENIED)
    return actor


def require_perm(actor: User | None, perm: str) -> User:
    actor = require_staff(actor)
    if not actor.has_perm_code(perm):
        raise DomainError(CoreError.PERMISSION_DENIED)
    return actor


def scoped_stores(actor: User) -> QuerySet[Store]:
    stores = Store.objects.for_merchant(actor.merchant_id)
    ids = actor.store_ids()
    return stores if ids is None else stores.filter(pk__in=ids)


def scoped_warehouses(actor: User) -> QuerySet[Warehouse]:
    """Warehouses the actor may act on: all for HQ; store-bound staff see their stores' warehouses."""
    warehouses = Warehouse.objects.for_merchant(actor.merchant_id)
    ids = actor.store_ids()
    return warehouses if ids is None else warehouses.filter(store_id__in=ids)


def require_store_access(actor: User, store_id: int | None) -> None:
    ids = actor.store_ids()
    if ids is not None and store_id not in ids:
        raise DomainError(TenancyError.STORE_OUT_OF_SCOPE)


def require_warehouse_access(actor: User, warehouse: Warehouse) -> None:
    if warehouse.merchant_id != actor.merchant_id:
        raise DomainError(CoreError.NOT_FOUND)
    ids = actor.store_ids()
    if ids is not None and warehouse.store_id not in ids:
        raise DomainError(TenancyError.STORE_OUT_OF_SCOPE)
