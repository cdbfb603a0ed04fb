"""Staff API for lottery games: create, edit, pause and resume (validated by
``marketing.games.setup``; ``marketing.manage``), the draw log and the live report
(``marketing.view``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Path, Query, Router, Schema, Status

from newretail.api.base import ERRORS, actor_of
from newretail.core.privacy import mask_phone
from newretail.core.tenancy import get_owned
from newretail.marketing.games import queries
from newretail.marketing.games import setup as game_setup
from newretail.marketing.games.models import Game, GameDraw
from newretail.tenancy.access import require_perm
from newretail.tenancy.roles import Perm

router = Router(tags=["games"])

MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


class PrizeIn(Schema):
    id: int | None = Field(None, description="An existing prize of this game (edits keep its history).")
    name: str = Field(..., max_length=30)
    kind: str = Field(..., description="coupon, points, gift or thanks")
    coupon_template_id: int | None = None
    points: int = 0
    sku_id: int | None = None
    odds: int = Field(..., description="Probability in 1/10000 (all prizes add up to 10000 = 100%).")
    stock: int | None = Field(None, description="null: unlimited")
    member_cap: int | None = Field(None, description="Wins per member; null: no cap")
    is_fallback: bool = False


class GameIn(Schema):
    name: str = Field(..., max_length=50)
    kind: str = Field(..., description="wheel, scratch or egg")
    description: str = Field("", max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime
    free_per_day: int = 1
    points_per_draw: int = 0
    order_chances: int = 0
    order_min_fen: int = 0
    daily_draw_limit: int | None = None
    prizes: list[PrizeIn]


class PrizeOut(PrizeIn):
    id: int
    issued: int


class GameOut(Schema):
    id: int
    status: str
    name: str
    kind: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    free_per_day: int
    points_per_draw: int
    order_chances: int
    order_min_fen: int
    daily_draw_limit: int | None
    prizes: list[PrizeOut]


def game_out(game: Game) -> GameOut:
    return GameOut(
        id=game.pk,
        status=game.status,
        prizes=[
            PrizeOut(
                **{name: getattr(p, name) for name in game_setup.PRIZE_FIELDS if name != "id"},
                id=p.pk,
                issued=p.issued,
            )
            for p in queries.prizes_of(game)
        ],
        **{name: getattr(game, name) for name in game_setup.GAME_FIELDS},
    )


def _body(body: GameIn) -> dict:
    data = body.model_dump()
    data["prizes"] = [{k: v for k, v in p.items() if not (k == "id" and v is None)} for p in data["prizes"]]
    return data


class StatusIn(Schema):
    status: str = Field(..., pattern="^(active|paused)$")


@router.get("/marketing/games", response={200: list[GameOut], **ERRORS})
def list_games(request, status: str = Query("", pattern="^(|active|paused)$")):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    games = Game.objects.filter(merchant_id=actor.merchant_id)
    if status:
        games = games.filter(status=status)
    return [game_out(g) for g in games[:200]]


@router.post("/marketing/games", response={201: GameOut, **ERRORS})
def create_game(request, body: GameIn):
    return Status(201, game_out(game_setup.create_game(actor=actor_of(request), **_body(body))))


@router.get("/marketing/games/{game_id}", response={200: GameOut, **ERRORS})
def get_game(request, game_id: PathId):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    return game_out(get_owned(Game, actor.merchant_id, pk=game_id))


@router.put("/marketing/games/{game_id}", response={200: GameOut, **ERRORS})
def update_game(request, body: GameIn, game_id: PathId):
    return game_out(game_setup.update_game(actor=actor_of(request), game_id=game_id, **_body(body)))


@router.post("/marketing/games/{game_id}/status", response={200: GameOut, **ERRORS})
def set_status(request, body: StatusIn, game_id: PathId):
    return game_out(game_setup.set_game_status(actor=actor_of(request), game_id=game_id, status=body.status))


class DrawOut(Schema):
    id: int
    member_id: int
    member_phone: str = Field(..., description="Masked (138****1234).")
    drawn_at: dt.datetime
    paid_with: str
    points_spent: int
    outcome: int = Field(..., description="The random value in [0, 10000) that picked the prize.")
    drawn_prize_id: int
    prize_id: int
    prize_name: str
    fallback_reason: str
    coupon_id: int | None
    points_awarded: int
    gift_order_id: int | None


def draw_out(d: GameDraw) -> DrawOut:
    return DrawOut(
        id=d.pk,
        member_id=d.member_id,
        member_phone=mask_phone(d.member.phone),
        drawn_at=d.drawn_at,
        paid_with=d.paid_with,
        points_spent=d.points_spent,
        outcome=d.outcome,
        drawn_prize_id=d.drawn_prize_id,
        prize_id=d.prize_id,
        prize_name=d.prize.name,
        fallback_reason=d.fallback_reason,
        coupon_id=d.coupon_id,
        points_awarded=d.points_awarded,
        gift_order_id=d.gift_order_id,
    )


@router.get("/marketing/games/{game_id}/draws", response={200: list[DrawOut], **ERRORS})
def draw_log(
    request,
    game_id: PathId,
    member_id: int | None = Query(None, ge=1, le=MAX_ID),
    prize_id: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(200, ge=1, le=1000),
):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    game = get_owned(Game, actor.merchant_id, pk=game_id)
    return [draw_out(d) for d in queries.draw_log(game, member_id=member_id, prize_id=prize_id)[:limit]]


class PrizeLineOut(Schema):
    prize_id: int
    name: str
    kind: str
    probability_percent: float
    stock: int | None
    drawn: int
    given: int
    fell_back: int
    cost_fen: int


class ReportOut(Schema):
    participants: int
    draws: int
    draws_by_payment: dict[str, int]
    points_collected: int
    points_awarded: int
    coupons_issued: int
    coupons_used: int
    coupon_conversion_percent: float
    coupon_orders_fen: int = Field(
        ..., description="Paid amount of the orders the game's coupons were used on."
    )
    coupon_discount_fen: int
    gifts_claimed: int
    cost_fen: int
    chi_square: float
    p_value: float = Field(..., description="How well the outcomes so far fit the configured odds.")
    prizes: list[PrizeLineOut]


@router.get("/marketing/games/{game_id}/report", response={200: ReportOut, **ERRORS})
def report(request, game_id: PathId):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    r = queries.game_report(get_owned(Game, actor.merchant_id, pk=game_id))
    return ReportOut(
        participants=r.participants,
        draws=r.draws,
        draws_by_payment=r.draws_by_payment,
        points_collected=r.points_collected,
        points_awarded=r.points_awarded,
        coupons_issued=r.coupons_issued,
        coupons_used=r.coupons_used,
        coupon_conversion_percent=r.coupon_conversion_percent,
        coupon_orders_fen=r.coupon_orders_fen,
        coupon_discount_fen=r.coupon_discount_fen,
        gifts_claimed=r.gifts_claimed,
        cost_fen=r.cost_fen,
        chi_square=r.chi_square,
        p_value=r.p_value,
        prizes=[
            PrizeLineOut(
                prize_id=line.prize.pk,
                name=line.prize.name,
                kind=line.prize.kind,
                probability_percent=line.prize.odds / 100,
                stock=line.prize.stock,
                drawn=line.drawn,
                given=line.given,
                fell_back=line.fell_back,
                cost_fen=line.cost_fen,
            )
            for line in r.prizes
        ],
    )
