"""A merchant's order rules (minutes to pay, days to auto-complete, after-sales window)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import transaction

from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.orders.errors import OrderError
from newretail.orders.models import OrderSettings
from newretail.orders.queries import SETTINGS_FIELDS, rules_cache_key
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

LIMITS = {"unpaid_minutes": (1, 7 * 24 * 60), "auto_complete_days": (1, 60), "after_sale_days": (0, 365)}


@transaction.atomic
def update_order_settings(*, actor: User, **fields: Any) -> OrderSettings:
    """Change the merchant's order rules. Needs ``merchant.manage``; every value is checked before
    anything is written; audited. New values apply to orders placed (or shipped) afterwards."""
    require_perm(actor, Perm.MERCHANT_MANAGE)
    for name, value in fields.items():
        if name not in SETTINGS_FIELDS:
            raise DomainError(OrderError.INVALID_SETTING, field=name, minimum="-", maximum="-")
        low, high = LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            label = str(OrderSettings._meta.get_field(name).verbose_name)
            raise DomainError(OrderError.INVALID_SETTING, field=label, minimum=low, maximum=high)
    settings, _created = OrderSettings.objects.get_or_create(merchant_id=actor.merchant_id)
    settings = OrderSettings.objects.select_for_update().get(pk=settings.pk)
    before = {name: getattr(settings, name) for name in fields}
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    transaction.on_commit(partial(cache.delete, rules_cache_key(actor.merchant_id)))
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="orders.settings_updated",
        obj=settings,
        before=before,
        after=dict(fields),
    )
    return settings
