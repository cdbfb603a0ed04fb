"""The probability code against its configuration: 100 000 draws through the real outcome
generator (``secrets``) and the real prize lookup match the configured odds (Pearson's
chi-square, p > 0.001), and the stock and caps are never exceeded; then a smaller run through the
database path (the real ``draw`` action) proves that no prize is given beyond its stock. The
chi-square p-value is computed in closed form (no scipy), checked here against known values."""

from __future__ import annotations

import random

import pytest

from newretail.marketing.games.drawing import draw, odds_of
from newretail.marketing.games.models import GameDraw, GamePrize
from newretail.marketing.games.odds import Odds, chi_square, chi_square_p_value, prize_for, simulate
from newretail.members.testing import make_member
from tests.games.conftest import thanks

DRAWS = 100_000

# A wheel as a shop sets it up: a rare big prize, a few middling ones, and "thanks".
WHEEL = [
    Odds(prize_id=1, odds=50, stock=30),  # 0.5 %: 30 of them
    Odds(prize_id=2, odds=450, stock=None, member_cap=3),  # 4.5 %: at most 3 per member
    Odds(prize_id=3, odds=1500),  # 15 %
    Odds(prize_id=4, odds=3000),  # 30 %
    Odds(prize_id=5, odds=5000, is_fallback=True),  # 50 %: 谢谢参与
]


@pytest.mark.parametrize(
    "x, dof, expected",
    [
        (3.841458820694124, 1, 0.05),
        (6.634896601021214, 1, 0.01),
        (5.991464547107979, 2, 0.05),
        (9.487729036781154, 4, 0.05),
        (18.46682695290317, 4, 0.001),
        (11.07049769351635, 5, 0.05),
        (20.51500565243288, 5, 0.001),
        (0.0, 3, 1.0),
    ],
)
def test_the_p_value_matches_the_tables(x, dof, expected):
    assert chi_square_p_value(x, dof) == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_the_chi_square_test_can_fail():
    """A biased wheel (outcomes skewed towards the big prize) is rejected: the test has teeth."""
    biased = simulate(WHEEL, 20_000, randbelow=lambda n: int(random.random() ** 1.2 * n))
    _statistic, _dof, p_value = chi_square(biased.drawn, WHEEL)
    assert p_value < 1e-6


def test_100k_draws_match_the_configured_odds_and_never_exceed_stock():
    result = simulate(WHEEL, DRAWS, members=500)  # the real generator: secrets.randbelow
    assert sum(result.drawn.values()) == DRAWS
    statistic, dof, p_value = chi_square(result.drawn, WHEEL)
    assert dof == 4
    assert p_value > 0.001, f"chi-square {statistic:.2f} (dof {dof}) p={p_value:.5f}: {dict(result.drawn)}"
    # Stock: the 0.5 % prize is hit ~500 times but given exactly 30 times; the rest fell back.
    assert result.drawn[1] > 30
    assert result.given[1] == 30
    # Caps: at most 3 per member × 500 members.
    assert result.given[2] <= 3 * 500
    assert result.given[5] == result.drawn[5] + result.fell_back["stock"] + result.fell_back["cap"]
    assert sum(result.given.values()) == DRAWS


def test_every_outcome_hits_the_slice_it_falls_in():
    bounds = []
    upper = 0
    for prize in WHEEL:
        bounds.append((upper, upper + prize.odds, prize.prize_id))
        upper += prize.odds
    for low, high, prize_id in bounds:
        assert prize_for(WHEEL, low).prize_id == prize_id
        assert prize_for(WHEEL, high - 1).prize_id == prize_id
    with pytest.raises(ValueError):
        prize_for(WHEEL, 10_000)


@pytest.mark.django_db
def test_database_draws_never_give_more_than_the_stock(game, merchant):
    """200 draws by 50 members through the real action: the 20 % prize with 10 in stock is given
    exactly 10 times; every draw's outcome explains the prize it hit."""
    g = game(
        [
            {"name": "10积分", "kind": "points", "points": 10, "odds": 2000, "stock": 10},
            {"name": "1积分", "kind": "points", "points": 1, "odds": 3000},
            thanks(5000),
        ],
        free_per_day=4,
    )
    members = [make_member(merchant) for _ in range(50)]
    for member in members:
        for _ in range(4):
            draw(member=member, game_id=g.pk)
    prizes = list(g.prizes.order_by("position"))
    limited = GamePrize.objects.get(game=g, points=10)
    draws = list(GameDraw.objects.filter(game=g))
    assert len(draws) == 200
    assert limited.issued == 10 == sum(1 for d in draws if d.prize_id == limited.pk)
    hits = sum(1 for d in draws if d.drawn_prize_id == limited.pk)
    assert hits > 10  # expected 40: the stock ran out and the rest fell back
    assert sum(1 for d in draws if d.fallback_reason == "stock") == hits - 10
    for d in draws:
        assert prize_for(odds_of(prizes), d.outcome).prize_id == d.drawn_prize_id
