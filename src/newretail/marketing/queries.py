"""Reads other domains use: the shipping rules the pricing engine needs, cached per merchant."""

from __future__ import annotations

import time

from django.core.cache import cache

from newretail.marketing.models import ShippingSettings
from newretail.marketing.pricing import ShippingRules

RULES_FIELDS = tuple(field.name for field in ShippingRules.__dataclass_fields__.values())
# Bounded staleness even if an invalidation were lost (e.g. a cache outage during a save).
CACHE_SECONDS = 3600


def _version_key(merchant_id: int) -> str:
    return f"marketing:shipping:version:{merchant_id}"


def _version(merchant_id: int) -> int:
    key = _version_key(merchant_id)
    version = cache.get(key)
    if version is None:
        # Start from the clock, not 1: after the key is evicted, an old version's data can't match.
        candidate = time.time_ns()
        cache.add(key, candidate, None)
        version = cache.get(key)
        if version is None:  # evicted again in between (flush, memory pressure): ours is as new
            version = candidate
    return int(version)


def bump_shipping_rules_version(merchant_id: int) -> None:
    """Invalidate the cached rules of a merchant (called after a settings change commits)."""
    try:
        cache.incr(_version_key(merchant_id))
    except ValueError:  # no version yet: any fresh one is new
        cache.set(_version_key(merchant_id), time.time_ns(), None)


def shipping_settings_for(merchant_id: int) -> ShippingSettings:
    """The merchant's settings row, or an unsaved row with the defaults."""
    settings = ShippingSettings.objects.for_merchant(merchant_id).first()
    return settings or ShippingSettings(merchant_id=merchant_id)


def pricing_rules_for(merchant_id: int) -> ShippingRules:
    """The shipping rules ``pricing.price_cart`` needs, from Django's cache when fresh."""
    key = f"marketing:shipping:{merchant_id}:{_version(merchant_id)}"
    rules = cache.get(key)
    if rules is None:
        settings = shipping_settings_for(merchant_id)
        rules = ShippingRules(**{name: getattr(settings, name) for name in RULES_FIELDS})
        cache.set(key, rules, CACHE_SECONDS)
    return rules
