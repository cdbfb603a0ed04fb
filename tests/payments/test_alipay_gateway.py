"""AlipayGateway against the sandbox with real RSA2 signatures over locally generated keys."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client

from newretail.payments.gateways import base, build_gateway
from newretail.payments.gateways.base import GatewayError, InvalidNotification, RefundRequest
from newretail.payments.sandbox import alipay_protocol, crypto
from newretail.payments.sandbox.models import SandboxMerchant, SandboxNotification, SandboxTrade
from tests.payments import sandbox_helpers as h

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

GOOD_CODE = "2845678901234567"
RETURN_URL = "http://testserver/shop/orders/42?from=alipay"


@pytest.fixture(autouse=True)
def _sandbox(monkeypatch, settings):
    h.use_key_pool(monkeypatch)
    h.use_test_urls(settings)


@pytest.fixture
def merchant():
    return h.alipay()


def alipay_request(**overrides):
    return h.charge_request(notify_url=h.receiver_url("ali"), return_url=RETURN_URL, **overrides)


def open_cashier(browser: Client, url: str) -> str:
    page = browser.get(h.path_of(url))
    assert page.status_code == 200, page.content.decode()
    html = page.content.decode()
    assert "支付宝" in html and "确认支付" in html and "沙箱" in html
    return html


def confirm(browser: Client, html: str, action: str = "pay"):
    form_action = re.search(r'<form method="post" action="([^"]+)"', html)[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    return browser.post(form_action, {"csrfmiddlewaretoken": token, "action": action})


def paid_page_charge(gateway, request=None):
    request = request or alipay_request()
    browser = Client(enforce_csrf_checks=True)
    url = gateway.charge(base.ALIPAY_PAGE, request).action["url"]
    back = confirm(browser, open_cashier(browser, url))
    return request, back


def parse(gateway, notification: SandboxNotification):
    return gateway.parse_notification(
        {"Content-Type": notification.headers["Content-Type"]}, notification.body.encode()
    )


def test_page_charge_is_opened_paid_returned_and_notified(merchant):
    _, gateway = merchant
    request = alipay_request()
    start = gateway.charge(base.ALIPAY_PAGE, request)
    assert start.status == base.PENDING and start.action["type"] == "redirect"
    url = start.action["url"]
    assert (
        url.startswith("http://testserver/sandbox/alipay/gateway.do?")
        and "method=alipay.trade.page.pay" in url
    )
    unopened = gateway.query(request.out_trade_no)
    assert unopened.status == base.PENDING and unopened.raw["sub_code"] == "ACQ.TRADE_NOT_EXIST"

    browser = Client(enforce_csrf_checks=True)
    html = open_cashier(browser, url)
    assert "12.50" in html and "测试便利店" in html
    assert gateway.query(request.out_trade_no).raw["trade_status"] == "WAIT_BUYER_PAY"
    back = confirm(browser, html)

    assert back.status_code == 302
    target = urlsplit(back["Location"])
    assert target.path == "/shop/orders/42"
    params = dict(parse_qsl(target.query))
    assert params["from"] == "alipay" and params["method"] == "alipay.trade.page.pay.return"
    assert params["out_trade_no"] == request.out_trade_no and params["total_amount"] == "12.50"
    signature = params.pop("sign")
    params.pop("from")
    assert gateway._alipay.verify(params, signature)  # the SDK's own check of the sync return

    status = gateway.query(request.out_trade_no)
    assert (status.status, status.amount_fen) == (base.SUCCEEDED, 1250) and status.paid_at
    charge = parse(gateway, SandboxNotification.objects.get(event="TRADE_SUCCESS")).charge
    assert (charge.status, charge.amount_fen, charge.out_trade_no) == (
        base.SUCCEEDED,
        1250,
        request.out_trade_no,
    )
    assert charge.provider_trade_no == status.provider_trade_no


def test_wap_charge_uses_the_wap_product_and_the_same_cashier(merchant):
    _, gateway = merchant
    request = alipay_request()
    url = gateway.charge(base.ALIPAY_WAP, request).action["url"]
    assert "method=alipay.trade.wap.pay" in url and "QUICK_WAP_WAY" in url
    browser = Client(enforce_csrf_checks=True)
    back = confirm(browser, open_cashier(browser, url))
    assert dict(parse_qsl(urlsplit(back["Location"]).query))["method"] == "alipay.trade.wap.pay.return"
    assert gateway.query(request.out_trade_no).status == base.SUCCEEDED


def test_a_tampered_pay_url_shows_alipay_s_signature_error(merchant, client):
    _, gateway = merchant
    url = gateway.charge(base.ALIPAY_PAGE, alipay_request()).action["url"]
    page = client.get(h.path_of(url.replace("12.50", "0.01")))
    assert page.status_code == 400 and "invalid-signature" in page.content.decode()
    assert not SandboxTrade.objects.exists()


def test_a_simulated_failure_keeps_the_trade_waiting(merchant):
    _, gateway = merchant
    request = alipay_request()
    browser = Client(enforce_csrf_checks=True)
    html = open_cashier(browser, gateway.charge(base.ALIPAY_PAGE, request).action["url"])
    failed = confirm(browser, html, action="fail")
    assert "支付失败" in failed.content.decode()
    assert gateway.query(request.out_trade_no).raw["trade_status"] == "WAIT_BUYER_PAY"
    retry = re.search(r'href="([^"]+)">重新支付', failed.content.decode())[1]
    confirm(browser, browser.get(retry).content.decode())
    assert gateway.query(request.out_trade_no).status == base.SUCCEEDED


def test_close_fails_an_opened_trade_and_ignores_an_unopened_one(merchant):
    _, gateway = merchant
    request = alipay_request()
    open_cashier(Client(), gateway.charge(base.ALIPAY_PAGE, request).action["url"])
    gateway.close(request.out_trade_no)
    gateway.close("NEVER-OPENED-1")
    status = gateway.query(request.out_trade_no)
    assert status.status == base.FAILED and status.failure_reason
    closed = parse(gateway, SandboxNotification.objects.get(event="TRADE_CLOSED")).charge
    assert (closed.status, closed.amount_fen) == (base.FAILED, None)


def test_closing_a_paid_trade_is_refused(merchant):
    _, gateway = merchant
    request, _ = paid_page_charge(gateway)
    with pytest.raises(GatewayError) as refused:
        gateway.close(request.out_trade_no)
    assert refused.value.code == "ACQ.TRADE_STATUS_ERROR"


def test_refunds_are_synchronous_idempotent_and_notified(merchant):
    _, gateway = merchant
    request, _ = paid_page_charge(gateway)
    refund = RefundRequest(
        out_trade_no=request.out_trade_no,
        out_refund_no="R1" + request.out_trade_no,
        amount_fen=250,
        charge_amount_fen=1250,
    )
    first = gateway.refund(refund)
    assert (first.status, first.amount_fen, first.raw["fund_change"]) == (base.SUCCEEDED, 250, "Y")
    replay = gateway.refund(refund)  # fund_change N: settled by the refund query
    assert (replay.status, replay.amount_fen) == (base.SUCCEEDED, 250)
    assert SandboxTrade.objects.get().refunded_fen == 250

    queried = gateway.query_refund(refund.out_refund_no, out_trade_no=request.out_trade_no)
    assert (queried.status, queried.amount_fen) == (base.SUCCEEDED, 250)
    assert gateway.query_refund("NO-SUCH", out_trade_no=request.out_trade_no).status == base.FAILED
    notified = parse(gateway, SandboxNotification.objects.filter(refund__isnull=False).get()).refund
    assert (notified.out_refund_no, notified.status) == (refund.out_refund_no, base.SUCCEEDED)

    too_much = gateway.refund(
        dataclasses.replace(refund, out_refund_no="R2" + request.out_trade_no, amount_fen=1001)
    )
    assert too_much.status == base.FAILED and too_much.failure_reason == "退款金额超限"
    rest = gateway.refund(
        dataclasses.replace(refund, out_refund_no="R3" + request.out_trade_no, amount_fen=1000)
    )
    assert rest.status == base.SUCCEEDED
    # Refunded in full, Alipay says TRADE_CLOSED; the charge itself still succeeded.
    assert gateway.query(request.out_trade_no).status == base.SUCCEEDED


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        (GOOD_CODE, base.SUCCEEDED, ""),
        ("283456789012345678901234", base.SUCCEEDED, ""),  # 24 digits
        ("2845678901239999", base.FAILED, "买家余额不足"),
        ("134567890123456789", base.FAILED, "支付授权码无效"),  # a WeChat code at Alipay
        ("28456", base.FAILED, "支付授权码无效"),
    ],
)
def test_micropay_outcome_depends_on_the_code(merchant, code, status, reason):
    _, gateway = merchant
    start = gateway.charge(base.ALIPAY_MICROPAY, alipay_request(auth_code=code))
    assert (start.status, start.action["type"], start.failure_reason) == (status, "none", reason)
    if status == base.SUCCEEDED:
        assert start.amount_fen == 1250 and start.provider_trade_no


def test_micropay_waiting_for_a_password_is_paid_at_the_second_query_and_notified(merchant):
    _, gateway = merchant
    request = alipay_request(auth_code="2845678901230000")
    start = gateway.charge(base.ALIPAY_MICROPAY, request)
    assert (start.status, start.action) == (base.PENDING, {"type": "poll"})
    assert gateway.query(request.out_trade_no).status == base.PENDING
    assert not SandboxNotification.objects.exists()
    paid = gateway.query(request.out_trade_no)
    assert (paid.status, paid.amount_fen) == (base.SUCCEEDED, 1250)
    charge = parse(gateway, SandboxNotification.objects.get(event="TRADE_SUCCESS")).charge
    assert (charge.status, charge.out_trade_no) == (base.SUCCEEDED, request.out_trade_no)


def test_a_refused_micropay_is_closed_and_cannot_be_paid_again(merchant):
    _, gateway = merchant
    request = alipay_request(auth_code="2845678901239999")
    gateway.charge(base.ALIPAY_MICROPAY, request)
    assert gateway.query(request.out_trade_no).status == base.FAILED
    again = gateway.charge(base.ALIPAY_MICROPAY, dataclasses.replace(request, auth_code=GOOD_CODE))
    assert again.status == base.FAILED and again.failure_reason == "交易已经关闭"


# --- signatures ---------------------------------------------------------------------------


def test_a_request_signed_with_another_key_or_an_unknown_app_is_refused(merchant):
    credentials, _ = merchant
    stranger, _ = h.alipay("other")
    forged = build_gateway(
        "alipay",
        dataclasses.replace(credentials, app_private_key_pem=stranger.app_private_key_pem),
        sandbox=True,
    )
    with pytest.raises(GatewayError) as refused:
        forged.query("ANY-TRADE-1")
    assert refused.value.code == "isv.invalid-signature"
    unknown = build_gateway(
        "alipay", dataclasses.replace(credentials, app_id="2021000000000000"), sandbox=True
    )
    with pytest.raises(GatewayError) as unknown_app:
        unknown.charge(base.ALIPAY_MICROPAY, alipay_request(auth_code=GOOD_CODE))
    assert unknown_app.value.code == "isv.invalid-app-id"
    assert not SandboxTrade.objects.exists()


def test_an_answer_signed_by_another_alipay_key_is_refused(merchant):
    credentials, _ = merchant
    stranger, _ = h.alipay("other")
    gateway = build_gateway(
        "alipay",
        dataclasses.replace(credentials, alipay_public_key_pem=stranger.alipay_public_key_pem),
        sandbox=True,
    )
    with pytest.raises(GatewayError) as refused:
        gateway.query("ANY-TRADE-1")
    assert refused.value.code == "bad_response"


@pytest.fixture
def paid_notification(merchant):
    _, gateway = merchant
    paid_page_charge(gateway)
    return SandboxNotification.objects.get(event="TRADE_SUCCESS")


def form(notification: SandboxNotification) -> dict[str, str]:
    return dict(parse_qsl(notification.body, keep_blank_values=True))


def resigned(merchant: SandboxMerchant, params: dict[str, str]) -> bytes:
    """``params`` signed as the sandbox signs notifications, with ``merchant``'s platform key."""
    params = {k: v for k, v in params.items() if k not in ("sign", "sign_type")}
    return urlencode(alipay_protocol._signed_form(merchant, params)).encode()


