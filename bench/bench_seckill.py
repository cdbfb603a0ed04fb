#!/usr/bin/env python
"""Seckill (秒杀) under a flood: successful purchases per second and p99 latency at 64, 256 and
1024 concurrent clients for the Redis stock path, the database stock path and the no-op endpoint
(``GET /healthz``: the whole middleware stack, no view work) of the same server, in one run; and
oversell, checked in the database after each run (must be 0).

    .venv/bin/python bench/bench_seckill.py                       # PostgreSQL on 127.0.0.1, Redis db 1
    DATABASE_URL=postgres://root@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/bench_seckill.py --duration 10

The child runs on a throwaway PostgreSQL database (``nr_h1_bench`` on the server of DATABASE_URL,
dropped afterwards) and the Redis database of REDIS_URL (flushed first): migrate; a merchant
with a store; seven SKUs with 10 million pieces in the store's warehouse; ``--members`` members,
each with a mall login token (written in bulk and mirrored in Redis, as members who have been
browsing before the seckill starts); two running seckills made through ``create_campaign``, one per stock path, each
with one item per concurrency level (campaign stock = the number of members, one piece per
member), so no run sells out and every request is a distinct member's first purchase of that
item. Then ONE real server (``manage.py serve``: granian WSGI, 2 workers, the project's default
threads; no Huey worker while wrk runs), warmed up, and per concurrency level, for each of
no-op, Redis and database: ``wrk`` (Debian's package) with a Lua script that sends each request
as the next member of the list (``POST /api/v1/shop/<slug>/seckills/<item>/buy`` with the
member's bearer token and an idempotency key; a pickup order at the store), ``--timeout 60s``
so that slow answers count in the latency instead of being dropped.

Purchases per second are the 202 answers the clients got per second of the run: the pieces are
the member's and the order is queued (``queue_seckill``). p99 is wrk's, over every request.
After the runs the web server stops and the Huey worker writes queued orders for ``--drain``
seconds (orders per second reported). After each purchase run, and again after the worker, every
item is checked: pieces sold ≤ campaign stock, nobody twice or above the limit, every written
order holding its purchase's pieces; on the Redis path Redis's count = campaign stock − what it
handed out = live purchases + queued requests. Any breach is reported as oversell.

Goals (issue 7): at 256 clients the Redis path ≥ 70% and the database path ≥ 30% of the no-op
endpoint's requests per second. Options: --duration S (10), --members N (40000),
--clients 64,256,1024, --threads N (wrk threads, 2), --drain S (30).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.throwaway import on_postgres, print_machine  # noqa: E402

PORT = 8101
DB_NAME = "nr_h1_bench"
DEFAULT_DATABASE_URL = "postgres://root@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
GOALS = {"redis": 0.70, "database": 0.30}
PATHS = ("noop", "redis", "database")

# wrk: each request is the next member of this thread's share of the token list.
LUA = r"""
local tokens, path, body, threads_n = {}, "/", "", 1
local counter, step = 1, 1
local threads = {}
ok, refused, other = 0, 0, 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  path, body, threads_n = args[1], args[3] or "", tonumber(args[4] or "1")
  if args[2] and args[2] ~= "" then
    for line in io.lines(args[2]) do tokens[#tokens + 1] = line end
  end
  counter, step = id + 1, threads_n
end

function request()
  if #tokens == 0 then return wrk.format("GET", path) end
  local token = tokens[counter]
  counter = counter + step
  if counter > #tokens then counter = id + 1 end
  return wrk.format("POST", path, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.sub(token, -24),
  }, body)
end

