"""The sandbox itself: provisioning, gateway construction, the in-process transport, and
notification delivery with the providers' acknowledgements and backoff."""

from __future__ import annotations

import datetime as dt
import io
import urllib.request

import pytest
import requests
import time_machine
from cryptography.hazmat.primitives import serialization
from django.urls import reverse

from newretail.payments.gateways import base, build_gateway, sandbox_base_url
from newretail.payments.gateways.alipay import AlipayGateway
from newretail.payments.gateways.base import GatewayError, RefundRequest
from newretail.payments.gateways.wechat import WeChatPayGateway
from newretail.payments.sandbox import notifications, provision_sandbox_credentials, tasks, transport
from newretail.payments.sandbox.models import SandboxMerchant, SandboxNotification, SandboxRefund
from newretail.tenancy.models import User
from tests.payments import sandbox_helpers as h

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
WECHAT_DELAYS = [15, 15, 30, 180, 600, 1200, 1800]
ALIPAY_DELAYS = [240, 600, 600, 3600, 7200, 21600, 54000]


@pytest.fixture(autouse=True)
def _sandbox(monkeypatch, settings):
    h.use_key_pool(monkeypatch)
    h.use_test_urls(settings)


# --- provisioning and construction -----------------------------------------------------------


@pytest.mark.django_db
def test_wechat_credentials_have_the_provider_s_shapes_and_the_sandbox_keeps_only_its_half():
    credentials = provision_sandbox_credentials("wechat")
    assert len(credentials.mchid) == 10 and credentials.mchid.isdigit()
    assert credentials.appid.startswith("wx") and len(credentials.appid) == 18
    assert len(credentials.apiv3_key) == 32 and len(credentials.api_v2_key) == 32
    assert len(credentials.cert_serial_no) == 40
    assert credentials.platform_public_key_id.startswith("PUB_KEY_ID_")
    private = serialization.load_pem_private_key(credentials.private_key_pem.encode(), password=None)
    assert private.key_size == 2048
    sandbox = SandboxMerchant.objects.get(account_id=credentials.mchid)
    assert sandbox.merchant_public_key_pem == h.public_pem_of(credentials.private_key_pem)
    assert credentials.private_key_pem not in str(sandbox.__dict__)
    assert credentials.platform_public_key_pem == h.public_pem_of(sandbox.platform_private_key_pem)
    assert sandbox.display_name.startswith("沙箱商户")


@pytest.mark.django_db
def test_alipay_credentials_have_the_provider_s_shapes():
    credentials = provision_sandbox_credentials("alipay", display_name="鲜丰水果")
    assert credentials.app_id.startswith("2021") and len(credentials.app_id) == 16
    sandbox = SandboxMerchant.objects.get(account_id=credentials.app_id)
    assert sandbox.seller_id.startswith("2088") and sandbox.display_name == "鲜丰水果"
    assert credentials.alipay_public_key_pem == h.public_pem_of(sandbox.platform_private_key_pem)
    assert credentials.app_private_key_pem != sandbox.platform_private_key_pem


@pytest.mark.django_db
def test_the_sandbox_can_be_turned_off(settings):
    credentials = provision_sandbox_credentials("wechat")
    settings.PAYMENT_SANDBOX = False
    with pytest.raises(GatewayError) as off:
        provision_sandbox_credentials("alipay")
    assert off.value.code == "sandbox_disabled"
    with pytest.raises(GatewayError):
        build_gateway("wechat", credentials, sandbox=True)
    live = build_gateway("wechat", credentials, sandbox=False)
    assert isinstance(live, WeChatPayGateway) and live.base_url == "https://api.mch.weixin.qq.com"
    # Sandbox URLs are no longer served in-process: the call would go to the network.
    assert not transport.is_sandbox_url(sandbox_base_url("wechat") + "/v3/x")


@pytest.mark.django_db
def test_build_gateway_chooses_hosts_and_checks_credentials():
    wechat = provision_sandbox_credentials("wechat")
    alipay = provision_sandbox_credentials("alipay")
    assert sandbox_base_url("wechat") == "http://testserver/sandbox/wechatpay"
    assert sandbox_base_url("alipay") == "http://testserver/sandbox/alipay/gateway.do"
    assert build_gateway("wechat", wechat, sandbox=True).base_url == sandbox_base_url("wechat")
    gateway = build_gateway("alipay", alipay, sandbox=False)
    assert isinstance(gateway, AlipayGateway) and gateway.base_url == "https://openapi.alipay.com/gateway.do"
    with pytest.raises(ValueError):
        build_gateway("alipay", wechat, sandbox=True)
    with pytest.raises(ValueError):
        build_gateway("unionpay", wechat, sandbox=True)
    with pytest.raises(GatewayError) as bad:
        build_gateway("alipay", base.AlipayCredentials("2021", "not a key", "not a key"), sandbox=True)
    assert bad.value.code == "bad_credentials" and "not a key" not in str(bad.value)


