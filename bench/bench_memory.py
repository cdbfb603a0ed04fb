"""Resident memory of what `make run` starts (granian + Huey worker) with the demo data loaded,
after exercising the console, the API and search so that everything a process loads is loaded.

    .venv/bin/python bench/bench_memory.py

Runs on a throwaway var/ directory (demo loaded fresh), port 8765. Prints a markdown table.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
PAGES = [
    "/console/",
    "/console/stores/",
    "/console/staff/",
    "/console/products/",
    "/console/products/?q=kkl",
    "/console/stock/",
    "/console/low-stock/",
    "/console/purchase-orders/",
    "/api/v1/me",
    "/api/v1/catalog/search?q=kele",
    "/api/v1/catalog/products",
    "/api/v1/inventory/stock",
    "/api/v1/shop/linli/products?q=niunai",
    "/api/docs",
]


def run(cmd: list[str], env: dict) -> None:
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    var = tempfile.mkdtemp(prefix="newretail-mem-")
    env = {**os.environ, "NEWRETAIL_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "newretail.config.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    python = sys.executable
    run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    run([python, "manage.py", "createcachetable"], env)
    started = time.perf_counter()
    run([python, "manage.py", "load_demo"], env)
    demo_seconds = time.perf_counter() - started
    server = subprocess.Popen(
        [python, "manage.py", "serve", "--port", str(PORT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = opener.open(BASE + "/console/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "boss", "password": "linli-demo-2026"}
        ).encode()
        opener.open(urllib.request.Request(BASE + "/console/login/", data=data, headers={"Referer": BASE}))
        statuses = {}
        for _ in range(3):
            for page in PAGES:
                try:
                    statuses[page] = opener.open(BASE + page, timeout=30).status
                except urllib.error.HTTPError as error:
                    statuses[page] = error.code
        time.sleep(2)
        root = psutil.Process(server.pid)
        processes = [root, *root.children(recursive=True)]
        rows = []
        for proc in processes:
            try:
                rows.append((proc.pid, " ".join(proc.cmdline()[1:4])[:60], proc.memory_info().rss))
            except psutil.NoSuchProcess:
                continue
        total = sum(r[2] for r in rows)
        print(f"demo load: {demo_seconds:.1f} s; pages: {statuses}")
        print()
        print("| process | RSS (MiB) |")
        print("|---|---|")
        for pid, cmd, rss in rows:
            print(f"| {pid} `{cmd}` | {rss / 2**20:.0f} |")
        print(f"| **total** | **{total / 2**20:.0f}** |")
        print()
        print(f"budget 1024 MiB: {'OK' if total < 2**30 else 'OVER'}")
        return 0 if total < 2**30 else 1
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
