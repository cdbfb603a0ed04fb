"""Create, edit, pause and resume lottery games (needs ``marketing.manage``; audited). Every value
is checked before anything is written: the window, the entry rules, each prize (its coupon or
gift SKU one of the merchant's, points in range), probabilities that add up to exactly 100 %
(in 0.01 % steps), stock not below what was already issued, exactly one fallback prize that can
always be given (thanks or points, unlimited, no cap), and no prize removed once it was won."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from newretail.catalog.queries import live_skus
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.marketing.actions.promotions import auditable, clean_window, whole_number
from newretail.marketing.games.errors import GameError
from newretail.marketing.games.models import ODDS_TOTAL, Game, GameDraw, GamePrize
from newretail.marketing.models import CouponTemplate
from newretail.marketing.switching import switch_status
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

E = GameError.INVALID
MAX_PRIZES = 12
MAX_STOCK = 10_000_000
MAX_POINTS = 1_000_000
MAX_DAYS = 366
GAME_FIELDS = (
    "name",
    "kind",
    "description",
    "starts_at",
    "ends_at",
    "free_per_day",
    "points_per_draw",
    "order_chances",
    "order_min_fen",
    "daily_draw_limit",
)
PRIZE_FIELDS = (
    "id",
    "name",
    "kind",
    "coupon_template_id",
    "points",
    "sku_id",
    "odds",
    "stock",
    "member_cap",
    "is_fallback",
)
K = GamePrize.Kind


def invalid(field: str, problem: str) -> DomainError:
    return DomainError(E, field=field, problem=problem)


def _number(value: Any, field: str, minimum: int, maximum: int) -> int:
    return whole_number(value, field, minimum, maximum, error=E)


def _optional(value: Any, field: str, minimum: int, maximum: int) -> int | None:
    return None if value is None else _number(value, field, minimum, maximum)


def _prize(merchant_id: int, index: int, row: Any) -> dict[str, Any]:
    field = f"prizes.{index}"
    if not isinstance(row, Mapping):
        raise invalid(field, _("must be an object"))
    unknown = set(row) - set(PRIZE_FIELDS)
    if unknown:
        raise invalid(f"{field}.{sorted(unknown)[0]}", _("is not a prize field"))
    kind = row.get("kind")
    if kind not in K.values:
        raise invalid(f"{field}.kind", _("must be coupon, points, gift or thanks"))
    name = str(row.get("name") or "").strip()
    if not 1 <= len(name) <= 30:
        raise invalid(f"{field}.name", _("must be 1 to 30 characters"))
    prize = {
        "id": _optional(row.get("id"), f"{field}.id", 1, 2**62),
        "name": name,
        "kind": kind,
        "coupon_template_id": None,
        "points": 0,
        "sku_id": None,
        "odds": _number(row.get("odds"), f"{field}.odds", 0, ODDS_TOTAL),
        "stock": _optional(row.get("stock"), f"{field}.stock", 0, MAX_STOCK),
        "member_cap": _optional(row.get("member_cap"), f"{field}.member_cap", 1, 9999),
        "is_fallback": bool(row.get("is_fallback", False)),
    }
    if kind == K.COUPON:
        template_id = _number(row.get("coupon_template_id"), f"{field}.coupon_template_id", 1, 2**62)
        if not CouponTemplate.objects.filter(merchant_id=merchant_id, pk=template_id).exists():
            raise invalid(f"{field}.coupon_template_id", _("is not one of your coupons"))
        prize["coupon_template_id"] = template_id
    elif kind == K.POINTS:
        prize["points"] = _number(row.get("points"), f"{field}.points", 1, MAX_POINTS)
    elif kind == K.GIFT:
        sku_id = _number(row.get("sku_id"), f"{field}.sku_id", 1, 2**62)
        if not live_skus(merchant_id).filter(pk=sku_id).exists():
            raise invalid(f"{field}.sku_id", _("is not one of your products"))
        prize["sku_id"] = sku_id
    if prize["is_fallback"]:
        if kind not in (K.THANKS, K.POINTS):
            raise invalid(
                f"{field}.is_fallback", _("the fallback must be thanks or points, which never run out")
            )
        if prize["stock"] is not None or prize["member_cap"] is not None:
            raise invalid(f"{field}.is_fallback", _("the fallback needs unlimited stock and no cap"))
    return prize


def clean_prizes(merchant_id: int, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, (list, tuple)) or not 2 <= len(value) <= MAX_PRIZES:
        raise invalid("prizes", _("give 2 to %(n)s prizes") % {"n": MAX_PRIZES})
    prizes = [_prize(merchant_id, index, row) for index, row in enumerate(value, start=1)]
    total = sum(p["odds"] for p in prizes)
    if total != ODDS_TOTAL:
        raise invalid(
            "prizes",
            _("the probabilities add up to %(total)s%%; they must add up to exactly 100%%")
            % {"total": f"{total / 100:g}"},
        )
    if sum(p["is_fallback"] for p in prizes) != 1:
        raise invalid("prizes", _("mark exactly one prize as the fallback"))
    ids = [p["id"] for p in prizes if p["id"] is not None]
    if len(set(ids)) != len(ids):
        raise invalid("prizes", _("lists a prize twice"))
    return prizes


def clean_game(merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Checked and normalised fields (with ``prizes``); raises on the first problem."""
    unknown = set(data) - {*GAME_FIELDS, "prizes"}
    if unknown:
        raise invalid(sorted(unknown)[0], _("is not a game field"))
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 50:
        raise invalid("name", _("must be 1 to 50 characters"))
    if data.get("kind") not in Game.Kind.values:
        raise invalid("kind", _("must be wheel, scratch or egg"))
    description = str(data.get("description") or "").strip()
    if len(description) > 200:
        raise invalid("description", _("at most 200 characters"))
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    clean_window(starts_at, ends_at, error=E)
    if ends_at - starts_at > dt.timedelta(days=MAX_DAYS):
        raise invalid("ends_at", _("a game lasts at most %(days)s days") % {"days": MAX_DAYS})
    fields = {
        "name": name,
        "kind": data["kind"],
        "description": description,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "free_per_day": _number(data.get("free_per_day", 1), "free_per_day", 0, 100),
        "points_per_draw": _number(data.get("points_per_draw", 0), "points_per_draw", 0, MAX_POINTS),
        "order_chances": _number(data.get("order_chances", 0), "order_chances", 0, 100),
        "order_min_fen": _number(data.get("order_min_fen", 0), "order_min_fen", 0, 100_000_000),
        "daily_draw_limit": _optional(data.get("daily_draw_limit"), "daily_draw_limit", 1, 1000),
    }
    if not (fields["free_per_day"] or fields["points_per_draw"] or fields["order_chances"]):
        raise invalid(
            "free_per_day", _("give members a way to play: free draws, a points cost or draws per order")
        )
    fields["prizes"] = clean_prizes(merchant_id, data.get("prizes"))
    return fields