# --- transport -------------------------------------------------------------------------------


class FakeRequests:
    """Records what would have gone to the network."""

    RequestException = requests.RequestException

    def __init__(self):
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url))
        return "network answer"


def test_other_urls_go_to_the_network_untouched():
    fake = FakeRequests()
    proxy = transport.SandboxRequests(fake)
    assert proxy.post("https://api.mch.weixin.qq.com/v3/pay/transactions/native", json={}) == "network answer"
    assert proxy.get("http://testserver.example/sandbox/x") == "network answer"
    assert fake.calls == [
        ("POST", "https://api.mch.weixin.qq.com/v3/pay/transactions/native"),
        ("GET", "http://testserver.example/sandbox/x"),
    ]
    assert proxy.RequestException is requests.RequestException
    opened = []
    urlopen = transport.SandboxUrlopen(
        lambda url, data, timeout, **kw: opened.append(url) or io.BytesIO(b"{}")
    )
    urlopen("https://openapi.alipay.com/gateway.do?x=1", timeout=15)
    assert opened == ["https://openapi.alipay.com/gateway.do?x=1"]


def test_the_installed_clients_are_the_sandbox_proxies():
    import alipay
    import wechatpayv3.core

    from newretail.payments.gateways import wechat

    assert isinstance(wechatpayv3.core.requests, transport.SandboxRequests)
    assert isinstance(wechat.requests, transport.SandboxRequests)
    assert isinstance(alipay.urlopen, transport.SandboxUrlopen)


def test_an_in_process_http_error_is_raised_like_urllib_does():
    opener = transport.SandboxUrlopen(urllib.request.urlopen)
    with pytest.raises(urllib.error.HTTPError) as missing:
        opener("http://testserver/sandbox/alipay/nothing-here")
    assert missing.value.code == 404


# --- notification delivery -------------------------------------------------------------------


def paid_wechat_notification(notify_url: str) -> SandboxNotification:
    _, gateway = h.wechat()
    gateway.charge(base.WECHAT_MICROPAY, h.charge_request(auth_code="134567890123456789"))
    trade = SandboxMerchant.objects.get().trades.get()
    trade.notify_url = notify_url
    trade.save()
    event, headers, body = notifications.wechat_protocol.transaction_notification(trade)
    return notifications.record(
        merchant=trade.merchant, trade=trade, event=event, url=notify_url, headers=headers, body=body
    )


def attempt_schedule(notification: SandboxNotification, traveller) -> list[int]:
    """Deliver until done or given up, jumping to each next attempt; returns the delays."""
    delays = []
    while True:
        notification.refresh_from_db()
        if notification.next_attempt_at is None:
            return delays
        wait = (notification.next_attempt_at - dt.datetime.now(dt.UTC)).total_seconds()
        if notification.attempts:
            delays.append(round(wait))
        traveller.shift(dt.timedelta(seconds=max(wait, 0)))
        tasks.sandbox_tick.call_local()


@pytest.mark.django_db
@pytest.mark.integration
def test_delivery_to_a_missing_path_on_this_site_is_retried_with_wechat_s_backoff_then_given_up():
    with time_machine.travel(NOW, tick=False) as traveller:
        notification = paid_wechat_notification("http://testserver/not-built-yet/wechat")
        delays = attempt_schedule(notification, traveller)
    notification.refresh_from_db()
    assert delays == WECHAT_DELAYS
    assert notification.attempts == notifications.MAX_ATTEMPTS == 8
    assert notification.last_status == 404 and notification.gave_up and notification.delivered_at is None


