"""Fixed-window rate limits in the shared cache (database cache embedded, Redis at scale).

A window is a numbered slice of time (``time // window_seconds``) and its counter lives under a
key naming that slice, so a window ends on time whatever the cache backend does to expiries
(Django's database cache re-stores a value with the default timeout on every ``incr``; the
counter's expiry is set again after each hit so that it lives to the end of its window)."""

from __future__ import annotations

import time

from django.core.cache import cache

from newretail.core.errors import CoreError, DomainError


def _slice(key: str, window_seconds: int) -> tuple[str, int]:
    now = time.time()
    window = int(now // window_seconds)
    remaining = int((window + 1) * window_seconds - now) + 1
    return f"rl:{key}:{window_seconds}:{window}", remaining


def hit(key: str, *, limit: int, window_seconds: int) -> int:
    """Count one attempt for ``key``; raise RATE_LIMITED once ``limit`` attempts were made in the
    current window (the message says when it ends)."""
    cache_key, remaining = _slice(key, window_seconds)
    cache.add(cache_key, 0, timeout=remaining)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=remaining)
        count = 1
    cache.touch(cache_key, remaining)
    if count > limit:
        raise DomainError(CoreError.RATE_LIMITED, seconds=remaining)
    return count


def reset(key: str, *, window_seconds: int) -> None:
    """Forget the attempts of the current window (a successful login clears its counter)."""
    cache.delete(_slice(key, window_seconds)[0])


def check(key: str, *, limit: int, window_seconds: int) -> None:
    """Raise RATE_LIMITED if ``limit`` attempts were already counted for ``key`` in the current
    window, without counting one (for limits on failures: check first, ``hit`` on a failure)."""
    cache_key, remaining = _slice(key, window_seconds)
    if (cache.get(cache_key) or 0) >= limit:
        raise DomainError(CoreError.RATE_LIMITED, seconds=remaining)
