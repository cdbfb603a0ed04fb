"""Games through the API: the staff routes (setup validated, permissions, pause, draw log with
masked phones, the report) and the shopper routes (list, chances, an idempotent draw whose
result comes with where the animation stops, my prizes, claiming a gift)."""

from __future__ import annotations

import pytest

from newretail.core.testing import bearer, make_staff
from newretail.marketing.games.models import Game, GameDraw
from newretail.members.testing import member_bearer
from newretail.tenancy.roles import Role
from tests.games.conftest import give_points, window

pytestmark = pytest.mark.django_db


def body(**fields) -> dict:
    w = window()
    return {
        "name": "周末大转盘",
        "kind": "wheel",
        "starts_at": w["starts_at"].isoformat(),
        "ends_at": w["ends_at"].isoformat(),
        "free_per_day": 1,
        "points_per_draw": 20,
        "prizes": [
            {"name": "88积分", "kind": "points", "points": 88, "odds": 10_000, "stock": 3},
            {"name": "谢谢参与", "kind": "thanks", "odds": 0, "is_fallback": True},
        ],
        **fields,
    }


def test_staff_create_validate_pause_and_report(client, owner, store):
    headers = bearer(owner)
    bad = body()
    bad["prizes"][0]["odds"] = 9_000
    response = client.post("/api/v1/marketing/games", bad, content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json()["code"] == "games.invalid" and "100%" in response.json()["message"]
    assert not Game.objects.exists()

    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    response = client.post(
        "/api/v1/marketing/games", body(), content_type="application/json", **bearer(cashier)
    )
    assert response.status_code == 403

    response = client.post("/api/v1/marketing/games", body(), content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    game = response.json()
    assert [p["odds"] for p in game["prizes"]] == [10_000, 0]

    response = client.post(
        f"/api/v1/marketing/games/{game['id']}/status",
        {"status": "paused"},
        content_type="application/json",
        **headers,
    )
    assert response.json()["status"] == "paused"
    edited = body(name="改名转盘")
    edited["prizes"] = [{**p, "id": q["id"]} for p, q in zip(edited["prizes"], game["prizes"], strict=True)]
    response = client.put(
        f"/api/v1/marketing/games/{game['id']}", edited, content_type="application/json", **headers
    )
    assert response.status_code == 200 and response.json()["name"] == "改名转盘"
    assert [p["id"] for p in response.json()["prizes"]] == [p["id"] for p in game["prizes"]]

    report = client.get(f"/api/v1/marketing/games/{game['id']}/report", **headers).json()
    assert (report["draws"], report["participants"]) == (0, 0)


def test_shopper_flow_draw_is_idempotent_and_reports_follow(client, owner, merchant):
    from newretail.members.testing import make_member

    headers = bearer(owner)
    game = client.post("/api/v1/marketing/games", body(), content_type="application/json", **headers).json()
    member = make_member(merchant, "13800001234")
    give_points(member, 50)
    me = member_bearer(member)
    slug = merchant.slug

    listed = client.get(f"/api/v1/shop/{slug}/games").json()
    assert [g["id"] for g in listed] == [game["id"]]
    assert [g["id"] for g in client.get(f"/api/v1/shop/{slug}/games?paid_with=points").json()] == [game["id"]]
    assert client.get(f"/api/v1/shop/{slug}/games/{game['id']}").status_code == 401

    detail = client.get(f"/api/v1/shop/{slug}/games/{game['id']}", **me).json()
    assert detail["chances"] == {
        "free_left": 1,
        "order_left": 0,
        "points_per_draw": 20,
        "points_balance": 50,
        "draws_today": 0,
        "daily_limit": None,
        "can_draw": True,
    }
    url = f"/api/v1/shop/{slug}/games/{game['id']}/draw"
    first = client.post(url, {"idempotency_key": "tap-1"}, content_type="application/json", **me).json()
    again = client.post(url, {"idempotency_key": "tap-1"}, content_type="application/json", **me).json()
    assert first["draw_id"] == again["draw_id"]
    assert (first["prize_index"], first["prize_kind"], first["points_awarded"], first["paid_with"]) == (
        0,
        "points",
        88,
        "free",
    )
    assert first["chances"]["free_left"] == 0 and first["chances"]["points_balance"] == 138
    paid = client.post(url, {"idempotency_key": "tap-2"}, content_type="application/json", **me).json()
    assert (paid["paid_with"], paid["points_spent"]) == ("points", 20)
    assert GameDraw.objects.count() == 2

    prizes = client.get(f"/api/v1/shop/{slug}/my/game-prizes", **me).json()
    assert [p["prize_name"] for p in prizes] == ["88积分", "88积分"]

    log = client.get(f"/api/v1/marketing/games/{game['id']}/draws", **headers).json()
    assert [d["member_phone"] for d in log] == ["138****1234", "138****1234"]
    assert all(0 <= d["outcome"] < 10_000 for d in log)
    report = client.get(f"/api/v1/marketing/games/{game['id']}/report", **headers).json()
    assert (
        report["participants"],
        report["draws"],
        report["points_collected"],
        report["points_awarded"],
    ) == (
        1,
        2,
        20,
        176,
    )
    assert report["draws_by_payment"] == {"free": 1, "points": 1}


def test_claiming_a_gift_through_the_api(client, owner, merchant, store, water):
    from newretail.members.testing import make_member

    payload = body(points_per_draw=0)
    payload["prizes"][0] = {"name": "矿泉水", "kind": "gift", "sku_id": water.pk, "odds": 10_000}
    game = client.post(
        "/api/v1/marketing/games", payload, content_type="application/json", **bearer(owner)
    ).json()
    member = make_member(merchant)
    me = member_bearer(member)
    won = client.post(
        f"/api/v1/shop/{merchant.slug}/games/{game['id']}/draw",
        {"idempotency_key": "t"},
        content_type="application/json",
        **me,
    ).json()
    assert won["gift_claimable"] is True
    claim_url = f"/api/v1/shop/{merchant.slug}/my/game-prizes/{won['draw_id']}/claim"
    order = client.post(claim_url, {"store_id": store.pk}, content_type="application/json", **me).json()
    assert (order["payable_fen"], order["status"]) == (0, "paid")
    again = client.post(claim_url, {"store_id": store.pk}, content_type="application/json", **me).json()
    assert again["order_id"] == order["order_id"]
    prizes = client.get(f"/api/v1/shop/{merchant.slug}/my/game-prizes", **me).json()
    assert prizes[0]["gift_order_id"] == order["order_id"] and prizes[0]["gift_claimable"] is False
