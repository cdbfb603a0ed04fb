"""Paying orders through the shopper API against the sandbox: one charge per method however
often pay is pressed, switching methods, money that arrives when the order no longer needs it
(refunded as a surplus payment), expiry that asks the provider first, the reconciler for lost
notifications, an unreachable provider, and who may pay how."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
import time_machine
from django.test import Client

from newretail.core import clock
from newretail.core.models import Event
from newretail.core.testing import bearer
from newretail.members.testing import make_member, member_bearer
from newretail.orders.actions.checkout import create_order
from newretail.orders.actions.lifecycle import expire_unpaid_orders
from newretail.orders.models import Order
from newretail.orders.tasks import expire_unpaid_orders_task
from newretail.payments.accounts import set_up_sandbox_account
from newretail.payments.models import PaymentIntent, PaymentNotification, Refund, Tender
from newretail.payments.sandbox import jsapi_cashier_url, notifications, transport
from newretail.payments.sandbox.models import SandboxNotification, SandboxTrade
from newretail.payments.tasks import reconcile_payments_task
from tests.inventory.conftest import level_of, make_sku, receive
from tests.orders.conftest import Api, confirm_on_cashier, key, shop_path
from tests.payments import sandbox_helpers

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

S = Order.Status


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def accounts(merchant, monkeypatch):
    sandbox_helpers.use_key_pool(monkeypatch)
    return {
        provider: set_up_sandbox_account(merchant_id=merchant.pk, provider=provider)
        for provider in ("wechat", "alipay")
    }


@pytest.fixture
def warehouse(store):
    return store.warehouses.get()


@pytest.fixture
def water(merchant, warehouse):
    sku = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350)
    receive(warehouse, sku, 100)
    return sku


@pytest.fixture
def member(merchant):
    return make_member(merchant)


@pytest.fixture
def me(client, member):
    return Api(client, member_bearer(member))


@pytest.fixture
def order(merchant, store, member, water):
    """A pickup order of the member for ¥7.00, waiting for payment."""
    return create_order(
        merchant=merchant,
        channel="mall",
        fulfilment="pickup",
        store_id=store.pk,
        member=member,
        lines=[{"sku_id": water.pk, "quantity": 2}],
    )


def pay(me, merchant, order, kind: str, **extra) -> dict:
    body = {"kind": kind, **extra}
    if kind.startswith("alipay"):
        body.setdefault("return_url", "http://testserver/shop/orders/1")
    return me.post(shop_path(merchant, f"orders/{order.pk}/pay"), body)


def url_of(tender: dict) -> str:
    return tender["action"].get("code_url") or tender["action"]["url"]


def paid_events(order) -> int:
    return Event.objects.filter(name="order.paid", aggregate_id=str(order.pk)).count()


# --- one charge per method -------------------------------------------------------------------


def test_pressing_pay_twice_returns_the_same_charge(me, merchant, order, accounts):
    first = pay(me, merchant, order, "wechat_native")
    again = pay(me, merchant, order, "wechat_native")
    assert again["id"] == first["id"] and again["action"] == first["action"]
    assert first["out_trade_no"] == f"{order.number.replace('-', '')}P01"
    replayed = me.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "alipay_page"}, **key("pay-1"))
    assert (
        me.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "wechat_native"}, **key("pay-1"))[
            "id"
        ]
        == (replayed["id"])
    )
    assert (
        Tender.objects.count() == 2
        and SandboxTrade.objects.filter(out_trade_no=first["out_trade_no"]).count() == 1
    )


def test_paying_inside_wechat_with_jsapi(me, merchant, order, accounts, committed):
    me.post(
        shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "wechat_jsapi"}, status=400
    )  # needs the openid
    tender = pay(me, merchant, order, "wechat_jsapi", openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    params = tender["action"]["params"]
    assert tender["action"]["type"] == "jsapi" and "openid" not in tender["action"]
    assert params["package"].startswith("prepay_id=wx") and params["signType"] == "RSA"
    with committed():
        confirm_on_cashier(jsapi_cashier_url(params))
    order.refresh_from_db()
    assert order.status == S.PAID and len(order.pickup_code) == 6


def test_switching_method_cancels_the_first_charge_and_closes_it_at_the_provider(
    me, merchant, order, accounts, committed
):
    native = pay(me, merchant, order, "wechat_native")
    with committed():
        alipay = pay(me, merchant, order, "alipay_wap")
    assert alipay["id"] != native["id"] and alipay["amount_fen"] == 700
    assert Tender.objects.get(pk=native["id"]).status == "cancelled"
    assert SandboxTrade.objects.get(out_trade_no=native["out_trade_no"]).status == "closed"
    closed = Client().get(url_of(native).removeprefix("http://testserver"))
    assert "订单已关闭" in closed.content.decode()
    with committed():
        confirm_on_cashier(url_of(alipay))
    order.refresh_from_db()
    assert order.status == S.PAID and not Refund.objects.exists()
    payment = me.get(shop_path(merchant, f"orders/{order.pk}/payment"))
    assert [(t["kind"], t["status"]) for t in payment["tenders"]] == [
        ("wechat_native", "cancelled"),
        ("alipay_wap", "succeeded"),
    ]


def test_a_payment_that_still_arrives_on_the_abandoned_charge_is_refunded(
    me, merchant, order, accounts, committed
):
    native = pay(me, merchant, order, "wechat_native")
    alipay = pay(me, merchant, order, "alipay_wap")  # the close at WeChat has not happened yet…
    with committed():
        confirm_on_cashier(url_of(alipay))
    with committed():
        confirm_on_cashier(url_of(native))  # …and the shopper also paid the old QR code

    order.refresh_from_db()
    intent = PaymentIntent.objects.get(order=order)
    assert order.status == S.PAID and paid_events(order) == 1
    assert (intent.status, intent.paid_fen, order.refunded_fen) == ("succeeded", 700, 0)
    refund = Refund.objects.get()
    assert (refund.kind, refund.amount_fen, refund.status) == ("surplus_payment", 700, "succeeded")
    assert not refund.lines.exists() and native["out_trade_no"] in refund.reason
    (part,) = refund.tender_refunds.select_related("tender")
    assert (part.tender_id, part.amount_fen, part.status) == (native["id"], 700, "succeeded")
    assert Tender.objects.get(pk=native["id"]).refunded_fen == 700
    assert SandboxTrade.objects.get(out_trade_no=native["out_trade_no"]).refunded_fen == 700
    # never part of the order's payment: its own event (no lines, nothing refunded on the order)
    assert not Event.objects.filter(name="order.refunded").exists()
    (refunded,) = Event.objects.filter(name="payment.surplus_refunded")
    assert refunded.payload["kind"] == "surplus_payment" and refunded.payload["lines"] == []
    assert (refunded.payload["order_refunded_fen"], refunded.payload["fully_refunded"]) == (0, False)


def test_an_abandoned_charge_paid_first_still_pays_and_the_other_is_refunded(
    me, merchant, order, accounts, committed
):
    native = pay(me, merchant, order, "wechat_native")
    alipay = pay(me, merchant, order, "alipay_page")
    with committed():
        confirm_on_cashier(url_of(native))
    order.refresh_from_db()
    assert order.status == S.PAID
    with committed():
        confirm_on_cashier(url_of(alipay))
    refund = Refund.objects.get()
    assert (refund.kind, refund.status, refund.tender_refunds.get().tender_id) == (
        "surplus_payment",
        "succeeded",
        alipay["id"],
    )
    assert paid_events(order) == 1 and PaymentIntent.objects.get(order=order).paid_fen == 700


def test_a_payment_after_the_order_closed_is_refunded_and_the_order_stays_closed(
    me, merchant, order, warehouse, water, accounts, committed
):
    tender = pay(me, merchant, order, "wechat_native")
    # the deadline passed; the expiry asks WeChat (not paid), closes the order and gives the stock back
    assert expire_unpaid_orders(order.expires_at + dt.timedelta(seconds=1)) == 1
    order.refresh_from_db()
    assert order.status == S.CLOSED and Tender.objects.get(pk=tender["id"]).status == "cancelled"
    assert level_of(warehouse, water).reserved == 0
    with committed():
        confirm_on_cashier(url_of(tender))  # paid before the close reached WeChat

    order.refresh_from_db()
    assert order.status == S.CLOSED and paid_events(order) == 0
    refund = Refund.objects.get()
    assert (refund.kind, refund.amount_fen, refund.status) == ("surplus_payment", 700, "succeeded")
    assert (level_of(warehouse, water).on_hand, level_of(warehouse, water).reserved) == (100, 0)
    me.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "wechat_native"}, status=409)


def test_a_payment_after_the_shopper_cancelled_is_refunded(me, merchant, order, accounts, committed):
    tender = pay(me, merchant, order, "alipay_wap")
    me.post(shop_path(merchant, f"orders/{order.pk}/cancel"), {"reason": "不要了"})
    with committed():
        confirm_on_cashier(url_of(tender))
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert Refund.objects.get().kind == "surplus_payment" and Refund.objects.get().status == "succeeded"


def test_expiry_asks_the_provider_first_so_a_last_second_payment_pays(
    me, merchant, order, warehouse, water, accounts
):
    tender = pay(me, merchant, order, "wechat_native")
    confirm_on_cashier(url_of(tender))  # paid; WeChat's notification is still on its way
    with time_machine.travel(order.expires_at + dt.timedelta(minutes=1), tick=False):
        expire_unpaid_orders_task.call_local()
    order.refresh_from_db()
    assert order.status == S.PAID and paid_events(order) == 1 and not Refund.objects.exists()
    assert not Event.objects.filter(name="order.closed").exists()
    assert (level_of(warehouse, water).on_hand, level_of(warehouse, water).reserved) == (98, 0)


def test_the_reconciler_settles_a_charge_whose_notification_was_lost(me, merchant, order, accounts):
    tender = pay(me, merchant, order, "alipay_page")
    confirm_on_cashier(url_of(tender))  # the notification never arrives
    assert reconcile_payments_task.call_local() == (0, 0)  # too fresh to ask about
    with time_machine.travel(clock.now() + dt.timedelta(seconds=31), tick=False):
        assert reconcile_payments_task.call_local() == (1, 0)
        assert reconcile_payments_task.call_local() == (0, 0)
    order.refresh_from_db()
    assert order.status == S.PAID and paid_events(order) == 1
    # the lost notification turns up after all: a duplicate, acknowledged, nothing changes
    (late,) = SandboxNotification.objects.filter(event="TRADE_SUCCESS")
    assert notifications.deliver(late.pk) == "delivered"
    assert PaymentNotification.objects.get().outcome == "duplicate" and paid_events(order) == 1


def test_payment_status_can_be_refreshed_from_the_provider(me, merchant, order, accounts):
    tender = pay(me, merchant, order, "wechat_native")
    assert me.get(shop_path(merchant, f"orders/{order.pk}/payment"))["status"] == "pending"
    confirm_on_cashier(url_of(tender))
    assert me.get(shop_path(merchant, f"orders/{order.pk}/payment"))["paid_fen"] == 0
    refreshed = me.get(shop_path(merchant, f"orders/{order.pk}/payment?refresh=true"))
    assert (refreshed["status"], refreshed["paid_fen"]) == ("succeeded", 700)


# --- an unreachable provider -----------------------------------------------------------------


def test_an_unreachable_provider_leaves_the_tender_failed_and_the_order_payable(
    me, merchant, order, accounts, committed, monkeypatch
):
    def unreachable(self, method, url, **kwargs):
        raise requests.ConnectionError(f"HTTPSConnectionPool: Max retries exceeded with url: {url}")

    with monkeypatch.context() as patch:
        patch.setattr(transport.SandboxRequests, "request", unreachable)
        answer = me.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "wechat_native"}, status=502)
    assert answer == {
        "code": "payments.provider_unavailable",
        "message": "无法连接微信支付，未扣款，请稍后重试。",
    }
    failed = Tender.objects.get()
    assert (failed.status, failed.failure_reason) == (
        "failed",
        "WeChat Pay could not be reached (ConnectionError)",
    )
    assert not SandboxTrade.objects.exists()  # nothing reached WeChat: nothing charged
    order.refresh_from_db()
    assert order.status == S.PENDING_PAYMENT and PaymentIntent.objects.get(order=order).paid_fen == 0

    again = pay(me, merchant, order, "wechat_native")
    assert again["id"] != failed.pk and again["out_trade_no"].endswith("P02")
    with committed():
        confirm_on_cashier(url_of(again))
    order.refresh_from_db()
    assert order.status == S.PAID


def test_a_payment_code_whose_answer_is_lost_stays_pending_until_the_provider_says(
    merchant, owner, store, water, accounts, monkeypatch
):
    """A scanned code may have been charged even if the answer never came back: the till must not
    take a second code for the same amount, and polling settles it."""
    from newretail.payments.actions.charges import pay_order, poll_tender
    from newretail.payments.gateways.wechat import WeChatPayGateway
    from tests.orders.conftest import MICROPAY_OK

    sale = create_order(
        merchant=merchant,
        channel="pos",
        fulfilment="in_store",
        store_id=store.pk,
        lines=[{"sku_id": water.pk, "quantity": 2}],
    )
    real_charge = WeChatPayGateway.charge

    def lost_answer(self, kind, request):
        real_charge(self, kind, request)  # the provider takes the money…
        raise GatewayError("read timeout")  # …but the till never hears back

    from newretail.payments.gateways.base import GatewayError

    with monkeypatch.context() as patch:
        patch.setattr(WeChatPayGateway, "charge", lost_answer)
        tender = pay_order(order_id=sale.pk, kind="wechat_micropay", actor=owner, auth_code=MICROPAY_OK)
    assert (tender.status, tender.action) == ("pending", {"type": "poll"})
    with pytest.raises(Exception) as refused:  # nothing left to pay while the code is unresolved
        pay_order(order_id=sale.pk, kind="cash", actor=owner)
    assert refused.value.code == "payments.invalid_amount"
    assert poll_tender(tender_id=tender.pk, actor=owner).status == "succeeded"
    sale.refresh_from_db()
    assert sale.status == S.COMPLETED  # a till sale completes when paid


# --- who may pay how -------------------------------------------------------------------------


def test_who_may_pay_with_what(client, me, merchant, order, owner, member, accounts, water, store):
    assert me.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "cash"}, status=400)["code"] == (
        "payments.invalid_kind"
    )
    me.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "wechat_micropay"}, status=400)
    me.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "bitcoin"}, status=400)
    stranger = Api(client, member_bearer(make_member(merchant)))
    stranger.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "wechat_native"}, status=404)
    staff = Api(client, bearer(owner))
    staff.post(f"/api/v1/orders/{order.pk}/payments", {"kind": "alipay_page"}, status=400)
    staff.post(f"/api/v1/orders/{order.pk}/payments", {"kind": "cash", "amount_fen": 701}, status=400)
    assert not Tender.objects.exists()

    accounts["alipay"].is_enabled = False
    accounts["alipay"].save(update_fields=["is_enabled"])
    off = me.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "alipay_wap"}, status=409)
    assert off["code"] == "payments.provider_not_configured"

    staff.post(f"/api/v1/orders/{order.pk}/payments", {"kind": "cash"})
    assert me.post(shop_path(merchant, f"orders/{order.pk}/pay"), {"kind": "wechat_native"}, status=409)[
        "code"
    ] == ("payments.already_paid")
    late = create_order(
        merchant=merchant,
        channel="mall",
        fulfilment="pickup",
        store_id=store.pk,
        member=member,
        lines=[{"sku_id": water.pk, "quantity": 1}],
    )
    with time_machine.travel(late.expires_at, tick=False):
        refused = me.post(shop_path(merchant, f"orders/{late.pk}/pay"), {"kind": "wechat_native"}, status=409)
    assert refused["code"] == "orders.payment_deadline_passed"
