"""Each fulfilment type through the API, from the cart to a completed order: store pickup,
same-city delivery, express from the central warehouse and an in-store (POS) sale with mixed
tenders. The shopper logs in by SMS, pays on the sandbox cashier, and the provider's
notification comes back in-process; stock and events are checked to the unit and the fen."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.core import clock, testing
from newretail.core.models import Event
from newretail.inventory.models import StockMovement
from newretail.marketing.geo import distance_m
from newretail.orders.models import Order
from newretail.payments.models import PaymentNotification
from tests.inventory.conftest import level_of, make_sku, receive
from tests.orders.conftest import (
    MICROPAY_OK,
    MICROPAY_PASSWORD,
    MICROPAY_REFUSED,
    SHOPPER_ADDRESS,
    Api,
    add_address,
    confirm_on_cashier,
    key,
    shop_path,
)

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

S = Order.Status


def events_of(order_id: int, name: str) -> list[Event]:
    return list(Event.objects.filter(name=name, aggregate_type="orders.order", aggregate_id=str(order_id)))


def sales_of(warehouse, sku) -> list[int]:
    return list(
        StockMovement.objects.filter(warehouse=warehouse, sku=sku, kind=StockMovement.Kind.SALE).values_list(
            "quantity", flat=True
        )
    )


# --- store pickup ----------------------------------------------------------------------------


def test_pickup_from_an_anonymous_cart_to_the_counter(
    client, merchant, store, warehouse, water, cola, wechat_account, shopper, staff_api, committed
):
    anonymous = Api(client)
    first = anonymous.post(shop_path(merchant, "cart/lines"), {"sku_id": water.pk, "quantity": 2})
    cart_token = first["cart_token"]
    assert cart_token.startswith("nrc_")
    cart = anonymous.post(
        shop_path(merchant, "cart/lines"), {"sku_id": cola.pk, "quantity": 3}, HTTP_X_CART_TOKEN=cart_token
    )
    assert cart["cart_token"] is None and [line["quantity"] for line in cart["lines"]] == [2, 3]

    # Logging in with the cart token moves the anonymous cart into the member's.
    me, _member_id = shopper(cart_token=cart_token)
    mine = me.get(shop_path(merchant, "cart"))
    assert {line["sku_id"]: line["quantity"] for line in mine["lines"]} == {water.pk: 2, cola.pk: 3}
    assert Api(client).get(shop_path(merchant, "cart"), HTTP_X_CART_TOKEN=cart_token)["lines"] == []

    preview = me.post(shop_path(merchant, "checkout/preview"), {"fulfilment": "pickup", "store_id": store.pk})
    # water 2 × ¥3.50 + cola 3 × ¥4.50 (the store's price); pickup costs no shipping
    assert preview["ready"] and preview["store_id"] == store.pk
    assert (preview["goods_list_fen"], preview["discount_fen"], preview["shipping_fen"]) == (2200, 150, 0)
    assert preview["payable_fen"] == 2050

    body = {"fulfilment": "pickup", "store_id": store.pk, "expected_payable_fen": 2050}
    order = me.post(shop_path(merchant, "orders"), body, status=201, **key("checkout-1"))
    replay = me.post(shop_path(merchant, "orders"), body, status=201, **key("checkout-1"))
    assert replay["id"] == order["id"] and Order.objects.count() == 1
    assert (
        order["status"] == S.PENDING_PAYMENT and order["payable_fen"] == 2050 and order["pickup_code"] == ""
    )
    assert me.get(shop_path(merchant, "cart"))["lines"] == []
    assert (level_of(warehouse, water).reserved, level_of(warehouse, cola).reserved) == (2, 3)

    tender = me.post(shop_path(merchant, f"orders/{order['id']}/pay"), {"kind": "wechat_native"})
    assert tender["status"] == "pending" and tender["action"]["type"] == "qr"
    assert tender["amount_fen"] == 2050
    with committed():
        confirm_on_cashier(tender["action"]["code_url"])

    paid = me.get(shop_path(merchant, f"orders/{order['id']}"))
    assert paid["status"] == S.PAID and paid["payment"]["status"] == "succeeded"
    assert paid["payment"]["paid_fen"] == 2050
    code = paid["pickup_code"]
    assert len(code) == 6 and code.isdigit()
    assert PaymentNotification.objects.get().outcome == "accepted"
    qr = client.get(shop_path(merchant, f"orders/{order['id']}/pickup-qr.svg"), **me.headers)
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    # paid: the holds became sales
    assert (level_of(warehouse, water).on_hand, level_of(warehouse, water).reserved) == (98, 0)
    assert (level_of(warehouse, cola).on_hand, level_of(warehouse, cola).reserved) == (7, 0)

    ready = staff_api.post(f"orders/{order['id']}/ready-for-pickup")
    assert ready["status"] == S.READY_FOR_PICKUP and ready["pickup_code"] == code
    done = staff_api.post("pickups/verify", {"code": code})
    assert done["id"] == order["id"] and done["status"] == S.COMPLETED
    assert [step["kind"] for step in done["timeline"]] == [
        "created",
        "paid",
        "fulfilling",
        "ready_for_pickup",
        "completed",
    ]
    assert (
        client.get(shop_path(merchant, f"orders/{order['id']}/pickup-qr.svg"), **me.headers).status_code
        == 404
    )
    staff_api.post("pickups/verify", {"code": code}, status=404)

    # stock went down exactly once
    assert sales_of(warehouse, water) == [-2] and sales_of(warehouse, cola) == [-3]
    assert (level_of(warehouse, water).on_hand, level_of(warehouse, cola).on_hand) == (98, 7)
    lines = {line["sku_id"]: line for line in done["lines"]}
    expected_lines = {
        (lines[water.pk]["id"], water.pk, 2, 350, 700, 700),
        (lines[cola.pk]["id"], cola.pk, 3, 450, 1500, 1350),
    }
    for name in ("order.created", "order.paid", "order.fulfilled", "order.completed"):
        (event,) = events_of(order["id"], name)
        got = {
            (
                line["line_id"],
                line["sku_id"],
                line["quantity"],
                line["unit_price_fen"],
                line["list_amount_fen"],
                line["final_amount_fen"],
            )
            for line in event.payload["lines"]
        }
        assert got == expected_lines, name
    paid_event = events_of(order["id"], "order.paid")[0]
    assert paid_event.payload["tenders"] == [{"kind": "wechat_native", "amount_fen": 2050}]
    assert paid_event.payload["payable_fen"] == 2050 and paid_event.payload["shipping_fen"] == 0


# --- same-city delivery ----------------------------------------------------------------------

HOME = {"latitude": SHOPPER_ADDRESS["latitude"], "longitude": SHOPPER_ADDRESS["longitude"]}


def test_delivery_from_the_nearest_store_that_has_the_goods(
    merchant, owner, store, warehouse, water, alipay_account, shopper, staff_api, committed
):
    # The store with the goods is 2.5 km north of the shopper; a nearer one (500 m) is short.
    store.latitude, store.longitude = "31.252500", "121.470000"
    store.save(update_fields=["latitude", "longitude"])
    near = testing.make_store(owner, name="近邻店", latitude="31.234500", longitude="121.470000")
    receive(near.warehouses.get(), water, 1)
    far = testing.make_store(owner, name="远郊店", latitude="31.400000", longitude="121.470000")
    receive(far.warehouses.get(), water, 50)

    me, _member_id = shopper()
    address = add_address(me, merchant)
    me.post(shop_path(merchant, "cart/lines"), {"sku_id": water.pk, "quantity": 6})
    preview = me.post(
        shop_path(merchant, "checkout/preview"), {"fulfilment": "delivery", "address_id": address["id"]}
    )
    distance = distance_m(store.latitude, store.longitude, HOME["latitude"], HOME["longitude"])
    assert 2000 < distance <= 3000
    assert preview["ready"] and preview["store_id"] == store.pk and preview["distance_m"] == distance
    # ¥5.00 covers the first 2 km, ¥1.00 for each started km beyond; ¥21.00 is below ¥49 free delivery
    assert (preview["goods_list_fen"], preview["shipping_fen"], preview["payable_fen"]) == (2100, 600, 2700)
    assert [(a["source"], a["amount_fen"]) for a in preview["adjustments"]] == [("delivery", 600)]

    order = me.post(
        shop_path(merchant, "orders"),
        {"fulfilment": "delivery", "address_id": address["id"], "expected_payable_fen": 2700},
        status=201,
        **key("delivery-1"),
    )
    assert order["store_id"] == store.pk and order["warehouse_id"] == warehouse.pk
    assert order["delivery_distance_m"] == distance and order["shipping_fen"] == 600
    assert order["shipping_address"]["recipient"] == "王五" and order["shipping_address"]["latitude"]
    assert level_of(near.warehouses.get(), water).reserved == 0

    tender = me.post(
        shop_path(merchant, f"orders/{order['id']}/pay"),
        {"kind": "alipay_wap", "return_url": "http://testserver/shop/orders/1"},
    )
    assert tender["action"]["type"] == "redirect" and "alipay.trade.wap.pay" in tender["action"]["url"]
    with committed():
        back = confirm_on_cashier(tender["action"]["url"])
    assert back.status_code == 302 and back["Location"].startswith("http://testserver/shop/orders/1?")
    assert me.get(shop_path(merchant, f"orders/{order['id']}"))["status"] == S.PAID
    assert level_of(warehouse, water).on_hand == 94

    out = staff_api.post(f"orders/{order['id']}/out-for-delivery", {"note": "骑手张师傅"})
    assert out["status"] == S.OUT_FOR_DELIVERY and out["auto_complete_at"]
    me.post(shop_path(merchant, f"orders/{order['id']}/cancel"), {}, status=409)
    done = me.post(shop_path(merchant, f"orders/{order['id']}/confirm-receipt"))
    assert done["status"] == S.COMPLETED and done["completed_at"]
    assert [s["kind"] for s in done["timeline"]] == [
        "created",
        "paid",
        "fulfilling",
        "out_for_delivery",
        "completed",
    ]
    assert sales_of(warehouse, water) == [-6] and level_of(far.warehouses.get(), water).on_hand == 50
    assert len(events_of(order["id"], "order.completed")) == 1


def test_the_courier_can_hand_a_delivery_over(
    merchant, store, water, shopper, staff_api, owner, committed, wechat_account
):
    store.latitude, store.longitude = "31.231000", "121.470000"
    store.save(update_fields=["latitude", "longitude"])
    me, _member_id = shopper()
    address = add_address(me, merchant)
    me.post(shop_path(merchant, "cart/lines"), {"sku_id": water.pk, "quantity": 20})
    order = me.post(
        shop_path(merchant, "orders"), {"fulfilment": "delivery", "address_id": address["id"]}, status=201
    )
    # ¥70.00 is above the ¥49 free-delivery threshold: the ¥5.00 fee is waived
    assert (order["shipping_fen"], order["payable_fen"], order["discount_fen"]) == (0, 7000, 500)
    tender = me.post(shop_path(merchant, f"orders/{order['id']}/pay"), {"kind": "wechat_native"})
    with committed():
        confirm_on_cashier(tender["action"]["code_url"])
    staff_api.post(f"orders/{order['id']}/delivered", status=409)  # not out yet
    staff_api.post(f"orders/{order['id']}/ship", {"carrier": "顺丰", "tracking_number": "SF1"}, status=409)
    staff_api.post(f"orders/{order['id']}/out-for-delivery", {})
    assert staff_api.post(f"orders/{order['id']}/delivered")["status"] == S.COMPLETED


# --- express from the central warehouse ------------------------------------------------------


def test_express_ships_from_the_central_warehouse_and_completes_by_itself(
    merchant, owner, store, warehouse, alipay_account, shopper, staff_api, committed
):
    central = testing.make_central_warehouse(owner)
    tea = make_sku(merchant.pk, name="东方树叶 500ml", price_fen=1500)
    tea.weight_g = 500
    tea.save(update_fields=["weight_g"])
    receive(central, tea, 30)
    receive(warehouse, tea, 30)
    staff_api.patch("order-settings", {"auto_complete_days": 3})

    me, _member_id = shopper()
    address = add_address(me, merchant)
    me.post(shop_path(merchant, "cart/lines"), {"sku_id": tea.pk, "quantity": 4})
    free = me.post(
        shop_path(merchant, "checkout/preview"), {"fulfilment": "express", "address_id": address["id"]}
    )
    # ¥60.00 ≥ ¥59: the ¥8.00 + ¥2.00 (second kg) fee is waived
    assert (free["goods_list_fen"], free["shipping_fen"], free["payable_fen"]) == (6000, 0, 6000)
    assert free["store_id"] is None and "满" in " ".join(
        free["notices"] + [a["explanation"] for a in free["adjustments"]]
    )
    me.patch(shop_path(merchant, f"cart/lines/{tea.pk}"), {"quantity": 3})
    paying = me.post(
        shop_path(merchant, "checkout/preview"), {"fulfilment": "express", "address_id": address["id"]}
    )
    # 1.5 kg: ¥8.00 for the first kg + ¥2.00 for the started second kg
    assert (paying["goods_list_fen"], paying["shipping_fen"], paying["payable_fen"]) == (4500, 1000, 5500)

    order = me.post(
        shop_path(merchant, "orders"),
        {"fulfilment": "express", "address_id": address["id"], "expected_payable_fen": 5500},
        status=201,
    )
    assert order["warehouse_id"] == central.pk and order["store_id"] is None
    assert level_of(central, tea).reserved == 3 and level_of(warehouse, tea).reserved == 0
    tender = me.post(
        shop_path(merchant, f"orders/{order['id']}/pay"),
        {"kind": "alipay_page", "return_url": "http://testserver/shop/orders/2"},
    )
    with committed():
        confirm_on_cashier(tender["action"]["url"])
    assert me.get(shop_path(merchant, f"orders/{order['id']}"))["payment"]["paid_fen"] == 5500

    staff_api.post(f"orders/{order['id']}/ship", {"carrier": "", "tracking_number": "SF1"}, status=400)
    shipped_at = clock.now()
    shipped = staff_api.post(
        f"orders/{order['id']}/ship", {"carrier": "顺丰速运", "tracking_number": "SF 1234 5678 90"}
    )
    assert shipped["status"] == S.SHIPPED
    assert (shipped["carrier"], shipped["tracking_number"]) == ("顺丰速运", "SF1234567890")
    assert sales_of(central, tea) == [-3] and level_of(central, tea).on_hand == 27
    (fulfilled,) = events_of(order["id"], "order.fulfilled")
    assert (fulfilled.payload["carrier"], fulfilled.payload["tracking_number"]) == (
        "顺丰速运",
        "SF1234567890",
    )

    from newretail.orders.tasks import complete_due_orders_task

    with time_machine.travel(shipped_at + dt.timedelta(days=3) - dt.timedelta(minutes=1), tick=False):
        assert complete_due_orders_task.call_local() == 0
    assert Order.objects.get(pk=order["id"]).status == S.SHIPPED
    with time_machine.travel(shipped_at + dt.timedelta(days=3, minutes=1), tick=False):
        assert complete_due_orders_task.call_local() == 1
        assert complete_due_orders_task.call_local() == 0
    done = me.get(shop_path(merchant, f"orders/{order['id']}"))
    assert done["status"] == S.COMPLETED
    assert done["timeline"][-1] == {**done["timeline"][-1], "kind": "completed", "note": "系统自动确认收货"}
    assert len(events_of(order["id"], "order.completed")) == 1


# --- in store (POS) --------------------------------------------------------------------------


def pos_order(staff_api, store, sku, quantity: int) -> dict:
    return staff_api.post(
        "orders",
        {
            "channel": "pos",
            "fulfilment": "in_store",
            "store_id": store.pk,
            "lines": [{"sku_id": sku.pk, "quantity": quantity}],
        },
        status=201,
    )


def test_pos_sale_paid_with_cash_and_a_payment_code_completes_at_once(
    store, warehouse, water, cola, wechat_account, staff_api
):
    order = staff_api.post(
        "orders",
        {
            "channel": "pos",
            "fulfilment": "in_store",
            "store_id": store.pk,
            "lines": [{"sku_id": water.pk, "quantity": 2}, {"sku_id": cola.pk, "quantity": 2}],
        },
        status=201,
        **key("till-1"),
    )
    assert order["payable_fen"] == 700 + 900 and order["status"] == S.PENDING_PAYMENT
    cash = staff_api.post(
        f"orders/{order['id']}/payments", {"kind": "cash", "amount_fen": 1000}, **key("t-1")
    )
    assert cash["status"] == "succeeded" and cash["amount_fen"] == 1000
    again = staff_api.post(
        f"orders/{order['id']}/payments", {"kind": "cash", "amount_fen": 1000}, **key("t-1")
    )
    assert again["id"] == cash["id"]
    assert staff_api.get(f"orders/{order['id']}")["status"] == S.PENDING_PAYMENT
    staff_api.post(f"orders/{order['id']}/payments", {"kind": "cash", "amount_fen": 700}, status=400)

    code = staff_api.post(
        f"orders/{order['id']}/payments", {"kind": "wechat_micropay", "auth_code": MICROPAY_OK}
    )
    assert code["status"] == "succeeded" and code["amount_fen"] == 600

    done = staff_api.get(f"orders/{order['id']}")
    assert done["status"] == S.COMPLETED and done["paid_at"] and done["completed_at"]
    assert [s["kind"] for s in done["timeline"]] == ["created", "paid", "completed"]
    assert [(t["kind"], t["amount_fen"], t["status"]) for t in done["payment"]["tenders"]] == [
        ("cash", 1000, "succeeded"),
        ("wechat_micropay", 600, "succeeded"),
    ]
    (paid,) = events_of(order["id"], "order.paid")
    assert paid.payload["tenders"] == [
        {"kind": "cash", "amount_fen": 1000},
        {"kind": "wechat_micropay", "amount_fen": 600},
    ]
    assert len(events_of(order["id"], "order.completed")) == 1
    assert sales_of(warehouse, water) == [-2] and level_of(warehouse, cola).on_hand == 8


def test_a_payment_code_waiting_for_the_password_is_polled_until_paid(
    store, water, wechat_account, staff_api
):
    order = pos_order(staff_api, store, water, 3)
    tender = staff_api.post(
        f"orders/{order['id']}/payments", {"kind": "wechat_micropay", "auth_code": MICROPAY_PASSWORD}
    )
    assert (tender["status"], tender["action"]) == ("pending", {"type": "poll"})
    # a pending charge counts: nothing more can be taken meanwhile
    staff_api.post(f"orders/{order['id']}/payments", {"kind": "cash"}, status=400)
    assert staff_api.post(f"tenders/{tender['id']}/poll")["status"] == "pending"
    polled = staff_api.post(f"tenders/{tender['id']}/poll")
    assert polled["status"] == "succeeded" and polled["succeeded_at"]
    assert staff_api.get(f"orders/{order['id']}")["status"] == S.COMPLETED
    assert staff_api.post(f"tenders/{tender['id']}/poll")["status"] == "succeeded"


def test_a_refused_payment_code_fails_with_the_reason_and_the_order_stays_payable(
    store, warehouse, water, wechat_account, staff_api
):
    order = pos_order(staff_api, store, water, 1)
    refused = staff_api.post(
        f"orders/{order['id']}/payments", {"kind": "wechat_micropay", "auth_code": MICROPAY_REFUSED}
    )
    assert refused["status"] == "failed" and "余额不足" in refused["failure_reason"]
    after = staff_api.get(f"orders/{order['id']}")
    assert after["status"] == S.PENDING_PAYMENT and after["payment"]["paid_fen"] == 0
    assert level_of(warehouse, water).reserved == 1
    staff_api.post(
        f"orders/{order['id']}/payments", {"kind": "wechat_micropay", "auth_code": "12345"}, status=400
    )
    assert staff_api.post(f"orders/{order['id']}/payments", {"kind": "cash"})["amount_fen"] == 350
    assert staff_api.get(f"orders/{order['id']}")["status"] == S.COMPLETED
