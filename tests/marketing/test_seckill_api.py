"""Seckill through the API: staff create, edit, pause and resume campaigns (validated, permission
checked) and read the live report; shoppers list what runs and comes (with the server's time for
the countdown), buy with an idempotency key (a replay returns the same order), pay the order as
any order, and are refused with the usual error body (sold out, not started, limit, paused)."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.core.testing import bearer, make_staff
from newretail.marketing.models import SeckillCampaign, SeckillPurchase
from newretail.marketing.seckill.queries import forget_offers
from newretail.members.testing import make_member, member_bearer
from newretail.tenancy.roles import Role
from tests.orders.conftest import Api, key, pay_online, sandbox_keys, shop_path, wechat_account  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

SECKILLS = "marketing/seckills"


@pytest.fixture(autouse=True)
def _fresh_offers():
    forget_offers()
    yield
    forget_offers()


def iso(minutes: float) -> str:
    return (clock.now() + dt.timedelta(minutes=minutes)).isoformat()


def body(water, **extra) -> dict:
    return {
        "name": "整点秒杀",
        "starts_at": iso(-1),
        "ends_at": iso(60),
        "per_member_limit": 2,
        "stock_path": "database",
        "items": [{"sku_id": water.pk, "price_fen": 100, "stock": 3}],
        **extra,
    }


@pytest.fixture
def staff(client, owner):
    return Api(client, bearer(owner))


@pytest.fixture
def running(staff, water):
    return staff.post(SECKILLS, body(water), status=201)


def shopper(client, merchant):
    member = make_member(merchant)
    return Api(client, member_bearer(member)), member


def buy_path(merchant, item_id) -> str:
    return shop_path(merchant, f"seckills/{item_id}/buy")


PICKUP = {"fulfilment": "pickup"}


def test_staff_create_list_edit_pause_resume(staff, water):
    created = staff.post(SECKILLS, body(water), status=201)
    assert created["status"] == "active" and created["timing"] == "running"
    item = created["items"][0]
    assert (item["price_fen"], item["stock"], item["sold"], item["left"], item["list_price_fen"]) == (
        100,
        3,
        0,
        3,
        350,
    )
    assert [c["id"] for c in staff.get(SECKILLS)] == [created["id"]]
    assert staff.get(f"{SECKILLS}?timing=upcoming") == []

    edited = staff.put(
        f"{SECKILLS}/{created['id']}",
        body(water, name="午间秒杀", items=[{"sku_id": water.pk, "price_fen": 90, "stock": 5}]),
    )
    assert (edited["name"], edited["items"][0]["price_fen"], edited["items"][0]["stock"]) == (
        "午间秒杀",
        90,
        5,
    )
    paused = staff.post(f"{SECKILLS}/{created['id']}/status", {"status": "paused"})
    assert paused["status"] == "paused" and staff.get(f"{SECKILLS}?status=paused")[0]["id"] == created["id"]
    assert staff.post(f"{SECKILLS}/{created['id']}/status", {"status": "active"})["status"] == "active"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": iso(-10)}, "ends_at"),
        ({"items": []}, "items"),
        ({"per_member_limit": 0}, "per_member_limit"),
        ({"unpaid_minutes": 120}, "unpaid_minutes"),
    ],
)
def test_bad_campaigns_are_refused_and_nothing_is_written(staff, water, change, field):
    answer = staff.post(SECKILLS, body(water, **change), status=400)
    assert answer["code"] == "marketing.invalid_seckill" and field in answer["message"]
    assert not SeckillCampaign.objects.exists()


def test_a_price_not_below_the_list_price_is_refused(staff, water):
    answer = staff.post(
        SECKILLS, body(water, items=[{"sku_id": water.pk, "price_fen": 350, "stock": 1}]), status=400
    )
    assert answer["code"] == "marketing.invalid_seckill" and "items.1.price_fen" in answer["message"]


def test_a_bad_stock_path_is_a_validation_error(staff, water):
    assert staff.post(SECKILLS, body(water, stock_path="memcached"), status=422)["code"] == "invalid_input"


def test_reading_needs_marketing_view_and_writing_marketing_manage(client, owner, store, water, running):
    clerk = Api(client, bearer(make_staff(owner, Role.WAREHOUSE_CLERK)))
    assert clerk.get(SECKILLS, status=403)["code"] == "permission_denied"
    assert clerk.get(f"{SECKILLS}/{running['id']}/report", status=403)["code"] == "permission_denied"
    cashier = Api(client, bearer(make_staff(owner, Role.CASHIER, stores=[store])))
    assert cashier.get(SECKILLS)[0]["id"] == running["id"]  # a cashier sees what runs
    assert cashier.post(SECKILLS, body(water), status=403)["code"] == "permission_denied"
    assert cashier.post(f"{SECKILLS}/{running['id']}/status", {"status": "paused"}, status=403)
    assert SeckillCampaign.objects.get().status == "active"


def test_without_a_token_the_staff_api_is_401(client, running):
    assert Api(client).get(SECKILLS, status=401)["code"] == "unauthenticated"


def test_the_shopper_list_has_live_and_upcoming_items_and_the_server_time(
    client, staff, merchant, water, cola, running
):
    staff.post(
        SECKILLS,
        body(
            cola,
            name="晚场",
            starts_at=iso(120),
            ends_at=iso(180),
            items=[{"sku_id": cola.pk, "price_fen": 199, "stock": 10}],
        ),
        status=201,
    )
    answer = Api(client).get(shop_path(merchant, "seckills"))
    now_ms = clock.now().timestamp() * 1000
    assert abs(answer["server_time_ms"] - now_ms) < 5000
    live, upcoming = answer["items"]
    assert (live["live"], live["price_fen"], live["left"], live["product_name"]) == (
        True,
        100,
        3,
        "农夫山泉 550ml",
    )
    assert live["countdown_to_ms"] == live["ends_at_ms"] > answer["server_time_ms"]
    assert (upcoming["live"], upcoming["campaign_name"]) == (False, "晚场")
    assert upcoming["countdown_to_ms"] == upcoming["starts_at_ms"]


def test_buy_returns_the_order_to_pay_and_a_replay_returns_the_same_order(client, merchant, store, running):
    me, member = shopper(client, merchant)
    item_id = running["items"][0]["id"]
    assert me.get(f"{buy_path(merchant, item_id)[:-4]}/purchase")["status"] == "none"
    answer = me.post(
        buy_path(merchant, item_id),
        {**PICKUP, "store_id": store.pk, "quantity": 2},
        status=202,
        **key("sk-1"),
    )
    # The worker runs inline in tests, so the order is already written.
    assert (answer["status"], answer["settled"], answer["error"]) == ("ordered", True, None)
    order = answer["order"]
    assert order["status"] == "pending_payment" and order["payable_fen"] == 200
    assert [(line["quantity"], line["unit_price_fen"]) for line in order["lines"]] == [(2, 100)]
    again = me.post(
        buy_path(merchant, item_id),
        {**PICKUP, "store_id": store.pk, "quantity": 2},
        status=202,
        **key("sk-1"),
    )
    assert again["order"]["id"] == order["id"]
    polled = me.get(f"{buy_path(merchant, item_id)[:-4]}/purchase")
    assert (polled["status"], polled["order"]["id"]) == ("ordered", order["id"])
    assert SeckillPurchase.objects.filter(member=member).count() == 1
    # A new key is a second purchase: refused, one live order per member and item.
    second = me.post(buy_path(merchant, item_id), {**PICKUP, "store_id": store.pk}, status=409, **key("sk-2"))
    assert second["code"] == "marketing.seckill_already_bought" and second["message"]


def test_refusals_use_the_error_body(client, staff, merchant, store, water, running):
    item_id = running["items"][0]["id"]
    me, _member = shopper(client, merchant)
    over = me.post(buy_path(merchant, item_id), {**PICKUP, "store_id": store.pk, "quantity": 3}, status=409)
    assert over["code"] == "marketing.seckill_limit_exceeded" and "2" in over["message"]
    for _ in range(2):  # the other pieces go to others: 2 + 1 = 3
        other, _m = shopper(client, merchant)
        other.post(
            buy_path(merchant, item_id), {**PICKUP, "store_id": store.pk, "quantity": 1 + _}, status=202
        )
    sold_out = me.post(buy_path(merchant, item_id), {**PICKUP, "store_id": store.pk}, status=409)
    assert sold_out["code"] == "marketing.seckill_sold_out"

    staff.post(f"{SECKILLS}/{running['id']}/status", {"status": "paused"})
    forget_offers()
    assert (
        me.post(buy_path(merchant, item_id), {**PICKUP, "store_id": store.pk}, status=409)["code"]
        == "marketing.seckill_paused"
    )


def test_not_started_says_when(client, staff, merchant, store, cola):
    later = staff.post(
        SECKILLS,
        body(
            cola,
            starts_at=iso(30),
            ends_at=iso(90),
            items=[{"sku_id": cola.pk, "price_fen": 199, "stock": 10}],
        ),
        status=201,
    )
    me, _member = shopper(client, merchant)
    answer = me.post(
        buy_path(merchant, later["items"][0]["id"]), {**PICKUP, "store_id": store.pk}, status=409
    )
    assert answer["code"] == "marketing.seckill_not_started" and ":" in answer["message"]


def test_buying_needs_a_member_token_and_a_valid_body(client, merchant, store, running):
    item_id = running["items"][0]["id"]
    assert Api(client).post(buy_path(merchant, item_id), {**PICKUP, "store_id": store.pk}, status=401)
    me, _member = shopper(client, merchant)
    assert (
        me.post(buy_path(merchant, item_id), {"fulfilment": "teleport"}, status=422)["code"]
        == "invalid_input"
    )
    assert me.post(buy_path(merchant, item_id), {**PICKUP, "quantity": 0}, status=422)
    assert (
        me.post(buy_path(merchant, 2**62), {**PICKUP, "store_id": store.pk}, status=404)["code"]
        == "not_found"
    )
    assert not SeckillPurchase.objects.exists()


def test_an_order_the_core_refuses_gives_the_pieces_back_and_says_why(client, merchant, running):
    """Pickup at a store that is not the merchant's: the order core refuses when the worker
    places the order; the pieces return at once and the waiting shopper is told why."""
    me, _member = shopper(client, merchant)
    item_id = running["items"][0]["id"]
    answer = me.post(buy_path(merchant, item_id), {**PICKUP, "store_id": 2**40}, status=202)
    assert (answer["status"], answer["settled"], answer["order"]) == ("failed", True, None)
    assert answer["error"]["code"] == "not_found" and answer["error"]["message"]  # no such store
    purchase = SeckillPurchase.objects.get()
    assert (purchase.status, purchase.failure_code) == ("released", answer["error"]["code"])
    assert me.get(shop_path(merchant, "seckills"))["items"][0]["left"] == 3
    assert me.get(f"{buy_path(merchant, item_id)[:-4]}/purchase")["status"] == "failed"


def test_what_can_be_checked_before_taking_the_pieces_is(client, merchant, running):
    """Express without an address never takes a piece."""
    me, _member = shopper(client, merchant)
    answer = me.post(buy_path(merchant, running["items"][0]["id"]), {"fulfilment": "express"}, status=400)
    assert answer["code"] == "marketing.invalid_seckill"
    assert not SeckillPurchase.objects.exists()


@pytest.mark.usefixtures("wechat_account")
def test_the_live_report_counts_orders_payment_gmv_cost_and_conversion(
    client, staff, merchant, store, running, committed
):
    item_id = running["items"][0]["id"]
    payer, _m1 = shopper(client, merchant)
    order = payer.post(
        buy_path(merchant, item_id), {**PICKUP, "store_id": store.pk, "quantity": 2}, status=202
    )["order"]
    paid = pay_online(payer, merchant, order["id"], committed)
    assert paid["status"] in ("paid", "ready_for_pickup", "fulfilling")
    waiter, _m2 = shopper(client, merchant)
    waiter.post(buy_path(merchant, item_id), {**PICKUP, "store_id": store.pk}, status=202)

    report = staff.get(f"{SECKILLS}/{running['id']}/report")
    assert (report["stock"], report["sold"], report["left"]) == (3, 3, 0)
    assert (report["orders"], report["paid_orders"]) == (2, 1)
    assert report["gmv_fen"] == 200  # the paid order: 2 x ¥1.00
    assert report["cost_fen"] == 2 * (350 - 100)
    assert (report["participants"], report["payers"], report["conversion_percent"]) == (2, 1, 50.0)
    assert report["items"][0]["paid_pieces"] == 2


@pytest.mark.redis
def test_a_fresh_process_loads_redis_keys_before_its_first_script(staff, water):
    """``reconcile_item`` and ``give_back`` used to read the script before the client registered
    it: the first Redis call of a new web process failed (seen starting the benchmark server)."""
    from newretail.marketing.seckill import stock as stock_paths
    from newretail.marketing.seckill.queries import offer_for
    from newretail.marketing.seckill.reconcile import reconcile_item

    created = staff.post(SECKILLS, body(water, stock_path="redis"), status=201)
    offer = offer_for(water.merchant_id, created["items"][0]["id"])
    for name in ("take", "give_back", "reconcile"):
        stock_paths.REDIS.__dict__.pop(name, None)
    stock_paths.REDIS._client = None  # as in a process that never spoke to Redis
    assert reconcile_item(offer).left == 3
    stock_paths.REDIS._client = None
    stock_paths.RedisStock().give_back(offer, member_id=1)  # no error, nothing to give back
