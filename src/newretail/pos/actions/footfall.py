"""Footfall (客流) posted by a store's door counter.

A counter posts whole time slots (a quarter hour, or any multiple starting on a quarter hour is
split by the counter itself): ``[{"start": "2026-12-03T10:00:00+08:00", "visitors": 37}]``.
Posting a slot again **replaces** its count, so a counter that retries after a timeout, or
re-sends the last hour on reconnecting, never counts a visitor twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.pos.actions.devices import require_kind
from newretail.pos.errors import PosError
from newretail.pos.models import FootfallCount, StoreDevice

SLOT_MINUTES = 15
MAX_AGE = dt.timedelta(days=7)
MAX_VISITORS = 100_000
MAX_SLOTS = 96 * 7


def _slot(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise DomainError(PosError.FOOTFALL_INVALID_SLOT)
    now = clock.now()
    if value.minute % SLOT_MINUTES or value.second or value.microsecond:
        raise DomainError(PosError.FOOTFALL_INVALID_SLOT)
    if value > now or now - value > MAX_AGE:
        raise DomainError(PosError.FOOTFALL_INVALID_SLOT)
    return value.astimezone(dt.UTC)


def post_footfall(*, device: StoreDevice, slots: Sequence[Mapping[str, Any]]) -> int:
    """Record the counter's slots (all or none); returns how many slots were written."""
    require_kind(device, StoreDevice.Kind.DOOR_COUNTER)
    if not slots or len(slots) > MAX_SLOTS:
        raise DomainError(PosError.FOOTFALL_INVALID_SLOT)
    cleaned: dict[dt.datetime, int] = {}
    for slot in slots:
        visitors = slot.get("visitors")
        if isinstance(visitors, bool) or not isinstance(visitors, int) or not 0 <= visitors <= MAX_VISITORS:
            raise DomainError(PosError.FOOTFALL_INVALID_SLOT)
        cleaned[_slot(slot.get("start"))] = visitors
    with transaction.atomic():
        for start, visitors in sorted(cleaned.items()):
            FootfallCount.objects.update_or_create(
                device=device,
                slot_start=start,
                defaults={"visitors": visitors},
                create_defaults={
                    "merchant_id": device.merchant_id,
                    "store_id": device.store_id,
                    "device": device,
                    "slot_start": start,
                    "visitors": visitors,
                },
            )
    return len(cleaned)
