"""Readable document numbers per merchant: ``<prefix><yyyymmdd>-<nnnn>``, e.g. PO20261123-0001,
dated in the merchant's time zone and numbered from 1 each day."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from newretail.core import clock
from newretail.inventory.models import DocumentSequence
from newretail.tenancy.models import Merchant

PURCHASE_ORDER = "PO"
GOODS_RECEIPT = "GR"
TRANSFER = "TR"
STOCKTAKE = "ST"


@transaction.atomic
def next_document_number(*, merchant: Merchant, prefix: str) -> str:
    """The next number of the day for ``prefix``. Concurrent callers get distinct numbers: the
    counter row is created once (a racing insert loses on the unique constraint and reuses the
    winner's row) and incremented by an UPDATE that holds its row lock until the caller's
    transaction ends; a rolled-back document gives its number back."""
    day = clock.local_today(merchant.timezone)
    sequence, _ = DocumentSequence.objects.get_or_create(merchant_id=merchant.pk, prefix=prefix, day=day)
    DocumentSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
    value = DocumentSequence.objects.filter(pk=sequence.pk).values_list("last_value", flat=True).get()
    return f"{prefix}{day:%Y%m%d}-{value:04d}"
