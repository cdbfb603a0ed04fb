"""Game reads: running games (the mall, the points playground), a member's chances and prizes,
the draw log, and the live report (participants, draws, prizes given, cost, the coupon prizes
that turned into orders, and whether the outcomes so far fit the configured odds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from newretail.marketing.games import odds as odds_code
from newretail.marketing.games.drawing import local_day, odds_of
from newretail.marketing.games.models import Game, GameDraw, GamePlayer, GamePrize
from newretail.marketing.models import Coupon
from newretail.members.models import Member, PointsAccount


def running_games(merchant_id: int, now: dt.datetime) -> QuerySet[Game]:
    return Game.objects.filter(
        merchant_id=merchant_id, status=Game.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now
    ).order_by("ends_at", "pk")


def points_playground(merchant_id: int, now: dt.datetime) -> QuerySet[Game]:
    """积分乐园: the running games a member can pay for with points."""
    return running_games(merchant_id, now).filter(points_per_draw__gt=0)


def prizes_of(game: Game) -> list[GamePrize]:
    return list(
        GamePrize.objects.filter(game=game)
        .select_related("coupon_template", "sku__product")
        .order_by("position")
    )


@dataclass(frozen=True)
class Chances:
    free_left: int
    order_left: int
    points_per_draw: int
    points_balance: int
    draws_today: int
    daily_limit: int | None

    @property
    def by_points(self) -> int:
        return self.points_balance // self.points_per_draw if self.points_per_draw else 0

    @property
    def can_draw(self) -> bool:
        if self.daily_limit is not None and self.draws_today >= self.daily_limit:
            return False
        return bool(self.free_left or self.order_left or self.by_points)


def chances_of(game: Game, member: Member, now: dt.datetime) -> Chances:
    today = local_day(now)
    player = GamePlayer.objects.filter(game=game, member=member).first()
    free_used = player.free_used if player is not None and player.free_day == today else 0
    balance = PointsAccount.objects.filter(member=member).values_list("balance", flat=True).first() or 0
    return Chances(
        free_left=max(0, game.free_per_day - free_used),
        order_left=player.order_chances_left if player is not None else 0,
        points_per_draw=game.points_per_draw,
        points_balance=balance,
        draws_today=GameDraw.objects.filter(game=game, member=member, day=today).count(),
        daily_limit=game.daily_draw_limit,
    )


def member_prizes(member: Member) -> QuerySet[GameDraw]:
    """What the member won (draws whose prize is not "thanks"), newest first."""
    return (
        GameDraw.objects.filter(merchant_id=member.merchant_id, member=member)
        .exclude(prize__kind=GamePrize.Kind.THANKS)
        .select_related("game", "prize__sku", "coupon__template", "gift_order")
        .order_by("-id")
    )


def draw_log(game: Game, *, member_id: int | None = None, prize_id: int | None = None) -> QuerySet[GameDraw]:
    draws = GameDraw.objects.filter(game=game).select_related("member", "prize", "drawn_prize")
    if member_id is not None:
        draws = draws.filter(member_id=member_id)
    if prize_id is not None:
        draws = draws.filter(Q(prize_id=prize_id) | Q(drawn_prize_id=prize_id))
    return draws.order_by("-id")


@dataclass(frozen=True)
class PrizeLine:
    prize: GamePrize
    drawn: int
    given: int
    fell_back: int
    cost_fen: int


@dataclass(frozen=True)
class GameReport:
    participants: int
    draws: int
    draws_by_payment: dict[str, int]
    points_collected: int
    points_awarded: int
    prizes: list[PrizeLine]
    coupons_issued: int
    coupons_used: int
    coupon_orders_fen: int
    coupon_discount_fen: int
    gifts_claimed: int
    cost_fen: int
    chi_square: float
    dof: int
    p_value: float

    @property
    def coupon_conversion_percent(self) -> float:
        return round(100 * self.coupons_used / self.coupons_issued, 1) if self.coupons_issued else 0.0


def game_report(game: Game) -> GameReport:
    """The live figures. Cost: the discount the game's coupons gave on paid orders plus the list
    price of the gifts claimed (points awarded are counted apart: they are a liability in points,
    not money yet)."""
    draws = GameDraw.objects.filter(game=game)
    prizes = prizes_of(game)
    drawn = dict(draws.values_list("drawn_prize_id").annotate(n=Count("id")).order_by())
    given = dict(draws.values_list("prize_id").annotate(n=Count("id")).order_by())
    fell = dict(
        draws.exclude(fallback_reason="").values_list("drawn_prize_id").annotate(n=Count("id")).order_by()
    )
    coupons = Coupon.objects.filter(pk__in=draws.exclude(coupon=None).values("coupon_id"))
    used = coupons.filter(status=Coupon.Status.USED)
    gift_orders = draws.exclude(gift_order=None)
    lines = []
    for prize in prizes:
        cost = 0
        if prize.kind == GamePrize.Kind.GIFT and prize.sku is not None:
            cost = prize.sku.price_fen * gift_orders.filter(prize=prize).count()
        elif prize.kind == GamePrize.Kind.COUPON:
            cost = (
                used.filter(template_id=prize.coupon_template_id).aggregate(s=Sum("discount_fen"))["s"] or 0
            )
        lines.append(
            PrizeLine(
                prize=prize,
                drawn=drawn.get(prize.pk, 0),
                given=given.get(prize.pk, 0),
                fell_back=fell.get(prize.pk, 0),
                cost_fen=cost,
            )
        )
    statistic, dof, p_value = odds_code.chi_square(drawn, odds_of(prizes))
    totals = draws.aggregate(spent=Sum("points_spent"), awarded=Sum("points_awarded"))
    return GameReport(
        participants=draws.values("member_id").distinct().count(),
        draws=draws.count(),
        draws_by_payment=dict(draws.values_list("paid_with").annotate(n=Count("id")).order_by()),
        points_collected=totals["spent"] or 0,
        points_awarded=totals["awarded"] or 0,
        prizes=lines,
        coupons_issued=coupons.count(),
        coupons_used=used.count(),
        coupon_orders_fen=sum(
            o.payable_fen for o in {c.order for c in used.select_related("order") if c.order is not None}
        ),
        coupon_discount_fen=used.aggregate(s=Sum("discount_fen"))["s"] or 0,
        gifts_claimed=gift_orders.count(),
        cost_fen=sum(line.cost_fen for line in lines),
        chi_square=statistic,
        dof=dof,
        p_value=p_value,
    )
