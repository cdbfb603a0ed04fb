"""The shopper's seckill purchase is answered before its order exists (``queue_seckill``): the
worker places the order, the waiting page and the API poll ``purchase_state``, and reconcile
finishes what a lost task left (database path everywhere, Redis path with Redis). Here the
worker's tasks are held back (``held``) so each step can be looked at."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.core import clock
from newretail.marketing.models import SeckillItem, SeckillPurchase
from newretail.marketing.seckill import stock as stock_paths
from newretail.marketing.seckill.buying import (
    buy_seckill,
    drain_queue,
    place_purchase_order,
    purchase_state,
    queue_seckill,
    write_and_place,
)
from newretail.marketing.seckill.campaigns import create_campaign
from newretail.marketing.seckill.queries import forget_offers, offer_for
from newretail.marketing.seckill.reconcile import GIVE_UP_AFTER, IN_FLIGHT, STRANDED_AFTER, reconcile_seckill
from newretail.members.testing import make_member
from newretail.orders.models import Order
from tests.storefront.conftest import Browser, mall

pytestmark = pytest.mark.django_db

PHONE = "13812345688"


@pytest.fixture(autouse=True)
def _fresh_offers():
    forget_offers()
    yield
    forget_offers()


@pytest.fixture
def web():
    return Browser()


@pytest.fixture
def held(monkeypatch):
    """The worker's tasks, recorded instead of run: [(task name, args)]."""
    calls: list[tuple[str, tuple]] = []
    monkeypatch.setattr(
        "newretail.marketing.tasks.drain_seckill_queue_task",
        lambda *args: calls.append(("drain_seckill_queue_task", args)),
    )
    return calls


def _item(owner, sku, stock_path="database", stock=5) -> SeckillItem:
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="整点秒杀",
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        items=[{"sku_id": sku.pk, "price_fen": 100, "stock": stock}],
        per_member_limit=2,
        stock_path=stock_path,
    )
    return campaign.items.get()


def _queue(member, item, store, **kwargs):
    return queue_seckill(member=member, item_id=item.pk, fulfilment="pickup", store_id=store.pk, **kwargs)


def test_the_pieces_are_taken_at_once_and_the_worker_places_the_order(owner, merchant, store, water, held):
    item = _item(owner, water)
    member = make_member(merchant)
    state = _queue(member, item, store, quantity=2, idempotency_key="tap-1")
    assert (state.status, state.settled, state.order) == ("writing", False, None)
    purchase = SeckillPurchase.objects.get()
    assert (purchase.status, purchase.order_request["store_id"]) == ("reserved", store.pk)
    item.refresh_from_db()
    assert item.sold == 2 and not Order.objects.exists()
    assert held == [("drain_seckill_queue_task", (item.pk,))]
    # A second tap with the same key is the same purchase, not a refusal.
    assert _queue(member, item, store, quantity=2, idempotency_key="tap-1").status == "writing"

    place_purchase_order(purchase.pk)
    state = purchase_state(offer_for(merchant.pk, item.pk), member.pk)
    assert state.status == "ordered" and state.order.payable_fen == 200
    assert state.order.store_id == store.pk and state.order.fulfilment == "pickup"
    place_purchase_order(purchase.pk)  # a retried task: still one order
    assert Order.objects.count() == 1


def test_a_worker_is_asked_for_when_the_queue_was_empty_and_every_drain_every(
    owner, merchant, store, water, held, monkeypatch
):
    """The database path's ``queued`` count: the purchase that makes it 1 asks for a worker, the
    next ones do not (one is draining) until a multiple of DRAIN_EVERY; the worker counts what is
    still waiting before each pass and stops at 0, so the next purchase asks again."""
    monkeypatch.setattr("newretail.marketing.seckill.buying.DRAIN_EVERY", 3)
    item = _item(owner, water, stock=10)
    members = [make_member(merchant, phone=f"1390000000{n}") for n in range(5)]
    for member in members[:4]:
        _queue(member, item, store)
    item.refresh_from_db()
    assert item.queued == 4 and held == [("drain_seckill_queue_task", (item.pk,))] * 2  # 1st and 3rd

    assert drain_queue(item.pk) == 4
    item.refresh_from_db()
    assert item.queued == 0 and SeckillPurchase.objects.filter(status="ordered").count() == 4
    assert Order.objects.count() == 4
    _queue(members[4], item, store)
    assert len(held) == 3  # the queue was empty again: a worker is asked for
    assert drain_queue(item.pk) == 1 and drain_queue(item.pk) == 0


