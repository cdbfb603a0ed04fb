"""Fixed-window rate limits in the shared cache (database cache embedded, Redis at scale)."""

from __future__ import annotations

from django.core.cache import cache

from newretail.core.errors import CoreError, DomainError


def hit(key: str, *, limit: int, window_seconds: int) -> int:
    """Count one attempt for ``key``; raise RATE_LIMITED once ``limit`` attempts were made."""
    cache_key = f"rl:{key}"
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds)
        count = 1
    if count > limit:
        raise DomainError(CoreError.RATE_LIMITED, seconds=window_seconds)
    return count


def reset(key: str) -> None:
    cache.delete(f"rl:{key}")
