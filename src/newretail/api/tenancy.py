"""Staff API: who am I, stores, warehouses, staff."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema, Status

from newretail.api.base import ERRORS, actor_of
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm, scoped_stores, scoped_warehouses
from newretail.tenancy.actions import stores as store_actions
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm

router = Router(tags=["tenancy"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    merchant_id: int
    merchant_name: str
    role: str
    permissions: list[str]
    store_ids: list[int] | None


class StoreOut(Schema):
    id: int
    code: str
    name: str
    province: str
    city: str
    district: str
    address: str
    phone: str
    latitude: Decimal | None
    longitude: Decimal | None
    opens_at: dt.time | None
    closes_at: dt.time | None
    floor_area_m2: Decimal | None
    is_online: bool
    is_active: bool


class StoreIn(Schema):
    code: str = Field(..., min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(..., min_length=1, max_length=100)
    province: str = Field("", max_length=32)
    city: str = Field("", max_length=32)
    district: str = Field("", max_length=32)
    address: str = Field(..., min_length=1, max_length=200)
    phone: str = Field("", max_length=20)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    floor_area_m2: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=2)
    is_online: bool = True
    is_active: bool = True


class StorePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=20)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    floor_area_m2: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=2)
    is_online: bool | None = None
    is_active: bool | None = None


class WarehouseOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    store_id: int | None
    address: str
    is_active: bool


class StaffOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    is_active: bool
    store_ids: list[int]


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request):
    actor = actor_of(request)
    ids = actor.store_ids()
    return MeOut(
        id=actor.pk,
        username=actor.username,
        display_name=actor.display_name,
        merchant_id=actor.merchant_id,
        merchant_name=actor.merchant.name,
        role=actor.role,
        permissions=sorted(actor.permissions),
        store_ids=sorted(ids) if ids is not None else None,
    )


@router.get("/stores", response={200: list[StoreOut], **ERRORS})
def list_stores(request):
    actor = require_perm(actor_of(request), Perm.STORES_VIEW)
    return list(scoped_stores(actor))


@router.post("/stores", response={201: StoreOut, **ERRORS})
def create_store(request, payload: StoreIn):
    store = store_actions.create_store(actor=actor_of(request), **payload.dict())
    return Status(201, store)


@router.get("/stores/{store_id}", response={200: StoreOut, **ERRORS})
def get_store(request, store_id: int):
    actor = require_perm(actor_of(request), Perm.STORES_VIEW)
    return get_owned(scoped_stores(actor), actor.merchant_id, pk=store_id)


@router.patch("/stores/{store_id}", response={200: StoreOut, **ERRORS})
def update_store(request, store_id: int, payload: StorePatch):
    return store_actions.update_store(
        actor=actor_of(request), store_id=store_id, **payload.dict(exclude_unset=True)
    )


@router.get("/warehouses", response={200: list[WarehouseOut], **ERRORS})
def list_warehouses(request):
    actor = require_perm(actor_of(request), Perm.STORES_VIEW)
    return list(scoped_warehouses(actor))


@router.get("/staff", response={200: list[StaffOut], **ERRORS})
def list_staff(request):
    actor = require_perm(actor_of(request), Perm.STAFF_VIEW)
    users = User.objects.filter(merchant_id=actor.merchant_id).prefetch_related("stores").order_by("username")
    return [
        StaffOut(
            id=u.pk,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            is_active=u.is_active,
            store_ids=sorted(s.pk for s in u.stores.all()),
        )
        for u in users
    ]


@router.get("/stores/{store_id}/staff", response={200: list[StaffOut], **ERRORS})
def list_store_staff(request, store_id: int):
    actor = require_perm(actor_of(request), Perm.STAFF_VIEW)
    store = get_owned(Store, actor.merchant_id, pk=store_id)
    users = store.staff.filter(merchant_id=actor.merchant_id).prefetch_related("stores").order_by("username")
    return [
        StaffOut(
            id=u.pk,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            is_active=u.is_active,
            store_ids=sorted(s.pk for s in u.stores.all()),
        )
        for u in users
    ]
