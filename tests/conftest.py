"""Shared fixtures and the profile rules: tests marked `postgres` run only on PostgreSQL, `redis`
only with REDIS_URL, `browser` only where Debian chromium is installed."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from newretail.core import testing

pytest_plugins = ["tests.browser_support"]

# Property tests check rules, not speed: a loaded CI machine (two workers, a browser, PostgreSQL)
# must not turn a slow example into a failure. Speed is measured in bench/.
hypothesis_settings.register_profile("newretail", deadline=None)
hypothesis_settings.load_profile("newretail")

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


def pytest_report_header(config):
    engine = "PostgreSQL" if settings.IS_POSTGRES else "SQLite"
    lines = [f"newretail profile: {engine}; Redis {'on' if settings.REDIS_URL else 'off'}"]
    if not settings.IS_POSTGRES:
        lines.append(
            "postgres-marked tests are skipped in this pass (they run in `make test`'s scale-profile pass)"
        )
    if not CHROMIUM:
        lines.append(
            "chromium not found: browser tests are skipped (apt-get install chromium fonts-wqy-microhei)"
        )
    return lines


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
    skip_redis = pytest.mark.skip(reason="needs Redis (REDIS_URL=redis://…)")
    skip_browser = pytest.mark.skip(reason="chromium not installed")
    for item in items:
        if "postgres" in item.keywords and not settings.IS_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)
        if "browser" in item.keywords and not CHROMIUM:
            if os.environ.get("CI") == "true":
                raise pytest.UsageError("CI=true but chromium is missing")
            item.add_marker(skip_browser)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def merchant_owner(db):
    """(merchant, owner) of a fresh merchant."""
    return testing.make_merchant()


@pytest.fixture
def merchant(merchant_owner):
    return merchant_owner[0]


@pytest.fixture
def owner(merchant_owner):
    return merchant_owner[1]


@pytest.fixture
def store(owner):
    return testing.make_store(owner)


@pytest.fixture
def other_owner(db):
    """Owner of a second merchant, for tenancy tests."""
    return testing.make_merchant()[1]


@pytest.fixture
def owner_headers(owner):
    return testing.bearer(owner)
