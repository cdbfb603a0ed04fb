"""The probability code, pure: a random outcome in ``[0, ODDS_TOTAL)`` from the operating
system's generator (``secrets``), the prize it hits on the cumulative odds, and the fallback
when that prize cannot be given. ``drawing`` calls these inside its transaction; the statistics
test and ``simulate`` call the very same functions without a database."""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from newretail.marketing.games.models import ODDS_TOTAL


@dataclass(frozen=True)
class Odds:
    """A prize as the draw sees it."""

    prize_id: int
    odds: int
    stock: int | None = None
    member_cap: int | None = None
    is_fallback: bool = False


def draw_outcome(randbelow: Callable[[int], int] = secrets.randbelow) -> int:
    """A uniformly random integer in ``[0, ODDS_TOTAL)``; unpredictable (CSPRNG) by default."""
    return randbelow(ODDS_TOTAL)


def prize_for(prizes: Sequence[Odds], outcome: int) -> Odds:
    """The prize whose slice of ``[0, ODDS_TOTAL)`` holds ``outcome``: slices in the given order,
    each ``odds`` wide (the odds add up to ``ODDS_TOTAL``; setup checks it)."""
    if not 0 <= outcome < ODDS_TOTAL:
        raise ValueError(f"outcome {outcome} outside [0, {ODDS_TOTAL})")
    upper = 0
    for prize in prizes:
        upper += prize.odds
        if outcome < upper:
            return prize
    raise ValueError("the odds do not add up to ODDS_TOTAL")


def fallback_of(prizes: Sequence[Odds]) -> Odds:
    return next(p for p in prizes if p.is_fallback)


def fallback_reason(prize: Odds, *, issued: int, won_by_member: int) -> str:
    """Why ``prize`` cannot be given now ("" when it can): out of stock, or the member's cap."""
    if prize.is_fallback:
        return ""
    if prize.stock is not None and issued >= prize.stock:
        return "stock"
    if prize.member_cap is not None and won_by_member >= prize.member_cap:
        return "cap"
    return ""


@dataclass
class Simulation:
    drawn: Counter
    given: Counter
    fell_back: Counter


def simulate(
    prizes: Sequence[Odds],
    draws: int,
    *,
    randbelow: Callable[[int], int] = secrets.randbelow,
    members: int = 1,
) -> Simulation:
    """``draws`` draws through ``draw_outcome``, ``prize_for`` and ``fallback_reason`` with the
    stock and caps kept in memory (member ``i % members`` draws the i-th time): what the database
    path does, without the database."""
    drawn: Counter = Counter()
    given: Counter = Counter()
    fell_back: Counter = Counter()
    won: Counter = Counter()
    fallback = fallback_of(prizes)
    for i in range(draws):
        hit = prize_for(prizes, draw_outcome(randbelow))
        drawn[hit.prize_id] += 1
        member = i % members
        reason = fallback_reason(hit, issued=given[hit.prize_id], won_by_member=won[(member, hit.prize_id)])
        prize = fallback if reason else hit
        if reason:
            fell_back[reason] += 1
        given[prize.prize_id] += 1
        won[(member, prize.prize_id)] += 1
    return Simulation(drawn=drawn, given=given, fell_back=fell_back)


def chi_square(observed: Mapping[int, int], prizes: Sequence[Odds]) -> tuple[float, int, float]:
    """Pearson's chi-square of the outcomes ``observed`` (prize id -> draws that hit it) against
    the configured odds: (statistic, degrees of freedom, p-value). Prizes with zero odds are left
    out (they can never be hit)."""
    total = sum(observed.values())
    cells = [p for p in prizes if p.odds > 0]
    if total == 0 or len(cells) < 2:
        return 0.0, 0, 1.0
    statistic = 0.0
    for prize in cells:
        expected = total * prize.odds / ODDS_TOTAL
        statistic += (observed.get(prize.prize_id, 0) - expected) ** 2 / expected
    dof = len(cells) - 1
    return statistic, dof, chi_square_p_value(statistic, dof)


def chi_square_p_value(x: float, dof: int) -> float:
    """P(X >= x) for X ~ chi-square with integer ``dof`` degrees of freedom, in closed form (no
    scipy): for even dof, e^(-x/2) * sum_{i<dof/2} (x/2)^i / i!; for odd dof,
    erfc(sqrt(x/2)) + sqrt(2x/pi) e^(-x/2) * sum_{i=1}^{(dof-1)/2} x^(i-1) / (1*3*...*(2i-1))."""
    if dof < 1:
        raise ValueError("dof must be at least 1")
    if x <= 0:
        return 1.0
    half = x / 2
    if dof % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, dof // 2):
            term *= half / i
            total += term
        return min(1.0, math.exp(-half) * total)
    total, term = 0.0, 1.0
    for i in range(1, (dof - 1) // 2 + 1):
        term = 1.0 if i == 1 else term * x / (2 * i - 1)
        total += term
    return min(1.0, math.erfc(math.sqrt(half)) + math.sqrt(2 * x / math.pi) * math.exp(-half) * total)
