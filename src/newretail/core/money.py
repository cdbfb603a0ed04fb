"""Money is an integer number of fen (分). This module is the one place that parses, formats and
splits it. Never use float for an amount."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100


class MoneyFormatError(ValueError):
    """A text amount that is not a valid yuan amount with at most two decimals."""


def yuan_to_fen(value: str | int | Decimal) -> int:
    """Parse a yuan amount ("12.5", "12.50", 12, Decimal("12.5")) into fen. More than two
    decimals, non-numbers, NaN and infinities are rejected rather than rounded silently."""
    if isinstance(value, bool):
        raise MoneyFormatError(str(value))
    if isinstance(value, int):
        return value * FEN_PER_YUAN
    text = str(value).strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise MoneyFormatError(text) from None
    if not amount.is_finite():
        raise MoneyFormatError(text)
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise MoneyFormatError(text)
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_fen(fen: int | None, *, symbol: str = "¥") -> str:
    """12345 -> "¥123.45"; -50 -> "-¥0.50"; None -> "" (for empty table cells)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def percent_of(fen: int, percent: Decimal | int | str) -> int:
    """A share of an amount, rounded half-up to the fen (e.g. 8.5 折 = percent_of(x, 85)). Whole
    percentages take an integer path (the pricing engine calls this in its inner loop)."""
    if isinstance(percent, int) and not isinstance(percent, bool) and fen >= 0:
        return (fen * percent + 50) // 100
    return int((Decimal(fen) * Decimal(percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_fen`` over ``weights`` with the largest-remainder method.

    The parts always add up to ``total_fen`` exactly; each part is proportional to its weight,
    rounded down, and the fen left over go one each to the largest remainders (ties: earlier
    index first, so the result is deterministic). Used for discount, refund, points and
    commission allocation to order lines.
    """
    if total_fen < 0:
        raise ValueError("total_fen must be >= 0")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be >= 0")
    if not weights:
        if total_fen:
            raise ValueError("cannot allocate a non-zero amount over no weights")
        return []
    weight_sum = sum(weights)
    if weight_sum == 0:
        # Nothing to be proportional to: spread evenly, remainder to the first lines.
        base, rest = divmod(total_fen, len(weights))
        return [base + (1 if i < rest else 0) for i in range(len(weights))]
    floors = []
    remainders = []
    for index, weight in enumerate(weights):
        share, remainder = divmod(total_fen * weight, weight_sum)
        floors.append(share)
        remainders.append((-remainder, index))
    left = total_fen - sum(floors)
    for _, index in sorted(remainders)[:left]:
        floors[index] += 1
    return floors
