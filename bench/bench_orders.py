#!/usr/bin/env python
"""Orders placed per second through the API, next to the same writes done directly in SQL.

    .venv/bin/python bench/bench_orders.py                      # SQLite (throwaway file)
    DATABASE_URL=postgres://root@127.0.0.1:5432/newretail REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/bench_orders.py                  # SQLite, then PostgreSQL + Redis

Each backend runs in its own process on a throwaway database (a temp SQLite file; on PostgreSQL a
database ``newretail_bench_orders_<pid>`` created on the server of DATABASE_URL and dropped
afterwards). Setup: one merchant, three online stores with coordinates, a central warehouse, 60
SKUs with plenty of stock everywhere, store prices for a third of them, a staff API token, and
members with full carts.

Timed, one order after another in one process (the Django test client: the whole request path
through middleware, authentication, validation, pricing, fulfilment choice, stock holds, the
outbox — everything but the socket):

* ``POST /api/v1/orders`` (staff API: a pickup order of 3 lines at a store, chosen by the rules);
* ``POST /api/v1/shop/<slug>/orders`` (a member turns a 3-line cart into a pickup order; the cart
  is filled before each timed request);
* the baseline: the rows an order must write anyway — the day's number counter, the order, its
  3 lines and 1 price adjustment, 3 stock holds with the conditional reserved-stock UPDATEs, the
  timeline row and the outbox event — as raw parameterised SQL in one transaction per order.

SQL queries per order are counted on separate runs (capturing costs time). Prints a markdown
table. Goal: on PostgreSQL, the API at least half the baseline's rate.

Options: --orders N (400), --backend sqlite|postgres|all.
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
from bench.throwaway import on_postgres, on_sqlite, percentile  # noqa: E402

COMMAND = ".venv/bin/python bench/bench_orders.py"
LINES_PER_ORDER = 3
N_SKUS = 60
QUERY_SAMPLE = 20


def _stats(samples: list[float]) -> dict[str, float]:
    total = sum(samples)
    return {
        "per_second": len(samples) / total if total else 0.0,
        "p50_ms": statistics.median(samples) * 1000,
        "p95_ms": percentile(samples, 95) * 1000,
    }


# --- the child: runs on one backend ------------------------------------------------------------


def _setup():
    import random
    from decimal import Decimal

    from newretail.catalog.models import Category, Product, Sku, StorePrice
    from newretail.core.testing import bearer
    from newretail.inventory.actions.ledger import post_movement
    from newretail.inventory.models import StockMovement
    from newretail.tenancy.actions.staff import create_merchant
    from newretail.tenancy.actions.stores import create_store, create_warehouse

    merchant, owner = create_merchant(
        name="压测便利店", slug="bench-orders", owner_username="bench-owner", owner_password="bench-pass-2026"
    )
    stores = [
        create_store(
            actor=owner,
            code=f"S{i}",
            name=f"压测{i}号店",
            address=f"南京西路{i}号",
            latitude=Decimal("31.224300") + Decimal(i) / 100,
            longitude=Decimal("121.445900"),
            is_online=True,
        )
        for i in range(1, 4)
    ]
    central = create_warehouse(actor=owner, code="DC1", name="中心仓")
    category = Category.objects.create(merchant=merchant, name="饮料")
    skus = []
    for n in range(N_SKUS):
        product = Product.objects.create(merchant=merchant, name=f"压测商品{n}", category=category)
        skus.append(
            Sku.objects.create(
                merchant=merchant, product=product, code=f"B{n:04d}", price_fen=300 + n * 10, weight_g=500
            )
        )
    warehouses = [store.warehouses.get() for store in stores] + [central]
    for warehouse in warehouses:
        for sku in skus:
            post_movement(
                merchant=merchant,
                warehouse=warehouse,
                sku=sku,
                kind=StockMovement.Kind.RECEIPT,
                quantity=1_000_000,
                reference_type="bench",
            )
    for sku in skus[::3]:
        for store in stores:
            StorePrice.objects.create(merchant=merchant, store=store, sku=sku, price_fen=sku.price_fen - 20)
    return merchant, owner, stores, skus, bearer(owner), random.Random(7)


def _measure(timed, counts: list[int] | None):
    """Run ``timed()``; with ``counts`` also record how many SQL queries it ran (slower)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if counts is None:
        started = time.perf_counter()
        result = timed()
        return result, time.perf_counter() - started
    with CaptureQueriesContext(connection) as captured:
        result = timed()
    counts.append(len(captured.captured_queries))
    return result, 0.0


def _time_staff_api(client, headers, stores, skus, rng, n: int, prefix: str, counts=None) -> list[float]:
    samples = []
    for i in range(n):
        body = {
            "channel": "mall",
            "fulfilment": "pickup",
            "store_id": stores[i % len(stores)].pk,
            "lines": [
                {"sku_id": s.pk, "quantity": rng.randint(1, 3)} for s in rng.sample(skus, LINES_PER_ORDER)
            ],
        }
        response, seconds = _measure(
            lambda body=body, i=i: client.post(
                "/api/v1/orders",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"{prefix}{i}",
                **headers,
            ),
            counts,
        )
        samples.append(seconds)
        if response.status_code != 201:
            raise SystemExit(f"staff API refused an order: {response.status_code} {response.content[:300]!r}")
    return samples


