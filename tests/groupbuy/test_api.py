"""Group buy through the API: the staff routes (create, read, replace, pause, groups, report)
with their permissions, and the shopper routes (list, item with groups to join, open, pay on
the sandbox, share link, join, the group with masked names and time left, my groups)."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.core.testing import bearer, make_staff
from newretail.members.models import Member
from newretail.tenancy.roles import Role
from tests.orders.conftest import Api, key, pay_online, shop_path

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _body(water, **fields) -> dict:
    now = clock.now()
    return {
        "name": "三人团",
        "starts_at": (now - dt.timedelta(minutes=5)).isoformat(),
        "ends_at": (now + dt.timedelta(days=2)).isoformat(),
        "group_size": 3,
        "fill_minutes": 60,
        "leader_discount_fen": 50,
        "items": [{"sku_id": water.pk, "group_price_fen": 200}],
        **fields,
    }


def test_staff_routes_and_permissions(client, staff_api, owner, store, water):
    created = staff_api.post("groupbuys", _body(water), status=201)
    assert created["items"][0]["leader_price_fen"] == 150 and created["status"] == "active"
    campaign_id = created["id"]
    assert [c["id"] for c in staff_api.get("groupbuys?timing=running")] == [campaign_id]
    replaced = staff_api.put(f"groupbuys/{campaign_id}", _body(water, group_size=4, name="四人团"))
    assert (replaced["group_size"], replaced["name"]) == (4, "四人团")
    assert staff_api.post(f"groupbuys/{campaign_id}/status", {"status": "paused"})["status"] == "paused"
    bad = staff_api.post(
        "groupbuys", _body(water, items=[{"sku_id": water.pk, "group_price_fen": 999}]), status=400
    )
    assert bad["code"] == "groupbuy.invalid"
    assert staff_api.get(f"groupbuys/{campaign_id}/report")["groups_opened"] == 0
    assert staff_api.get(f"groupbuys/{campaign_id}/groups") == []

    clerk = Api(client, bearer(make_staff(owner, Role.WAREHOUSE_CLERK, stores=[store])))
    assert clerk.get("groupbuys", status=403)["code"] == "permission_denied"
    assert clerk.get(f"groupbuys/{campaign_id}/report", status=403)["code"] == "permission_denied"
    cashier = Api(client, bearer(make_staff(owner, Role.CASHIER, stores=[store])))  # marketing.view only
    assert cashier.get(f"groupbuys/{campaign_id}")["id"] == campaign_id
    assert cashier.post("groupbuys", _body(water), status=403)["code"] == "permission_denied"
    assert cashier.post(f"groupbuys/{campaign_id}/status", {"status": "active"}, status=403)


def test_a_group_of_three_through_the_shopper_api(
    merchant, store, water, staff_api, shopper, wechat_account, committed
):
    campaign = staff_api.post("groupbuys", _body(water), status=201)
    item_id = campaign["items"][0]["id"]
    listed = Api(staff_api.client).get(shop_path(merchant, "groupbuys"))
    assert [(i["item_id"], i["group_price_fen"], i["leader_price_fen"]) for i in listed] == [
        (item_id, 200, 150)
    ]

    buyers = [shopper() for _ in range(3)]
    for (_me, member_id), name in zip(buyers, ("张三", "李四", "王五"), strict=True):
        Member.objects.filter(pk=member_id).update(name=name)
    leader_api = buyers[0][0]
    pickup = {"fulfilment": "pickup", "store_id": store.pk}
    opened = leader_api.post(
        shop_path(merchant, f"groupbuys/items/{item_id}/open"), pickup, status=201, **key("o1")
    )
    again = leader_api.post(
        shop_path(merchant, f"groupbuys/items/{item_id}/open"), pickup, status=201, **key("o1")
    )
    assert again["order_id"] == opened["order_id"] and opened["is_leader"] and opened["payable_fen"] == 150
    token = opened["group"]["token"]
    assert opened["group"]["status"] == "opening" and token in opened["group"]["share_url"]
    pay_online(leader_api, merchant, opened["order_id"], committed)

    public = Api(staff_api.client).get(shop_path(merchant, f"groupbuys/groups/{token}"))
    assert public["status"] == "open" and public["seats_left"] == 2 and 3500 < public["seconds_left"] <= 3600
    assert public["seats"] == [{"name": "张*", "initial": "张", "is_leader": True, "paid": True}]
    detail = Api(staff_api.client).get(shop_path(merchant, f"groupbuys/items/{item_id}"))
    assert [g["token"] for g in detail["groups"]] == [token]

    for me, _member_id in buyers[1:]:
        joined = me.post(shop_path(merchant, f"groupbuys/groups/{token}/join"), pickup, status=201)
        assert joined["payable_fen"] == 200 and not joined["is_leader"]
        pay_online(me, merchant, joined["order_id"], committed)
    done = Api(staff_api.client).get(shop_path(merchant, f"groupbuys/groups/{token}"))
    assert done["status"] == "succeeded" and done["seats_paid"] == 3
    assert [s["name"] for s in done["seats"]] == ["张*", "李*", "王*"]

    late_api, _ = shopper()
    refused = late_api.post(shop_path(merchant, f"groupbuys/groups/{token}/join"), pickup, status=409)
    assert refused["code"] == "groupbuy.group_not_open"
    mine = buyers[1][0].get(shop_path(merchant, "my/groupbuys"))
    assert [(m["seat_status"], m["group"]["status"]) for m in mine] == [("paid", "succeeded")]

    report = staff_api.get(f"groupbuys/{campaign['id']}/report")
    assert (report["groups_opened"], report["groups_succeeded"], report["participants"]) == (1, 1, 3)
    assert report["gmv_fen"] == 150 + 200 + 200 and report["discount_fen"] == 200 + 150 + 150
    assert report["conversion_percent"] == 100.0
    groups = staff_api.get(f"groupbuys/{campaign['id']}/groups")
    assert groups[0]["seats"][0]["name"] == "张三" and groups[0]["status"] == "succeeded"
    # The held orders are released: staff can prepare them now.
    assert staff_api.post(f"orders/{opened['order_id']}/start-fulfilment", {})["status"] == "fulfilling"


def test_unknown_tokens_and_bad_input(client, merchant, staff_api, shopper, water, store):
    staff_api.post("groupbuys", _body(water), status=201)
    anonymous = Api(client)
    assert (
        anonymous.get(shop_path(merchant, "groupbuys/groups/nonexistent-token"), status=404)["code"]
        == "not_found"
    )
    me, _ = shopper()
    body = {"fulfilment": "teleport", "store_id": store.pk}
    assert me.post(shop_path(merchant, "groupbuys/groups/nonexistent-token/join"), body, status=422)
