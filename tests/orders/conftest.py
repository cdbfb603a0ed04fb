"""Builders for order tests: a merchant with a store, the store's warehouse stocked through the
real inventory actions, and SKUs built with the inventory test helpers."""

from __future__ import annotations

import pytest

from newretail.catalog.models import StorePrice
from newretail.orders.actions.checkout import create_order
from newretail.orders.models import Order
from tests.inventory.conftest import make_sku, receive


@pytest.fixture
def warehouse(store):
    return store.warehouses.get()


@pytest.fixture
def water(merchant, warehouse):
    """¥3.50 list price, 100 in stock."""
    sku = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350)
    receive(warehouse, sku, 100)
    return sku


@pytest.fixture
def cola(merchant, store, warehouse):
    """¥5.00 list price, ¥4.50 in the store, 10 in stock."""
    sku = make_sku(merchant.pk, name="可口可乐 330ml", price_fen=500)
    StorePrice.objects.create(merchant_id=merchant.pk, store=store, sku=sku, price_fen=450)
    receive(warehouse, sku, 10)
    return sku


ADDRESS = {
    "recipient": "李四",
    "phone": "13900001111",
    "province": "上海市",
    "city": "上海市",
    "district": "静安区",
    "detail": "南京西路1000号",
    "latitude": "31.228000",
    "longitude": "121.450000",
}


@pytest.fixture
def place(merchant, store, warehouse):
    """place({sku: qty}, **overrides) -> Order, a mall express order from the store."""

    def _place(items, **overrides) -> Order:
        arguments = {
            "merchant": merchant,
            "channel": "mall",
            "store_id": store.pk,
            "warehouse_id": warehouse.pk,
            "fulfilment": "express",
            "lines": [{"sku_id": sku.pk, "quantity": qty} for sku, qty in items.items()],
            "address": ADDRESS,
        }
        arguments.update(overrides)
        return create_order(**arguments)

    return _place


# --- API flows: shared fixtures for the order, payment and refund flow tests ------------------
#
# Everything goes through the django test client and the real payment sandbox (in-process HTTP;
# see payments/sandbox/transport.py). Notifications are delivered after commit, so paying on a
# cashier page runs inside ``committed()`` (django_capture_on_commit_callbacks(execute=True)).
# The helpers below are plain functions so that tests/payments can import them too.

import re as _re  # noqa: E402

from django.test import Client as _Client  # noqa: E402

from newretail.core.testing import bearer as _bearer  # noqa: E402
from newretail.members.models import SmsMessage as _SmsMessage  # noqa: E402
from newretail.payments.accounts import set_up_sandbox_account as _set_up_sandbox_account  # noqa: E402
from tests.payments import sandbox_helpers as _sandbox_helpers  # noqa: E402

API = "/api/v1"
BASE_URL = "http://testserver"
# WeChat payment codes (18 digits, 10-15…): the sandbox decides by the last four digits.
MICROPAY_OK = "134567890123456789"
MICROPAY_PASSWORD = "134567890123450000"
MICROPAY_REFUSED = "134567890123459999"


