"""Ledger checks: every balance row is a cache of an append-only ledger, and a checker rebuilds
the balances from the ledger and lists where the cache differs.

The registry is generic so that later ledgers (points, wallet, commissions) plug in with
``@register_checker`` and are run by the same ``check_ledgers`` command. It lives here until a
second ledger exists; then it moves to ``newretail/core/ledgers.py`` (see the module docstring of
``inventory/management/commands/check_ledgers.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from newretail.inventory.models import Reservation, StockLevel, StockMovement


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


# --- stock -----------------------------------------------------------------------------------


def _ledger_sums():
    movement_sum = (
        StockMovement.objects.filter(
            merchant_id=OuterRef("merchant_id"),
            warehouse_id=OuterRef("warehouse_id"),
            sku_id=OuterRef("sku_id"),
        )
        .values("warehouse_id", "sku_id")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    reserved_sum = (
        Reservation.objects.filter(
            merchant_id=OuterRef("merchant_id"),
            warehouse_id=OuterRef("warehouse_id"),
            sku_id=OuterRef("sku_id"),
            status=Reservation.Status.ACTIVE,
        )
        .values("warehouse_id", "sku_id")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    return {
        "ledger_on_hand": Coalesce(Subquery(movement_sum, output_field=IntegerField()), Value(0)),
        "ledger_reserved": Coalesce(Subquery(reserved_sum, output_field=IntegerField()), Value(0)),
    }


def _stock_differences() -> Iterable[LedgerDifference]:
    """Each StockLevel against the sum of its movements (on hand) and of its active reservations
    (reserved), in one statement per direction so that a consistent snapshot is compared; plus
    ledger entries whose cache row is missing."""
    rows = (
        StockLevel.objects.annotate(**_ledger_sums())
        .filter(~Q(on_hand=F("ledger_on_hand")) | ~Q(reserved=F("ledger_reserved")))
        .select_related("warehouse", "sku")
        .order_by("merchant_id", "warehouse_id", "sku_id")
    )
    for level in rows:
        key = {"warehouse": level.warehouse.code, "sku": level.sku.code}
        fix_data = {
            "warehouse_id": level.warehouse_id,
            "sku_id": level.sku_id,
            "merchant_id": level.merchant_id,
        }
        if level.on_hand != level.ledger_on_hand:
            yield LedgerDifference(
                "stock", level.merchant_id, key, "on_hand", level.on_hand, level.ledger_on_hand, fix_data
            )
        if level.reserved != level.ledger_reserved:
            yield LedgerDifference(
                "stock", level.merchant_id, key, "reserved", level.reserved, level.ledger_reserved, fix_data
            )

    has_level = StockLevel.objects.filter(warehouse_id=OuterRef("warehouse_id"), sku_id=OuterRef("sku_id"))
    for model, field_name, extra in (
        (StockMovement, "on_hand", {}),
        (Reservation, "reserved", {"status": Reservation.Status.ACTIVE}),
    ):
        orphans = (
            model.objects.filter(~Exists(has_level), **extra)
            .values("merchant_id", "warehouse_id", "warehouse__code", "sku_id", "sku__code")
            .annotate(total=Sum("quantity"))
            .order_by("merchant_id", "warehouse_id", "sku_id")
        )
        for row in orphans:
            if not row["total"]:
                continue
            yield LedgerDifference(
                "stock",
                row["merchant_id"],
                {"warehouse": row["warehouse__code"], "sku": row["sku__code"]},
                field_name,
                0,
                row["total"],
                {
                    "warehouse_id": row["warehouse_id"],
                    "sku_id": row["sku_id"],
                    "merchant_id": row["merchant_id"],
                },
            )


def _fix_stock(differences: list[LedgerDifference]) -> int:
    """Rewrite the cache rows from the ledger, each under its row lock (in key order), recomputing
    the sums inside the lock so that traffic running meanwhile is not overwritten."""
    keys = sorted(
        {(d.fix_data["warehouse_id"], d.fix_data["sku_id"], d.fix_data["merchant_id"]) for d in differences}
    )
    fixed = 0
    for warehouse_id, sku_id, merchant_id in keys:
        try:
            with transaction.atomic():
                level, _ = StockLevel.objects.get_or_create(
                    warehouse_id=warehouse_id, sku_id=sku_id, defaults={"merchant_id": merchant_id}
                )
                StockLevel.objects.select_for_update().filter(pk=level.pk).get()
                sums = StockLevel.objects.filter(pk=level.pk).annotate(**_ledger_sums()).get()
                StockLevel.objects.filter(pk=level.pk).update(
                    on_hand=sums.ledger_on_hand, reserved=sums.ledger_reserved
                )
        except IntegrityError:  # the ledger itself breaks a rule (e.g. reserved > on hand)
            continue
        fixed += sum(
            1
            for d in differences
            if (d.fix_data["warehouse_id"], d.fix_data["sku_id"]) == (warehouse_id, sku_id)
        )
    return fixed


register_checker("stock", fix=_fix_stock)(_stock_differences)
