"""Bargain's part of the tenant isolation test (tests/test_isolation.py): each world gets a
running bargain campaign on a stocked SKU and a bargain its member started; the tables map the
staff, console and member routes' ids to them and give write routes a valid body."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from newretail.core import clock
from newretail.marketing.bargain.buying import start_bargain
from newretail.marketing.bargain.setup import create_campaign
from tests.inventory.conftest import make_sku, receive


def _fields(sku) -> dict:
    now = clock.now()
    return {
        "name": "隔离砍价",
        "sku_id": sku.pk,
        "start_price_fen": 500,
        "floor_price_fen": 100,
        "helpers_needed": 3,
        "stock": 10,
        "starts_at": now - dt.timedelta(minutes=5),
        "ends_at": now + dt.timedelta(days=1),
    }


def build(owner, world: dict) -> dict:
    sku = make_sku(owner.merchant_id, name="隔离砍价水", price_fen=500)
    receive(world["store"].warehouses.get(), sku, 10)
    campaign = create_campaign(actor=owner, **_fields(sku))
    bargain, _ = start_bargain(member=world["member"], campaign_id=campaign.pk)
    return {
        "bargain_sku": sku,
        "bargain_campaign": campaign,
        "bargain": bargain,
        "bargain_share": SimpleNamespace(pk=bargain.share_code),
    }


def _campaign_body(world) -> dict:
    fields = _fields(world["bargain_sku"])
    return {**fields, "starts_at": fields["starts_at"].isoformat(), "ends_at": fields["ends_at"].isoformat()}


CONSOLE_OBJECTS: dict[str, str] = {
    "bargain_report": "bargain_campaign",
    "bargain_edit": "bargain_campaign",
    "bargain_status": "bargain_campaign",
    "bargain_delete": "bargain_campaign",
}

API_PARAMS: dict[str, str] = {"bargain_campaign_id": "bargain_campaign"}

API_BODIES: dict[tuple[str, str], object] = {
    ("PUT", "/api/v1/marketing/bargain-campaigns/{bargain_campaign_id}"): _campaign_body,
    ("POST", "/api/v1/marketing/bargain-campaigns/{bargain_campaign_id}/pause"): {},
    ("POST", "/api/v1/marketing/bargain-campaigns/{bargain_campaign_id}/resume"): {},
}

MEMBER_PARAMS: dict[str, str] = {
    "bargain_campaign_id": "bargain_campaign",
    "bargain_id": "bargain",
    "share_code": "bargain_share",
}

MEMBER_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/shop/{merchant_slug}/bargain-campaigns/{bargain_campaign_id}/start"): {},
    ("POST", "/api/v1/shop/{merchant_slug}/bargains/{share_code}/help"): {},
    ("POST", "/api/v1/shop/{merchant_slug}/my/bargains/{bargain_id}/buy"): lambda w: {
        "fulfilment": "pickup",
        "store_id": w["store"].pk,
    },
}
