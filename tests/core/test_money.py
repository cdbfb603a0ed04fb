from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newretail.core.money import MoneyFormatError, allocate, format_fen, percent_of, yuan_to_fen


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12", 1200),
        ("12.5", 1250),
        ("12.50", 1250),
        ("0.01", 1),
        ("¥1,234.56", 123456),
        (Decimal("3.3"), 330),
        (7, 700),
    ],
)
def test_yuan_to_fen_parses_valid_amounts(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["12.345", "abc", "", "NaN", "Infinity", "1e-3", True])
def test_yuan_to_fen_rejects_what_it_would_have_to_round(text):
    with pytest.raises(MoneyFormatError):
        yuan_to_fen(text)


def test_format_fen():
    assert format_fen(123456) == "¥1,234.56"
    assert format_fen(5) == "¥0.05"
    assert format_fen(-50) == "-¥0.50"
    assert format_fen(None) == ""


def test_percent_of_rounds_half_up_to_the_fen():
    assert percent_of(999, 85) == 849  # 849.15
    assert percent_of(1001, 50) == 501  # 500.5 -> 501


def test_allocate_worked_example():
    # ¥10 off over lines of ¥33.33, ¥33.33, ¥33.34: proportional, remainder to the largest remainder.
    assert allocate(1000, [3333, 3333, 3334]) == [333, 333, 334]
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(5, [0, 0]) == [3, 2]


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=60))
def test_allocate_always_adds_up_and_stays_proportional(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    weight_sum = sum(weights)
    if weight_sum:
        for part, weight in zip(parts, weights, strict=True):
            exact = total * weight / weight_sum
            assert abs(part - exact) < 1 + 1e-9
            if weight == 0:
                assert part == 0
