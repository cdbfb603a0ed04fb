"""Cash rounding (抹零) and change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newretail.pos import rounding


@pytest.mark.parametrize(
    ("rule", "due", "paid"),
    [
        ("none", 2347, 2347),
        ("jiao_down", 2347, 2340),
        ("jiao_down", 2340, 2340),
        ("jiao_half_up", 2345, 2350),
        ("jiao_half_up", 2344, 2340),
        ("yuan_down", 2347, 2300),
        ("jiao_down", 7, 0),
    ],
)
def test_round_cash_due(rule, due, paid):
    assert rounding.round_cash_due(due, rule) == paid


def test_change_and_rounding():
    assert rounding.change_for(due_fen=2347, received_fen=5000, rule="jiao_down") == (2660, -7)
    assert rounding.change_for(due_fen=2345, received_fen=2350, rule="jiao_half_up") == (0, 5)
    with pytest.raises(ValueError):
        rounding.change_for(due_fen=2347, received_fen=2339, rule="jiao_down")


def test_unknown_rule():
    with pytest.raises(ValueError):
        rounding.round_cash_due(100, "bankers")


@given(due=st.integers(min_value=0, max_value=10**8), rule=st.sampled_from(rounding.RULES))
def test_rounding_moves_less_than_the_unit(due, rule):
    paid = rounding.round_cash_due(due, rule)
    unit = {"none": 1, "jiao_down": 10, "jiao_half_up": 10, "yuan_down": 100}[rule]
    assert paid % unit == 0 and abs(paid - due) < unit and paid >= 0
