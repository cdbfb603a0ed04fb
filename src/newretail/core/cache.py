"""The Redis cache backend (scale profile), with one Redis client per server instead of one per
call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call; each
build fills the client's table of about 170 reply callbacks (0.1–0.2 ms of CPU, measured in
bench/bench_orders.py, where an order makes five cache reads). A ``redis.Redis`` is thread-safe
over its connection pool, so one per pool is kept and reused.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, servers, **options) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients.setdefault(index, self._client(connection_pool=self._pools[index]))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
