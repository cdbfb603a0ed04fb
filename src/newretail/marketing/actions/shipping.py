"""Writes of the marketing domain. Every action takes a keyword-only ``actor``."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction

from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.marketing.errors import MarketingError
from newretail.marketing.models import MAX_DELIVERY_RADIUS_M, ShippingSettings
from newretail.marketing.queries import RULES_FIELDS, bump_shipping_rules_version
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

MAX_FEE_FEN = 1_000_000  # ¥10,000: anything above is a typo
MAX_THRESHOLD_FEN = 100_000_000  # ¥1,000,000
MAX_WEIGHT_G = 100_000
MAX_BASE_DISTANCE_M = MAX_DELIVERY_RADIUS_M

# field -> (minimum, maximum, may be None)
LIMITS: dict[str, tuple[int, int, bool]] = {
    "express_base_fee_fen": (0, MAX_FEE_FEN, False),
    "express_first_weight_g": (1, MAX_WEIGHT_G, False),
    "express_per_kg_fee_fen": (0, MAX_FEE_FEN, False),
    "express_free_threshold_fen": (0, MAX_THRESHOLD_FEN, True),
    "delivery_radius_m": (0, MAX_DELIVERY_RADIUS_M, False),
    "delivery_base_fee_fen": (0, MAX_FEE_FEN, False),
    "delivery_base_distance_m": (0, MAX_BASE_DISTANCE_M, False),
    "delivery_per_km_fee_fen": (0, MAX_FEE_FEN, False),
    "delivery_min_order_fen": (0, MAX_THRESHOLD_FEN, False),
    "delivery_free_threshold_fen": (0, MAX_THRESHOLD_FEN, True),
}
assert set(LIMITS) | {"express_region_surcharges_fen"} == set(RULES_FIELDS)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(name: str, value: Any) -> None:
    if name == "express_region_surcharges_fen":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and k.strip() and _is_int(v) and 0 <= v <= MAX_FEE_FEN
            for k, v in value.items()
        ):
            raise DomainError(MarketingError.INVALID_REGION_SURCHARGE, maximum=format_fen(MAX_FEE_FEN))
        return
    minimum, maximum, nullable = LIMITS[name]
    if value is None and nullable:
        return
    if not _is_int(value) or not minimum <= value <= maximum:
        label = str(getattr(ShippingSettings._meta.get_field(name), "verbose_name", name))
        raise DomainError(MarketingError.INVALID_SETTING, field=label, minimum=minimum, maximum=maximum)


@transaction.atomic
def update_shipping_settings(*, actor: User, **fields: Any) -> ShippingSettings:
    """Change the merchant's shipping fees. Needs ``merchant.manage``. Every value is checked before
    anything is written (amounts in fen, not negative; radius at most 50 km); the change is audited
    and the cached pricing rules are invalidated once the transaction commits."""
    merchant_id = require_perm(actor, Perm.MERCHANT_MANAGE).merchant_id
    assert merchant_id is not None  # require_perm admits merchant staff only
    for name in fields:
        if name not in RULES_FIELDS:
            raise DomainError(MarketingError.UNKNOWN_SETTING, field=name)
    for name, value in fields.items():
        _check(name, value)
    settings = ShippingSettings.objects.select_for_update().for_merchant(merchant_id).first()
    if settings is None:
        ShippingSettings.objects.get_or_create(merchant_id=merchant_id)
        settings = ShippingSettings.objects.select_for_update().get(merchant_id=merchant_id)
    before = {name: getattr(settings, name) for name in fields}
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="marketing.shipping_settings_updated",
        obj=settings,
        before=before,
        after=dict(fields),
    )
    transaction.on_commit(partial(bump_shipping_rules_version, merchant_id))
    return settings
