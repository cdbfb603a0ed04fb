"""Playwright on Debian's chromium against pytest-django's live server (a pytest plugin loaded by
tests/conftest.py, so browser tests can live beside their domain's other tests).

Every page a test opens is watched for JavaScript errors (console errors and uncaught
exceptions); any of them fails the test. Screenshots go to var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (building data) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(settings.PROJECT_DIR) / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageErrors(list):
    def assert_none(self) -> None:
        assert not self, "JavaScript errors on the page:\n" + "\n".join(self)


@pytest.fixture
def open_page(browser, live_server):
    """open_page(viewport=DESKTOP) -> (page, errors). Closes contexts and checks JS errors at the end."""
    contexts = []
    all_errors = PageErrors()

    def _open(viewport=DESKTOP, locale="zh-CN"):
        context = browser.new_context(viewport=viewport, locale=locale, base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and all_errors.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: all_errors.append(f"pageerror: {exc}"))
        return page, all_errors

    yield _open
    for context in contexts:
        context.close()
    all_errors.assert_none()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, username: str, password: str) -> None:
    page.goto("/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