def _prize_audit(game: Game) -> list[dict[str, Any]]:
    return [
        {name: getattr(p, name) for name in PRIZE_FIELDS if name != "id"} | {"id": p.pk}
        for p in game.prizes.order_by("position")
    ]


def _write_prizes(game: Game, prizes: list[dict[str, Any]]) -> None:
    existing = {p.pk: p for p in GamePrize.objects.select_for_update().filter(game=game)}
    unknown = [p["id"] for p in prizes if p["id"] is not None and p["id"] not in existing]
    if unknown:
        raise invalid("prizes", _("contains a prize id that is not one of this game's"))
    kept = {p["id"] for p in prizes if p["id"] is not None}
    removed = [pk for pk in existing if pk not in kept]
    if removed and GameDraw.objects.filter(game=game, drawn_prize_id__in=removed).exists():
        raise invalid(
            "prizes", _("a prize that was already drawn cannot be removed; set its probability to 0")
        )
    for pk in removed:
        existing[pk].delete()
    # Positions move: park the kept rows out of the way of the unique (game, position) first.
    for parked, row in enumerate(GamePrize.objects.filter(game=game).order_by("pk"), start=1):
        GamePrize.objects.filter(pk=row.pk).update(position=-parked)
    for position, prize in enumerate(prizes, start=1):
        values = {k: v for k, v in prize.items() if k != "id"}
        if prize["id"] is None:
            GamePrize.objects.create(merchant_id=game.merchant_id, game=game, position=position, **values)
            continue
        row = existing[prize["id"]]
        if values["stock"] is not None and values["stock"] < row.issued:
            raise invalid(
                f"prizes.{position}.stock",
                _("%(issued)s were already given; the stock cannot be lower") % {"issued": row.issued},
            )
        GamePrize.objects.filter(pk=row.pk).update(position=position, **values)


@transaction.atomic
def create_game(*, actor: User, **data: Any) -> Game:
    """Create a game with its prizes (``marketing.manage``); audited."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    fields = clean_game(merchant_id, data)
    prizes = fields.pop("prizes")
    if any(p["id"] is not None for p in prizes):
        raise invalid("prizes", _("a new game's prizes have no ids"))
    game = Game.objects.create(merchant_id=merchant_id, **fields)
    _write_prizes(game, prizes)
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="games.game_created",
        obj=game,
        before={},
        after={**auditable(fields), "prizes": _prize_audit(game)},
    )
    return game


@transaction.atomic
def update_game(*, actor: User, game_id: int, **data: Any) -> Game:
    """Replace a game's settings and prizes. Draws already made keep their prizes: a prize that
    was drawn stays (set its probability to 0 to retire it) and its stock cannot go below what
    was given."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    game = get_owned(Game.objects.select_for_update(), merchant_id, pk=game_id)
    fields = clean_game(merchant_id, data)
    prizes = fields.pop("prizes")
    before = {**auditable({name: getattr(game, name) for name in fields}), "prizes": _prize_audit(game)}
    for name, value in fields.items():
        setattr(game, name, value)
    game.save()
    _write_prizes(game, prizes)
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="games.game_updated",
        obj=game,
        before=before,
        after={**auditable(fields), "prizes": _prize_audit(game)},
    )
    return game


@transaction.atomic
def set_game_status(*, actor: User, game_id: int, status: str) -> Game:
    """Pause (nobody can draw) or resume a game; audited."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    if status not in Game.Status.values:
        raise invalid("status", _("must be active or paused"))
    game, _changed = switch_status(
        actor=actor,
        merchant_id=merchant_id,
        model=Game,
        pk=game_id,
        status=status,
        audit_action="games.game_status",
    )
    return game
