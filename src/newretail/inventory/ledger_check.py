"""The stock ledger's checker: each StockLevel (the cache) against the sum of its movements and
of its active reservations. Registered with core.ledgers when the inventory app is ready."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from newretail.core.ledgers import LedgerDifference, register_checker
from newretail.inventory.models import Reservation, StockLevel, StockMovement


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
