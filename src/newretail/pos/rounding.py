"""Cash rounding at the till (抹零), pure. The rule applies to the cash a shopper hands over for
what is still due; the difference is the ticket's ``rounding_fen`` (negative when the till lets
fen go), which the shift's cash count adds to the expected drawer. The order and its tenders keep
the exact amounts, so refunds and reports stay on the priced lines."""

from __future__ import annotations

NONE = "none"
JIAO_DOWN = "jiao_down"  # 抹分: drop the fen (¥23.47 -> ¥23.40)
JIAO_HALF_UP = "jiao_half_up"  # 四舍五入到角 (¥23.45 -> ¥23.50, ¥23.44 -> ¥23.40)
YUAN_DOWN = "yuan_down"  # 抹角分: drop jiao and fen (¥23.47 -> ¥23.00)
RULES = (NONE, JIAO_DOWN, JIAO_HALF_UP, YUAN_DOWN)


def round_cash_due(due_fen: int, rule: str) -> int:
    """What the shopper pays in cash for ``due_fen`` under ``rule``."""
    if due_fen < 0:
        raise ValueError("due must not be negative")
    if rule == NONE:
        return due_fen
    if rule == JIAO_DOWN:
        return due_fen - due_fen % 10
    if rule == JIAO_HALF_UP:
        return (due_fen + 5) // 10 * 10
    if rule == YUAN_DOWN:
        return due_fen - due_fen % 100
    raise ValueError(f"unknown rounding rule {rule!r}")


def change_for(*, due_fen: int, received_fen: int, rule: str) -> tuple[int, int]:
    """(change, rounding) when the shopper hands ``received_fen`` for ``due_fen`` in cash and the
    cash pays all that is due. ``rounding`` = rounded due − due. Raises ValueError when the cash
    does not cover the rounded due."""
    rounded = round_cash_due(due_fen, rule)
    if received_fen < rounded:
        raise ValueError("not enough cash")
    return received_fen - rounded, rounded - due_fen
