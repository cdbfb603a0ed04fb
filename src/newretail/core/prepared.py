"""One statement as a PostgreSQL prepared statement, for the few hot paths that a flood runs
thousands of times a second (the seckill purchase).

Django's psycopg cursors bind parameters on the client: every execution sends the whole text,
which PostgreSQL parses and plans again; and the first query of each request first runs Django's
health check (``SELECT 1``, one more round trip). ``execute_prepared`` runs the statement on the
same connection Django holds, through a server-side-binding cursor with ``prepare=True``: the
text is parsed and planned once per connection and each call sends only the parameters. It runs
in autocommit and only outside a transaction; ``fetch_prepared`` runs inside one too (placing
an order), without the retry below.

Instead of the health check before, a connection found broken by the statement (the server
restarted, an idle connection cut) is closed and the statement run once more on a new one. That
is safe only for statements whose second run cannot do the work twice; say so at the call site.
Behind a connection pooler in transaction mode, server-side prepared statements need pgbouncer
1.21+ (``max_prepared_statements``).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import psycopg
from django.db import OperationalError, connection


@lru_cache(maxsize=256)
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with its ``%(name)s`` placeholders as PostgreSQL's ``$1, $2 …`` (``%%`` as ``%``),
    and the names in that order. Converted once per text: psycopg would convert each execution
    again (it caches only short statements with few parameters, and placing an order is neither)."""
    names: list[str] = []

    def number(found: re.Match) -> str:
        if found.group(0) == "%%":
            return "%"
        if found.group(1) not in names:
            names.append(found.group(1))
        return f"${names.index(found.group(1)) + 1}"

    return re.sub(r"%%|%\((\w+)\)s", number, sql), tuple(names)


def _run(cursor: psycopg.RawCursor, sql: str, params: Mapping[str, Any]) -> None:
    """Execute, and log the statement where Django logs its own (``DEBUG``, or a test's
    ``CaptureQueriesContext``/``assertNumQueries``), so these count as the queries they are."""
    numbered, names = _numbered(sql)
    values = [params[name] for name in names]
    if not connection.queries_logged:
        cursor.execute(numbered, values, prepare=True)
        return
    started = time.monotonic()
    try:
        cursor.execute(numbered, values, prepare=True)
    finally:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _cursor() -> psycopg.RawCursor:
    """A server-side-binding cursor on the thread's connection that takes ``$n`` placeholders as
    they are, kept for the connection's life (making one per call costs about 40 µs, a third of
    the call)."""
    raw = connection.connection
    cursor = getattr(connection, "_prepared_cursor", None)
    if cursor is None or cursor.connection is not raw or cursor.closed:
        if raw.prepare_threshold is None:
            # Django opens connections with prepared statements off; on, with a threshold no
            # statement reaches, they are prepared only when asked (Django's own cursors bind on
            # the client and are never prepared).
            raw.prepare_threshold = sys.maxsize
        cursor = connection._prepared_cursor = psycopg.RawCursor(raw)
    return cursor


def _rows(sql: str, params: Mapping[str, Any], *, retry: bool) -> list[tuple]:
    """Every row of ``sql`` run prepared; with ``retry`` a connection found broken is closed and
    the statement run once more on a new one."""
    for attempt in (1, 2):
        connection.ensure_connection()
        try:
            with connection.wrap_database_errors:
                cursor = _cursor()
                _run(cursor, sql, params)
                return cursor.fetchall()  # every statement run here returns rows
        except OperationalError:
            if not retry or attempt == 2 or connection.is_usable():
                raise
            connection.close()  # broken: the next attempt opens a new connection
    raise AssertionError("unreachable")


def _check_backend() -> None:
    if connection.vendor != "postgresql":
        raise RuntimeError("prepared statements run on PostgreSQL")


def execute_prepared(sql: str, params: Mapping[str, Any]) -> tuple | None:
    """Run ``sql`` (``%(name)s`` placeholders; give every parameter an explicit cast, as the
    server, not psycopg, types them) and return its first row, or None."""
    _check_backend()
    if connection.in_atomic_block:
        raise RuntimeError("execute_prepared runs outside a transaction")
    return next(iter(_rows(sql, params, retry=True)), None)


def fetch_prepared(sql: str, params: Mapping[str, Any]) -> tuple | None:
    """Run ``sql`` as ``execute_prepared`` does, but anywhere (also inside the caller's
    transaction) and without the retry: a broken connection raises as any query's would."""
    _check_backend()
    return next(iter(_rows(sql, params, retry=False)), None)


def read_prepared(sql: str, params: Mapping[str, Any]) -> list[tuple]:
    """Every row of a read-only ``sql``, prepared. Outside a transaction a broken connection is
    replaced and the read run again (a read may run twice); inside one it raises."""
    _check_backend()
    return _rows(sql, params, retry=not connection.in_atomic_block)
