"""A merchant's mall colours (千店千面): the CSS custom properties the mall's base template sets.

``theme_for`` reads the merchant's ``MallTheme`` (set in the console's decoration pages) through
the cache; a merchant without one gets the default. Colours are checked as ``#rrggbb`` when
they are saved and again here, because they are written into a ``<style>`` element."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.cache import cache

from newretail.marketing.loading import bump_cache_version, cache_version
from newretail.tenancy.models import Merchant

CACHE_SECONDS = 3600
THEME_CACHE = "mall_theme"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def clean_colour(value: object) -> str | None:
    """``value`` as a lowercase ``#rrggbb``, or None for anything else."""
    if isinstance(value, str) and _COLOUR.fullmatch(value.strip()):
        return value.strip().lower()
    return None


@dataclass(frozen=True)
class Theme:
    brand: str = "#e4393c"  # prices, buy buttons, active tab
    brand_ink: str = "#ffffff"  # text on the brand colour
    accent: str = "#ff9500"  # tags, badges, countdowns

    def __post_init__(self) -> None:
        for name in ("brand", "brand_ink", "accent"):
            if clean_colour(getattr(self, name)) is None:
                raise ValueError(f"{name} must be #rrggbb")

    def css(self) -> str:
        return f"--nr-brand:{self.brand};--nr-brand-ink:{self.brand_ink};--nr-accent:{self.accent};"


DEFAULT_THEME = Theme()


def _key(merchant_id: int) -> str:
    return f"storefront:theme:{merchant_id}:{cache_version(THEME_CACHE, merchant_id)}"


def theme_for(merchant: Merchant) -> Theme:
    """The merchant's theme (one cache read); the default when none is set."""
    from newretail.storefront.models import MallTheme

    key = _key(merchant.pk)
    values = cache.get(key)
    if values is None:
        row = MallTheme.objects.filter(merchant_id=merchant.pk).values("brand", "brand_ink", "accent").first()
        values = row or {}
        cache.set(key, values, CACHE_SECONDS)
    if not values:
        return DEFAULT_THEME
    try:
        return Theme(**values)
    except (TypeError, ValueError):  # a row written around the action: never into the CSS
        return DEFAULT_THEME


def forget_theme(merchant_id: int) -> None:
    bump_cache_version(THEME_CACHE, merchant_id)