def _time_shop_api(client, merchant, stores, skus, rng, n: int, prefix: str, counts=None) -> list[float]:
    from newretail.members.testing import make_member, member_bearer
    from newretail.orders.actions.cart import add_to_cart, cart_for_member

    member = make_member(merchant)
    headers = member_bearer(member)
    cart = cart_for_member(member)
    samples = []
    for i in range(n):
        for sku in rng.sample(skus, LINES_PER_ORDER):
            add_to_cart(cart=cart, sku_id=sku.pk, quantity=rng.randint(1, 3))
        body = {"fulfilment": "pickup", "store_id": stores[i % len(stores)].pk}
        response, seconds = _measure(
            lambda body=body, i=i: client.post(
                f"/api/v1/shop/{merchant.slug}/orders",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"{prefix}{i}",
                **headers,
            ),
            counts,
        )
        samples.append(seconds)
        if response.status_code != 201:
            raise SystemExit(f"shop API refused an order: {response.status_code} {response.content[:300]!r}")
    return samples


def _baseline_order(cursor, merchant, store, warehouse, lines, n: int, vendor: str) -> None:
    """The writes an order needs, as raw SQL (parameterised), inside the caller's transaction."""
    import datetime as dt
    import json as _json

    from django.utils import timezone

    now = timezone.now()
    today = dt.date.today()
    cursor.execute(
        "UPDATE inventory_documentsequence SET last_value = last_value + 1 "
        "WHERE merchant_id = %s AND prefix = %s AND day = %s",
        [merchant.pk, "SX", today],
    )
    cursor.execute(
        "SELECT last_value FROM inventory_documentsequence WHERE merchant_id = %s AND prefix = %s AND day = %s",
        [merchant.pk, "SX", today],
    )
    number = f"SX{today:%Y%m%d}-{cursor.fetchone()[0]:05d}"
    goods = sum(price * quantity for _sku, quantity, price in lines)
    cursor.execute(
        "INSERT INTO orders_order (merchant_id, number, kind, channel, store_id, fulfilment, warehouse_id, "
        "status, goods_list_fen, discount_fen, shipping_fen, payable_fen, refunded_fen, shipping_refunded_fen, "
        "shipping_address, buyer_note, pickup_code, carrier, tracking_number, idempotency_key, expires_at, "
        "created_at) VALUES (%s, %s, 'goods', 'mall', %s, 'pickup', %s, 'pending_payment', %s, 0, 0, %s, 0, 0, "
        "'{}', '', '', '', '', %s, %s, %s) RETURNING id",
        [
            merchant.pk,
            number,
            store.pk,
            warehouse.pk,
            goods,
            goods,
            f"base-{n}",
            now + dt.timedelta(minutes=15),
            now,
        ],
    )
    order_id = cursor.fetchone()[0]  # SQLite 3.35+ and PostgreSQL both return it
    values, params = [], []
    for sku, quantity, price in lines:
        values.append("(%s, %s, %s, %s, '', %s, %s, %s, %s, 0, 0, 0, %s)")
        params += [
            merchant.pk,
            order_id,
            sku.pk,
            sku.product.name,
            quantity,
            price,
            price * quantity,
            price * quantity,
            False,
        ]
    cursor.execute(
        "INSERT INTO orders_orderline (merchant_id, order_id, sku_id, product_name, spec_text, quantity, "
        "unit_price_fen, list_amount_fen, final_amount_fen, refunded_quantity, refunded_fen, returned_quantity, "
        "is_gift) "
        "VALUES " + ", ".join(values),
        params,
    )
    cursor.execute(
        "INSERT INTO orders_orderadjustment (merchant_id, order_id, line_id, source, kind, amount_fen, explanation) "
        "VALUES (%s, %s, NULL, 'store_price', 'item_price', 0, '')",
        [merchant.pk, order_id],
    )
    for sku, quantity, _price in sorted(lines, key=lambda line: line[0].pk):
        cursor.execute(
            "INSERT INTO inventory_reservation (merchant_id, warehouse_id, sku_id, quantity, reference, status, "
            "expires_at, created_at) VALUES (%s, %s, %s, %s, %s, 'active', %s, %s)",
            [
                merchant.pk,
                warehouse.pk,
                sku.pk,
                quantity,
                f"order:{order_id}",
                now + dt.timedelta(minutes=25),
                now,
            ],
        )
        cursor.execute(
            "UPDATE inventory_stocklevel SET reserved = reserved + %s, updated_at = %s "
            "WHERE warehouse_id = %s AND sku_id = %s AND on_hand >= reserved + %s",
            [quantity, now, warehouse.pk, sku.pk, quantity],
        )
        if cursor.rowcount != 1:
            raise SystemExit("baseline ran out of stock")
    cursor.execute(
        "INSERT INTO orders_orderevent (merchant_id, order_id, kind, note, created_at) VALUES (%s, %s, 'created', '', %s)",
        [merchant.pk, order_id, now],
    )
    cursor.execute(
        "INSERT INTO core_event (merchant_id, name, aggregate_type, aggregate_id, payload, created_at) "
        "VALUES (%s, 'order.created', 'orders.order', %s, %s, %s)",
        [merchant.pk, str(order_id), _json.dumps({"order_id": order_id, "number": number}), now],
    )


