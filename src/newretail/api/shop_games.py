"""Shopper API, lottery games (营销游戏) and the points playground (积分乐园):

    GET  /shop/{slug}/games?paid_with=points          running games (no login needed)
    GET  /shop/{slug}/games/{game_id}                 a game, its prizes and my chances
    POST /shop/{slug}/games/{game_id}/draw {idempotency_key}   the server's result
    GET  /shop/{slug}/my/game-prizes                  what I won
    POST /shop/{slug}/my/game-prizes/{draw_id}/claim {store_id}   a gift as a ¥0 pickup order

The result of a draw is decided here, before any animation: the client spins the wheel (or
scratches, or cracks the egg) to ``prize_index``.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Path, Query, Router, Schema

from newretail.api.base import ERRORS
from newretail.api.shop import Slug, _merchant
from newretail.api.shop_auth import MEMBER_AUTH, member_of
from newretail.core import clock
from newretail.core.tenancy import get_owned
from newretail.marketing.games import queries
from newretail.marketing.games.drawing import draw as draw_once
from newretail.marketing.games.models import Game, GameDraw, GamePrize
from newretail.marketing.games.prizes import claim_gift

router = Router(tags=["shop games"], auth=MEMBER_AUTH)

MAX_ID = 2**63 - 1
PathId = Path(..., ge=1, le=MAX_ID)


class PrizeOut(Schema):
    index: int = Field(..., description="Position on the wheel / card, from 0.")
    name: str
    kind: str
    probability_percent: float
    left: int | None = Field(..., description="Left in stock; null: unlimited.")


class GameOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    free_per_day: int
    points_per_draw: int
    order_chances: int
    order_min_fen: int
    prizes: list[PrizeOut]


class ChancesOut(Schema):
    free_left: int
    order_left: int
    points_per_draw: int
    points_balance: int
    draws_today: int
    daily_limit: int | None
    can_draw: bool


class GameWithChancesOut(GameOut):
    chances: ChancesOut


def _prizes(game: Game) -> list[PrizeOut]:
    return [
        PrizeOut(index=i, name=p.name, kind=p.kind, probability_percent=p.odds / 100, left=p.left)
        for i, p in enumerate(queries.prizes_of(game))
    ]


def _game(game: Game) -> dict:
    return {
        "id": game.pk,
        "name": game.name,
        "kind": game.kind,
        "description": game.description,
        "starts_at": game.starts_at,
        "ends_at": game.ends_at,
        "free_per_day": game.free_per_day,
        "points_per_draw": game.points_per_draw,
        "order_chances": game.order_chances,
        "order_min_fen": game.order_min_fen,
        "prizes": _prizes(game),
    }


def chances_out(game: Game, member) -> ChancesOut:
    c = queries.chances_of(game, member, clock.now())
    return ChancesOut(
        free_left=c.free_left,
        order_left=c.order_left,
        points_per_draw=c.points_per_draw,
        points_balance=c.points_balance,
        draws_today=c.draws_today,
        daily_limit=c.daily_limit,
        can_draw=c.can_draw,
    )


class WonOut(Schema):
    draw_id: int
    game_id: int
    game_name: str
    drawn_at: dt.datetime
    prize_name: str
    prize_kind: str
    coupon_id: int | None
    coupon_code: str | None
    points_awarded: int
    gift_order_id: int | None
    gift_claimable: bool


def won_out(draw: GameDraw) -> WonOut:
    return WonOut(
        draw_id=draw.pk,
        game_id=draw.game_id,
        game_name=draw.game.name,
        drawn_at=draw.drawn_at,
        prize_name=draw.prize.name,
        prize_kind=draw.prize.kind,
        coupon_id=draw.coupon_id,
        coupon_code=draw.coupon.code if draw.coupon_id else None,
        points_awarded=draw.points_awarded,
        gift_order_id=draw.gift_order_id,
        gift_claimable=draw.prize.kind == GamePrize.Kind.GIFT and draw.gift_order_id is None,
    )


class DrawIn(Schema):
    idempotency_key: str = Field(
        ..., min_length=1, max_length=64, description="One per tap: a replay returns the first result."
    )


class DrawOut(WonOut):
    prize_index: int = Field(..., description="Where the animation stops (the prize given).")
    paid_with: str
    points_spent: int
    fallback_reason: str
    chances: ChancesOut


@router.get("/{merchant_slug}/games", response={200: list[GameOut], **ERRORS}, auth=None)
def list_games(request, merchant_slug: str = Slug, paid_with: str = Query("", pattern="^(|points)$")):
    merchant = _merchant(merchant_slug)
    now = clock.now()
    games = (
        queries.points_playground(merchant.pk, now) if paid_with else queries.running_games(merchant.pk, now)
    )
    return [_game(g) for g in games[:50]]


@router.get("/{merchant_slug}/games/{game_id}", response={200: GameWithChancesOut, **ERRORS})
def get_game(request, merchant_slug: str = Slug, game_id: int = PathId):
    member = member_of(request)
    game = get_owned(Game, member.merchant_id, pk=game_id)
    return {**_game(game), "chances": chances_out(game, member)}


def draw_out(draw: GameDraw, member) -> DrawOut:
    positions = [p.pk for p in queries.prizes_of(draw.game)]
    return DrawOut(
        **won_out(draw).model_dump(),
        prize_index=positions.index(draw.prize_id),
        paid_with=draw.paid_with,
        points_spent=draw.points_spent,
        fallback_reason=draw.fallback_reason,
        chances=chances_out(draw.game, member),
    )


@router.post("/{merchant_slug}/games/{game_id}/draw", response={200: DrawOut, **ERRORS})
def draw(request, body: DrawIn, merchant_slug: str = Slug, game_id: int = PathId):
    member = member_of(request)
    result = draw_once(member=member, game_id=game_id, idempotency_key=body.idempotency_key)
    return draw_out(result, member)


@router.get("/{merchant_slug}/my/game-prizes", response={200: list[WonOut], **ERRORS})
def my_prizes(request, merchant_slug: str = Slug):
    return [won_out(d) for d in queries.member_prizes(member_of(request))[:200]]


class ClaimIn(Schema):
    store_id: int = Field(..., ge=1, le=MAX_ID, description="The store to pick the gift up at.")


class ClaimOut(Schema):
    order_id: int
    number: str
    status: str
    payable_fen: int


@router.post("/{merchant_slug}/my/game-prizes/{draw_id}/claim", response={200: ClaimOut, **ERRORS})
def claim(request, body: ClaimIn, merchant_slug: str = Slug, draw_id: int = PathId):
    order = claim_gift(
        member=member_of(request), draw_id=draw_id, fulfilment="pickup", store_id=body.store_id
    )
    return ClaimOut(
        order_id=order.pk, number=order.number, status=order.status, payable_fen=order.payable_fen
    )
