"""Readable document numbers per merchant: ``<prefix><yyyymmdd>-<nnnn>``, e.g. PO20261123-0001,
dated in the merchant's time zone and numbered from 1 each day."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from newretail.core import clock
from newretail.inventory.models import DocumentSequence
from newretail.tenancy.models import Merchant

PURCHASE_ORDER = "PO"
GOODS_RECEIPT = "GR"
TRANSFER = "TR"
STOCKTAKE = "ST"
NUMBER_DIGITS = 4  # at least: the 10,000th document of a day is …-10000


def number_head(prefix: str, day: dt.date) -> str:
    return f"{prefix}{day:%Y%m%d}-"


def document_number(prefix: str, day: dt.date, value: int) -> str:
    return f"{number_head(prefix, day)}{value:0{NUMBER_DIGITS}d}"


def sequence_day(merchant: Merchant) -> dt.date:
    """The day a document is numbered in: today in the merchant's time zone."""
    return clock.local_today(merchant.timezone)


def _increment(merchant_id: int, prefix: str, day) -> int | None:
    # One statement: the UPDATE takes the row lock (held to the caller's commit) and RETURNING
    # gives the new value (SQLite 3.35+ and PostgreSQL); the ORM has no UPDATE … RETURNING.
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 "  # noqa: S608 (table name from the model)
            "WHERE merchant_id = %s AND prefix = %s AND day = %s RETURNING last_value",
            [merchant_id, prefix, day],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def next_document_number(*, merchant: Merchant, prefix: str) -> str:
    """The next number of the day for ``prefix``. Concurrent callers get distinct numbers: the
    counter row is created once (a racing insert loses on the unique constraint and reuses the
    winner's row) and incremented by an UPDATE that holds its row lock until the caller's
    transaction ends; a rolled-back document gives its number back."""
    day = sequence_day(merchant)
    value = _increment(merchant.pk, prefix, day)
    if value is None:
        DocumentSequence.objects.get_or_create(merchant_id=merchant.pk, prefix=prefix, day=day)
        value = _increment(merchant.pk, prefix, day)
    return document_number(prefix, day, value)