class Api:
    """JSON calls through a test client with fixed headers; each call checks the status and
    returns the decoded body."""

    def __init__(self, client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = dict(headers or {})

    def _call(self, method: str, path: str, body, status: int, headers: dict[str, str]):
        url = path if path.startswith("/") else f"{API}/{path}"
        send = getattr(self.client, method)
        extra = {**self.headers, **headers}
        if body is None and method == "get":
            response = send(url, **extra)
        else:
            response = send(url, body or {}, content_type="application/json", **extra)
        assert response.status_code == status, (method, url, response.status_code, response.content[:600])
        if response.content and response.get("Content-Type", "").startswith("application/json"):
            return response.json()
        return response

    def get(self, path: str, status: int = 200, **headers: str):
        return self._call("get", path, None, status, headers)

    def post(self, path: str, body=None, status: int = 200, **headers: str):
        return self._call("post", path, body, status, headers)

    def patch(self, path: str, body=None, status: int = 200, **headers: str):
        return self._call("patch", path, body, status, headers)

    def put(self, path: str, body=None, status: int = 200, **headers: str):
        return self._call("put", path, body, status, headers)

    def delete(self, path: str, status: int = 200, **headers: str):
        return self._call("delete", path, {}, status, headers)


def key(value: str) -> dict[str, str]:
    """The Idempotency-Key header for the test client."""
    return {"HTTP_IDEMPOTENCY_KEY": value}


def shop_path(merchant, rest: str) -> str:
    return f"{API}/shop/{merchant.slug}/{rest}"


def sms_login(client, merchant, phone: str, *, cart_token: str | None = None) -> dict:
    """Log a shopper in the way the mall does (SMS code read from the development backend);
    returns the login answer (token, member)."""
    shop = Api(client)
    shop.post(shop_path(merchant, "auth/code"), {"phone": phone}, status=204)
    message = _SmsMessage.objects.filter(phone=phone).order_by("-id").first()
    code = _re.search(r"验证码 (\d{6})", message.text).group(1)
    body = {"phone": phone, "code": code}
    if cart_token is not None:
        body["cart_token"] = cart_token
    return shop.post(shop_path(merchant, "auth/login"), body)


def member_headers(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _local(url: str) -> str:
    return url[len(BASE_URL) :] if url.startswith(BASE_URL) else url


def _form(html: str) -> tuple[str, dict[str, str]]:
    action = _re.search(r'<form method="post" action="([^"]+)"', html)[1]
    data = {"csrfmiddlewaretoken": _re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]}
    return_url = _re.search(r'name="return_url" value="([^"]*)"', html)
    if return_url:
        data["return_url"] = return_url[1]
    return action, data


def open_cashier(url: str) -> tuple[_Client, str]:
    """Open a sandbox cashier page (WeChat code_url, Alipay redirect) like the shopper's phone."""
    browser = _Client(enforce_csrf_checks=True)
    page = browser.get(_local(url))
    assert page.status_code == 200, page.content[:400]
    html = page.content.decode()
    assert "确认支付" in html and "沙箱" in html, html[:400]
    return browser, html


def confirm_on_cashier(url: str, action: str = "pay"):
    """Open the cashier and press 确认支付 (or 模拟支付失败). Wrap it in ``committed()`` for the
    provider's notification to be delivered."""
    browser, html = open_cashier(url)
    form_action, data = _form(html)
    answer = browser.post(form_action, {**data, "action": action})
    assert answer.status_code in (200, 302), answer.status_code
    return answer


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): …`` runs what the block left for after commit (notification
    deliveries, provider refunds, event deliveries), including what those callbacks add."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def sandbox_keys(monkeypatch):
    """Sandbox accounts take RSA keys from a per-process pool (provisioning stays real)."""
    _sandbox_helpers.use_key_pool(monkeypatch)


@pytest.fixture
def wechat_account(merchant, sandbox_keys):
    return _set_up_sandbox_account(merchant_id=merchant.pk, provider="wechat")


@pytest.fixture
def alipay_account(merchant, sandbox_keys):
    return _set_up_sandbox_account(merchant_id=merchant.pk, provider="alipay")


@pytest.fixture
def staff_api(client, owner):
    """The merchant owner on the staff API (bearer token)."""
    return Api(client, _bearer(owner))


@pytest.fixture
def shopper(client, merchant):
    """shopper(phone=None) -> (Api with the member's token, member id): a member logged in by
    SMS through the mall API."""
    from newretail.members.testing import next_phone

    def _login(phone: str | None = None, cart_token: str | None = None):
        answer = sms_login(client, merchant, phone or next_phone(), cart_token=cart_token)
        return Api(client, member_headers(answer["token"])), answer["member"]["id"]

    return _login


SHOPPER_ADDRESS = {
    "recipient": "王五",
    "phone": "13900002222",
    "province": "上海市",
    "city": "上海市",
    "district": "黄浦区",
    "detail": "人民大道200号",
    "latitude": "31.230000",
    "longitude": "121.470000",
}


def add_address(me: Api, merchant, **overrides) -> dict:
    return me.post(shop_path(merchant, "addresses"), {**SHOPPER_ADDRESS, **overrides}, status=201)


def pay_online(me: Api, merchant, order_id: int, committed, kind: str = "wechat_native") -> dict:
    """The shopper pays the whole order on the sandbox cashier; the notification is delivered.
    Returns the order as the shopper sees it afterwards."""
    body = {"kind": kind}
    if kind.startswith("alipay"):
        body["return_url"] = f"{BASE_URL}/shop/orders/{order_id}"
    tender = me.post(shop_path(merchant, f"orders/{order_id}/pay"), body)
    url = tender["action"].get("code_url") or tender["action"].get("url")
    with committed():
        confirm_on_cashier(url)
    return me.get(shop_path(merchant, f"orders/{order_id}"))


def buy(
    me: Api, merchant, items: dict, *, committed=None, pay: str | None = "wechat_native", **checkout
) -> dict:
    """Put ``items`` {sku: quantity} in the shopper's cart, place the order (``checkout`` holds
    fulfilment, store_id, address_id…; pickup by default) and pay it when ``pay`` is a kind."""
    for sku, quantity in items.items():
        me.post(shop_path(merchant, "cart/lines"), {"sku_id": sku.pk, "quantity": quantity})
    checkout.setdefault("fulfilment", "pickup")
    order = me.post(shop_path(merchant, "orders"), checkout, status=201)
    if pay is None:
        return order
    paid = pay_online(me, merchant, order["id"], committed, kind=pay)
    assert paid["status"] == "paid", paid["status"]
    return paid
