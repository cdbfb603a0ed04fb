"""Seckill part of the tenant isolation test (tests/test_isolation.py): each world gets a running
seckill on its own SKU (database path); the tables map the console pages' and API routes' ids to
it and give the write routes a valid body."""

from __future__ import annotations

import datetime as dt

from newretail.core import clock
from newretail.marketing.seckill.campaigns import create_campaign
from tests.inventory.conftest import make_sku, receive


def build(owner, world: dict) -> dict:
    sku = make_sku(owner.merchant_id, name="隔离秒杀水", price_fen=350)
    receive(world["store"].warehouses.get(), sku, 20)
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="隔离秒杀",
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(days=1),
        stock_path="database",
        items=[{"sku_id": sku.pk, "price_fen": 100, "stock": 10}],
    )
    return {"seckill": campaign, "seckill_item": campaign.items.get(), "seckill_sku": sku}


CONSOLE_OBJECTS: dict[str, str] = {
    "seckill_report": "seckill",
    "seckill_edit": "seckill",
    "seckill_status": "seckill",
}

API_PARAMS: dict[str, str] = {"seckill_id": "seckill"}


def _campaign_body(world: dict) -> dict:
    now = clock.now()
    return {
        "name": "隔离秒杀",
        "starts_at": (now - dt.timedelta(minutes=5)).isoformat(),
        "ends_at": (now + dt.timedelta(days=1)).isoformat(),
        "stock_path": "database",
        "items": [{"sku_id": world["seckill_sku"].pk, "price_fen": 90, "stock": 10}],
    }


API_BODIES: dict[tuple[str, str], object] = {
    ("PUT", "/api/v1/marketing/seckills/{seckill_id}"): _campaign_body,
    ("POST", "/api/v1/marketing/seckills/{seckill_id}/status"): {"status": "paused"},
}

MEMBER_PARAMS: dict[str, str] = {"seckill_item_id": "seckill_item"}

MEMBER_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/shop/{merchant_slug}/seckills/{seckill_item_id}/buy"): lambda world: {
        "fulfilment": "pickup",
        "store_id": world["store"].pk,
    },
}
