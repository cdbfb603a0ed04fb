"""Properties of the cut sequence: for any start, floor and K (start − floor ≥ K) and any draws,
the cuts add up to exactly start − floor, each is at least 1 fen, the price never goes below the
floor before the K-th cut and reaches it on the K-th. Checked on the pure sequence with seeded
draws (and the extremes of the range), and through real helps on the database."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from newretail.marketing.bargain.buying import start_bargain
from newretail.marketing.bargain.cutting import cut_sequence, help_bargain, next_cut
from newretail.marketing.bargain.models import BargainCut
from newretail.marketing.bargain.setup import create_campaign
from newretail.members.testing import make_member
from tests.bargain.conftest import campaign_data, device


class Extreme(random.Random):
    """Draws always the lowest or always the highest value allowed: the edges of the range."""

    def __init__(self, high: bool) -> None:
        super().__init__()
        self.high = high

    def randint(self, a: int, b: int) -> int:
        return b if self.high else a


def _check(start: int, floor: int, cuts: list[int], helpers: int) -> None:
    assert len(cuts) == helpers
    assert sum(cuts) == start - floor
    assert all(cut >= 1 for cut in cuts)
    price = start
    for number, cut in enumerate(cuts, start=1):
        price -= cut
        assert price >= floor
        assert (price == floor) == (number == helpers)


@given(
    floor=st.integers(min_value=0, max_value=1_000_000),
    extra=st.integers(min_value=0, max_value=1_000_000),
    helpers=st.integers(min_value=1, max_value=100),
    seed=st.integers(min_value=0, max_value=2**32),
)
@settings(max_examples=500)
def test_the_cuts_reach_the_floor_exactly_on_the_last_helper(floor, extra, helpers, seed):
    start = floor + helpers + extra  # the campaign's rule: at least 1 fen per helper
    _check(start, floor, cut_sequence(start - floor, helpers, random.Random(seed)), helpers)


@given(
    floor=st.integers(min_value=0, max_value=10_000),
    extra=st.integers(min_value=0, max_value=10_000),
    helpers=st.integers(min_value=1, max_value=100),
    high=st.booleans(),
)
def test_the_edges_of_every_draw_keep_the_rules(floor, extra, helpers, high):
    start = floor + helpers + extra
    _check(start, floor, cut_sequence(start - floor, helpers, Extreme(high)), helpers)


@given(remaining=st.integers(min_value=1, max_value=10**8), helpers=st.integers(min_value=1, max_value=100))
def test_one_cut_leaves_every_later_helper_at_least_one_fen(remaining, helpers):
    assume(remaining >= helpers)
    for rng in (Extreme(True), Extreme(False), random.Random(remaining)):
        cut = next_cut(remaining, helpers, rng)
        assert 1 <= cut <= remaining - (helpers - 1)


def test_the_system_random_source_is_used_by_default():
    cuts = cut_sequence(10_000, 10)
    _check(10_100, 100, cuts, 10)


def test_a_sequence_that_cannot_give_each_helper_a_fen_is_refused():
    with pytest.raises(ValueError):
        next_cut(2, 3)


@given(
    floor=st.integers(min_value=0, max_value=500),
    extra=st.integers(min_value=0, max_value=500),
    helpers=st.integers(min_value=1, max_value=6),
    seed=st.integers(min_value=0, max_value=2**32),
)
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
def test_real_helps_keep_the_rules(owner, merchant, water, floor, extra, helpers, seed):
    start = min(water.price_fen, floor + helpers + extra)
    assume(start - floor >= helpers)
    running = create_campaign(
        actor=owner,
        **campaign_data(water, start_price_fen=start, floor_price_fen=floor, helpers_needed=helpers),
    )
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=running.pk)
    rng = random.Random(seed)
    for _ in range(helpers):
        help_bargain(helper=make_member(merchant), share_code=bargain.share_code, device_id=device(), rng=rng)
    cuts = list(
        BargainCut.objects.filter(bargain=bargain).order_by("sequence").values_list("amount_fen", flat=True)
    )
    _check(start, floor, cuts, helpers)
    bargain.refresh_from_db()
    assert bargain.current_price_fen == floor
