"""Games part of the tenant isolation test (tests/test_isolation.py): each world gets a running
wheel whose only prize is a gift, and its member has drawn it once (a gift waiting to be
claimed). Staff routes address the game; member routes the game and the draw."""

from __future__ import annotations

import datetime as dt

from newretail.core import clock
from newretail.marketing.games.drawing import draw
from newretail.marketing.games.setup import create_game
from tests.inventory.conftest import make_sku, receive


def build(owner, world: dict) -> dict:
    sku = make_sku(owner.merchant_id, name="隔离奖品", price_fen=100)
    receive(world["warehouse"], sku, 10)
    now = clock.now()
    game = create_game(
        actor=owner,
        name="隔离转盘",
        kind="wheel",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=30),
        free_per_day=5,
        prizes=[
            {"name": "礼品", "kind": "gift", "sku_id": sku.pk, "odds": 10_000},
            {"name": "谢谢", "kind": "thanks", "odds": 0, "is_fallback": True},
        ],
    )
    return {"game": game, "game_draw": draw(member=world["member"], game_id=game.pk), "game_sku": sku}


def _game_body(world) -> dict:
    game = world["game"]
    return {
        "name": "隔离转盘",
        "kind": "wheel",
        "starts_at": game.starts_at.isoformat(),
        "ends_at": game.ends_at.isoformat(),
        "prizes": [
            {
                "id": p.pk,
                "name": p.name,
                "kind": p.kind,
                "sku_id": p.sku_id,
                "odds": p.odds,
                "is_fallback": p.is_fallback,
            }
            for p in game.prizes.order_by("position")
        ],
    }


CONSOLE_OBJECTS: dict[str, str] = {
    "game_detail": "game",
    "game_edit": "game",
    "game_status": "game",
    "game_draws": "game",
}
API_PARAMS: dict[str, str] = {"game_id": "game"}
API_BODIES: dict[tuple[str, str], object] = {
    ("PUT", "/api/v1/marketing/games/{game_id}"): _game_body,
    ("POST", "/api/v1/marketing/games/{game_id}/status"): {"status": "active"},
}
MEMBER_PARAMS: dict[str, str] = {"game_id": "game", "draw_id": "game_draw"}
MEMBER_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/shop/{merchant_slug}/games/{game_id}/draw"): {"idempotency_key": "iso-tap"},
    ("POST", "/api/v1/shop/{merchant_slug}/my/game-prizes/{draw_id}/claim"): lambda w: {
        "store_id": w["store"].pk
    },
}