@pytest.mark.django_db
@pytest.mark.integration
def test_delivery_in_process_needs_the_receiver_s_acknowledgement_and_each_retry_is_signed_afresh(
    django_capture_on_commit_callbacks,
):
    h.RECEIVER["refuse"] = True
    with time_machine.travel(NOW, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            notification = paid_wechat_notification(h.receiver_url("wx"))
        notification.refresh_from_db()
        first_headers = dict(notification.headers)
        assert (notification.attempts, notification.last_status, notification.delivered_at) == (1, 400, None)
        assert notification.next_attempt_at == NOW + dt.timedelta(seconds=15)
        assert h.RECEIVED[-1].charge.status == base.SUCCEEDED  # verified, but answered FAIL

        h.RECEIVER["refuse"] = False
        traveller.shift(dt.timedelta(seconds=14))
        assert tasks.sandbox_tick.call_local() is None and notifications.deliver(notification.pk) == "skipped"
        traveller.shift(dt.timedelta(seconds=1))
        tasks.sandbox_tick.call_local()
    notification.refresh_from_db()
    assert notification.attempts == 2 and notification.last_status == 200
    assert (
        notification.delivered_at == NOW + dt.timedelta(seconds=15) and notification.next_attempt_at is None
    )
    assert notification.headers["Wechatpay-Timestamp"] != first_headers["Wechatpay-Timestamp"]
    assert notifications.deliver(notification.pk) == "skipped"
    assert len(h.RECEIVED) == 2


@pytest.mark.django_db
@pytest.mark.integration
def test_alipay_delivery_counts_only_the_word_success(django_capture_on_commit_callbacks):
    _, gateway = h.alipay()
    h.RECEIVER["refuse"] = True
    with time_machine.travel(NOW, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            gateway.charge(
                base.ALIPAY_MICROPAY,
                h.charge_request(auth_code="2845678901234567", notify_url=h.receiver_url("ali")),
            )
        notification = SandboxNotification.objects.get()
        assert (notification.attempts, notification.last_status, notification.last_error) == (1, 200, "fail")
        h.RECEIVER["refuse"] = False
        assert attempt_schedule(notification, traveller) == [ALIPAY_DELAYS[0]]
    notification.refresh_from_db()
    assert notification.delivered_at == NOW + dt.timedelta(minutes=4)
    assert [n.charge.status for n in h.RECEIVED] == [base.SUCCEEDED, base.SUCCEEDED]


@pytest.mark.django_db
@pytest.mark.integration
def test_alipay_backoff_schedule():
    _, gateway = h.alipay()
    with time_machine.travel(NOW, tick=False) as traveller:
        gateway.charge(
            base.ALIPAY_MICROPAY,
            h.charge_request(auth_code="2845678901234567", notify_url="http://testserver/nowhere"),
        )
        assert attempt_schedule(SandboxNotification.objects.get(), traveller) == ALIPAY_DELAYS


@pytest.mark.django_db
def test_other_urls_get_a_real_post_and_network_errors_are_retried(monkeypatch):
    sent = []

    class Answer:
        status_code = 200
        content = b"success"

    def fake_post(url, **kwargs):
        sent.append((url, kwargs["data"], kwargs["headers"]["Content-Type"]))
        if len(sent) == 1:
            raise requests.ConnectionError("no route to host")
        return Answer()

    monkeypatch.setattr(transport.requests, "post", fake_post)
    _, gateway = h.alipay()
    with time_machine.travel(NOW, tick=False) as traveller:
        gateway.charge(
            base.ALIPAY_MICROPAY,
            h.charge_request(auth_code="2845678901234567", notify_url="https://erp.example.com/alipay"),
        )
        notification = SandboxNotification.objects.get()
        assert notifications.deliver(notification.pk) == "retry"
        notification.refresh_from_db()
        assert notification.last_status is None and "ConnectionError" in notification.last_error
        traveller.shift(dt.timedelta(minutes=4))
        assert notifications.deliver_due() == 1
    assert sent[0][0] == "https://erp.example.com/alipay" and sent[0][1] == notification.body.encode()
    assert sent[0][2].startswith("application/x-www-form-urlencoded")


@pytest.mark.django_db
@pytest.mark.integration
def test_a_wechat_refund_whose_task_was_lost_is_settled_by_the_sweep(django_capture_on_commit_callbacks):
    _, gateway = h.wechat()
    request = h.charge_request(auth_code="134567890123456789")
    gateway.charge(base.WECHAT_MICROPAY, request)
    with time_machine.travel(NOW, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=False):  # the worker never ran the task
            gateway.refund(
                RefundRequest(request.out_trade_no, "RF-1", 100, 1250, notify_url="http://testserver/nowhere")
            )
        assert gateway.query_refund("RF-1", out_trade_no=request.out_trade_no).status == base.PENDING
        traveller.shift(dt.timedelta(seconds=11))
        tasks.sandbox_tick.call_local()
        assert gateway.query_refund("RF-1", out_trade_no=request.out_trade_no).status == base.SUCCEEDED
    assert SandboxRefund.objects.get().notifications.get().event == "REFUND.SUCCESS"


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_overview_is_for_staff_or_debug(client, settings):
    settings.DEBUG = False
    assert client.get("/sandbox/").status_code == 404
    staff = User.objects.create_user(username="ops", password="x", is_staff=True)
    client.force_login(staff)
    h.alipay()
    page = client.get("/sandbox/")
    html = page.content.decode()
    assert page.status_code == 200 and "付款码规则" in html and "0000" in html and "9999" in html


@pytest.mark.django_db
def test_the_sandbox_is_mounted_in_the_site_urls(settings):
    settings.ROOT_URLCONF = "newretail.config.urls"
    assert reverse("payments_sandbox:overview") == "/sandbox/"
    assert reverse("payments_sandbox:alipay_gateway") == "/sandbox/alipay/gateway.do"
