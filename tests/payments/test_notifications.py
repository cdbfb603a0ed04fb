"""Provider notifications at /payments/notify/<provider>/<account id>/: verified with the
account's keys, applied once, logged whatever happens (PaymentNotification) and answered the
way the provider expects. A bad signature, an amount that differs or a reference we never
issued changes nothing."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode

import pytest

from newretail.core.models import Event
from newretail.members.testing import make_member
from newretail.orders.actions.checkout import create_order
from newretail.orders.models import Order
from newretail.payments.accounts import set_up_sandbox_account
from newretail.payments.actions.charges import pay_order
from newretail.payments.models import PaymentNotification, Tender
from newretail.payments.sandbox import alipay_protocol, crypto, wechat_protocol
from newretail.payments.sandbox.models import SandboxNotification, SandboxTrade
from tests.inventory.conftest import make_sku, receive
from tests.orders.conftest import confirm_on_cashier
from tests.payments import sandbox_helpers

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

N = PaymentNotification.Outcome


@pytest.fixture(autouse=True)
def _key_pool(monkeypatch):
    sandbox_helpers.use_key_pool(monkeypatch)


@pytest.fixture
def order(merchant, store):
    sku = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350)
    receive(store.warehouses.get(), sku, 10)
    return create_order(
        merchant=merchant,
        channel="mall",
        fulfilment="pickup",
        store_id=store.pk,
        member=make_member(merchant),
        lines=[{"sku_id": sku.pk, "quantity": 2}],
    )


def paid_at_provider(order: Order, kind: str) -> tuple[Tender, SandboxNotification]:
    """The shopper pays on the cashier; the provider's notification is recorded, not yet sent."""
    tender = pay_order(order_id=order.pk, kind=kind, member=order.member, return_url="http://testserver/done")
    confirm_on_cashier(tender.action.get("code_url") or tender.action["url"])
    notification = SandboxNotification.objects.get(trade__out_trade_no=tender.out_trade_no)
    return tender, notification


def post(client, notification_url: str, headers: dict[str, str], body: str | bytes):
    headers = dict(headers)
    content_type = headers.pop("Content-Type")
    path = notification_url.removeprefix("http://testserver")
    return client.post(path, data=body, content_type=content_type, headers=headers)


def wechat_signed(sandbox_merchant, body: str, *, private_key_pem: str | None = None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", **wechat_protocol.signed_headers(sandbox_merchant, body)}
    if private_key_pem is not None:  # the same headers, signed with another key
        message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body}\n"
        headers["Wechatpay-Signature"] = crypto.rsa_sign(private_key_pem, message)
    return headers


def logged() -> list[tuple[str, str]]:
    return list(PaymentNotification.objects.order_by("pk").values_list("outcome", "reference"))


def unchanged(order: Order, tender: Tender) -> None:
    order.refresh_from_db()
    tender.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT and tender.status == "pending"
    assert not Event.objects.filter(name="order.paid").exists()


@pytest.fixture
def wechat(merchant):
    return set_up_sandbox_account(merchant_id=merchant.pk, provider="wechat")


@pytest.fixture
def alipay(merchant):
    return set_up_sandbox_account(merchant_id=merchant.pk, provider="alipay")


# --- WeChat Pay ------------------------------------------------------------------------------


def test_a_verified_notification_pays_the_order_and_a_repeat_is_a_duplicate(client, order, wechat):
    tender, sent = paid_at_provider(order, "wechat_native")
    assert sent.url == f"http://testserver/payments/notify/wechat/{wechat.pk}/"
    sandbox = sent.merchant
    answer = post(client, sent.url, wechat_signed(sandbox, sent.body), sent.body)
    assert (answer.status_code, answer.content) == (200, b"")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # WeChat sends it again (it did not hear us, or retries anyway): acknowledged, nothing changes
    again = post(client, sent.url, wechat_signed(sandbox, sent.body), sent.body)
    assert again.status_code == 200
    assert logged() == [(N.ACCEPTED, tender.out_trade_no), (N.DUPLICATE, tender.out_trade_no)]
    assert Event.objects.filter(name="order.paid").count() == 1
    entry = PaymentNotification.objects.first()
    assert entry.body_sha256 == hashlib.sha256(sent.body.encode()).hexdigest() and entry.account == wechat


def test_a_tampered_body_is_refused_and_changes_nothing(client, order, wechat):
    tender, sent = paid_at_provider(order, "wechat_native")
    headers = wechat_signed(sent.merchant, sent.body)
    tampered = sent.body.replace("支付成功", "支付成功!")
    assert tampered != sent.body
    answer = post(client, sent.url, headers, tampered)
    assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
    assert logged() == [(N.BAD_SIGNATURE, "")]
    assert PaymentNotification.objects.get().body_sha256 == hashlib.sha256(tampered.encode()).hexdigest()
    unchanged(order, tender)