@pytest.mark.parametrize("path", ["database", pytest.param("redis", marks=pytest.mark.redis)])
def test_an_order_placed_in_the_request_is_not_queued_for_a_worker(owner, merchant, store, water, held, path):
    """``buy_seckill`` (staff tools, the demo) places the order itself: nothing is counted or
    queued for a worker, so the next shopper's purchase still finds the queue empty and asks."""
    item = _item(owner, water, stock_path=path)
    order = buy_seckill(member=make_member(merchant), item_id=item.pk, fulfilment="pickup", store_id=store.pk)
    assert order.payable_fen == 100 and held == []
    item.refresh_from_db()
    assert item.queued == 0
    if path == "redis":
        client = stock_paths.REDIS.client()
        _stock, _bought, _pending, requests_key, queue_key = stock_paths.keys(merchant.pk, item.pk)
        assert client.llen(queue_key) == 0 and client.hlen(requests_key) == 0
    _queue(make_member(merchant), item, store)
    assert held == [("drain_seckill_queue_task", (item.pk,))]


def test_an_order_that_fails_unexpectedly_does_not_strand_the_others(
    owner, merchant, store, water, held, monkeypatch
):
    from newretail.marketing.seckill import buying

    item = _item(owner, water, stock=10)
    first, second = make_member(merchant, phone="13900000010"), make_member(merchant, phone="13900000011")
    _queue(first, item, store)
    _queue(second, item, store)
    place = buying._place_order

    def broken_for_first(purchase, offer, *, member, request):
        if member.pk == first.pk:
            raise RuntimeError("the order core fell over")
        return place(purchase, offer, member=member, request=request)

    monkeypatch.setattr(buying, "_place_order", broken_for_first)
    assert drain_queue(item.pk) == 1
    statuses = dict(SeckillPurchase.objects.values_list("member_id", "status"))
    assert statuses == {first.pk: "reserved", second.pk: "ordered"}  # the first is reconcile's
    item.refresh_from_db()
    assert item.queued == 0  # not counted: the next purchase still asks for a worker


def test_reconcile_asks_for_a_worker_for_purchases_left_waiting(owner, merchant, store, water, held):
    item = _item(owner, water)
    _queue(make_member(merchant), item, store)
    held.clear()
    reconcile_seckill(clock.now())
    assert held == [("drain_seckill_queue_task", (item.pk,))]


def test_a_lost_task_is_placed_by_reconcile(owner, merchant, store, water, held):
    item = _item(owner, water)
    member = make_member(merchant)
    _queue(member, item, store)
    assert reconcile_seckill(clock.now()).placed == 0  # still the worker's
    result = reconcile_seckill(clock.now() + STRANDED_AFTER + dt.timedelta(seconds=1))
    assert (result.placed, result.released) == (1, 0)
    assert SeckillPurchase.objects.get().status == "ordered"


def test_a_purchase_stuck_past_the_limit_goes_back_with_the_reason(owner, merchant, store, water, held):
    item = _item(owner, water)
    member = make_member(merchant)
    _queue(member, item, store)
    result = reconcile_seckill(clock.now() + GIVE_UP_AFTER + dt.timedelta(seconds=1))
    assert result.released == 1
    purchase = SeckillPurchase.objects.get()
    assert (purchase.status, purchase.failure_code) == ("released", "marketing.seckill_purchase_lapsed")
    state = purchase_state(offer_for(merchant.pk, item.pk), member.pk)
    assert state.status == "failed" and state.error_message
    item.refresh_from_db()
    assert item.sold == 0


