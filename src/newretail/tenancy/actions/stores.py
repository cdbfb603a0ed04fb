from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm, require_store_access
from newretail.tenancy.errors import TenancyError
from newretail.tenancy.models import Store, User, Warehouse
from newretail.tenancy.roles import Perm

STORE_FIELDS = (
    "name",
    "province",
    "city",
    "district",
    "address",
    "phone",
    "latitude",
    "longitude",
    "opens_at",
    "closes_at",
    "floor_area_m2",
    "is_online",
    "is_active",
)


def _check_hours(store: Store) -> None:
    if store.opens_at and store.closes_at and store.closes_at <= store.opens_at:
        raise DomainError(TenancyError.INVALID_HOURS)


@transaction.atomic
def create_store(*, actor: User, code: str, **fields: Any) -> Store:
    """Create a store and its own store warehouse (code ``<store code>-WH``) in one transaction."""
    require_perm(actor, Perm.STORES_MANAGE)
    store = Store(
        merchant_id=actor.merchant_id, code=code, **{k: v for k, v in fields.items() if k in STORE_FIELDS}
    )
    _check_hours(store)
    if Store.objects.for_merchant(actor.merchant_id).filter(code=code).exists():
        raise DomainError(TenancyError.STORE_CODE_TAKEN, code=code)
    try:
        with transaction.atomic():
            store.save()
    except IntegrityError:
        raise DomainError(TenancyError.STORE_CODE_TAKEN, code=code) from None
    Warehouse.objects.create(
        merchant_id=actor.merchant_id,
        code=f"{code}-WH"[:32],
        name=f"{store.name}仓",
        kind=Warehouse.Kind.STORE,
        store=store,
        address=store.address,
    )
    return store


@transaction.atomic
def update_store(*, actor: User, store_id: int, **fields: Any) -> Store:
    require_perm(actor, Perm.STORES_MANAGE)
    store = get_owned(Store.objects.select_for_update(), actor.merchant_id, pk=store_id)
    require_store_access(actor, store.pk)
    for key, value in fields.items():
        if key in STORE_FIELDS:
            setattr(store, key, value)
    _check_hours(store)
    store.save()
    return store


@transaction.atomic
def create_warehouse(*, actor: User, code: str, name: str, address: str = "") -> Warehouse:
    """Create a central warehouse (store warehouses come with their store)."""
    require_perm(actor, Perm.STORES_MANAGE)
    if Warehouse.objects.for_merchant(actor.merchant_id).filter(code=code).exists():
        raise DomainError(TenancyError.WAREHOUSE_CODE_TAKEN, code=code)
    return Warehouse.objects.create(
        merchant_id=actor.merchant_id, code=code, name=name, kind=Warehouse.Kind.CENTRAL, address=address
    )
