#!/usr/bin/env python
"""POS catalog sync on a 100k-SKU catalog: how long a till takes to fetch the whole catalog for
its offline cache (first opening), and an incremental sync after 100 price changes, next to the
baseline of one plain ORM read of the same columns in the same run.

    .venv/bin/python bench/bench_pos_sync.py                      # SQLite (throwaway file)
    DATABASE_URL=postgres://root@127.0.0.1:5432/nr_pos .venv/bin/python bench/bench_pos_sync.py --backend all

Each backend runs in its own process on a throwaway database: migrate, a store with a terminal,
``generate_scale_catalog(merchant, N)``, then the sync is run page by page through
``pos.sync.catalog_page`` and serialised to JSON as the API answers (the HTTP hop and the
browser's IndexedDB writes are not in these figures). Prints a markdown table.

Options: --skus N (100000), --backend sqlite|postgres|all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.throwaway import on_postgres, on_sqlite, print_machine, run_backends  # noqa: E402


def child(n_skus: int) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from newretail.catalog.models import Sku
    from newretail.catalog.scale import generate_scale_catalog
    from newretail.core import clock
    from newretail.core.testing import make_merchant, make_store
    from newretail.pos import sync
    from newretail.pos.actions.setup import register_terminal

    merchant, owner = make_merchant(slug=f"bench-{os.getpid()}")
    store = make_store(owner)
    register_terminal(actor=owner, store_id=store.pk, code="B1")
    generate_scale_catalog(merchant, n_skus)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    def full_sync(cursor_version=None, start=True):
        pages = rows = size = 0
        version = cursor_version
        began = time.perf_counter()
        while True:
            page = sync.catalog_page(merchant_id=merchant.pk, store_id=store.pk, cursor=version, start=start)
            start = False
            size += len(json.dumps({"fields": sync.FIELDS, "rows": page.rows, "version": page.next_version}))
            pages += 1
            rows += len(page.rows)
            version = page.next_version
            if page.done:
                break
        return time.perf_counter() - began, pages, rows, size, version

    sync._initial.cache_clear()
    cold, pages, rows, size, version = full_sync()
    warm, *_ = full_sync()

    began = time.perf_counter()
    baseline_rows = list(
        Sku.objects.filter(merchant_id=merchant.pk)
        .order_by("updated_at", "id")
        .values_list(
            "pk",
            "updated_at",
            "product__name",
            "barcode",
            "plu",
            "price_fen",
            "code",
            "is_active",
        )
    )
    baseline = time.perf_counter() - began

    changed = list(
        Sku.objects.filter(merchant_id=merchant.pk).order_by("?").values_list("pk", flat=True)[:100]
    )
    time.sleep(0.01)
    Sku.objects.filter(pk__in=changed).update(price_fen=999, updated_at=clock.now())
    # A till that synced a while ago: its version is older than the overlap window.
    incremental, inc_pages, inc_rows, inc_size, _ = full_sync(version, start=False)
    return {
        "backend": connection.vendor,
        "skus": len(baseline_rows),
        "full_cold_s": cold,
        "full_warm_s": warm,
        "pages": pages,
        "rows": rows,
        "json_mb": size / 1e6,
        "baseline_s": baseline,
        "incremental_ms": incremental * 1000,
        "incremental_rows": inc_rows,
        "incremental_kb": inc_size / 1e3,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres", "all"])
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.skus)))
        return 0
    script = str(Path(__file__).resolve())
    out = run_backends(
        args.backend,
        lambda: on_sqlite(script, ["--skus", str(args.skus)]),
        lambda url: on_postgres(script, ["--skus", str(args.skus)], url, name=f"nr_pos_bench_{os.getpid()}"),
    )
    if out is None:
        return 2
    results, failed = out
    print(
        "| backend | SKUs | full sync (cold) | full sync (warm) | pages | JSON | baseline: one ORM read | incremental (100 changed) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['backend']} | {r['skus']:,} | {r['full_cold_s']:.2f} s | {r['full_warm_s']:.2f} s | {r['pages']} "
            f"| {r['json_mb']:.1f} MB | {r['baseline_s']:.2f} s | {r['incremental_ms']:.0f} ms, "
            f"{r['incremental_rows']} rows, {r['incremental_kb']:.1f} kB |"
        )
    print_machine(failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
