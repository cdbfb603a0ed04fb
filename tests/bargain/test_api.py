"""The bargain API end to end through the test client: the shopper routes (campaigns, start, a
friend's view and help with the device header, the member's bargains, buying at the current
price) and the staff routes (CRUD, pause, report) with their permissions."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.core.testing import bearer, make_staff
from newretail.marketing.bargain.models import BargainCampaign, BargainCut
from newretail.members.testing import make_member, member_bearer
from newretail.tenancy.roles import Role
from tests.bargain.conftest import device

pytestmark = pytest.mark.django_db


def _shop(merchant) -> str:
    return f"/api/v1/shop/{merchant.slug}"


def _body(sku, **fields) -> dict:
    now = clock.now()
    return {
        "name": "好友砍价",
        "sku_id": sku.pk,
        "start_price_fen": 350,
        "floor_price_fen": 100,
        "helpers_needed": 2,
        "stock": 5,
        "starts_at": (now - dt.timedelta(minutes=5)).isoformat(),
        "ends_at": (now + dt.timedelta(days=2)).isoformat(),
        **fields,
    }


def test_a_shopper_starts_friends_help_and_the_shopper_buys(client, merchant, campaign, store):
    running = campaign(helpers_needed=2)
    listed = client.get(f"{_shop(merchant)}/bargain-campaigns").json()
    assert [c["id"] for c in listed] == [running.pk] and listed[0]["floor_price_fen"] == 100
    starter = make_member(merchant, name="王小明")
    me = member_bearer(starter)

    started = client.post(f"{_shop(merchant)}/bargain-campaigns/{running.pk}/start", **me)
    assert started.status_code == 201, started.content
    bargain = started.json()
    assert bargain["current_price_fen"] == 350 and bargain["status"] == "open"
    assert bargain["share_url"].endswith(f"/bargain/h/{bargain['share_code']}/")
    again = client.post(f"{_shop(merchant)}/bargain-campaigns/{running.pk}/start", **me)
    assert again.status_code == 200 and again.json()["id"] == bargain["id"]

    code = bargain["share_code"]
    shared = client.get(f"{_shop(merchant)}/bargains/{code}").json()  # no login needed to look
    assert shared["starter"] == "王**" and "id" not in shared and "order_id" not in shared

    friend = member_bearer(make_member(merchant, "13800009999"))
    no_device = client.post(f"{_shop(merchant)}/bargains/{code}/help", **friend)
    assert no_device.status_code == 400 and no_device.json()["code"] == "bargain.device_required"
    helped = client.post(f"{_shop(merchant)}/bargains/{code}/help", HTTP_X_DEVICE_ID=device(), **friend)
    assert helped.status_code == 201, helped.content
    cut = helped.json()
    assert cut["sequence"] == 1 and cut["price_after_fen"] == 350 - cut["amount_fen"] and not cut["reached_floor"]
    twice = client.post(f"{_shop(merchant)}/bargains/{code}/help", HTTP_X_DEVICE_ID=device(), **friend)
    assert twice.status_code == 409 and twice.json()["code"] == "bargain.already_helped"
    myself = client.post(f"{_shop(merchant)}/bargains/{code}/help", HTTP_X_DEVICE_ID=device(), **me)
    assert myself.status_code == 409 and myself.json()["code"] == "bargain.self_help"

    shown = client.get(f"{_shop(merchant)}/my/bargains/{bargain['id']}", **me).json()
    assert [c["helper"] for c in shown["cuts"]] == ["138****9999"]
    assert shown["current_price_fen"] == cut["price_after_fen"]

    bought = client.post(
        f"{_shop(merchant)}/my/bargains/{bargain['id']}/buy",
        {"fulfilment": "pickup", "store_id": store.pk},
        content_type="application/json",
        **me,
    )
    assert bought.status_code == 201, bought.content
    assert bought.json()["payable_fen"] == cut["price_after_fen"]
    mine = client.get(f"{_shop(merchant)}/my/bargains", **me).json()
    assert mine[0]["status"] == "ordered" and mine[0]["order_id"] == bought.json()["id"]


def test_shopper_routes_need_a_login_and_stay_in_their_mall(client, merchant, campaign, other_owner):
    running = campaign()
    assert client.post(f"{_shop(merchant)}/bargain-campaigns/{running.pk}/start").status_code == 401
    theirs = other_owner.merchant
    assert client.get(f"{_shop(theirs)}/bargain-campaigns/{running.pk}").status_code == 404
    stranger = member_bearer(make_member(theirs))
    assert client.post(f"{_shop(merchant)}/bargain-campaigns/{running.pk}/start", **stranger).status_code == 401
    assert client.get(f"{_shop(merchant)}/bargains/not-a-real-code").status_code == 404


def test_staff_create_read_edit_pause_and_report(client, owner, merchant, water):
    headers = bearer(owner)
    created = client.post("/api/v1/marketing/bargain-campaigns", _body(water), content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert created.json()["status"] == "active" and created.json()["sold"] == 0
    bad = client.post(
        "/api/v1/marketing/bargain-campaigns",
        _body(water, floor_price_fen=349, helpers_needed=2),
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "bargain.invalid"
    assert BargainCampaign.objects.count() == 1
    edited = client.put(
        f"/api/v1/marketing/bargain-campaigns/{campaign_id}",
        _body(water, name="周末砍价", helpers_needed=3),
        content_type="application/json",
        **headers,
    )
    assert edited.status_code == 200 and edited.json()["name"] == "周末砍价"
    paused = client.post(f"/api/v1/marketing/bargain-campaigns/{campaign_id}/pause", **headers)
    assert paused.json()["status"] == "paused"
    member = member_bearer(make_member(merchant))
    refused = client.post(f"{_shop(merchant)}/bargain-campaigns/{campaign_id}/start", **member)
    assert refused.status_code == 409 and refused.json()["code"] == "bargain.paused"
    assert client.post(f"/api/v1/marketing/bargain-campaigns/{campaign_id}/resume", **headers).json()["status"] == "active"
    assert client.post(f"{_shop(merchant)}/bargain-campaigns/{campaign_id}/start", **member).status_code == 201
    report = client.get(f"/api/v1/marketing/bargain-campaigns/{campaign_id}/report", **headers).json()
    assert report["started"] == 1 and report["bought"] == 0 and report["stock"] == 5
    rows = client.get(f"/api/v1/marketing/bargain-campaigns/{campaign_id}/bargains", **headers).json()
    assert len(rows) == 1 and "****" in rows[0]["member_phone"]
    in_use = client.delete(f"/api/v1/marketing/bargain-campaigns/{campaign_id}", **headers)
    assert in_use.status_code == 409 and in_use.json()["code"] == "bargain.in_use"
    listed = client.get("/api/v1/marketing/bargain-campaigns?timing=running", **headers).json()
    assert [c["id"] for c in listed] == [campaign_id]


def test_staff_permissions(client, owner, store, water, campaign):
    running = campaign()
    cashier = bearer(make_staff(owner, Role.CASHIER, stores=[store]))  # may view, not manage
    clerk = bearer(make_staff(owner, Role.WAREHOUSE_CLERK))  # marketing is none of their business
    assert client.get("/api/v1/marketing/bargain-campaigns", **cashier).status_code == 200
    assert client.get(f"/api/v1/marketing/bargain-campaigns/{running.pk}/report", **cashier).status_code == 200
    for call in (
        lambda h: client.post(
            "/api/v1/marketing/bargain-campaigns", _body(water), content_type="application/json", **h
        ),
        lambda h: client.post(f"/api/v1/marketing/bargain-campaigns/{running.pk}/pause", **h),
        lambda h: client.delete(f"/api/v1/marketing/bargain-campaigns/{running.pk}", **h),
    ):
        assert call(cashier).status_code == 403
    assert client.get("/api/v1/marketing/bargain-campaigns", **clerk).status_code == 403
    assert client.get(f"/api/v1/marketing/bargain-campaigns/{running.pk}", **clerk).status_code == 403
    assert BargainCampaign.objects.get().status == "active" and not BargainCut.objects.exists()
