"""One named constructor for audit entries; callers pass plain JSON-able before/after dicts."""

from __future__ import annotations

from typing import Any

from django.db import models

from newretail.core.models import AuditEntry


def record_audit(
    *,
    actor: Any,
    merchant_id: int,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        merchant_id=merchant_id,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        reason=reason[:255],
    )
