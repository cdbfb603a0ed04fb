"""Fixed-window rate limits hold on every cache backend, including Django's database cache (the
embedded profile), which re-stores a value with the default timeout on each ``incr``."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings

from newretail.core import ratelimit
from newretail.core.errors import DomainError

DATABASE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ratelimit_test_cache"}
}


@pytest.fixture(params=["locmem", "database"])
def backend(request, db):
    if request.param == "locmem":
        yield
        return
    with override_settings(CACHES=DATABASE_CACHE):
        call_command("createcachetable", verbosity=0)
        caches["default"].clear()
        yield


def test_a_daily_limit_lasts_the_whole_day(backend):
    start = dt.datetime(2026, 12, 2, 0, 0, 30, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(3):
            ratelimit.hit("phone:138", limit=3, window_seconds=86400)
        # far beyond the database cache's default 300 s timeout, still the same day
        traveller.shift(dt.timedelta(hours=5))
        with pytest.raises(DomainError) as error:
            ratelimit.hit("phone:138", limit=3, window_seconds=86400)
        assert error.value.code == "rate_limited"
        traveller.shift(dt.timedelta(hours=19))  # the next day: a new window
        assert ratelimit.hit("phone:138", limit=3, window_seconds=86400) == 1


def test_a_short_window_ends_on_time_and_reset_clears_it(backend):
    start = dt.datetime(2026, 12, 2, 8, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        assert ratelimit.hit("code:138", limit=1, window_seconds=60) == 1
        with pytest.raises(DomainError):
            ratelimit.hit("code:138", limit=1, window_seconds=60)
        traveller.shift(dt.timedelta(seconds=61))
        assert ratelimit.hit("code:138", limit=1, window_seconds=60) == 1
        ratelimit.reset("code:138", window_seconds=60)
        assert ratelimit.hit("code:138", limit=1, window_seconds=60) == 1
