"""WeChatPayGateway against the sandbox, with real signatures over locally generated keys: every
call the payment actions make, the shopper's pay pages, and every way a notification must be
refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest
import time_machine
from django.test import Client

from newretail.payments.gateways import base, build_gateway
from newretail.payments.gateways.base import GatewayError, InvalidNotification, RefundRequest
from newretail.payments.sandbox import crypto, jsapi_cashier_url, wechat_protocol
from newretail.payments.sandbox.models import SandboxMerchant, SandboxNotification, SandboxTrade
from tests.payments import sandbox_helpers as h

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
GOOD_CODE = "134567890123456789"


@pytest.fixture(autouse=True)
def _sandbox(monkeypatch, settings):
    h.use_key_pool(monkeypatch)
    h.use_test_urls(settings)


@pytest.fixture
def merchant():
    return h.wechat()


def pay_on_cashier(url: str) -> str:
    """Open a cashier page like a phone does (CSRF enforced) and press 确认支付; returns the page."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(h.path_of(url) if url.startswith(h.BASE) else url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "确认支付" in html and "模拟支付失败" in html and "沙箱" in html
    action = re.search(r'<form method="post" action="([^"]+)"', html)[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    return_url = re.search(r'name="return_url" value="([^"]*)"', html)[1]
    done = browser.post(action, {"csrfmiddlewaretoken": token, "action": "pay", "return_url": return_url})
    assert done.status_code == 200
    return done.content.decode()


def last_notification(event: str) -> SandboxNotification:
    return SandboxNotification.objects.filter(event=event).latest("id")


def parse(gateway, notification: SandboxNotification):
    return gateway.parse_notification(notification.headers, notification.body.encode())


def test_native_charge_is_paid_on_the_cashier_and_notified(merchant):
    _, gateway = merchant
    request = h.charge_request()
    start = gateway.charge(base.WECHAT_NATIVE, request)
    assert start.status == base.PENDING and start.action["type"] == "qr"
    assert start.action["code_url"].startswith("http://testserver/sandbox/wechatpay/cashier/")
    assert gateway.query(request.out_trade_no).status == base.PENDING

    page = pay_on_cashier(start.action["code_url"])

    assert "支付成功" in page and "12.50" in page and "测试便利店" in page
    status = gateway.query(request.out_trade_no)
    assert (status.status, status.amount_fen) == (base.SUCCEEDED, 1250)
    assert status.provider_trade_no and status.paid_at is not None
    notification = parse(gateway, last_notification("TRANSACTION.SUCCESS"))
    assert notification.refund is None
    assert notification.charge.status == base.SUCCEEDED
    assert notification.charge.out_trade_no == request.out_trade_no
    assert notification.charge.amount_fen == 1250
    assert notification.charge.provider_trade_no == status.provider_trade_no


def test_jsapi_params_are_signed_for_wx_request_payment_and_lead_to_the_cashier(merchant):
    credentials, gateway = merchant
    request = h.charge_request(payer_openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    start = gateway.charge(base.WECHAT_JSAPI, request)

    params = start.action["params"]
    assert start.action["type"] == "jsapi" and params["signType"] == "RSA"
    assert params["appId"] == credentials.appid and params["package"].startswith("prepay_id=wx")
    message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert crypto.rsa_verify(h.public_pem_of(credentials.private_key_pem), message, params["paySign"])

    page = pay_on_cashier(jsapi_cashier_url(params, return_url="http://testserver/orders/1"))

    assert "支付成功" in page and 'href="http://testserver/orders/1"' in page
    charge = parse(gateway, last_notification("TRANSACTION.SUCCESS")).charge
    assert (charge.status, charge.amount_fen) == (base.SUCCEEDED, 1250)
    trade = SandboxTrade.objects.get(out_trade_no=request.out_trade_no)
    assert trade.payer_id == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def test_the_jsapi_cashier_refuses_a_forged_pay_sign(merchant, client):
    _, gateway = merchant
    params = dict(gateway.charge(base.WECHAT_JSAPI, h.charge_request(payer_openid="o1")).action["params"])
    params["nonceStr"] = "0" * 32
    page = client.get(h.path_of(jsapi_cashier_url(params)))
    assert page.status_code == 400 and "支付验证签名失败" in page.content.decode()


def test_a_simulated_failure_leaves_the_charge_payable(merchant):
    _, gateway = merchant
    request = h.charge_request()
    code_url = gateway.charge(base.WECHAT_NATIVE, request).action["code_url"]
    browser = Client()
    failed = browser.post(h.path_of(code_url), {"action": "fail"})
    assert "支付失败" in failed.content.decode()
    assert gateway.query(request.out_trade_no).status == base.PENDING
    assert not SandboxNotification.objects.exists()
    pay_on_cashier(code_url)
    assert gateway.query(request.out_trade_no).status == base.SUCCEEDED


def test_ordering_again_is_idempotent_and_a_changed_order_is_refused(merchant):
    _, gateway = merchant
    request = h.charge_request()
    first = gateway.charge(base.WECHAT_NATIVE, request)
    assert gateway.charge(base.WECHAT_NATIVE, request).action == first.action
    with pytest.raises(GatewayError) as refused:
        gateway.charge(base.WECHAT_NATIVE, dataclasses.replace(request, amount_fen=99))
    assert refused.value.code == "INVALID_REQUEST"


def test_close_makes_an_unpaid_charge_failed_and_is_idempotent(merchant):
    _, gateway = merchant
    request = h.charge_request()
    gateway.charge(base.WECHAT_NATIVE, request)
    gateway.close(request.out_trade_no)
    gateway.close(request.out_trade_no)
    gateway.close("NEVER-ORDERED-1")
    status = gateway.query(request.out_trade_no)
    assert status.status == base.FAILED and status.failure_reason == "订单已关闭"


def test_closing_a_paid_charge_is_refused(merchant):
    _, gateway = merchant
    start = gateway.charge(base.WECHAT_MICROPAY, h.charge_request(auth_code=GOOD_CODE))
    assert start.status == base.SUCCEEDED
    with pytest.raises(GatewayError) as refused:
        gateway.close(SandboxTrade.objects.get().out_trade_no)
    assert refused.value.code == "ORDERPAID"


def test_an_expired_charge_is_closed_by_the_provider(merchant):
    _, gateway = merchant
    with time_machine.travel(NOW, tick=False) as traveller:
        request = h.charge_request(expires_at=NOW + dt.timedelta(minutes=15))
        gateway.charge(base.WECHAT_NATIVE, request)
        traveller.shift(dt.timedelta(minutes=16))
        assert gateway.query(request.out_trade_no).status == base.FAILED


def test_refund_is_processing_then_notified_and_queried_as_succeeded(
    merchant, django_capture_on_commit_callbacks
):
    _, gateway = merchant
    request = h.charge_request(auth_code=GOOD_CODE)
    assert gateway.charge(base.WECHAT_MICROPAY, request).status == base.SUCCEEDED
    refund = RefundRequest(
        out_trade_no=request.out_trade_no,
        out_refund_no="R" + request.out_trade_no,
        amount_fen=500,
        charge_amount_fen=1250,
        reason="少一瓶",
        notify_url=h.receiver_url("wx"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = gateway.refund(refund)
    assert (answer.status, answer.amount_fen) == (base.PENDING, 500)
    assert answer.provider_refund_no

    done = gateway.query_refund(refund.out_refund_no, out_trade_no=request.out_trade_no)
    assert (done.status, done.amount_fen, done.provider_refund_no) == (
        base.SUCCEEDED,
        500,
        answer.provider_refund_no,
    )
    notified = parse(gateway, last_notification("REFUND.SUCCESS")).refund
    assert (notified.out_refund_no, notified.status, notified.amount_fen) == (
        refund.out_refund_no,
        base.SUCCEEDED,
        500,
    )
    assert h.RECEIVED[-1].refund.status == base.SUCCEEDED  # delivered in-process to the receiver
    assert gateway.query(request.out_trade_no).status == base.SUCCEEDED  # trade_state REFUND

    too_much = gateway.refund(
        dataclasses.replace(refund, out_refund_no="R2" + request.out_trade_no, amount_fen=800)
    )
    assert too_much.status == base.FAILED and "可退金额" in too_much.failure_reason
    unknown = gateway.query_refund("NO-SUCH-REFUND", out_trade_no=request.out_trade_no)
    assert unknown.status == base.FAILED


@pytest.mark.parametrize(
    ("code", "status", "action", "reason"),
    [
        (GOOD_CODE, base.SUCCEEDED, "none", ""),
        ("134567890123459999", base.FAILED, "none", "余额不足"),
        ("12345", base.FAILED, "none", "授权码"),
        ("284567890123456789", base.FAILED, "none", "授权码"),  # an Alipay code at WeChat
    ],
)
def test_micropay_outcome_depends_on_the_code(merchant, code, status, action, reason):
    _, gateway = merchant
    start = gateway.charge(base.WECHAT_MICROPAY, h.charge_request(auth_code=code))
    assert (start.status, start.action["type"]) == (status, action)
    assert reason in start.failure_reason
    if status == base.SUCCEEDED:
        assert start.amount_fen == 1250 and start.provider_trade_no


def test_micropay_waiting_for_a_password_is_paid_at_the_second_query(merchant):
    _, gateway = merchant
    request = h.charge_request(auth_code="134567890123450000")
    start = gateway.charge(base.WECHAT_MICROPAY, request)
    assert (start.status, start.action) == (base.PENDING, {"type": "poll"})
    assert gateway.query(request.out_trade_no).status == base.PENDING
    paid = gateway.query(request.out_trade_no)
    assert (paid.status, paid.amount_fen, paid.raw["trade_type"]) == (base.SUCCEEDED, 1250, "MICROPAY")


def test_a_refused_micropay_is_failed_when_queried(merchant):
    _, gateway = merchant
    request = h.charge_request(auth_code="134567890123459999")
    gateway.charge(base.WECHAT_MICROPAY, request)
    status = gateway.query(request.out_trade_no)
    assert status.status == base.FAILED and status.failure_reason == "余额不足"


# --- signatures ---------------------------------------------------------------------------


def test_a_request_signed_with_another_merchant_key_is_refused(merchant):
    credentials, _ = merchant
    stranger, _ = h.wechat("other")
    forged = dataclasses.replace(credentials, private_key_pem=stranger.private_key_pem)
    gateway = build_gateway("wechat", forged, sandbox=True)
    with pytest.raises(GatewayError) as refused:
        gateway.charge(base.WECHAT_NATIVE, h.charge_request())
    assert refused.value.code == "SIGN_ERROR"
    with pytest.raises(GatewayError) as wrong_serial:
        build_gateway(
            "wechat", dataclasses.replace(credentials, cert_serial_no="0" * 40), sandbox=True
        ).query("ABC123")
    assert wrong_serial.value.code == "SIGN_ERROR"
    with pytest.raises(GatewayError) as wrong_v2_key:
        build_gateway("wechat", dataclasses.replace(credentials, api_v2_key="x" * 32), sandbox=True).charge(
            base.WECHAT_MICROPAY, h.charge_request(auth_code=GOOD_CODE)
        )
    assert "签名错误" in str(wrong_v2_key.value)
    assert not SandboxTrade.objects.exists()


def test_an_unsigned_request_gets_wechat_s_401(client):
    answer = client.post(
        "/sandbox/wechatpay/v3/pay/transactions/native", {"mchid": "1"}, content_type="application/json"
    )
    assert answer.status_code == 401 and answer.json()["code"] == "SIGN_ERROR"


def test_an_answer_signed_by_another_platform_key_is_refused(merchant):
    credentials, _ = merchant
    stranger, _ = h.wechat("other")
    gateway = build_gateway(
        "wechat",
        dataclasses.replace(credentials, platform_public_key_pem=stranger.platform_public_key_pem),
        sandbox=True,
    )
    with pytest.raises(GatewayError) as refused:
        gateway.charge(base.WECHAT_NATIVE, h.charge_request())
    assert refused.value.code == "bad_response"


@pytest.fixture
def paid_notification(merchant):
    _, gateway = merchant
    start = gateway.charge(base.WECHAT_NATIVE, h.charge_request())
    pay_on_cashier(start.action["code_url"])
    return last_notification("TRANSACTION.SUCCESS")


def test_headers_are_read_whatever_their_case_or_wsgi_form(merchant, paid_notification):
    _, gateway = merchant
    lower = {k.lower(): v for k, v in paid_notification.headers.items()}
    wsgi = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in paid_notification.headers.items()}
    body = paid_notification.body.encode()
    assert gateway.parse_notification(lower, body).charge.status == base.SUCCEEDED
    assert gateway.parse_notification(wsgi, body).charge.status == base.SUCCEEDED


def test_a_tampered_body_is_refused(merchant, paid_notification):
    _, gateway = merchant
    body = json.loads(paid_notification.body)
    body["summary"] = "支付成功!"
    with pytest.raises(InvalidNotification):
        gateway.parse_notification(paid_notification.headers, wechat_protocol.compact(body).encode())


def test_a_wrong_signature_is_refused(merchant, paid_notification):
    _, gateway = merchant
    headers = dict(paid_notification.headers, **{"Wechatpay-Nonce": "f" * 32})
    with pytest.raises(InvalidNotification):
        gateway.parse_notification(headers, paid_notification.body.encode())
    with pytest.raises(InvalidNotification):
        gateway.parse_notification(
            dict(paid_notification.headers, **{"Wechatpay-Signature": "bm90IGEgc2lnbmF0dXJl"}), b"{}"
        )


def test_a_notification_signed_by_another_platform_key_is_refused(merchant, paid_notification):
    _, gateway = merchant
    h.wechat("other")
    stranger = SandboxMerchant.objects.exclude(pk=paid_notification.merchant_id).get()
    body = paid_notification.body
    # The other platform's signature, under this merchant's serial …
    resigned = wechat_protocol.signed_headers(stranger, body)
    resigned["Wechatpay-Serial"] = paid_notification.headers["Wechatpay-Serial"]
    with pytest.raises(InvalidNotification):
        gateway.parse_notification(resigned, body.encode())
    # … and under its own serial.
    with pytest.raises(InvalidNotification, match="serial"):
        gateway.parse_notification(wechat_protocol.signed_headers(stranger, body), body.encode())


def test_a_notification_for_another_mchid_or_appid_is_refused(merchant, paid_notification):
    _, gateway = merchant
    sandbox = paid_notification.merchant
    resource = wechat_protocol.trade_resource(SandboxTrade.objects.get())
    for wrong in ({"mchid": "1600000000"}, {"appid": "wx0000000000000000"}):
        _, headers, body = wechat_protocol._notification(
            sandbox,
            event_type="TRANSACTION.SUCCESS",
            summary="支付成功",
            original_type="transaction",
            resource={**resource, **wrong},
        )
        with pytest.raises(InvalidNotification, match="another"):
            gateway.parse_notification(headers, body.encode())


def test_a_resource_encrypted_with_another_key_is_refused(merchant, paid_notification):
    _, gateway = merchant
    body = json.loads(paid_notification.body)
    body["resource"]["ciphertext"] = crypto.aes_gcm_encrypt(
        "k" * 32, body["resource"]["nonce"], '{"mchid":"x"}', "transaction"
    )
    text = wechat_protocol.compact(body)
    with pytest.raises(InvalidNotification, match="decrypt"):
        gateway.parse_notification(
            wechat_protocol.signed_headers(paid_notification.merchant, text), text.encode()
        )


def test_a_stale_or_incomplete_notification_is_refused(merchant, paid_notification):
    _, gateway = merchant
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)):
        with pytest.raises(InvalidNotification, match="five minutes"):
            parse(gateway, paid_notification)
    headers = dict(paid_notification.headers)
    del headers["Wechatpay-Signature"]
    with pytest.raises(InvalidNotification, match="missing"):
        gateway.parse_notification(headers, paid_notification.body.encode())


def test_acknowledgements_follow_api_v3(merchant):
    _, gateway = merchant
    ok, refused = gateway.acknowledge(True), gateway.acknowledge(False)
    assert (ok.status, ok.body) == (200, b"")
    assert refused.status == 400 and json.loads(refused.body) == {"code": "FAIL", "message": "失败"}