def test_the_mall_page_waits_for_the_order_then_opens_the_pay_page(web, owner, merchant, store, water, held):
    item = _item(owner, water)
    web.login(merchant, PHONE)
    url = mall(merchant, f"seckill/{item.pk}/")
    response = web.post(url, {"fulfilment": "pickup", "store": store.pk, "quantity": "1", "form_key": "k1"})
    assert response["Location"] == url
    page = web.text(url)
    assert 'data-test="seckill-waiting"' in page and f"seckill/{item.pk}/status/" in page
    assert 'data-test="seckill-buy"' not in page  # no second purchase while waiting
    status_url = mall(merchant, f"seckill/{item.pk}/status/")
    assert 'data-test="seckill-waiting"' in web.text(status_url)

    place_purchase_order(SeckillPurchase.objects.get().pk)
    order = Order.objects.get()
    polled = web.get(status_url, status=204, HTTP_HX_REQUEST="true")
    assert polled["HX-Redirect"] == mall(merchant, f"orders/{order.pk}/pay/")
    assert web.get(status_url, status=302)["Location"] == mall(merchant, f"orders/{order.pk}/pay/")


def test_another_members_poll_sees_nothing_of_yours(web, owner, merchant, store, water, held):
    item = _item(owner, water)
    _queue(make_member(merchant), item, store)
    web.login(merchant, PHONE)
    page = web.text(mall(merchant, f"seckill/{item.pk}/status/"))
    assert "seckill-waiting" not in page and "seckill-error" not in page


@pytest.mark.redis
def test_redis_answers_alone_and_a_lost_write_is_done_by_reconcile(owner, merchant, store, water, held):
    item = _item(owner, water, stock_path="redis")
    member = make_member(merchant)
    state = _queue(member, item, store, idempotency_key="tap-r")
    assert state.status == "queued" and not SeckillPurchase.objects.exists()
    assert held == [("drain_seckill_queue_task", (item.pk,))]
    assert _queue(member, item, store, idempotency_key="tap-r").status == "queued"  # a replay

    assert reconcile_seckill().placed == 0  # in flight: the worker's
    client = stock_paths.REDIS.client()
    assert client.hexists(stock_paths.keys(merchant.pk, item.pk)[3], member.pk)  # reconcile kept the request
    with time_machine.travel(clock.now() + IN_FLIGHT + dt.timedelta(seconds=5)):
        assert reconcile_seckill().placed == 1
    purchase = SeckillPurchase.objects.get()
    assert (purchase.status, purchase.request_key, purchase.order.payable_fen) == ("ordered", "tap-r", 100)
    assert not client.hexists(stock_paths.keys(merchant.pk, item.pk)[3], member.pk)
    assert write_and_place(item.pk, member.pk) is None  # the task arriving late: nothing queued
    assert Order.objects.count() == 1 and int(client.get(stock_paths.keys(merchant.pk, item.pk)[0])) == 4


@pytest.mark.redis
def test_when_the_database_refuses_what_redis_took_the_shopper_is_told(owner, merchant, store, water):
    """Redis out of line (here: the database sold the pieces without Redis knowing): the worker's
    write is refused by the conditional UPDATE, Redis gets the piece back, the page says why."""
    item = _item(owner, water, stock_path="redis", stock=1)
    member = make_member(merchant)
    stock_paths.REDIS.client()  # load the keys before the database moves behind Redis's back
    from newretail.marketing.seckill.reconcile import reconcile_item

    reconcile_item(offer_for(merchant.pk, item.pk))
    SeckillItem.objects.filter(pk=item.pk).update(stock=0)
    forget_offers()
    state = _queue(member, item, store)  # the worker runs inline here
    assert (state.status, state.error_code) == ("failed", "marketing.seckill_sold_out")
    purchase = SeckillPurchase.objects.get()
    assert purchase.status == "released" and purchase.failure_message
    assert not stock_paths.REDIS.client().hexists(stock_paths.keys(merchant.pk, item.pk)[1], member.pk)
