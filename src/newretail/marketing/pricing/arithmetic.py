"""Integer arithmetic of the pricing engine: every rounding rule lives here."""

from __future__ import annotations

GRAMS_PER_KG = 1000
METRES_PER_KM = 1000


def line_amount_fen(unit_price_fen: int, quantity: int, *, sold_by_weight: bool) -> int:
    """Amount of a line: price × pieces, or price per kg × grams / 1000 rounded half-up to the fen
    (1234 g at ¥13.80/kg = 1702.92 fen -> 1703). The one place a weighed amount is rounded."""
    if sold_by_weight:
        return (unit_price_fen * quantity + GRAMS_PER_KG // 2) // GRAMS_PER_KG
    return unit_price_fen * quantity


def part_of(amount: int, quantity: int, pieces: int) -> int:
    """What ``pieces`` of a line of ``quantity`` pieces costing ``amount`` are worth (rounded
    down, so the parts of a line never add up to more than the line)."""
    return amount * pieces // quantity


def started_units(amount: int, unit: int) -> int:
    """How many started units of ``unit`` fit ``amount`` (ceil, never negative)."""
    return -(-max(amount, 0) // unit)


def format_rate(rate_percent: int) -> str:
    """88 -> "8.8", 80 -> "8", 5 -> "0.5": the Chinese 折 figure of a percentage."""
    tens, units = divmod(rate_percent, 10)
    return f"{tens}.{units}" if units else str(tens)


def format_distance(metres: int) -> str:
    """1234 -> "1.2 km", 800 -> "800 m" (integers only)."""
    if metres < METRES_PER_KM:
        return f"{metres} m"
    tenths = (metres + 50) // 100
    return f"{tenths // 10}.{tenths % 10} km"
