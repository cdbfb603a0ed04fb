"""Every refund through the API: refund only before shipping and after completion, return and
refund, a mixed cash + WeChat order, cancelling a paid order, the per-line cap, the after-sales
window, reject, withdraw and retrying a refund the provider refused. WeChat refunds settle by
the sandbox's refund notification, delivered in-process after commit."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.core import clock
from newretail.core.models import Event
from newretail.inventory.models import StockMovement
from newretail.orders.actions.stock import DAMAGED_CODE
from newretail.orders.models import AfterSale, Order, OrderAdjustment, OrderLine
from newretail.payments.gateways import base
from newretail.payments.gateways.base import RefundStatus
from newretail.payments.gateways.wechat import WeChatPayGateway
from newretail.payments.models import PaymentNotification, Refund, RefundLine, TenderRefund
from newretail.tenancy.models import Warehouse
from tests.inventory.conftest import level_of, make_sku, receive
from tests.orders.conftest import MICROPAY_OK, add_address, buy, key, shop_path

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

S = Order.Status


def lines_by_sku(order: dict) -> dict[int, dict]:
    return {line["sku_id"]: line for line in order["lines"]}


def ask(me, merchant, order: dict, lines: dict, *, kind: str = "refund_only", status: int = 201, **extra):
    """The shopper asks for after-sales on {order line id: quantity}."""
    body = {
        "kind": kind,
        "reason": "quality",
        "description": "瓶盖破损",
        "lines": [{"order_line_id": line_id, "quantity": q} for line_id, q in lines.items()],
    }
    return me.post(shop_path(merchant, f"orders/{order['id']}/after-sales"), body, status=status, **extra)


def refunded_events(order_id: int) -> list[Event]:
    return list(Event.objects.filter(name="order.refunded", aggregate_id=str(order_id)).order_by("pk"))


def returns_to(warehouse, sku) -> list[int]:
    return list(
        StockMovement.objects.filter(warehouse=warehouse, sku=sku, kind=StockMovement.Kind.RETURN)
        .order_by("pk")
        .values_list("quantity", flat=True)
    )


# --- refund only, before the goods leave ------------------------------------------------------


def test_refund_only_before_shipping_puts_the_stock_back_refunds_shipping_last_and_closes(
    merchant, warehouse, water, cola, wechat_account, shopper, staff_api, committed
):
    me, _member_id = shopper()
    address = add_address(me, merchant)
    order = buy(
        me, merchant, {water: 2, cola: 1}, committed=committed, fulfilment="express", address_id=address["id"]
    )
    assert (order["payable_fen"], order["shipping_fen"]) == (700 + 450 + 800, 800)
    assert (level_of(warehouse, water).on_hand, level_of(warehouse, cola).on_hand) == (98, 9)
    lines = lines_by_sku(order)

    # Part of the order: no shipping yet.
    first = ask(me, merchant, order, {lines[water.pk]["id"]: 1})
    assert (first["amount_fen"], first["include_shipping"]) == (350, False)
    with committed():
        approved = staff_api.post(f"after-sales/{first['id']}/approve", {"note": "同意"})
        # the WeChat refund is sent after commit and settles by its notification
        assert approved["status"] == "refunding" and approved["lines"][0]["restocked_quantity"] == 1
    assert staff_api.get(f"after-sales/{first['id']}")["status"] == "refunded"
    assert level_of(warehouse, water).on_hand == 99
    assert Order.objects.get(pk=order["id"]).status == S.PAID

    # Everything still unrefunded: the shipping comes back with it.
    rest = ask(me, merchant, order, {lines[water.pk]["id"]: 1, lines[cola.pk]["id"]: 1})
    assert (rest["amount_fen"], rest["include_shipping"]) == (350 + 450 + 800, True)
    with committed():
        staff_api.post(f"after-sales/{rest['id']}/approve", {})
    assert me.get(shop_path(merchant, f"after-sales/{rest['id']}"))["status"] == "refunded"

    after = me.get(shop_path(merchant, f"orders/{order['id']}"))
    assert after["status"] == S.CLOSED and after["refunded_fen"] == after["payable_fen"] == 1950
    assert [(r["amount_fen"], r["shipping_fen"], r["status"]) for r in reversed(after["refunds"])] == [
        (350, 0, "succeeded"),
        (1600, 800, "succeeded"),
    ]
    assert all(part["kind"] == "wechat_native" for r in after["refunds"] for part in r["parts"])
    assert Order.objects.get(pk=order["id"]).shipping_refunded_fen == 800
    assert after["payment"]["tenders"][0]["refunded_fen"] == 1950
    # the goods never left: back on the shelf, nothing in the damaged-goods warehouse
    assert (level_of(warehouse, water).on_hand, level_of(warehouse, cola).on_hand) == (100, 10)
    assert returns_to(warehouse, water) == [1, 1] and returns_to(warehouse, cola) == [1]
    assert not Warehouse.objects.filter(merchant=merchant, kind=Warehouse.Kind.DAMAGED).exists()
    events = refunded_events(order["id"])
    assert [(e.payload["amount_fen"], e.payload["fully_refunded"]) for e in events] == [
        (350, False),
        (1600, True),
    ]
    assert events[1].payload["shipping_fen"] == 800
    assert {
        (line["sku_id"], line["quantity"], line["amount_fen"]) for line in events[1].payload["lines"]
    } == {
        (water.pk, 1, 350),
        (cola.pk, 1, 450),
    }


# --- refund only, after completion, unit by unit ---------------------------------------------


def three_for_ten_yuan(staff_api, store, sku, member_id: int) -> dict:
    """A till order of 3 × ¥3.50 sold 3 for ¥10.00. (N-for-M promotions are not built yet: the
    line is given its promotional amount before payment, as the pricing engine will.)"""
    order = staff_api.post(
        "orders",
        {
            "channel": "pos",
            "fulfilment": "in_store",
            "store_id": store.pk,
            "member_id": member_id,
            "lines": [{"sku_id": sku.pk, "quantity": 3}],
        },
        status=201,
    )
    line = OrderLine.objects.get(order_id=order["id"])
    OrderLine.objects.filter(pk=line.pk).update(final_amount_fen=1000)
    OrderAdjustment.objects.create(
        merchant_id=line.merchant_id,
        order_id=order["id"],
        line=line,
        source="promotion",
        kind="n_for_m",
        amount_fen=-50,
        explanation="3件¥10.00",
    )
    Order.objects.filter(pk=order["id"]).update(discount_fen=50, payable_fen=1000)
    staff_api.post(f"orders/{order['id']}/payments", {"kind": "cash"})
    return staff_api.get(f"orders/{order['id']}")


def test_refund_only_after_completion_for_part_of_a_line_adds_up_to_the_line(
    merchant, store, water, shopper, staff_api
):
    me, member_id = shopper()
    order = three_for_ten_yuan(staff_api, store, water, member_id)
    assert (order["status"], order["payable_fen"]) == (S.COMPLETED, 1000)
    line_id = order["lines"][0]["id"]

    amounts = []
    for n in range(3):
        asked = ask(me, merchant, order, {line_id: 1}, **key(f"unit-{n}"))
        assert ask(me, merchant, order, {line_id: 1}, **key(f"unit-{n}"))["id"] == asked["id"]  # replay
        done = staff_api.post(f"after-sales/{asked['id']}/approve", {})
        assert done["status"] == "refunded" and done["include_shipping"] is False
        amounts.append(done["amount_fen"])
    assert amounts == [333, 333, 334]
    assert list(RefundLine.objects.order_by("pk").values_list("amount_fen", flat=True)) == [333, 333, 334]

    after = staff_api.get(f"orders/{order['id']}")
    assert after["lines"][0]["refunded_quantity"] == 3 and after["lines"][0]["refunded_fen"] == 1000
    assert after["status"] == S.CLOSED and after["refunded_fen"] == 1000
    assert [r["parts"] for r in after["refunds"]] == [
        [{"kind": "cash", "amount_fen": a, "status": "succeeded"}] for a in (334, 333, 333)
    ]


# --- return and refund -----------------------------------------------------------------------


def test_return_and_refund_books_the_goods_back_and_refunds_on_the_notification(
    merchant, warehouse, water, wechat_account, shopper, staff_api, committed
):
    me, _member_id = shopper()
    address = add_address(me, merchant)
    order = buy(me, merchant, {water: 3}, committed=committed, fulfilment="express", address_id=address["id"])
    line_id = order["lines"][0]["id"]
    ask(me, merchant, order, {line_id: 1}, kind="return_refund", status=409)  # not handed over yet
    staff_api.post(f"orders/{order['id']}/ship", {"carrier": "中通快递", "tracking_number": "ZT100"})
    assert level_of(warehouse, water).on_hand == 97

    request = ask(me, merchant, order, {line_id: 2}, kind="return_refund")
    assert (request["status"], request["amount_fen"]) == ("requested", 700)
    approved = staff_api.post(f"after-sales/{request['id']}/approve", {"note": "请寄回"})
    assert approved["status"] == "awaiting_return" and approved["decision_note"] == "请寄回"
    assert not Refund.objects.exists()
    sent = me.post(
        shop_path(merchant, f"after-sales/{request['id']}/return-shipment"),
        {"carrier": "中通快递", "tracking_number": "ZT 200"},
    )
    assert (sent["return_carrier"], sent["return_tracking_number"]) == ("中通快递", "ZT200")

    as_line = approved["lines"][0]["id"]
    miscounted = {"lines": [{"after_sale_line_id": as_line, "restock": 1, "damaged": 0}]}
    staff_api.post(f"after-sales/{request['id']}/receive", miscounted, status=400)
    with committed():
        received = staff_api.post(
            f"after-sales/{request['id']}/receive",
            {"lines": [{"after_sale_line_id": as_line, "restock": 1, "damaged": 1}]},
        )
    assert received["lines"][0]["restocked_quantity"] == 1 and received["lines"][0]["damaged_quantity"] == 1
    assert me.get(shop_path(merchant, f"after-sales/{request['id']}"))["status"] == "refunded"

    damaged = Warehouse.objects.get(merchant=merchant, code=DAMAGED_CODE)
    assert damaged.kind == Warehouse.Kind.DAMAGED
    assert level_of(warehouse, water).on_hand == 98 and returns_to(warehouse, water) == [1]
    assert level_of(damaged, water).on_hand == 1 and returns_to(damaged, water) == [1]
    refund = Refund.objects.get()
    assert (refund.kind, refund.status, refund.amount_fen, refund.shipping_fen) == (
        "after_sale",
        "succeeded",
        700,
        0,
    )
    part = refund.tender_refunds.get()
    assert part.status == "succeeded" and part.provider_refund_no
    # WeChat answered "processing"; its REFUND.SUCCESS notification settled it
    assert PaymentNotification.objects.filter(reference=part.out_refund_no, outcome="accepted").count() == 1
    after = staff_api.get(f"orders/{order['id']}")
    assert after["status"] == S.SHIPPED and after["refunded_fen"] == 700
    assert after["lines"][0]["refunded_quantity"] == 2


# --- a mixed cash + WeChat order -------------------------------------------------------------


def test_a_mixed_tender_order_is_refunded_in_the_same_mix_to_the_fen(
    merchant, store, warehouse, wechat_account, staff_api, committed
):
    kettle = make_sku(merchant.pk, name="电水壶", price_fen=1000)
    receive(warehouse, kettle, 5)
    order = staff_api.post(
        "orders",
        {
            "channel": "pos",
            "fulfilment": "in_store",
            "store_id": store.pk,
            "lines": [{"sku_id": kettle.pk, "quantity": 3}],
        },
        status=201,
    )
    staff_api.post(f"orders/{order['id']}/payments", {"kind": "cash", "amount_fen": 1000})
    staff_api.post(f"orders/{order['id']}/payments", {"kind": "wechat_micropay", "auth_code": MICROPAY_OK})
    line_id = staff_api.get(f"orders/{order['id']}")["lines"][0]["id"]

    splits = []
    for n in range(3):
        with committed():
            refund = staff_api.post(
                f"orders/{order['id']}/refunds",
                {
                    "kind": "return_refund",
                    "reason": "quality",
                    "lines": [{"order_line_id": line_id, "quantity": 1}],
                },
                status=201,
                **key(f"counter-{n}"),
            )
        assert refund["amount_fen"] == 1000
        assert staff_api.get(f"after-sales/{refund['id']}")["status"] == "refunded"
        latest = Refund.objects.latest("pk")
        splits.append(
            [
                (p.tender.kind, p.amount_fen, p.status)
                for p in latest.tender_refunds.select_related("tender").order_by("pk")
            ]
        )
    # largest remainder over what each tender can still refund: 1000 × 1000/3000, 1000 × 2000/3000…
    assert splits == [
        [("cash", 333, "succeeded"), ("wechat_micropay", 667, "succeeded")],
        [("cash", 334, "succeeded"), ("wechat_micropay", 666, "succeeded")],
        [("cash", 333, "succeeded"), ("wechat_micropay", 667, "succeeded")],
    ]
    after = staff_api.get(f"orders/{order['id']}")
    assert [(t["kind"], t["refunded_fen"]) for t in after["payment"]["tenders"]] == [
        ("cash", 1000),
        ("wechat_micropay", 2000),
    ]
    assert after["status"] == S.CLOSED and after["refunded_fen"] == 3000
    # a return at the till puts the goods back on the shelf unless counted damaged
    assert level_of(warehouse, kettle).on_hand == 5


# --- cancelling a paid order -----------------------------------------------------------------


def test_cancelling_a_paid_order_refunds_everything_through_the_original_tenders(
    merchant, warehouse, water, cola, wechat_account, shopper, staff_api, committed
):
    me, _member_id = shopper()
    address = add_address(me, merchant)
    order = buy(
        me, merchant, {water: 2, cola: 2}, committed=committed, fulfilment="express", address_id=address["id"]
    )
    assert order["payable_fen"] == 700 + 900 + 800
    staff_api.post(f"orders/{order['id']}/start-fulfilment")
    me.post(shop_path(merchant, f"orders/{order['id']}/cancel"), {}, status=409)  # shoppers ask after-sales

    with committed():
        cancelled = staff_api.post(
            f"orders/{order['id']}/cancel", {"reason": "缺货，抱歉"}, **key("cancel-1")
        )
    assert cancelled["status"] == S.CANCELLED and cancelled["refunded_fen"] == 2400
    (refund,) = staff_api.get(f"orders/{order['id']}")["refunds"]
    assert (refund["kind"], refund["amount_fen"], refund["shipping_fen"]) == ("order_cancelled", 2400, 800)
    assert refund["status"] == "succeeded" and refund["parts"] == [
        {"kind": "wechat_native", "amount_fen": 2400, "status": "succeeded"}
    ]
    assert (level_of(warehouse, water).on_hand, level_of(warehouse, cola).on_hand) == (100, 10)
    assert (level_of(warehouse, water).reserved, level_of(warehouse, cola).reserved) == (0, 0)
    with committed():
        staff_api.post(f"orders/{order['id']}/cancel", {}, status=409)
    after = Order.objects.get(pk=order["id"])
    assert after.status == S.CANCELLED and after.shipping_refunded_fen == 800 and Refund.objects.count() == 1
    (cancel_event,) = Event.objects.filter(name="order.cancelled", aggregate_id=str(order["id"]))
    assert cancel_event.payload["refunded_fen"] == 2400
    (refunded,) = refunded_events(order["id"])
    assert refunded.payload["fully_refunded"] and refunded.payload["shipping_fen"] == 800


def test_cancelling_a_pickup_order_paid_in_two_parts_refunds_each_part(
    merchant, store, warehouse, water, wechat_account, shopper, staff_api, committed
):
    me, _member_id = shopper()
    order = buy(me, merchant, {water: 4}, pay=None, store_id=store.pk)
    staff_api.post(f"orders/{order['id']}/payments", {"kind": "cash", "amount_fen": 400})
    staff_api.post(f"orders/{order['id']}/payments", {"kind": "wechat_micropay", "auth_code": MICROPAY_OK})
    staff_api.post(f"orders/{order['id']}/ready-for-pickup")
    with committed():
        cancelled = staff_api.post(f"orders/{order['id']}/cancel", {})
    assert cancelled["status"] == S.CANCELLED and cancelled["pickup_code"] == ""
    (refund,) = staff_api.get(f"orders/{order['id']}")["refunds"]
    assert sorted((p["kind"], p["amount_fen"], p["status"]) for p in refund["parts"]) == [
        ("cash", 400, "succeeded"),
        ("wechat_micropay", 1000, "succeeded"),
    ]
    assert level_of(warehouse, water).on_hand == 100


# --- limits ----------------------------------------------------------------------------------


def test_a_line_never_refunds_more_than_was_paid(
    merchant, store, water, cola, wechat_account, shopper, staff_api, committed
):
    me, _member_id = shopper()
    order = buy(me, merchant, {water: 2, cola: 1}, committed=committed, store_id=store.pk)
    lines = lines_by_sku(order)
    open_request = ask(me, merchant, order, {lines[water.pk]["id"]: 1})
    too_many = ask(me, merchant, order, {lines[water.pk]["id"]: 2}, status=409)
    assert too_many == {"code": "orders.after_sale_quantity", "message": "农夫山泉 550ml最多还可退1件。"}
    with committed():
        staff_api.post(f"after-sales/{open_request['id']}/approve", {})
    with committed():
        staff_api.post(
            f"orders/{order['id']}/refunds",
            {
                "kind": "refund_only",
                "reason": "other",
                "lines": [{"order_line_id": lines[water.pk]["id"], "quantity": 1}],
            },
            status=201,
        )

    counts = (
        AfterSale.objects.count(),
        Refund.objects.count(),
        TenderRefund.objects.count(),
        Event.objects.count(),
    )
    refused = ask(me, merchant, order, {lines[water.pk]["id"]: 1}, status=409)
    assert refused == {"code": "orders.after_sale_quantity", "message": "农夫山泉 550ml最多还可退0件。"}
    staff_api.post(
        f"orders/{order['id']}/refunds",
        {
            "kind": "refund_only",
            "reason": "other",
            "lines": [{"order_line_id": lines[water.pk]["id"], "quantity": 1}],
        },
        status=409,
    )
    assert (
        AfterSale.objects.count(),
        Refund.objects.count(),
        TenderRefund.objects.count(),
        Event.objects.count(),
    ) == counts
    line = OrderLine.objects.get(pk=lines[water.pk]["id"])
    assert (line.refunded_quantity, line.refunded_fen, line.final_amount_fen) == (2, 700, 700)
    # another order's line, or a line id that does not exist: 404
    ask(me, merchant, order, {10**9: 1}, status=404)
    assert Order.objects.get(pk=order["id"]).status == S.PAID


def test_after_sales_close_after_the_merchants_days(merchant, store, water, shopper, staff_api):
    staff_api.patch("order-settings", {"after_sale_days": 2})
    me, member_id = shopper()
    order = three_for_ten_yuan(staff_api, store, water, member_id)
    completed_at = Order.objects.get(pk=order["id"]).completed_at
    line_id = order["lines"][0]["id"]
    with time_machine.travel(completed_at + dt.timedelta(days=2) - dt.timedelta(minutes=1), tick=False):
        inside = ask(me, merchant, order, {line_id: 1})
        me.post(shop_path(merchant, f"after-sales/{inside['id']}/withdraw"))
    with time_machine.travel(completed_at + dt.timedelta(days=2), tick=False):
        closed = ask(me, merchant, order, {line_id: 1}, status=409)
    assert closed["code"] == "orders.after_sale_not_allowed"
    closes_on = (completed_at + dt.timedelta(days=2)).astimezone(clock.DEFAULT_ZONE)
    assert closed["message"] == f"无法申请售后：订单{order['number']}的售后期已于{closes_on:%Y-%m-%d}结束。"
    assert AfterSale.objects.count() == 1


# --- reject, withdraw, retry -----------------------------------------------------------------


def test_reject_needs_a_note_the_shopper_sees(
    merchant, store, water, wechat_account, shopper, staff_api, committed
):
    me, _member_id = shopper()
    order = buy(me, merchant, {water: 1}, committed=committed, store_id=store.pk)
    request = ask(me, merchant, order, {order["lines"][0]["id"]: 1})
    staff_api.post(f"after-sales/{request['id']}/reject", {"note": ""}, status=422)
    blank = staff_api.post(f"after-sales/{request['id']}/reject", {"note": "   "}, status=400)
    assert blank["code"] == "orders.after_sale_note_required"
    staff_api.post(f"after-sales/{request['id']}/reject", {"note": "商品已拆封，不支持退款"})
    seen = me.get(shop_path(merchant, f"after-sales/{request['id']}"))
    assert (seen["status"], seen["decision_note"]) == ("rejected", "商品已拆封，不支持退款") and seen[
        "closed_at"
    ]
    staff_api.post(f"after-sales/{request['id']}/approve", {}, status=409)
    assert not Refund.objects.exists()
    # the units were not refunded: they may be asked for again
    assert ask(me, merchant, order, {order["lines"][0]["id"]: 1})["status"] == "requested"


def test_the_shopper_withdraws_an_undecided_request(
    merchant, store, water, wechat_account, shopper, staff_api, committed
):
    me, _member_id = shopper()
    order = buy(me, merchant, {water: 1}, committed=committed, store_id=store.pk)
    request = ask(me, merchant, order, {order["lines"][0]["id"]: 1})
    withdrawn = me.post(shop_path(merchant, f"after-sales/{request['id']}/withdraw"))
    assert withdrawn["status"] == "withdrawn" and withdrawn["closed_at"]
    me.post(shop_path(merchant, f"after-sales/{request['id']}/withdraw"), status=409)
    staff_api.post(f"after-sales/{request['id']}/approve", {}, status=409)
    other, _id = shopper()
    other.post(shop_path(merchant, f"after-sales/{request['id']}/withdraw"), status=404)
    assert not Refund.objects.exists() and Order.objects.get(pk=order["id"]).status == S.PAID


def test_a_refund_the_provider_refused_is_retried(
    merchant, store, water, wechat_account, shopper, staff_api, committed, monkeypatch
):
    me, _member_id = shopper()
    order = buy(me, merchant, {water: 2}, committed=committed, store_id=store.pk)
    request = ask(me, merchant, order, {order["lines"][0]["id"]: 2})

    def refused(self, request):
        return RefundStatus(
            out_refund_no=request.out_refund_no, status=base.FAILED, raw={"reason": "商户账户余额不足"}
        )

    with monkeypatch.context() as patch:
        patch.setattr(WeChatPayGateway, "refund", refused)
        with committed():
            pending = staff_api.post(f"after-sales/{request['id']}/approve", {})
    assert pending["status"] == "refunding"
    refund = Refund.objects.get()
    part = refund.tender_refunds.get()
    assert (refund.status, part.status, part.failure_reason) == ("failed", "failed", "商户账户余额不足")
    # the money is still counted as on its way back: nothing can be asked twice
    assert (
        ask(me, merchant, order, {order["lines"][0]["id"]: 1}, status=409)["code"]
        == "orders.after_sale_quantity"
    )

    with committed():
        retried = staff_api.post(f"refunds/{refund.pk}/retry")
    assert retried["number"] == refund.number
    refund.refresh_from_db()
    part.refresh_from_db()
    assert (refund.status, part.status, part.failure_reason) == ("succeeded", "succeeded", "")
    assert part.out_refund_no == f"{refund.number.replace('-', '')}T1"  # the same number, sent again
    assert me.get(shop_path(merchant, f"after-sales/{request['id']}"))["status"] == "refunded"
    assert Order.objects.get(pk=order["id"]).status == S.CLOSED
    again = staff_api.post(f"refunds/{refund.pk}/retry", status=409)
    assert again["code"] == "payments.refund_not_failed"
