#!/usr/bin/env python
"""Scan-to-line latency at the till on a 100k-SKU catalog, through the real HTTP API, while order
placement runs at half load in the background; next to a raw indexed SELECT of the same SKU in
the same run.

    DATABASE_URL=postgres://root@127.0.0.1:5432/postgres .venv/bin/python bench/bench_pos_scan.py
    .venv/bin/python bench/bench_pos_scan.py --backend sqlite

The child runs on a throwaway database (PostgreSQL: ``nr_h4_bench`` on the server of
DATABASE_URL, dropped afterwards; SQLite: a temp file): migrate, a store with a terminal and an
open shift, ``generate_scale_catalog(merchant, N)``, stock in the store for 60 SKUs, a staff API
token, ANALYZE. Then the real server (``manage.py serve``: granian WSGI, 2 workers, port 8401)
and, over keep-alive HTTP connections:

1. the order rate: ``POST /api/v1/orders`` (a 3-line pickup order) back to back for a few
   seconds from one client: the full single-client rate;
2. background load: a thread placing orders at half that rate, paced, for the whole of 3 and 4;
3. scan-to-line: ``GET /api/v1/pos/terminals/<id>/scan?code=<barcode>`` of a random SKU of the
   100k, N times (what the till asks when a code is not in its cache, and what other till
   software asks for every scan), p50/p99;
4. baseline: ``SELECT id, price_fen FROM catalog_sku WHERE merchant_id = %s AND barcode = %s``
   (the index lookup the scan starts with) through a DB cursor of the bench process, N times.

Goal: scan p99 under 50 ms. Prints a markdown table. Options: --skus N (100000), --scans N (1000),
--backend sqlite|postgres|all.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.throwaway import on_postgres, on_sqlite, percentile, print_machine, run_backends  # noqa: E402

PORT = 8401
GOAL_P99_MS = 50.0
ORDER_SKUS = 60
RATE_SECONDS = 6.0


def _stats(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"p50": statistics.median(ms), "p99": percentile(ms, 99), "n": len(ms)}


class Api:
    """One keep-alive HTTP connection to the bench server, as a till or a client program keeps."""

    def __init__(self, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None, key: str = "") -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
            headers["Content-Length"] = str(len(data))
        if key:
            headers["Idempotency-Key"] = key
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def _setup(n_skus: int):
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: the server needs the manifest
    from newretail.catalog.models import Sku, Unit
    from newretail.catalog.scale import generate_scale_catalog
    from newretail.core.testing import make_merchant, make_store
    from newretail.inventory.actions.ledger import post_movement
    from newretail.inventory.models import StockMovement
    from newretail.pos.actions.setup import register_terminal
    from newretail.pos.actions.shifts import open_shift
    from newretail.tenancy.actions.auth import issue_api_token

    merchant, owner = make_merchant(slug=f"bench-scan-{os.getpid()}")
    store = make_store(owner)
    terminal = register_terminal(actor=owner, store_id=store.pk, code="B1")
    open_shift(actor=owner, terminal_id=terminal.pk, opening_float_fen=0)
    generate_scale_catalog(merchant, n_skus)
    warehouse = store.warehouses.get()
    from newretail.core import clock
    from newretail.orders.actions.checkout import sellable as mall_sellable

    # The staff orders below are mall pickups: only SKUs the mall sells now.
    pieces = Sku.objects.filter(merchant=merchant, product__unit=Unit.PIECE).select_related("product")
    now = clock.now()
    sellable = [sku for sku in pieces.order_by("id")[:2000] if mall_sellable(sku, "mall", now)][:ORDER_SKUS]
    for sku in sellable:
        post_movement(
            merchant=merchant,
            warehouse=warehouse,
            sku=sku,
            kind=StockMovement.Kind.RECEIPT,
            quantity=10_000_000,
            reference_type="bench",
        )
    barcodes = list(
        Sku.objects.filter(merchant=merchant).exclude(barcode="").values_list("barcode", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    _token, raw = issue_api_token(actor=owner, name="bench")
    return merchant, store, terminal, [s.pk for s in sellable], barcodes, raw


def _order_body(store_id: int, sku_ids: list[int], rng: random.Random) -> dict:
    return {
        "channel": "mall",
        "fulfilment": "pickup",
        "store_id": store_id,
        "lines": [{"sku_id": s, "quantity": 1} for s in sorted(rng.sample(sku_ids, 3))],
    }


def _place(api: Api, store_id: int, sku_ids: list[int], rng: random.Random, key: str) -> None:
    status, body = api.call("POST", "/api/v1/orders", _order_body(store_id, sku_ids, rng), key=key)
    if status != 201:
        raise SystemExit(f"order refused: {status} {body[:300]!r}")


def _serve(env: dict) -> subprocess.Popen:
    log = open(
        Path(env.get("NEWRETAIL_VAR_DIR", "/tmp")) / "bench-server.log", "w"
    )  # kept open for the server
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(PORT), "--workers", "2", "--no-worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    for _ in range(900):  # a busy machine takes a while to import Django twice
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    log.close()
    sys.stderr.write(Path(log.name).read_text()[-3000:])
    raise SystemExit("the bench server did not start")


def child(n_skus: int, n_scans: int) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection

    merchant, store, terminal, sku_ids, barcodes, token = _setup(n_skus)
    server = _serve(dict(os.environ))
    try:
        rng = random.Random(8)
        api = Api(token)
        for i in range(20):  # warm the workers up
            api.call("GET", f"/api/v1/pos/terminals/{terminal.pk}/scan?code={rng.choice(barcodes)}")
            _place(api, store.pk, sku_ids, rng, key=f"warm-{i}")

        # 1. the full single-client order rate
        placed, began = 0, time.perf_counter()
        while time.perf_counter() - began < RATE_SECONDS:
            _place(api, store.pk, sku_ids, rng, key=f"rate-{placed}")
            placed += 1
        full_rate = placed / (time.perf_counter() - began)

        # 2. half of it in the background, paced
        stop = threading.Event()
        background = {"orders": 0, "failed": 0, "error": None}

        def load() -> None:
            worker_api, worker_rng = Api(token), random.Random(9)
            interval, next_at = 2.0 / full_rate, time.perf_counter()
            try:
                while not stop.is_set():
                    try:
                        _place(worker_api, store.pk, sku_ids, worker_rng, key=f"bg-{background['orders']}")
                    except SystemExit:  # counted and reported: the scan figures are what is measured
                        background["failed"] += 1
                        worker_api = Api(token)
                    background["orders"] += 1
                    next_at += interval
                    time.sleep(max(0.0, next_at - time.perf_counter()))
            except BaseException as error:  # reported below
                background["error"] = repr(error)

        thread = threading.Thread(target=load, daemon=True)
        load_began = time.perf_counter()
        thread.start()
        time.sleep(1.0)

        # 3. scan-to-line through the API
        codes = [rng.choice(barcodes) for _ in range(n_scans)]
        scans = []
        for code in codes:
            started = time.perf_counter()
            status, body = api.call("GET", f"/api/v1/pos/terminals/{terminal.pk}/scan?code={code}")
            scans.append(time.perf_counter() - started)
            if status != 200:
                raise SystemExit(f"scan refused: {status} {body[:200]!r}")

        # 4. the raw indexed SELECT of the same SKUs, same run, same load
        baseline = []
        with connection.cursor() as cursor:
            for code in codes:
                started = time.perf_counter()
                cursor.execute(
                    "SELECT id, price_fen FROM catalog_sku WHERE merchant_id = %s AND barcode = %s",
                    [merchant.pk, code],
                )
                cursor.fetchall()
                baseline.append(time.perf_counter() - started)
        stop.set()
        thread.join(timeout=30)
        load_seconds = time.perf_counter() - load_began
        if background["error"]:
            raise SystemExit(f"background orders failed: {background['error']}")
        return {
            "backend": connection.vendor,
            "skus": n_skus,
            "full_rate": full_rate,
            "background_rate": background["orders"] / load_seconds,
            "background_failed": background["failed"],
            "scan": _stats(scans),
            "baseline": _stats(baseline),
        }
    except SystemExit:
        server.terminate()
        server.wait(timeout=30)
        log = Path(os.environ.get("NEWRETAIL_VAR_DIR", "/tmp")) / "bench-server.log"
        sys.stderr.write(log.read_text()[-4000:] if log.exists() else "")
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--backend", default="postgres", choices=["sqlite", "postgres", "all"])
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.skus, args.scans)))
        return 0
    script = str(Path(__file__).resolve())
    argv = ["--skus", str(args.skus), "--scans", str(args.scans)]
    out = run_backends(
        args.backend,
        lambda: on_sqlite(script, argv),
        lambda url: on_postgres(script, argv, url, name="nr_h4_bench"),
    )
    if out is None:
        return 2
    results, failed = out
    print(
        "| backend | SKUs | orders/s alone | background orders/s | scan via API p50 / p99 | raw indexed SELECT p50 / p99 | goal p99 < 50 ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        scan, base = r["scan"], r["baseline"]
        print(
            f"| {r['backend']} | {r['skus']:,} | {r['full_rate']:.1f} | {r['background_rate']:.1f} "
            f"({r['background_failed']} refused) "
            f"| {scan['p50']:.1f} / {scan['p99']:.1f} ms | {base['p50']:.2f} / {base['p99']:.2f} ms "
            f"| {'met' if scan['p99'] < GOAL_P99_MS else 'missed'} |"
        )
    print_machine(failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
