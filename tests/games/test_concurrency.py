"""Draws under real concurrency on PostgreSQL: 120 members released together by a barrier draw
a prize that every outcome hits but only 25 are in stock: exactly 25 are given, the rest fall
back, the stock never goes negative. One member's simultaneous taps with the same key make one
draw; with different keys they spend points one draw at a time and never overdraw."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from newretail.core import testing
from newretail.core.errors import DomainError
from newretail.marketing.games.drawing import draw
from newretail.marketing.games.models import GameDraw, GamePrize
from newretail.marketing.games.setup import create_game
from newretail.members.models import Member, PointsEntry
from newretail.members.queries import points_balance
from tests.games.conftest import give_points, thanks, window

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PLAYERS = 120
STOCK = 25
DB_SLOTS = 24


def _run(calls) -> tuple[list[GameDraw], list[DomainError]]:
    barrier = threading.Barrier(len(calls))
    slots = threading.BoundedSemaphore(DB_SLOTS)
    lock = threading.Lock()
    done: list[GameDraw] = []
    refused: list[DomainError] = []
    crashes: list[BaseException] = []

    def player(member, game_id, key) -> None:
        try:
            barrier.wait(timeout=60)
            with slots:
                try:
                    result = draw(member=member, game_id=game_id, idempotency_key=key)
                except DomainError as error:
                    with lock:
                        refused.append(error)
                else:
                    with lock:
                        done.append(result)
                finally:
                    connection.close()
        except BaseException as exc:
            with lock:
                crashes.append(exc)

    threads = [threading.Thread(target=player, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not crashes, crashes[:3]
    return done, refused


@pytest.fixture
def shop():
    merchant, owner = testing.make_merchant()
    Member.objects.bulk_create(
        [Member(merchant=merchant, phone=f"1970000{n:04d}", source="mall") for n in range(PLAYERS)]
    )
    members = list(Member.objects.filter(merchant=merchant).select_related("merchant").order_by("pk"))
    return merchant, owner, members


def test_concurrent_draws_never_give_more_than_the_stock(shop):
    _merchant, owner, members = shop
    game = create_game(
        actor=owner,
        name="限量大奖",
        kind="wheel",
        prizes=[
            {"name": "大奖", "kind": "points", "points": 100, "odds": 10_000, "stock": STOCK},
            thanks(0),
        ],
        **window(),
    )
    done, refused = _run([(m, game.pk, f"k-{m.pk}") for m in members])
    assert not refused
    assert len(done) == PLAYERS
    prize = GamePrize.objects.get(game=game, kind="points")
    assert prize.issued == STOCK
    given = Counter(GameDraw.objects.filter(game=game).values_list("prize__kind", flat=True))
    assert given == {"points": STOCK, "thanks": PLAYERS - STOCK}
    assert GameDraw.objects.filter(game=game, fallback_reason="stock").count() == PLAYERS - STOCK
    assert PointsEntry.objects.filter(reference__startswith="game:", kind="earn").count() == STOCK


def test_one_members_simultaneous_taps(shop):
    _merchant, owner, members = shop
    member = members[0]
    game = create_game(
        actor=owner,
        name="积分乐园",
        kind="egg",
        free_per_day=0,
        points_per_draw=10,
        prizes=[{"name": "1积分", "kind": "points", "points": 1, "odds": 0}, thanks(10_000)],
        **window(),
    )
    give_points(member, 55)
    # 12 taps with one key: one draw, 10 points spent.
    done, refused = _run([(member, game.pk, "same-tap")] * 12)
    assert not refused and {d.pk for d in done} == {done[0].pk}
    assert GameDraw.objects.filter(game=game).count() == 1
    assert points_balance(member) == 45
    # 12 taps with different keys and 45 points: exactly 4 draws, the balance never below 0.
    done, refused = _run([(member, game.pk, f"tap-{n}") for n in range(12)])
    assert len(done) == 4
    assert {e.code for e in refused} == {"games.points_not_enough"} and len(refused) == 8
    assert points_balance(member) == 5
