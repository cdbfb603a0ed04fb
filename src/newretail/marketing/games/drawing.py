"""A draw, decided by the server, and the chances that pay for it.

``draw`` runs in one transaction under the member's ``GamePlayer`` row lock (a member's taps go
one at a time): the game must be running; the request key, if given, returns the earlier draw
(a double tap costs one chance); the draw is paid for with a free draw of the day, else a draw
an order earned, else the game's points cost (spent from the points ledger); the outcome is
``secrets.randbelow(10000)``; the prize it hits is given when it has stock (a conditional UPDATE:
the prize's ``issued`` never passes its stock, also under concurrency) and the member is under
the prize's cap and the owning domain issues it; otherwise the game's fallback prize is given and
the reason recorded. The draw row keeps the outcome, the prize hit and the prize given, so every
result can be checked afterwards against the odds.

``grant_order_chances`` (on ``order.paid``): every running game with draws per order gives them
once per order of at least its minimum amount.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.core.idempotency import clean_idempotency_key
from newretail.core.tenancy import get_owned
from newretail.marketing.games import odds as odds_code
from newretail.marketing.games.errors import GameError
from newretail.marketing.games.models import Game, GameChanceGrant, GameDraw, GamePlayer, GamePrize
from newretail.marketing.games.prizes import issue_prize
from newretail.members.models import Member

D = GameDraw


def local_day(now: dt.datetime) -> dt.date:
    return timezone.localtime(now, clock.DEFAULT_ZONE).date()


def check_running(game: Game, now: dt.datetime) -> None:
    if game.status != Game.Status.ACTIVE:
        raise DomainError(GameError.PAUSED)
    if now < game.starts_at:
        starts = timezone.localtime(game.starts_at, clock.DEFAULT_ZONE).strftime("%m-%d %H:%M")
        raise DomainError(GameError.NOT_STARTED, starts=starts)
    if now >= game.ends_at:
        raise DomainError(GameError.ENDED)


def odds_of(prizes: list[GamePrize]) -> list[odds_code.Odds]:
    return [
        odds_code.Odds(
            prize_id=p.pk, odds=p.odds, stock=p.stock, member_cap=p.member_cap, is_fallback=p.is_fallback
        )
        for p in prizes
    ]


def _player(game: Game, member: Member) -> GamePlayer:
    GamePlayer.objects.get_or_create(merchant_id=game.merchant_id, game=game, member=member)
    return GamePlayer.objects.select_for_update().get(game=game, member=member)


def _earlier(game_id: int, member: Member, key: str | None) -> GameDraw | None:
    if not key:
        return None
    return (
        GameDraw.objects.filter(game_id=game_id, member=member, request_key=key)
        .select_related("prize", "drawn_prize", "game", "coupon__template")
        .first()
    )


def draw(*, member: Member, game_id: int, idempotency_key: str | None = None) -> GameDraw:
    """Draw once in game ``game_id`` for ``member``: the draw row with the prize given, or a
    domain error that spent nothing (paused, not started, ended, no draws left, the day's limit,
    not enough points). Replaying ``idempotency_key`` returns the first draw and spends nothing."""
    key = clean_idempotency_key(idempotency_key, error=GameError.INVALID_KEY)
    earlier = _earlier(game_id, member, key)
    if earlier is not None:
        return earlier
    try:
        return _draw(member=member, game_id=game_id, key=key or "")
    except IntegrityError:
        earlier = _earlier(game_id, member, key)
        if earlier is None:
            raise
        return earlier


def _pay_for_draw(game: Game, member: Member, player: GamePlayer, today: dt.date) -> str:
    """Which chance pays for this draw (free of the day, then earned by orders, then points),
    taken from the locked player row. Points are checked here and spent once the draw row exists."""
    free_used = player.free_used if player.free_day == today else 0
    if free_used < game.free_per_day:
        GamePlayer.objects.filter(pk=player.pk).update(free_day=today, free_used=free_used + 1)
        return D.Paid.FREE
    if player.order_chances_left > 0:
        GamePlayer.objects.filter(pk=player.pk, order_chances_left__gt=0).update(
            order_chances_left=F("order_chances_left") - 1
        )
        return D.Paid.ORDER
    if game.points_per_draw > 0:
        from newretail.members.actions.points import locked_points_balance  # held until _spend

        balance = locked_points_balance(member)
        if balance < game.points_per_draw:
            raise DomainError(GameError.POINTS_NOT_ENOUGH, points=game.points_per_draw, balance=balance)
        return D.Paid.POINTS
    raise DomainError(GameError.NO_CHANCES)


def _spend(member: Member, points: int, draw_row: GameDraw) -> None:
    """Spend the draw's points through the members points ledger (reference ``game:<draw>:spend``)."""
    from newretail.members.actions.points import spend_points
    from newretail.members.errors import MemberError

    try:
        spend_points(member=member, points=points, reference=f"game:{draw_row.pk}:spend")
    except DomainError as error:
        if error.error is not MemberError.POINTS_NOT_ENOUGH:
            raise
        raise DomainError(
            GameError.POINTS_NOT_ENOUGH, points=points, balance=error.params.get("balance", 0)
        ) from None


