"""Group-buy part of the tenant isolation test (tests/test_isolation.py): each world gets a
running campaign on its own SKU and an open group (led by another member, the leader paid), so
the world's member can open and join; the tables map the console pages' and API routes' ids to
them and give write routes a valid body."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from newretail.core import clock
from newretail.marketing.groupbuy.campaigns import create_campaign
from newretail.marketing.groupbuy.seats import open_group
from newretail.members.testing import make_member
from newretail.payments.actions.charges import pay_order
from tests.inventory.conftest import make_sku, receive


def build(owner, world: dict) -> dict:
    store = world["store"]
    sku = make_sku(owner.merchant_id, name="隔离拼团水", price_fen=350)
    receive(store.warehouses.get(), sku, 20)
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="隔离团",
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(days=1),
        group_size=3,
        items=[{"sku_id": sku.pk, "group_price_fen": 200}],
    )
    item = campaign.items.get()
    opened = open_group(
        member=make_member(owner.merchant_id), item_id=item.pk, fulfilment="pickup", store_id=store.pk
    )
    pay_order(order_id=opened.order.pk, kind="cash", actor=owner)
    return {
        "groupbuy_campaign": campaign,
        "groupbuy_item": item,
        "groupbuy_sku": sku,
        # Shopper routes address a group by its share token: the table fills ``.pk``.
        "groupbuy_token": SimpleNamespace(pk=opened.group.share_token),
    }


CONSOLE_OBJECTS: dict[str, str] = {
    "groupbuy_detail": "groupbuy_campaign",
    "groupbuy_edit": "groupbuy_campaign",
    "groupbuy_status": "groupbuy_campaign",
}

API_PARAMS: dict[str, str] = {"groupbuy_id": "groupbuy_campaign"}


def _campaign_body(world: dict) -> dict:
    now = clock.now()
    return {
        "name": "隔离团",
        "starts_at": (now - dt.timedelta(minutes=5)).isoformat(),
        "ends_at": (now + dt.timedelta(days=1)).isoformat(),
        "group_size": 3,
        "items": [{"sku_id": world["groupbuy_sku"].pk, "group_price_fen": 200}],
    }


API_BODIES: dict[tuple[str, str], object] = {
    ("PUT", "/api/v1/groupbuys/{groupbuy_id}"): _campaign_body,
    ("POST", "/api/v1/groupbuys/{groupbuy_id}/status"): {"status": "active"},
}

MEMBER_PARAMS: dict[str, str] = {"groupbuy_item_id": "groupbuy_item", "group_token": "groupbuy_token"}


def _join_body(world: dict) -> dict:
    return {"fulfilment": "pickup", "store_id": world["store"].pk}


MEMBER_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/shop/{merchant_slug}/groupbuys/items/{groupbuy_item_id}/open"): _join_body,
    ("POST", "/api/v1/shop/{merchant_slug}/groupbuys/groups/{group_token}/join"): _join_body,
}
