"""Mall page tests: a merchant with a stocked store (the order fixtures), the sandbox payment
accounts, and a browser-like client that logs in through the mall's SMS login page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from newretail.members.models import SmsMessage
from tests.orders.conftest import (  # noqa: F401  (fixtures)
    alipay_account,
    cola,
    committed,
    place,
    sandbox_keys,
    warehouse,
    water,
    wechat_account,
)

USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47"


def mall(merchant, rest: str = "") -> str:
    return f"/m/{merchant.slug}/{rest}"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


class Browser:
    """A test client that enforces CSRF like a browser: every post first reads the page's token."""

    def __init__(self) -> None:
        # A browser's user agent: the source tracking ignores clients that look like bots.
        self.client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=USER_AGENT)

    def get(self, url: str, status: int = 200, **extra):
        response = self.client.get(url, **extra)
        assert response.status_code == status, (url, response.status_code, response.content[:500])
        return response

    def text(self, url: str, status: int = 200) -> str:
        return self.get(url, status).content.decode()

    def post(self, url: str, data: dict | None = None, *, page: str | None = None, status: int = 302):
        token = csrf_of(self.text(page or url))
        response = self.client.post(url, {**(data or {}), "csrfmiddlewaretoken": token})
        assert response.status_code == status, (url, response.status_code, response.content[:800])
        return response

    def login(self, merchant, phone: str, *, next_url: str = "") -> None:
        login_url = mall(merchant, "login/")
        self.post(login_url, {"step": "send", "phone": phone}, status=200)
        code = re.search(r"验证码 (\d{6})", SmsMessage.objects.filter(phone=phone).order_by("-id").first().text)[1]
        response = self.post(login_url, {"step": "login", "phone": phone, "code": code, "next": next_url})
        assert response.status_code == 302


@pytest.fixture
def web():
    """A shopper's browser on the mall's pages (the Django test client, CSRF enforced)."""
    return Browser()
