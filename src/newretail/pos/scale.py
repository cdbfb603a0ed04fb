"""Scale barcodes (称重条码): the EAN-13 labels a weighing scale prints, read at the till (pure).

A label is 13 digits starting with a GS1 "in-store" prefix 20–29. A merchant's formats say where
the PLU and the value sit, as a 13-character pattern over:

- ``F`` the two prefix digits (the format's ``prefixes``, e.g. ``["22"]``),
- ``P`` the PLU (the item code programmed into the scale, leading zeros ignored),
- ``V`` the value: the price in fen, or the weight in grams (``kind``),
- ``X`` digits the till ignores (a price check digit, a department),
- ``C`` the EAN-13 check digit, always last.

Chinese scales (大华, 顶尖) print ``FFPPPPPVVVVVC`` by default: 2 + a flag digit + 5-digit PLU +
5-digit price in fen + check, e.g. ``2200101012348`` = PLU 101 at ¥12.34; with the value read as
grams, ``2700101007509`` = PLU 101, 750 g. The check digit is always verified, so a misread label
is refused rather than sold at a wrong weight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from stdnum import ean

PRICE = "price"
WEIGHT = "weight"
KINDS = (PRICE, WEIGHT)
PATTERN_RE = re.compile(r"^FF[PVX]{10}C$")
PREFIX_RE = re.compile(r"^2\d$")


class ScaleFormatInvalid(ValueError):
    """A format definition that cannot describe an EAN-13 scale label."""


@dataclass(frozen=True)
class ScaleFormat:
    pattern: str
    prefixes: tuple[str, ...]
    kind: str
    name: str = ""

    def __post_init__(self) -> None:
        check_format(self.pattern, self.prefixes, self.kind)


@dataclass(frozen=True)
class ScaleReading:
    """What a label says: the PLU and either the price (fen) or the weight (grams)."""

    plu: str
    kind: str
    value: int
    format_name: str = ""

    @property
    def price_fen(self) -> int | None:
        return self.value if self.kind == PRICE else None

    @property
    def weight_g(self) -> int | None:
        return self.value if self.kind == WEIGHT else None


def check_format(pattern: str, prefixes: Iterable[str], kind: str) -> None:
    """Raise ``ScaleFormatInvalid`` unless the pattern has the prefix, a PLU of 1–5 digits, a
    value of 1–6 contiguous digits, and the check digit last."""
    if not PATTERN_RE.match(pattern or ""):
        raise ScaleFormatInvalid("pattern must be 13 characters: FF, then P/V/X, then C")
    if kind not in KINDS:
        raise ScaleFormatInvalid("kind must be price or weight")
    plu, value = pattern.count("P"), pattern.count("V")
    if not 1 <= plu <= 5 or not 1 <= value <= 6:
        raise ScaleFormatInvalid("a format needs 1-5 PLU digits and 1-6 value digits")
    for letter in "PV":
        if not re.search(f"{letter}+", pattern) or len(re.findall(f"{letter}+", pattern)) != 1:
            raise ScaleFormatInvalid("PLU and value digits must each be contiguous")
    prefixes = tuple(prefixes)
    if not prefixes or not all(PREFIX_RE.match(p) for p in prefixes):
        raise ScaleFormatInvalid("prefixes are two digits from 20 to 29")


def looks_like_scale_label(code: str) -> bool:
    return len(code) == 13 and code.isascii() and code.isdigit() and code[0] == "2"


def read_label(code: str, formats: Iterable[ScaleFormat]) -> ScaleReading | None:
    """The reading of a scale label, or None when ``code`` is not one (not 13 digits, no format
    for its prefix, or a wrong check digit: a misread is never sold)."""
    code = "".join((code or "").split())
    if not looks_like_scale_label(code) or not ean.is_valid(code):
        return None
    for fmt in formats:
        if code[:2] not in fmt.prefixes:
            continue
        plu = "".join(d for d, p in zip(code, fmt.pattern, strict=True) if p == "P")
        value = "".join(d for d, p in zip(code, fmt.pattern, strict=True) if p == "V")
        if int(plu) == 0:
            return None
        return ScaleReading(plu=str(int(plu)), kind=fmt.kind, value=int(value), format_name=fmt.name)
    return None


def make_label(fmt: ScaleFormat, *, plu: int | str, value: int, prefix: str | None = None) -> str:
    """The label a scale would print (tests, the demo's printed samples)."""
    plu_digits, value_digits = fmt.pattern.count("P"), fmt.pattern.count("V")
    plu_text, value_text = f"{int(plu):0{plu_digits}d}", f"{value:0{value_digits}d}"
    if len(plu_text) > plu_digits or len(value_text) > value_digits:
        raise ValueError("does not fit the format")
    digits, p, v = [], iter(plu_text), iter(value_text)
    for index, letter in enumerate(fmt.pattern[:-1]):
        if letter == "F":
            digits.append((prefix or fmt.prefixes[0])[index])
        elif letter == "P":
            digits.append(next(p))
        elif letter == "V":
            digits.append(next(v))
        else:
            digits.append("0")
    body = "".join(digits)
    return body + ean.calc_check_digit(body)


def grams_for_price(price_fen: int, unit_price_fen: int) -> int:
    """The weight a price label stands for at ``unit_price_fen`` per kg: the gram count whose
    amount (price × grams / 1000, half-up, as the pricing engine rounds) equals the label, or the
    nearest one when no gram count hits it exactly (the scale's price per kg differs)."""
    if unit_price_fen <= 0:
        raise ValueError("a weighed item needs a price per kg")
    estimate = round(price_fen * 1000 / unit_price_fen)

    def amount(grams: int) -> int:
        return (unit_price_fen * grams + 500) // 1000

    candidates = [g for g in range(max(1, estimate - 3), estimate + 4)]
    return min(candidates, key=lambda g: (abs(amount(g) - price_fen), abs(g - estimate)))


DEFAULT_FORMATS = (
    ScaleFormat(pattern="FFPPPPPVVVVVC", prefixes=("20", "21", "22", "23", "24"), kind=PRICE, name="price"),
    ScaleFormat(pattern="FFPPPPPVVVVVC", prefixes=("25", "26", "27", "28", "29"), kind=WEIGHT, name="weight"),
)