def _take_stock(prize: GamePrize) -> bool:
    rows = GamePrize.objects.filter(pk=prize.pk)
    if prize.stock is not None:
        rows = rows.filter(issued__lt=F("stock"))
    return bool(rows.update(issued=F("issued") + 1))


class _OutOfStock(Exception):
    pass


@transaction.atomic
def _draw(*, member: Member, game_id: int, key: str) -> GameDraw:
    game = get_owned(Game, member.merchant_id, pk=game_id)
    now = clock.now()
    check_running(game, now)
    player = _player(game, member)
    earlier = _earlier(game.pk, member, key)  # a twin tap that waited for the lock
    if earlier is not None:
        return earlier
    today = local_day(now)
    if game.daily_draw_limit is not None:
        if GameDraw.objects.filter(game=game, member=member, day=today).count() >= game.daily_draw_limit:
            raise DomainError(GameError.DAILY_LIMIT, limit=game.daily_draw_limit)
    paid_with = _pay_for_draw(game, member, player, today)

    prizes = list(GamePrize.objects.filter(game=game).order_by("position"))
    rows = {p.pk: p for p in prizes}
    odds = odds_of(prizes)
    outcome = odds_code.draw_outcome()
    hit = odds_code.prize_for(odds, outcome)
    fallback = rows[odds_code.fallback_of(odds).prize_id]
    row = GameDraw.objects.create(
        merchant_id=game.merchant_id,
        game=game,
        member=member,
        drawn_at=now,
        day=today,
        request_key=key,
        paid_with=paid_with,
        points_spent=game.points_per_draw if paid_with == D.Paid.POINTS else 0,
        outcome=outcome,
        drawn_prize_id=hit.prize_id,
        prize_id=hit.prize_id,
    )
    row.game = game
    if paid_with == D.Paid.POINTS:
        _spend(member, game.points_per_draw, row)

    prize = rows[hit.prize_id]
    won = (
        GameDraw.objects.filter(game=game, member=member, prize=prize).exclude(pk=row.pk).count()
        if prize.member_cap is not None
        else 0
    )
    reason = odds_code.fallback_reason(hit, issued=prize.issued, won_by_member=won)
    if not reason:
        try:
            with transaction.atomic():  # the stock and the issue stand or fall together
                if not _take_stock(prize):
                    raise _OutOfStock
                issue_prize(prize=prize, member=member, draw=row)
        except _OutOfStock:
            reason = D.Fallback.STOCK
        except DomainError:
            reason = D.Fallback.UNAVAILABLE
            row.coupon, row.points_awarded = None, 0
    if reason:
        prize = fallback
        _take_stock(prize)  # unlimited by rule: counts what was given
        issue_prize(prize=prize, member=member, draw=row)
    row.prize, row.fallback_reason = prize, reason
    row.save(update_fields=["prize", "fallback_reason", "coupon", "points_awarded"])
    record_event(
        merchant_id=game.merchant_id,
        name="games.drawn",
        aggregate=row,
        payload={
            "draw_id": row.pk,
            "game_id": game.pk,
            "member_id": member.pk,
            "prize_id": prize.pk,
            "prize_kind": prize.kind,
            "fallback_reason": reason,
        },
    )
    return row


def revoke_order_chances(*, merchant_id: int, order_id: int) -> int:
    """A fully refunded order takes back the draws it earned, as far as the member has not used
    them (a draw already made stands, with its prize: it was drawn fairly). Once per order and
    game. Returns how many draws were taken back."""
    taken = 0
    with transaction.atomic():
        grants = GameChanceGrant.objects.select_for_update().filter(
            merchant_id=merchant_id, order_id=order_id, revoked_at__isnull=True
        )
        for grant in grants.order_by("pk"):
            player = (
                GamePlayer.objects.select_for_update()
                .filter(game_id=grant.game_id, member_id=grant.member_id)
                .first()
            )
            back = min(grant.chances, player.order_chances_left) if player is not None else 0
            if back:
                GamePlayer.objects.filter(pk=player.pk).update(order_chances_left=F("order_chances_left") - back)
            GameChanceGrant.objects.filter(pk=grant.pk).update(revoked_chances=back, revoked_at=clock.now())
            taken += back
    return taken


def grant_order_chances(*, merchant_id: int, order_id: int, member_id: int | None, goods_fen: int) -> int:
    """Give the draws a paid order earns in every running game that gives draws per order (once
    per game and order). Returns how many draws were given."""
    if member_id is None or goods_fen <= 0:
        return 0
    now = clock.now()
    games = Game.objects.filter(
        merchant_id=merchant_id,
        status=Game.Status.ACTIVE,
        starts_at__lte=now,
        ends_at__gt=now,
        order_chances__gt=0,
        order_min_fen__lte=goods_fen,
    ).order_by("pk")
    given = 0
    with transaction.atomic():
        member = Member.objects.filter(pk=member_id, merchant_id=merchant_id).first()
        if member is None:
            return 0
        for game in games:
            _grant, created = GameChanceGrant.objects.get_or_create(
                merchant_id=merchant_id,
                game=game,
                order_id=order_id,
                defaults={"member": member, "chances": game.order_chances},
            )
            if not created:
                continue
            player = _player(game, member)
            GamePlayer.objects.filter(pk=player.pk).update(
                order_chances_left=F("order_chances_left") + game.order_chances
            )
            given += game.order_chances
    return given
