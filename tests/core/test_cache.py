"""The Redis cache backend keeps one Redis client per server (``core.cache``) and behaves as
Django's: the operations the platform uses (rate limits, pricing rules, counters) work, also from
many threads at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.inventory.test_concurrency import run_threads

pytestmark = pytest.mark.redis


def test_one_client_serves_every_call():
    from django.core.cache import caches

    from newretail.core.cache import RedisCache

    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    assert backend._cache.get_client() is backend._cache.get_client(write=True)


def test_the_operations_work_as_djangos():
    cache.set("nr-test:a", {"fen": 350}, 30)
    assert cache.get("nr-test:a") == {"fen": 350}
    assert cache.add("nr-test:a", "other") is False and cache.add("nr-test:b", 1, 30) is True
    assert cache.incr("nr-test:b") == 2
    assert cache.get_many(["nr-test:a", "nr-test:b", "nr-test:none"]) == {
        "nr-test:a": {"fen": 350},
        "nr-test:b": 2,
    }
    assert cache.touch("nr-test:a", 60) and cache.delete("nr-test:a")
    assert cache.get("nr-test:a", "gone") == "gone"


def test_threads_share_the_client_safely():
    cache.set("nr-test:count", 0, 60)

    def bump(_index: int) -> None:
        for _ in range(50):
            cache.incr("nr-test:count")

    _done, errors = run_threads(8, bump)
    assert not errors and cache.get("nr-test:count") == 400
