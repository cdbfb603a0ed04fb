"""Ledger checks: every balance row is a cache of an append-only ledger (stock, points, wallet,
commissions), and each domain registers a checker that rebuilds its balances from the ledger and
lists where the cache differs. ``manage.py check_ledgers`` runs them all; ``--fix`` repairs.

A domain registers from its AppConfig.ready() (see inventory/ledger_check.py)::

    register_checker("stock", fix=fix_stock)(find_stock_differences)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LedgerDifference:
    """One cached balance that disagrees with its ledger."""

    ledger: str  # e.g. "stock"
    merchant_id: int
    key: dict[str, object]  # what identifies the balance, e.g. {"warehouse": "WH1", "sku": "A01"}
    field: str  # e.g. "on_hand"
    cached: int
    ledger_value: int
    # Anything the checker needs to repair the row (not printed).
    fix_data: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def describe(self) -> str:
        key = " ".join(f"{k}={v}" for k, v in self.key.items())
        return (
            f"{self.ledger}.{self.field} merchant={self.merchant_id} {key}: "
            f"cached {self.cached}, ledger {self.ledger_value}"
        )


@dataclass(frozen=True)
class LedgerChecker:
    name: str
    find: Callable[[], Iterable[LedgerDifference]]
    fix: Callable[[list[LedgerDifference]], int]  # returns how many differences it repaired


CHECKERS: dict[str, LedgerChecker] = {}


def register_checker(name: str, *, fix: Callable[[list[LedgerDifference]], int]):
    """Decorator for a function that yields the differences of one ledger."""

    def decorator(find: Callable[[], Iterable[LedgerDifference]]):
        CHECKERS[name] = LedgerChecker(name=name, find=find, fix=fix)
        return find

    return decorator


def find_differences(names: Iterable[str] | None = None) -> list[LedgerDifference]:
    selected = list(names) if names else sorted(CHECKERS)
    differences: list[LedgerDifference] = []
    for name in selected:
        differences.extend(CHECKERS[name].find())
    return differences


def fix_differences(differences: list[LedgerDifference]) -> int:
    fixed = 0
    for name in sorted({d.ledger for d in differences}):
        fixed += CHECKERS[name].fix([d for d in differences if d.ledger == name])
    return fixed
