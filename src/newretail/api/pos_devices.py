"""API for a store's own machines (/api/v1/pos/device/…), each authenticated by its device key
(``Authorization: Bearer nrd_…``, registered on the console's POS setup page): a door counter
posts footfall, a door scanner verifies scan-to-buy exit codes, a shelf-label gateway reads the
price feed. A key acts for its one store and its one kind of work; it never names an id, so it
cannot reach another store's or merchant's rows."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import HttpBearer

from newretail.api.base import ERRORS
from newretail.api.pos import (
    ExitCodeIn,
    ExitPassOut,
    FeedSince,
    FeedStart,
    PriceFeedOut,
    exit_pass_out,
    price_feed_out,
)
from newretail.pos.actions.devices import device_for_key, require_kind
from newretail.pos.actions.footfall import MAX_SLOTS, post_footfall
from newretail.pos.actions.scan_to_buy import verify_exit_code_by_device
from newretail.pos.models import StoreDevice
from newretail.pos.shelf_labels import price_changes


class DeviceKey(HttpBearer):
    """``Authorization: Bearer nrd_…``: the store device the key belongs to."""

    def authenticate(self, request: HttpRequest, token: str) -> StoreDevice | None:
        return device_for_key(token)


router = Router(tags=["pos devices"], auth=[DeviceKey()])


class SlotIn(Schema):
    start: dt.datetime = Field(..., description="The slot's start, on a quarter hour, with its time zone.")
    visitors: int = Field(..., ge=0, le=100_000)


class FootfallIn(Schema):
    slots: list[SlotIn] = Field(..., min_length=1, max_length=MAX_SLOTS)


class FootfallOut(Schema):
    store_id: int
    slots: int


@router.post("/pos/device/footfall", response={200: FootfallOut, **ERRORS})
def footfall(request, body: FootfallIn):
    """A door counter's visitor counts by 15-minute slot. Sending a slot again replaces its count
    (a retry never counts twice)."""
    device = request.auth
    written = post_footfall(device=device, slots=[slot.dict() for slot in body.slots])
    return FootfallOut(store_id=device.store_id, slots=written)


@router.post("/pos/device/exit-passes/verify", response={200: ExitPassOut, **ERRORS})
def verify_exit(request, body: ExitCodeIn):
    """A door scanner read a shopper's exit code (or its QR): good once, at this store only."""
    return exit_pass_out(verify_exit_code_by_device(device=request.auth, code=body.code))


@router.get("/pos/device/price-changes", response={200: PriceFeedOut, **ERRORS})
def device_price_changes(request, since: str = FeedSince, start: bool = FeedStart):
    """The store's shelf-label price changes since a version, with the next version to ask for."""
    device = require_kind(request.auth, StoreDevice.Kind.SHELF_LABELS)
    return price_feed_out(
        price_changes(
            merchant_id=device.merchant_id, store_id=device.store_id, since=since or None, start=start
        )
    )
