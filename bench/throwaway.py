"""What the benchmarks share: a child process per backend on a throwaway database (a temp SQLite
file, or a PostgreSQL database created on the server of DATABASE_URL and dropped afterwards),
and percentiles. Each script runs itself with ``--child …`` in that process and prints one JSON
line at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def child_env(tmp: str, **extra: str) -> dict[str, str]:
    """The environment of a child: production-like settings on a fresh ``var/`` in ``tmp``."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}
    env.update(
        DJANGO_SETTINGS_MODULE="newretail.config.settings",
        NEWRETAIL_VAR_DIR=tmp,
        DEBUG="false",
        SECRET_KEY="bench-" + os.urandom(16).hex(),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT / "src") + os.pathsep + str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        **extra,
    )
    return env


def run_child(script: str, args: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, script, "--child", *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def on_sqlite(script: str, args: list[str], **extra: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="nr-bench-") as tmp:
        env = child_env(tmp, **extra)
        env["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
        return run_child(script, args, env)


def on_postgres(script: str, args: list[str], url: str, *, name: str, **extra: str) -> dict:
    """Run the child on a new database ``name`` on the server of ``url`` (dropped afterwards)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="nr-bench-") as tmp:
            env = child_env(tmp, **extra)
            env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
            return run_child(script, args, env)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_backends(backend: str, run_sqlite, run_postgres) -> tuple[list[dict], list[str]] | None:
    """Run the chosen backends ("sqlite", "postgres" or "all"; PostgreSQL only with a postgres
    DATABASE_URL): ``run_sqlite()`` and ``run_postgres(url)``. Returns (results, failures), or
    None (after saying why) when PostgreSQL is asked for without a URL."""
    url = os.environ.get("DATABASE_URL", "")
    if backend == "postgres" and not url.startswith("postgres"):
        print("DATABASE_URL=postgres://… is needed for --backend postgres", file=sys.stderr)
        return None
    runs = []
    if backend in ("sqlite", "all"):
        runs.append(("SQLite", run_sqlite))
    if backend in ("postgres", "all") and url.startswith("postgres"):
        runs.append(("PostgreSQL", lambda: run_postgres(url)))
    results, failed = [], []
    for name, run in runs:
        try:
            results.append(run())
        except subprocess.CalledProcessError as error:  # report the others anyway
            failed.append(f"{name}: exit status {error.returncode}")
    return results, failed


def print_machine(failed: list[str]) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"- machine: {os.cpu_count()} CPUs, load average at the end {load}")
    for failure in failed:
        print(f"- FAILED {failure}")
