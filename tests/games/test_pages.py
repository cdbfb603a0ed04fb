"""Console and mall pages for games through the test client: the setup form (its prize table,
the 100 % check shown inline), the game page with its live report and the draw log, pause; the
mall's game list, points playground, game page, the draw endpoint (JSON decided by the server,
CSRF-checked, idempotent) and my prizes with claiming a gift."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from newretail.core import clock
from newretail.core.testing import make_staff
from newretail.marketing.games.models import Game, GameDraw
from newretail.tenancy.roles import Role
from tests.games.conftest import give_points, thanks
from tests.storefront.conftest import Browser, csrf_of, mall

pytestmark = pytest.mark.django_db

PHONE = "13800005678"


def form_data(**overrides) -> dict:
    now = clock.local_now()
    data = {
        "name": "双十二大转盘",
        "kind": "wheel",
        "description": "每天免费一次",
        "starts_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "free_per_day": "1",
        "points_per_draw": "10",
        "order_chances": "0",
        "order_min_yuan": "0",
        "daily_draw_limit": "",
        "prize-TOTAL_FORMS": "8",
        "prize-INITIAL_FORMS": "0",
        "prize-MIN_NUM_FORMS": "0",
        "prize-MAX_NUM_FORMS": "8",
        "prize-0-name": "66积分",
        "prize-0-kind": "points",
        "prize-0-points": "66",
        "prize-0-percent": "30",
        "prize-0-stock": "100",
        "prize-1-name": "谢谢参与",
        "prize-1-kind": "thanks",
        "prize-1-percent": "70",
        "fallback": "1",
    }
    for n in range(2, 8):
        data[f"prize-{n}-kind"] = "thanks"
    data.update(overrides)
    return data


def test_console_setup_report_draw_log_and_pause(client, owner, store, shopper):
    client.force_login(owner)
    page = client.get("/console/marketing/games/new/")
    assert page.status_code == 200 and "prize-7-name" in page.content.decode()

    bad = client.post("/console/marketing/games/new/", form_data(**{"prize-1-percent": "60"}))
    assert bad.status_code == 200
    assert "90%" in bad.content.decode() and "100%" in bad.content.decode()
    assert not Game.objects.exists()

    response = client.post("/console/marketing/games/new/", form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    game = Game.objects.get()
    assert [(p.name, p.odds, p.is_fallback) for p in game.prizes.order_by("position")] == [
        ("66积分", 3000, False),
        ("谢谢参与", 7000, True),
    ]

    from newretail.marketing.games.drawing import draw

    give_points(shopper, 100)
    for _ in range(3):
        draw(member=shopper, game_id=game.pk)
    detail = client.get(f"/console/marketing/games/{game.pk}/").content.decode()
    assert 'data-kpi="draws">3<' in detail and 'data-kpi="participants">1<' in detail
    partial = client.get(f"/console/marketing/games/{game.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'data-kpi="draws">3<' in partial
    log = client.get(f"/console/marketing/games/{game.pk}/draws/").content.decode()
    assert log.count("data-draw=") == 3
    phone = shopper.phone
    assert phone not in log and f"{phone[:3]}****{phone[-4:]}" in log
    edit = client.get(f"/console/marketing/games/{game.pk}/edit/").content.decode()
    assert 'value="66积分"' in edit

    response = client.post(f"/console/marketing/games/{game.pk}/status/", {"status": "paused"})
    assert response.status_code == 302
    game.refresh_from_db()
    assert game.status == "paused"

    cashier = make_staff(owner, Role.CASHIER, stores=[store])  # sees marketing, may not change it
    client.force_login(cashier)
    assert client.get("/console/marketing/games/").status_code == 200
    assert client.get("/console/marketing/games/new/").status_code == 403
    assert client.post(f"/console/marketing/games/{game.pk}/status/", {"status": "active"}).status_code == 403
    clerk = make_staff(owner, Role.WAREHOUSE_CLERK)
    client.force_login(clerk)
    assert client.get("/console/marketing/games/").status_code == 403


def test_mall_game_draw_and_my_prizes(game, merchant, store, water):
    g = game(
        [{"name": "矿泉水一瓶", "kind": "gift", "sku_id": water.pk, "odds": 10_000}, thanks(0)],
        free_per_day=1,
        points_per_draw=5,
    )
    browser = Browser()
    listed = browser.text(mall(merchant, "games/"))
    assert g.name in listed
    assert g.name in browser.text(mall(merchant, "games/points/"))
    anonymous = browser.text(mall(merchant, f"games/{g.pk}/"))
    assert "wheel-label" in anonymous and "矿泉水一瓶" in anonymous
    browser.login(merchant, PHONE)
    page = browser.text(mall(merchant, f"games/{g.pk}/"))
    token = csrf_of(page) if "csrfmiddlewaretoken" in page else browser.client.cookies["csrftoken"].value
    url = mall(merchant, f"games/{g.pk}/draw/")
    refused = browser.client.post(url, {"key": "k1"})
    assert refused.status_code == 403  # no CSRF token
    first = browser.client.post(url, {"key": "k1"}, HTTP_X_CSRFTOKEN=token)
    again = browser.client.post(url, {"key": "k1"}, HTTP_X_CSRFTOKEN=token)
    assert first.status_code == 200
    result = json.loads(first.content)
    assert result["draw_id"] == json.loads(again.content)["draw_id"]
    assert (result["prize_index"], result["prize_kind"]) == (0, "gift")
    assert GameDraw.objects.count() == 1
    no_points = browser.client.post(url, {"key": "k2"}, HTTP_X_CSRFTOKEN=token)
    assert no_points.status_code == 409 and "5" in json.loads(no_points.content)["message"]

    prizes = browser.text(mall(merchant, "me/game-prizes/"))
    assert "矿泉水一瓶" in prizes and store.name in prizes
    response = browser.post(
        mall(merchant, f"me/game-prizes/{result['draw_id']}/claim/"),
        {"store": store.pk},
        page=mall(merchant, "me/game-prizes/"),
    )
    order = GameDraw.objects.get().gift_order
    assert order is not None and order.payable_fen == 0
    assert response["Location"].endswith(f"/orders/{order.pk}/")
