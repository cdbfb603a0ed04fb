"""Sweeps over many rows (expiring holds, closing unpaid orders, completing shipped ones) walk
the matching primary keys in batches, so each row can then be handled in its own short
transaction and a long sweep never holds many locks."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet


def pks_in_batches(queryset: QuerySet, batch_size: int = 500) -> Iterator[int]:
    """Every primary key ``queryset`` matches, ascending, read ``batch_size`` at a time (rows
    handled meanwhile may stop matching; the walk goes on after the last key seen)."""
    last_pk = 0
    while True:
        ids = list(queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield from ids
        last_pk = ids[-1]
