"""What every kind of campaign shares for its setup: pausing and resuming (暂停 / 恢复) under the
row lock with an audit entry, and the rule that a SKU is in one campaign of a kind at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models

from newretail.core.audit import record_audit
from newretail.core.tenancy import get_owned


def switch_status(
    *, actor: Any, merchant_id: int, model: type[models.Model], pk: int, status: str, audit_action: str
) -> tuple[Any, bool]:
    """Set ``status`` on the merchant's ``model`` row ``pk`` (locked; call inside a transaction;
    the caller has checked the value). Returns the row and whether it changed; a change is audited."""
    row = get_owned(model.objects.select_for_update(), merchant_id, pk=pk)
    if row.status == status:
        return row, False
    before = row.status
    row.status = status
    fields = ["status"] + (["updated_at"] if any(f.name == "updated_at" for f in model._meta.fields) else [])
    row.save(update_fields=fields)
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action=audit_action,
        obj=row,
        before={"status": before},
        after={"status": status},
    )
    return row, True


def overlapping_item(
    item_model: type[models.Model],
    merchant_id: int,
    sku_ids: Iterable[int],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    campaign_id: int | None,
) -> Any | None:
    """The first item of another campaign of this kind that sells one of ``sku_ids`` during
    ``[starts_at, ends_at)``, with its campaign (None: no clash)."""
    return (
        item_model.objects.filter(
            merchant_id=merchant_id,
            sku_id__in=list(sku_ids),
            campaign__starts_at__lt=ends_at,
            campaign__ends_at__gt=starts_at,
        )
        .exclude(campaign_id=campaign_id)
        .select_related("campaign")
        .first()
    )