_BASELINE_SEQ = iter(range(10**9))


def _time_baseline(merchant, stores, skus, rng, n: int, counts=None) -> list[float]:
    import datetime as dt

    from django.db import connection, transaction

    from newretail.inventory.models import DocumentSequence

    DocumentSequence.objects.get_or_create(merchant=merchant, prefix="SX", day=dt.date.today())
    warehouses = {store.pk: store.warehouses.get() for store in stores}
    samples = []
    for i in range(n):
        store = stores[i % len(stores)]
        lines = [(s, rng.randint(1, 3), s.price_fen) for s in rng.sample(skus, LINES_PER_ORDER)]

        def write(store=store, lines=lines):
            with transaction.atomic(), connection.cursor() as cursor:
                _baseline_order(
                    cursor,
                    merchant,
                    store,
                    warehouses[store.pk],
                    lines,
                    next(_BASELINE_SEQ),
                    connection.vendor,
                )

        _result, seconds = _measure(write, counts)
        samples.append(seconds)
    return samples


def _count_queries(run) -> float:
    counts: list[int] = []
    run(QUERY_SAMPLE, counts)
    return sum(counts) / len(counts)


def child(n_orders: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    merchant, _owner, stores, skus, headers, rng = _setup()
    for sku in skus:  # the test client needs the product loaded for the baseline's names
        sku.product  # noqa: B018
    client = Client()

    # warm-up (imports, caches, prepared plans)
    _time_staff_api(client, headers, stores, skus, rng, 10, "warm-")
    _time_baseline(merchant, stores, skus, rng, 10)

    staff = _time_staff_api(client, headers, stores, skus, rng, n_orders, "staff-")
    shop = _time_shop_api(client, merchant, stores, skus, rng, n_orders, "shop-")
    baseline = _time_baseline(merchant, stores, skus, rng, n_orders)

    counter = iter(range(10**9))
    queries = {
        "staff": _count_queries(
            lambda k, c: _time_staff_api(client, headers, stores, skus, rng, k, f"q{next(counter)}-", c)
        ),
        "shop": _count_queries(
            lambda k, c: _time_shop_api(client, merchant, stores, skus, rng, k, f"q{next(counter)}-", c)
        ),
        "baseline": _count_queries(lambda k, c: _time_baseline(merchant, stores, skus, rng, k, c)),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    return {
        "backend": "PostgreSQL" if connection.vendor == "postgresql" else "SQLite",
        "server_version": version,
        "orders": n_orders,
        "rows": [
            {"what": "API: staff POST /api/v1/orders", **_stats(staff), "queries": queries["staff"]},
            {
                "what": "API: shopper POST /api/v1/shop/…/orders (from cart)",
                **_stats(shop),
                "queries": queries["shop"],
            },
            {
                "what": "baseline: the same writes in raw SQL",
                **_stats(baseline),
                "queries": queries["baseline"],
            },
        ],
    }


# --- the parent: one child per backend ---------------------------------------------------------


def run_sqlite(n_orders: int) -> dict:
    return on_sqlite(__file__, ["--orders", str(n_orders)], ALLOWED_HOSTS="testserver")


def run_postgres(url: str, n_orders: int, redis_url: str = "") -> dict:
    extra = {"ALLOWED_HOSTS": "testserver"}
    if redis_url:  # the scale profile: the cache (pricing and order rules, rate limits) in Redis
        extra["REDIS_URL"] = redis_url
    return on_postgres(
        __file__, ["--orders", str(n_orders)], url, name=f"newretail_bench_orders_{os.getpid()}", **extra
    )


def print_table(results: list[dict]) -> None:
    print("| backend | what | orders/s | p50 ms | p95 ms | SQL queries per order | rate vs baseline |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for result in results:
        base = result["rows"][-1]["per_second"]
        for row in result["rows"]:
            print(
                f"| {result['backend']} | {row['what']} | {row['per_second']:.0f} | {row['p50_ms']:.1f} "
                f"| {row['p95_ms']:.1f} | {row['queries']:.0f} | {row['per_second'] / base:.2f} |"
            )
    print()
    for result in results:
        print(
            f"- {result['backend']} {result['server_version']}: {result['orders']} orders per row, {LINES_PER_ORDER} lines each."
        )
    print(f"\nCommand: `{COMMAND}`")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT / "src"))
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(args.orders)))
        return 0
    results = []
    if args.backend in ("sqlite", "all"):
        results.append(run_sqlite(args.orders))
    url = os.environ.get("DATABASE_URL", "")
    if args.backend in ("postgres", "all") and url.startswith("postgres"):
        results.append(run_postgres(url, args.orders, os.environ.get("REDIS_URL", "")))
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
