"""Shared helpers of the payment tests (no conftest here on purpose: import what you use).

- ``use_key_pool(monkeypatch)``: provisioning takes RSA-2048 keys from a pool generated once per
  test process (real keys, just not four fresh ones per test);
- ``use_test_urls(settings)``: the sandbox mounted at /sandbox/ plus a tiny notification receiver
  at /test-receiver/<name>, isolated from the rest of the site's URLs;
- ``wechat()`` / ``alipay()``: a provisioned sandbox merchant and its gateway;
- the receiver verifies each notification with the gateway registered under its name and answers
  the provider's acknowledgement (or a refusal while ``RECEIVER["refuse"]`` is set).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from newretail.payments.gateways import build_gateway
from newretail.payments.gateways.base import ChargeRequest, InvalidNotification, Notification
from newretail.payments.sandbox import crypto, provision_sandbox_credentials

BASE = "http://testserver"
_generate_key = crypto.new_rsa_key
_POOL: list[Any] = []
_NEXT: Iterator[Any] | None = None

GATEWAYS: dict[str, Any] = {}
RECEIVED: list[Notification | None] = []
RECEIVER: dict[str, bool] = {"refuse": False}


def _pooled_key():
    global _NEXT
    if not _POOL:
        _POOL.extend(_generate_key() for _ in range(8))
        _NEXT = itertools.cycle(_POOL)
    assert _NEXT is not None
    return next(_NEXT)


def use_key_pool(monkeypatch) -> None:
    monkeypatch.setattr(crypto, "new_rsa_key", _pooled_key)


def use_test_urls(settings) -> None:
    settings.ROOT_URLCONF = "tests.payments.sandbox_helpers"
    GATEWAYS.clear()
    RECEIVED.clear()
    RECEIVER["refuse"] = False


def wechat(name: str = "wx"):
    """(credentials, gateway) of a new sandbox WeChat merchant; its notifications reach the
    test receiver at ``receiver_url(name)``."""
    credentials = provision_sandbox_credentials("wechat", display_name="测试便利店")
    gateway = build_gateway("wechat", credentials, sandbox=True)
    GATEWAYS[name] = gateway
    return credentials, gateway


def alipay(name: str = "ali"):
    credentials = provision_sandbox_credentials("alipay", display_name="测试便利店")
    gateway = build_gateway("alipay", credentials, sandbox=True)
    GATEWAYS[name] = gateway
    return credentials, gateway


def receiver_url(name: str) -> str:
    return f"{BASE}/test-receiver/{name}"


def charge_request(**overrides: Any) -> ChargeRequest:
    values: dict[str, Any] = {
        "out_trade_no": "T" + secrets.token_hex(8),
        "amount_fen": 1250,
        "description": "可口可乐 330ml×2",
        "notify_url": receiver_url("wx"),
        "client_ip": "127.0.0.1",
    }
    values.update(overrides)
    return ChargeRequest(**values)


def public_pem_of(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    return crypto.public_key_pem(serialization.load_pem_private_key(private_pem.encode(), password=None))


def path_of(url: str) -> str:
    """The test client's form of an absolute URL on BASE."""
    assert url.startswith(BASE), url
    return url[len(BASE) :]


@csrf_exempt
def receiver(request: HttpRequest, name: str) -> HttpResponse:
    gateway = GATEWAYS[name]
    try:
        notification: Notification | None = gateway.parse_notification(request.headers, request.body)
    except InvalidNotification:
        notification = None
    RECEIVED.append(notification)
    ack = gateway.acknowledge(notification is not None and not RECEIVER["refuse"])
    return HttpResponse(ack.body, status=ack.status, content_type=ack.content_type)


urlpatterns = [
    path("sandbox/", include("newretail.payments.sandbox.urls")),
    path("test-receiver/<str:name>", receiver),
]
