"""Scale labels (称重条码) in the formats Chinese scales print, with real check digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newretail.pos import scale
from newretail.pos.scale import DEFAULT_FORMATS, ScaleFormat, ScaleFormatInvalid, grams_for_price, read_label

PRICE_22 = ScaleFormat(pattern="FFPPPPPVVVVVC", prefixes=("22",), kind=scale.PRICE, name="大华价格码")
WEIGHT_27 = ScaleFormat(pattern="FFPPPPPVVVVVC", prefixes=("27",), kind=scale.WEIGHT, name="重量码")
# 2 + flag + 4-digit PLU + price check digit (ignored) + 5-digit price + check: an EAN-13 layout
# with a price verifier digit, as some Western scales print.
PRICE_CHECKED = ScaleFormat(pattern="FFPPPPXVVVVVC", prefixes=("20",), kind=scale.PRICE, name="with verifier")


def test_price_label_with_its_check_digit():
    reading = read_label("2200101012348", [PRICE_22])
    assert reading == scale.ScaleReading(plu="101", kind="price", value=1234, format_name="大华价格码")
    assert reading.price_fen == 1234 and reading.weight_g is None


def test_weight_label_in_grams():
    reading = read_label("2700101007509", [WEIGHT_27])
    assert reading.plu == "101" and reading.weight_g == 750


def test_a_wrong_check_digit_is_never_read():
    assert read_label("2200101012343", [PRICE_22]) is None
    assert read_label("2700101007500", [WEIGHT_27]) is None


def test_not_a_scale_label():
    assert read_label("6901234567892", DEFAULT_FORMATS) is None  # an ordinary EAN-13
    assert read_label("22001010123", [PRICE_22]) is None  # too short
    assert read_label("2300101012346", [PRICE_22]) is None  # a prefix no format claims


def test_ignored_digits_and_short_plu():
    label = scale.make_label(PRICE_CHECKED, plu=4011, value=2599)
    assert len(label) == 13 and label.startswith("204011")
    assert read_label(label, [PRICE_CHECKED]).price_fen == 2599
    assert read_label(label, [PRICE_CHECKED]).plu == "4011"


def test_formats_are_checked():
    for pattern, prefixes, kind in [
        ("FFPPPPPVVVVV", ("22",), "price"),  # 12 characters
        ("FFPPPPPPVVVVC", ("22",), "price"),  # 6-digit PLU
        ("FFPPVVPPVVVVC", ("22",), "price"),  # split PLU
        ("FFPPPPPVVVVVC", ("32",), "price"),  # not an in-store prefix
        ("FFPPPPPVVVVVC", ("22",), "volume"),
    ]:
        with pytest.raises(ScaleFormatInvalid):
            ScaleFormat(pattern=pattern, prefixes=prefixes, kind=kind)


def test_price_label_becomes_the_grams_the_scale_weighed():
    # 1.234 kg at ¥12.80/kg: the scale printed ¥15.80 (1579.52 → 1580 fen).
    assert grams_for_price(1580, 1280) in (1234, 1235)
    assert (1280 * grams_for_price(1580, 1280) + 500) // 1000 == 1580


@given(
    plu=st.integers(min_value=1, max_value=99999),
    value=st.integers(min_value=0, max_value=99999),
    prefix=st.sampled_from(["22", "27"]),
)
def test_every_label_a_scale_makes_reads_back(plu, value, prefix):
    fmt = PRICE_22 if prefix == "22" else WEIGHT_27
    label = scale.make_label(fmt, plu=plu, value=value)
    reading = read_label(label, [PRICE_22, WEIGHT_27])
    assert reading.plu == str(plu) and reading.value == value and reading.kind == fmt.kind
    # Any single wrong digit is refused or reads as something else, never silently the same.
    wrong = label[:7] + str((int(label[7]) + 1) % 10) + label[8:]
    assert read_label(wrong, [PRICE_22, WEIGHT_27]) is None


@given(grams=st.integers(min_value=1, max_value=50_000), unit=st.integers(min_value=1, max_value=50_000))
def test_grams_for_price_hits_the_label_when_the_prices_agree(grams, unit):
    label_price = (unit * grams + 500) // 1000
    found = grams_for_price(label_price, unit)
    assert (unit * found + 500) // 1000 == label_price or unit > 1000 and abs(found - grams) <= 3