def test_a_notification_signed_with_another_key_is_refused(client, order, wechat):
    tender, sent = paid_at_provider(order, "wechat_native")
    stranger = crypto.private_key_pem(crypto.new_rsa_key())
    answer = post(
        client, sent.url, wechat_signed(sent.merchant, sent.body, private_key_pem=stranger), sent.body
    )
    assert answer.status_code == 400
    headers = wechat_signed(sent.merchant, sent.body)
    headers["Wechatpay-Serial"] = "PUB_KEY_ID_0000000000000000"  # a key this account does not use
    assert post(client, sent.url, headers, sent.body).status_code == 400
    unsigned = {k: v for k, v in headers.items() if k != "Wechatpay-Signature"}
    assert post(client, sent.url, unsigned, sent.body).status_code == 400
    assert [outcome for outcome, _reference in logged()] == [N.BAD_SIGNATURE] * 3
    unchanged(order, tender)


def test_a_verified_notification_with_another_amount_is_rejected(client, order, wechat):
    tender, sent = paid_at_provider(order, "wechat_native")
    trade = SandboxTrade.objects.get(out_trade_no=tender.out_trade_no)
    trade.amount_fen = 1  # as if WeChat said ¥0.01 was paid
    _event, headers, body = wechat_protocol.transaction_notification(trade)
    answer = post(client, sent.url, headers, body)
    assert answer.status_code == 400
    assert logged() == [(N.AMOUNT_MISMATCH, tender.out_trade_no)]
    unchanged(order, tender)
    # the true notification still pays the order
    assert post(client, sent.url, wechat_signed(sent.merchant, sent.body), sent.body).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_a_notification_for_a_reference_we_never_issued_is_rejected(client, order, wechat):
    tender, sent = paid_at_provider(order, "wechat_native")
    trade = SandboxTrade.objects.get(out_trade_no=tender.out_trade_no)
    trade.out_trade_no = "SO202601010001P09"
    _event, headers, body = wechat_protocol.transaction_notification(trade)
    assert post(client, sent.url, headers, body).status_code == 400
    assert logged() == [(N.UNKNOWN_REFERENCE, "SO202601010001P09")]
    unchanged(order, tender)


def test_unknown_accounts_methods_and_sizes(client, order, wechat, alipay):
    _tender, sent = paid_at_provider(order, "wechat_native")
    headers = wechat_signed(sent.merchant, sent.body)
    assert post(client, "/payments/notify/wechat/999999/", headers, sent.body).status_code == 404
    assert post(client, f"/payments/notify/alipay/{wechat.pk}/", headers, sent.body).status_code == 404
    assert client.get(sent.url.removeprefix("http://testserver")).status_code == 405
    huge = post(client, sent.url, headers, "x" * (64 * 1024 + 1))
    assert huge.status_code == 413
    assert not PaymentNotification.objects.exists()


def test_a_refund_notification_is_applied_once(
    client, order, wechat, owner, django_capture_on_commit_callbacks
):
    from newretail.orders.actions.aftersales import refund_at_counter
    from newretail.payments.models import Refund

    tender, sent = paid_at_provider(order, "wechat_native")
    post(client, sent.url, wechat_signed(sent.merchant, sent.body), sent.body)
    with django_capture_on_commit_callbacks(execute=True):
        refund_at_counter(
            actor=owner,
            order_id=order.pk,
            kind="refund_only",
            reason="quality",
            lines=[{"order_line_id": order.lines.get().pk, "quantity": 1}],
        )
    refund = Refund.objects.get()
    assert refund.status == "succeeded"
    (refunded,) = SandboxNotification.objects.filter(event="REFUND.SUCCESS")
    assert (
        post(client, refunded.url, wechat_signed(refunded.merchant, refunded.body), refunded.body).status_code
        == 200
    )
    part = refund.tender_refunds.get()
    assert logged()[-2:] == [(N.ACCEPTED, part.out_refund_no), (N.DUPLICATE, part.out_refund_no)]
    assert Event.objects.filter(name="order.refunded").count() == 1


# --- Alipay ----------------------------------------------------------------------------------


def test_alipay_notifications_are_verified_and_answered_in_alipays_words(client, order, alipay):
    tender, sent = paid_at_provider(order, "alipay_page")
    assert sent.event == "TRADE_SUCCESS" and sent.url.endswith(f"/payments/notify/alipay/{alipay.pk}/")
    form = dict(parse_qsl(sent.body))
    forged = urlencode({**form, "total_amount": "0.01"})
    answer = post(client, sent.url, dict(sent.headers), forged)
    assert (answer.status_code, answer.content) == (200, b"fail")
    unchanged(order, tender)

    # a correctly signed notice for another amount: verified, then rejected
    trade = SandboxTrade.objects.get(out_trade_no=tender.out_trade_no)
    trade.amount_fen = 1
    _event, headers, body = alipay_protocol.trade_notification(trade)
    assert post(client, sent.url, headers, body).content == b"fail"
    unchanged(order, tender)

    ok = post(client, sent.url, dict(sent.headers), sent.body)
    assert (ok.status_code, ok.content) == (200, b"success")
    assert post(client, sent.url, dict(sent.headers), sent.body).content == b"success"
    assert [outcome for outcome, _reference in logged()] == [
        N.BAD_SIGNATURE,
        N.AMOUNT_MISMATCH,
        N.ACCEPTED,
        N.DUPLICATE,
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and Event.objects.filter(name="order.paid").count() == 1
