#!/usr/bin/env python
"""Catalog search latency on a 100k-SKU catalog, next to an indexed ORM barcode lookup.

    .venv/bin/python bench/bench_search.py                      # SQLite (throwaway file)
    DATABASE_URL=postgres://root@127.0.0.1:5432/newretail .venv/bin/python bench/bench_search.py
                                                                # SQLite, then PostgreSQL

Each backend runs in its own process on a throwaway database (a temp SQLite file; on
PostgreSQL a database ``newretail_bench_<pid>`` created on the server of DATABASE_URL and
dropped afterwards): migrate, ``generate_scale_catalog(merchant, N)``, then every query of the
mix is timed ITERATIONS times, round-robin, after a warm-up. The baseline is the cheapest
useful read: one SKU by barcode through the ORM on the (merchant, barcode) index. Prints a
markdown table. Goal: search p95 under 20 ms.

Options: --skus N (100000), --iterations N (200), --backend sqlite|postgres|all.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.throwaway import on_postgres, on_sqlite, percentile, print_machine, run_backends  # noqa: E402

QUERIES = ["kkl", "kekoukele", "可乐", "牛奶 伊利", "{barcode}", "{plu}", "xqzjvw"]


def _stats(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "p50": statistics.median(ms),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
    }


def _server_version(connection) -> str:
    if connection.vendor == "postgresql":
        version = connection.pg_version  # e.g. 150020
        return f"{version // 10000}.{version % 100}"
    import sqlite3

    return sqlite3.sqlite_version


def child(n_skus: int, iterations: int) -> dict:
    """Runs inside a process whose environment chose the database."""
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from newretail.catalog.models import SearchToken, Sku
    from newretail.catalog.scale import generate_scale_catalog
    from newretail.catalog.search import SearchFilters, search
    from newretail.core.testing import make_merchant

    merchant, _owner = make_merchant(slug=f"bench-{os.getpid()}")
    other, _ = make_merchant(slug=f"bench-other-{os.getpid()}")
    generated = generate_scale_catalog(merchant, n_skus)
    generate_scale_catalog(other, 2000, seed=7)  # a neighbour whose rows must never show
    with connection.cursor() as cursor:
        # Fresh statistics (and on PostgreSQL the visibility map that index-only scans need),
        # as autovacuum would leave them shortly after a bulk load on a running system.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    skus = Sku.objects.filter(merchant=merchant)
    barcode = skus.exclude(barcode="").order_by("?").values_list("barcode", flat=True).first()
    plu = skus.exclude(plu="").order_by("?").values_list("plu", flat=True).first()
    queries = [q.format(barcode=barcode, plu=plu) for q in QUERIES]
    filters = {
        "console": SearchFilters(),
        "pos": SearchFilters(channel="pos", sellable=True),
    }

    def baseline():
        return Sku.objects.filter(merchant_id=merchant.pk, barcode=barcode, is_deleted=False).first()

    jobs = [("ORM barcode lookup (baseline)", "", None)]
    jobs += [(q, name, f) for name, f in filters.items() for q in queries]
    samples: dict[tuple[str, str], list[float]] = {(label, name): [] for label, name, _f in jobs}
    hits: dict[tuple[str, str], int] = {}
    for round_no in range(iterations + 10):
        for label, name, f in jobs:
            started = time.perf_counter()
            if f is None:
                result = baseline()
                count = 1 if result else 0
            else:
                result = search(merchant.pk, label, f, limit=20)
                count = result.total
            elapsed = time.perf_counter() - started
            if round_no >= 10:  # warm-up rounds are not counted
                samples[(label, name)].append(elapsed)
                hits[(label, name)] = count
    rows = []
    for (label, name), values in samples.items():
        rows.append({"query": label, "filter": name, "hits": hits[(label, name)], **_stats(values)})
    search_samples = [v for (label, name), values in samples.items() if name for v in values]
    return {
        "backend": "PostgreSQL" if connection.vendor == "postgresql" else "SQLite",
        "server_version": _server_version(connection),
        "skus": generated.skus,
        "products": generated.products,
        "tokens": SearchToken.objects.filter(merchant=merchant).count(),
        "generate_seconds": generated.seconds,
        "iterations": iterations,
        "rows": rows,
        "all_searches": _stats(search_samples),
    }


def run_sqlite(n_skus: int, iterations: int) -> dict:
    return on_sqlite(__file__, ["--skus", str(n_skus), "--iterations", str(iterations)])


def run_postgres(url: str, n_skus: int, iterations: int) -> dict:
    args = ["--skus", str(n_skus), "--iterations", str(iterations)]
    return on_postgres(__file__, args, url, name=f"newretail_bench_{os.getpid()}")


def print_table(results: list[dict]) -> None:
    print("| backend | filter | query | hits | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---:|---:|---:|---:|")
    for result in results:
        for row in result["rows"]:
            print(
                f"| {result['backend']} | {row['filter'] or '—'} | `{row['query']}` | {row['hits']} "
                f"| {row['p50']:.2f} | {row['p95']:.2f} | {row['p99']:.2f} |"
            )
        total = result["all_searches"]
        print(
            f"| {result['backend']} | all | **all searches** | | {total['p50']:.2f} | {total['p95']:.2f} "
            f"| {total['p99']:.2f} |"
        )
    print()
    for result in results:
        print(
            f"- {result['backend']} {result['server_version']}: {result['skus']:,} SKUs in "
            f"{result['products']:,} products, {result['tokens']:,} search tokens, generated in "
            f"{result['generate_seconds']:.0f} s; {result['iterations']} timed runs per query."
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.skus, args.iterations)))
        return 0
    ran = run_backends(
        args.backend,
        lambda: run_sqlite(args.skus, args.iterations),
        lambda url: run_postgres(url, args.skus, args.iterations),
    )
    if ran is None:
        return 2
    results, failed = ran
    print_table(results)
    print_machine(failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
