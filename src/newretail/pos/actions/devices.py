"""Store devices (door counters, door scanners, shelf-label gateways) and their keys.

A device key is ``nrd_`` + 32 random bytes, shown once when the device is registered; the
database keeps only its SHA-256 (``core.tokens``), so a leaked table cannot be replayed. A key
acts for exactly one store and one kind of work (``StoreDevice.Kind``): a door counter's key
cannot verify exit codes, and no key reaches another store."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.core.tokens import hash_token, new_raw_token, record_use
from newretail.pos.errors import PosError
from newretail.pos.models import StoreDevice
from newretail.tenancy.access import require_perm, require_store_access
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm

KEY_PREFIX = "nrd_"
LAST_USED_PRECISION = dt.timedelta(minutes=1)


@transaction.atomic
def register_device(*, actor: User, store_id: int, kind: str, name: str = "") -> tuple[StoreDevice, str]:
    """A new device of the store; returns it with its raw key (shown once, never stored)."""
    require_perm(actor, Perm.POS_MANAGE)
    store = get_owned(Store, actor.merchant_id, pk=store_id)
    require_store_access(actor, store.pk)
    if kind not in StoreDevice.Kind.values:
        raise DomainError(PosError.INVALID_DEVICE_KIND)
    raw = new_raw_token(KEY_PREFIX)
    device = StoreDevice.objects.create(
        merchant_id=actor.merchant_id,
        store=store,
        kind=kind,
        name=(name or "").strip()[:50] or str(StoreDevice.Kind(kind).label)[:50],
        prefix=raw[:10],
        key_hash=hash_token(raw),
    )
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="pos.device_registered",
        obj=device,
        after={"store_id": store.pk, "kind": kind, "prefix": device.prefix},
    )
    return device, raw


@transaction.atomic
def revoke_device(*, actor: User, device_id: int) -> StoreDevice:
    """The device's key stops working at once (idempotent)."""
    require_perm(actor, Perm.POS_MANAGE)
    device = get_owned(StoreDevice.objects.select_for_update(), actor.merchant_id, pk=device_id)
    require_store_access(actor, device.store_id)
    if device.revoked_at is None:
        device.revoked_at = clock.now()
        device.save(update_fields=["revoked_at"])
        record_audit(actor=actor, merchant_id=actor.merchant_id, action="pos.device_revoked", obj=device)
    return device


def device_for_key(raw: str) -> StoreDevice | None:
    """The live device a raw key belongs to (its store active), or None."""
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 80:
        return None
    device = (
        StoreDevice.objects.select_related("store")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, store__is_active=True)
        .first()
    )
    if device is None:
        return None
    record_use(device, now=clock.now(), every=LAST_USED_PRECISION)
    return device


def require_kind(device: StoreDevice, kind: str) -> StoreDevice:
    if device.kind != kind:
        raise DomainError(PosError.DEVICE_NOT_ALLOWED, what=StoreDevice.Kind(kind).label)
    return device