def test_a_tampered_notification_is_refused(merchant, paid_notification):
    _, gateway = merchant
    params = form(paid_notification)
    params["total_amount"] = "0.01"
    with pytest.raises(InvalidNotification, match="signature"):
        gateway.parse_notification({}, urlencode(params).encode())


def test_a_wrong_or_missing_signature_is_refused(merchant, paid_notification):
    _, gateway = merchant
    params = form(paid_notification)
    for bad in ("bm90IGEgc2lnbmF0dXJl", "!!!", ""):
        with pytest.raises(InvalidNotification):
            gateway.parse_notification({}, urlencode({**params, "sign": bad}).encode())
    with pytest.raises(InvalidNotification, match="RSA2"):
        gateway.parse_notification({}, urlencode({**params, "sign_type": "RSA"}).encode())
    with pytest.raises(InvalidNotification):
        gateway.parse_notification({}, b"\xff\xfe")


def test_a_notification_signed_by_another_platform_key_is_refused(merchant, paid_notification):
    _, gateway = merchant
    h.alipay("other")
    stranger = SandboxMerchant.objects.exclude(pk=paid_notification.merchant_id).get()
    with pytest.raises(InvalidNotification, match="signature"):
        gateway.parse_notification({}, resigned(stranger, form(paid_notification)))


def test_a_notification_for_another_app_id_is_refused(merchant, paid_notification):
    _, gateway = merchant
    params = {**form(paid_notification), "app_id": "2021000000000000"}
    with pytest.raises(InvalidNotification, match="app_id"):
        gateway.parse_notification({}, resigned(paid_notification.merchant, params))
    assert gateway.parse_notification(
        {}, resigned(paid_notification.merchant, form(paid_notification))
    ).charge


def test_acknowledgements_are_alipay_s_words(merchant):
    _, gateway = merchant
    assert gateway.acknowledge(True).body == b"success" and gateway.acknowledge(False).body == b"fail"


def test_the_sandbox_checks_signatures_independently_of_the_sdk(merchant):
    credentials, gateway = merchant
    query = gateway._alipay.build_body("alipay.trade.query", {"out_trade_no": "X123456"})
    signed = dict(parse_qsl(gateway._alipay.sign_data(query)))
    content = crypto.alipay_content(signed, exclude=("sign",))
    assert crypto.rsa_verify(h.public_pem_of(credentials.app_private_key_pem), content, signed["sign"])