function response(status, headers, body)
  if status == 200 or status == 201 or status == 202 then ok = ok + 1
  elseif status == 409 then refused = refused + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local o, r, x = 0, 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); r = r + t:get("refused"); x = x + t:get("other") end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"ok":%d,"refused":%d,"other":%d,"timeouts":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, o, r, x, summary.errors.timeout, summary.errors.connect,
    summary.errors.read, summary.errors.write, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _setup(n_members: int, levels: list[int]) -> dict:
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG is off: the manifest
    from newretail.catalog.models import Sku, Unit
    from newretail.catalog.scale import generate_scale_catalog
    from newretail.core import clock
    from newretail.core.testing import make_merchant, make_store
    from newretail.core.tokens import hash_token, new_raw_token
    from newretail.inventory.actions.ledger import post_movement
    from newretail.inventory.models import StockMovement
    from newretail.marketing.seckill.campaigns import create_campaign
    from newretail.members.actions import token_mirror
    from newretail.members.actions.tokens import TOKEN_LIFETIME, TOKEN_PREFIX
    from newretail.members.models import Member, MemberToken

    merchant, owner = make_merchant(slug=f"bench-seckill-{os.getpid()}")
    store = make_store(owner)
    warehouse = store.warehouses.get()
    generate_scale_catalog(merchant, 200)
    skus = list(
        Sku.objects.filter(
            merchant=merchant, product__unit=Unit.PIECE, price_fen__gte=300, is_deleted=False
        ).order_by("id")[: 2 * len(levels) + 1]
    )
    if len(skus) < 2 * len(levels) + 1:
        raise SystemExit("not enough SKUs generated")
    for sku in skus:
        post_movement(
            merchant=merchant,
            warehouse=warehouse,
            sku=sku,
            kind=StockMovement.Kind.RECEIPT,
            quantity=10_000_000,
            reference_type="bench",
        )
    now = clock.now()
    members = [
        Member(merchant=merchant, phone=f"17{n:09d}", source=Member.Source.MALL) for n in range(n_members)
    ]
    Member.objects.bulk_create(members, batch_size=5000)
    member_ids = list(Member.objects.filter(merchant=merchant).order_by("id").values_list("id", flat=True))
    raws, rows = [], []
    for member_id in member_ids:
        raw = new_raw_token(TOKEN_PREFIX)
        raws.append(raw)
        rows.append(
            MemberToken(
                merchant=merchant,
                member_id=member_id,
                prefix=raw[:12],
                token_hash=hash_token(raw),
                expires_at=now + TOKEN_LIFETIME,
                last_used_at=now,
            )
        )
    MemberToken.objects.bulk_create(rows, batch_size=5000)
    # Mirrored in Redis as issuing them does (and as these members' browsing would have kept them).
    token_mirror.mirror(MemberToken.objects.filter(merchant=merchant))
    window = {"starts_at": now - dt.timedelta(minutes=1), "ends_at": now + dt.timedelta(hours=6)}
    items: dict[str, dict[int, int]] = {}
    for index, path in enumerate(("redis", "database")):
        chosen = skus[index * len(levels) : (index + 1) * len(levels)]
        campaign = create_campaign(
            actor=owner,
            name=f"压测秒杀 {path}",
            stock_path=path,
            per_member_limit=1,
            items=[{"sku_id": s.pk, "price_fen": s.price_fen // 2, "stock": n_members} for s in chosen],
            **window,
        )
        by_sku = {item.sku_id: item.pk for item in campaign.items.all()}
        items[path] = {level: by_sku[sku.pk] for level, sku in zip(levels, chosen, strict=True)}
    warm = create_campaign(
        actor=owner,
        name="预热",
        stock_path="redis",
        per_member_limit=1,
        items=[{"sku_id": skus[-1].pk, "price_fen": skus[-1].price_fen // 2, "stock": n_members}],
        **window,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        # The setup's dirty pages written now, not by the server's backends during the runs.
        cursor.execute("CHECKPOINT")
    return {
        "merchant": merchant,
        "store_id": store.pk,
        "tokens": raws,
        "items": items,
        "warm_item": warm.items.get().pk,
    }


def _serve(env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(PORT), "--workers", "2", "--no-worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    for _ in range(900):
        if server.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    _stop(server)
    print(log.read_text(encoding="utf-8")[-3000:], file=sys.stderr)
    raise SystemExit("the bench server did not start")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # serve stops granian itself
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _cpu_by_pid(server_pgid: int) -> dict[tuple[str, int], float]:
    """CPU seconds used so far (user + system) by each process of the parts sharing the machine:
    the web server (its process group: granian and its Python workers), Redis and PostgreSQL
    (wrk's is read from its rusage)."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[tuple[str, int], float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        pgid, used = int(fields[2]), (int(fields[11]) + int(fields[12])) / tick
        if pgid == server_pgid:
            found[("server", int(entry))] = used
        elif name.startswith("redis-server"):
            found[("redis", int(entry))] = used
        elif name.startswith("postgres"):
            found[("postgres", int(entry))] = used
    return found


def _cpu_used(before: dict[tuple[str, int], float], after: dict[tuple[str, int], float]) -> dict[str, float]:
    """CPU seconds per part between two snapshots, from the processes alive at the end (a
    process that exited meanwhile, e.g. a closed database connection, is not counted)."""
    parts = {"server": 0.0, "redis": 0.0, "postgres": 0.0}
    for (part, pid), used in after.items():
        parts[part] += used - before.get((part, pid), 0.0)
    return parts


def _wrk(
    script: Path, url_path: str, clients: int, seconds: int, threads: int, tokens: str = "", body: str = ""
) -> dict:
    command = [
        "wrk",
        f"-t{min(threads, clients)}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
        f"http://127.0.0.1:{PORT}{url_path}",
        "--",
        url_path,
        tokens,
        body,
        str(min(threads, clients)),
    ]
    # wrk's own CPU is read from the finished child's rusage, as it is gone when it ends.
    before = os.times()
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, timeout=seconds + 120).stdout
    after = os.times()
    result = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    result["wrk_cpu_s"] = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return result


def _accepted(item_id: int) -> tuple[int, int]:
    """(purchases the item's stock path accepted, pieces): Redis's members, or the database's
    live purchases."""
    from newretail.marketing.models import SeckillItem, SeckillPurchase
    from newretail.marketing.seckill.queries import LIVE
    from newretail.marketing.seckill.stock import REDIS, keys

    item = SeckillItem.objects.select_related("campaign").get(pk=item_id)
    if item.campaign.stock_path == "redis":
        bought = REDIS.client().hvals(keys(item.merchant_id, item_id)[1])
        return len(bought), sum(int(b) for b in bought)
    live = SeckillPurchase.objects.filter(item_id=item_id, status__in=LIVE)
    return live.count(), sum(live.values_list("quantity", flat=True))


def _settle(item_id: int, quiet_s: float = 2.0, most_s: float = 120.0) -> None:
    """Wait until what the item accepted stops changing (the server answers what it still held
    when wrk stopped)."""
    began, last, still_since = time.monotonic(), None, time.monotonic()
    while time.monotonic() - began < most_s:
        now = _accepted(item_id)
        if now != last:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= quiet_s:
            return
        time.sleep(0.5)


def _drain(env: dict, seconds: int, log: Path) -> dict:
    """The Huey worker (``manage.py run_huey``, the project's default threads) writes the orders
    of the accepted purchases for ``seconds``; orders written per second."""
    from newretail.orders.models import Order

    before = Order.objects.count()
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_huey", "--quiet"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    began = time.monotonic()
    time.sleep(seconds)
    written = Order.objects.count() - before
    elapsed = time.monotonic() - began
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
    time.sleep(1)
    return {"orders": written, "seconds": elapsed, "per_s": written / elapsed}


def _check(item_id: int) -> dict:
    """Oversell and consistency of one item, read from the database (and Redis): nothing beyond
    the campaign stock, nobody twice or beyond the limit, every written order holding exactly
    its purchase's pieces; on the Redis path Redis's count = stock − what it handed out, and
    the database's live purchases plus the requests still queued = what Redis handed out."""
    from django.db.models import Count, Max, Sum

    from newretail.marketing.models import SeckillItem, SeckillPurchase
    from newretail.marketing.seckill.queries import LIVE
    from newretail.marketing.seckill.stock import REDIS, keys
    from newretail.orders.models import OrderLine

    item = SeckillItem.objects.select_related("campaign").get(pk=item_id)
    live = SeckillPurchase.objects.filter(item=item, status__in=LIVE)
    pieces = live.aggregate(n=Sum("quantity"))["n"] or 0
    per_member = (
        live.values("member_id")
        .annotate(n=Count("id"), q=Sum("quantity"))
        .aggregate(most=Max("n"), most_pieces=Max("q"))
    )
    ordered = live.filter(order__isnull=False)
    line_pieces = (
        OrderLine.objects.filter(order_id__in=ordered.values("order_id"), sku_id=item.sku_id).aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )
    problems = []
    if item.sold > item.stock:
        problems.append(f"sold {item.sold} > stock {item.stock}")
    if pieces != item.sold:
        problems.append(f"live purchases hold {pieces}, sold says {item.sold}")
    ordered_pieces = ordered.aggregate(n=Sum("quantity"))["n"] or 0
    if line_pieces != ordered_pieces:
        problems.append(f"order lines hold {line_pieces}, ordered purchases {ordered_pieces}")
    if (per_member["most"] or 0) > 1 or (per_member["most_pieces"] or 0) > item.campaign.per_member_limit:
        problems.append(f"a member holds {per_member['most']} purchases / {per_member['most_pieces']} pieces")
    accepted, accepted_pieces = _accepted(item_id)
    if item.campaign.stock_path == "redis":
        client = REDIS.client()
        left = client.get(keys(item.merchant_id, item.pk)[0])
        queued = sum(json.loads(r)["quantity"] for r in client.hvals(keys(item.merchant_id, item.pk)[3]))
        if left is not None and int(left) != item.stock - accepted_pieces:
            problems.append(
                f"Redis says {int(left)} left after handing out {accepted_pieces} of {item.stock}"
            )
        if accepted_pieces > item.stock:
            problems.append(f"Redis handed out {accepted_pieces} > stock {item.stock}")
        if pieces + queued != accepted_pieces:
            problems.append(f"live {pieces} + queued {queued} != Redis's {accepted_pieces}")
    return {
        "accepted": accepted,
        "ordered": ordered.count(),
        "sold": max(item.sold, accepted_pieces),
        "stock": item.stock,
        "oversell": max(0, item.sold - item.stock, accepted_pieces - item.stock),
        "problems": problems,
    }


def child(duration: int, n_members: int, levels: list[int], threads: int, drain: int) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import redis as redis_lib
    from django.conf import settings

    redis_lib.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    data = _setup(n_members, levels)
    slug, store_id = data["merchant"].slug, data["store_id"]
    body = json.dumps({"fulfilment": "pickup", "store_id": store_id})
    tmp = Path(tempfile.mkdtemp(prefix="nr-bench-seckill-"))
    try:
        script = tmp / "seckill.lua"
        script.write_text(LUA, encoding="utf-8")
        tokens = tmp / "tokens.txt"
        tokens.write_text("\n".join(data["tokens"]) + "\n", encoding="utf-8")
        server = _serve(dict(os.environ), tmp / "server.log")
        try:
            # Warm-up: both workers load every module and open their connections.
            _wrk(script, "/healthz", 16, 3, threads)
            _wrk(
                script,
                f"/api/v1/shop/{slug}/seckills/{data['warm_item']}/buy",
                16,
                3,
                threads,
                str(tokens),
                body,
            )
            runs = []
            for clients in levels:
                for path in PATHS:
                    time.sleep(2)
                    cpu_before = _cpu_by_pid(server.pid)
                    if path == "noop":
                        result = _wrk(script, "/healthz", clients, duration, threads)
                        cpu_after = _cpu_by_pid(server.pid)
                        check = None
                    else:
                        item_id = data["items"][path][clients]
                        url = f"/api/v1/shop/{slug}/seckills/{item_id}/buy"
                        result = _wrk(script, url, clients, duration, threads, str(tokens), body)
                        cpu_after = _cpu_by_pid(server.pid)
                        _settle(item_id)  # requests the server still held when wrk stopped
                        check = _check(item_id)
                    cpu = _cpu_used(cpu_before, cpu_after)
                    cpu["wrk"] = result["wrk_cpu_s"]
                    cpu_us = {part: used * 1e6 / max(1, result["requests"]) for part, used in cpu.items()}
                    seconds = result["duration_us"] / 1e6
                    runs.append(
                        {
                            "clients": clients,
                            "path": path,
                            "rps": result["requests"] / seconds,
                            "ok_rps": result["ok"] / seconds,
                            "accepted_per_s": (check["accepted"] / seconds) if check else None,
                            "p50_ms": result["p50_us"] / 1000,
                            "p99_ms": result["p99_us"] / 1000,
                            "max_ms": result["max_us"] / 1000,
                            "refused": result["refused"],
                            "other": result["other"],
                            "timeouts": result["timeouts"],
                            "socket_errors": result["connect_errors"]
                            + result["read_errors"]
                            + result["write_errors"],
                            "check": check,
                            "cpu_us_per_request": cpu_us,
                        }
                    )
                    print(json.dumps(runs[-1]), file=sys.stderr)
        finally:
            _stop(server)
        drained = _drain(dict(os.environ), drain, tmp / "worker.log")
        final = {
            f"{path} {clients}": _check(item_id)
            for path, by_level in data["items"].items()
            for clients, item_id in by_level.items()
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "drain": drained,
        "final": final,
        "members": n_members,
        "duration": duration,
        "threads": threads,
        "web_threads": os.environ.get("WEB_THREADS", "4"),
        "redis": settings.CACHES["default"]["LOCATION"],
        "runs": runs,
    }


def _report(result: dict, failed: list[str], command: str) -> None:
    runs = result["runs"]
    print(f"`{command}`\n")
    print(
        f"- one server: `manage.py serve` (granian WSGI, 2 workers, {result['web_threads']} threads each), "
        f"PostgreSQL, Redis; wrk {result['threads']} threads, {result['duration']} s per run, "
        f"{result['members']} members, each request a distinct member's first purchase of the item"
    )
    print()
    print(
        "| clients | endpoint | requests/s | purchases/s (202) | p50 ms | p99 ms | max ms | refused (409) | other errors | of no-op | oversell |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    noop = {r["clients"]: r["rps"] for r in runs if r["path"] == "noop"}
    for r in runs:
        share = "" if r["path"] == "noop" else f"{r['ok_rps'] / noop[r['clients']]:.1%}"
        check = r["check"]
        if check is None:
            oversell = ""
        elif check["problems"]:
            oversell = "**" + "; ".join(check["problems"]) + "**"
        else:
            oversell = f"0 (sold {check['sold']}/{check['stock']})"
        purchases = "" if r["check"] is None else f"{r['ok_rps']:.1f}"
        other = r["other"] + r["timeouts"] + r["socket_errors"]
        print(
            f"| {r['clients']} | {r['path']} | {r['rps']:.0f} | {purchases} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['max_ms']:.0f} | {r['refused']} | {other} | {share} | {oversell} |"
        )
    print()
    print("CPU per request (µs, user + system, all cores; read from /proc and wrk's rusage):\n")
    print("| clients | endpoint | web server | Redis | PostgreSQL | wrk | all |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in runs:
        cpu = r["cpu_us_per_request"]
        print(
            f"| {r['clients']} | {r['path']} | {cpu['server']:.0f} | {cpu['redis']:.0f} | "
            f"{cpu['postgres']:.0f} | {cpu['wrk']:.0f} | {sum(cpu.values()):.0f} |"
        )
    print()
    for path, goal in GOALS.items():
        at = next((r for r in runs if r["clients"] == 256 and r["path"] == path), None)
        if at is not None and 256 in noop:
            share = at["ok_rps"] / noop[256]
            verdict = "met" if share >= goal else "NOT met"
            print(f"- goal at 256 clients, {path} path ≥ {goal:.0%} of no-op: {share:.1%} — {verdict}")
    drained = result["drain"]
    backlog = sum(c["accepted"] - c["ordered"] for c in result["final"].values())
    print(
        f"- orders written by the Huey worker afterwards (web server stopped): {drained['orders']} in "
        f"{drained['seconds']:.0f} s = {drained['per_s']:.1f} orders/s; {backlog} purchases still queued"
    )
    problems = {k: c["problems"] for k, c in result["final"].items() if c["problems"]}
    print(f"- final check of every item after the worker: {problems or 'consistent, oversell 0'}")
    print_machine(failed)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--members", type=int, default=40_000)
    parser.add_argument("--clients", default="64,256,1024")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--drain", type=int, default=30, help="seconds the Huey worker writes orders after")
    args = parser.parse_args()
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    if args.child:
        print(json.dumps(child(args.duration, args.members, levels, args.threads, args.drain)))
        return 0
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not url.startswith("postgres"):
        print("the seckill bench runs on PostgreSQL: DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    forwarded = ["--duration", str(args.duration), "--members", str(args.members), "--clients", args.clients]
    forwarded += ["--threads", str(args.threads), "--drain", str(args.drain)]
    extra = {"REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)}
    if os.environ.get("WEB_THREADS"):
        extra["WEB_THREADS"] = os.environ["WEB_THREADS"]
    failed: list[str] = []
    try:
        result = on_postgres(__file__, forwarded, url, name=DB_NAME, **extra)
    except subprocess.CalledProcessError as error:
        print(f"the bench failed: exit status {error.returncode}", file=sys.stderr)
        return 1
    _report(result, failed, "bench/bench_seckill.py " + " ".join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
