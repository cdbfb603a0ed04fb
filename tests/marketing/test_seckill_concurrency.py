"""Seckill under real concurrency on PostgreSQL (and Redis): 500 buyer threads, released together
by a barrier, go for 100 pieces. 400 members tap once for 1 piece; 100 of them tap a second time
at the same moment for 2 more (the limit is 2 per member). Exactly 100 pieces sell, nobody holds
more than the limit, nobody has two orders.

The server allows 100 connections and is shared, so at most ``DB_SLOTS`` buyers hold a database
connection at once; they still race each other on the same row (or Redis keys) at the same
moment. A naive read-then-write version of the stock step, run the same way, oversells: proof
that the test can fail.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction

from newretail.core import clock, testing
from newretail.core.errors import DomainError
from newretail.marketing.models import SeckillItem, SeckillPurchase
from newretail.marketing.seckill import stock as stock_paths
from newretail.marketing.seckill.buying import buy_seckill
from newretail.marketing.seckill.campaigns import create_campaign
from newretail.marketing.seckill.errors import SeckillError
from newretail.marketing.seckill.queries import forget_offers
from newretail.members.models import Member
from newretail.orders.models import Order
from tests.inventory.conftest import level_of, make_sku, receive
from tests.inventory.test_concurrency import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUYERS = 500
SINGLE_TAPS = 400
DOUBLE_TAPS = 100
STOCK = 100
LIMIT = 2
DB_SLOTS = 24


@pytest.fixture
def shop():
    merchant, owner = testing.make_merchant()
    store = testing.make_store(owner)
    warehouse = store.warehouses.get()
    sku = make_sku(merchant.pk, name="秒杀水", price_fen=350)
    receive(warehouse, sku, 1000)
    # Rows straight in (the sign-up action's events would take longer than the test itself).
    Member.objects.bulk_create(
        [Member(merchant=merchant, phone=f"1980000{n:04d}", source="mall") for n in range(SINGLE_TAPS)]
    )
    members = list(Member.objects.filter(merchant=merchant).select_related("merchant").order_by("pk"))
    forget_offers()
    return merchant, owner, store, warehouse, sku, members


def _campaign(owner, sku, stock_path: str) -> SeckillItem:
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="整点秒杀",
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        per_member_limit=LIMIT,
        items=[{"sku_id": sku.pk, "price_fen": 100, "stock": STOCK}],
        stock_path=stock_path,
    )
    return campaign.items.get()


def _run_buyers(store, item, members, action=buy_seckill) -> tuple[list, list[DomainError]]:
    buyers = [(m, 1) for m in members] + [(m, 2) for m in members[:DOUBLE_TAPS]]
    assert len(buyers) == BUYERS
    barrier = threading.Barrier(BUYERS)
    slots = threading.BoundedSemaphore(DB_SLOTS)
    lock = threading.Lock()
    orders: list[Order] = []
    errors: list[DomainError] = []
    crashes: list[BaseException] = []

    def buyer(member, quantity) -> None:
        try:
            barrier.wait(timeout=60)
            with slots:
                try:
                    order = action(
                        member=member, item_id=item.pk, quantity=quantity, fulfilment="pickup", store_id=store.pk
                    )
                except DomainError as error:
                    with lock:
                        errors.append(error)
                else:
                    with lock:
                        orders.append(order)
                finally:
                    connection.close()
        except BaseException as exc:
            with lock:
                crashes.append(exc)

    threads = [threading.Thread(target=buyer, args=b) for b in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not crashes, crashes[:3]
    return orders, errors


def _assert_sold_exactly(item, warehouse, sku, orders, errors) -> None:
    live = list(SeckillPurchase.objects.filter(item=item, status__in=["reserved", "ordered"]))
    assert sum(p.quantity for p in live) == STOCK  # exactly the campaign stock, not one more
    item.refresh_from_db()
    assert item.sold == STOCK
    per_member = Counter(p.member_id for p in live)
    assert max(per_member.values()) == 1  # no duplicate order per member
    assert max(p.quantity for p in live) <= LIMIT  # nobody beyond their limit
    assert all(p.status == "ordered" for p in live)
    db_orders = Order.objects.filter(pk__in=[p.order_id for p in live])
    assert db_orders.count() == len(live) == len(orders)
    assert Order.objects.count() == len(orders)
    assert sum(o.lines.get().quantity for o in db_orders) == STOCK
    assert {o.lines.get().unit_price_fen for o in db_orders} == {100}
    assert level_of(warehouse, sku).reserved == STOCK
    assert {e.code for e in errors} <= {SeckillError.SOLD_OUT.code, SeckillError.ALREADY_BOUGHT.code}
    assert len(orders) + len(errors) == BUYERS


def test_database_path_sells_exactly_the_campaign_stock(shop):
    merchant, owner, store, warehouse, sku, members = shop
    item = _campaign(owner, sku, "database")
    started = time.monotonic()
    orders, errors = _run_buyers(store, item, members)
    _assert_sold_exactly(item, warehouse, sku, orders, errors)
    assert time.monotonic() - started < 60


@pytest.mark.redis
def test_redis_path_sells_exactly_the_campaign_stock(shop, caplog):
    merchant, owner, store, warehouse, sku, members = shop
    item = _campaign(owner, sku, "redis")
    caplog.set_level(logging.WARNING, logger="newretail.marketing.seckill")
    orders, errors = _run_buyers(store, item, members)
    _assert_sold_exactly(item, warehouse, sku, orders, errors)
    client = stock_paths.REDIS.client()
    stock_key, bought_key, pending_key, requests_key, queue_key = stock_paths.keys(merchant.pk, item.pk)
    assert int(client.get(stock_key)) == 0
    bought = {int(m): int(q) for m, q in client.hgetall(bought_key).items()}
    assert sum(bought.values()) == STOCK and len(bought) == len(orders)
    assert client.zcard(pending_key) == 0 and client.hlen(requests_key) == 0
    # Redis was the gate: the database's guard never had to refuse a buyer Redis let through.
    assert not [r for r in caplog.records if "disagree" in r.getMessage()]


@pytest.mark.parametrize("path", ["database", pytest.param("redis", marks=pytest.mark.redis)])
def test_shoppers_by_token_are_answered_at_once_and_the_workers_place_exactly_the_winners(
    shop, monkeypatch, path
):
    """The shopper path as served: 500 buyers, each with a member token (the API's purchase),
    are answered from the stock step alone: the Lua script reading the token mirror, or the
    one prepared statement that finds the token's member itself. Then six workers place the
    winners' orders: two drain the item's queue (Redis's, or the reserved rows) while four place
    every request twice (a retried task, reconcile): exactly the campaign stock becomes purchases
    and orders, once."""
    from newretail.marketing.seckill import buying
    from newretail.members.actions.tokens import issue_member_token

    merchant, owner, store, warehouse, sku, members = shop
    item = _campaign(owner, sku, path)
    tokens = {m.pk: issue_member_token(member=m)[1] for m in members}  # mirrored as issued
    held: list[tuple] = []
    monkeypatch.setattr("newretail.marketing.tasks.drain_seckill_queue_task", lambda *a: held.append(a))

    def by_token(*, member, **rest):
        return buying.queue_seckill(member_token=tokens[member.pk], merchant_id=merchant.pk, **rest)

    states, errors = _run_buyers(store, item, members, action=by_token)
    assert {s.status for s in states} == ({"queued"} if path == "redis" else {"writing"})
    assert len(states) <= STOCK
    item.refresh_from_db()
    if path == "redis":
        assert not SeckillPurchase.objects.filter(item=item).exists()
        client = stock_paths.REDIS.client()
        stock_key, bought_key, _pending, requests_key, queue_key = stock_paths.keys(merchant.pk, item.pk)
        assert int(client.get(stock_key)) == 0 and client.hlen(requests_key) == len(states)
        assert sum(int(q) for q in client.hvals(bought_key)) == STOCK
        assert client.llen(queue_key) == len(states)
        work = [(buying.write_and_place, (item.pk, int(m))) for m in client.hkeys(requests_key)]
    else:
        assert item.sold == STOCK and item.queued == len(states)
        work = [(buying.place_purchase_order, (p.pk,)) for p in SeckillPurchase.objects.filter(item=item)]
    assert held[0] == (item.pk,)  # the drain was asked for when the queue filled
    work += work[::-1]
    lock = threading.Lock()

    def worker(index: int) -> None:
        if index < 2:
            buying.drain_queue(item.pk)
            return
        while True:
            with lock:
                if not work:
                    return
                task, args = work.pop()
            task(*args)

    _done, refused = run_threads(6, worker, timeout=120)
    assert not refused, refused[:3]  # a worker never raises: refusals land on the purchase row
    orders = [p.order for p in SeckillPurchase.objects.filter(item=item, status="ordered").select_related("order")]
    _assert_sold_exactly(item, warehouse, sku, orders, errors)
    if path == "redis":
        assert client.hlen(requests_key) == 0 and client.llen(queue_key) == 0
    else:
        item.refresh_from_db()
        assert item.queued == 0


class NaiveStock:
    """What not to do: read what is left, then write it back decremented (a lost update lets two
    buyers take the same piece). The purchase rows still obey the one-per-member constraint."""

    def take(self, offer, *, member_id, token="", quantity, request_key, order_request, for_worker=True):
        item = SeckillItem.objects.get(pk=offer.item_id)
        if item.stock - item.sold < quantity:
            raise DomainError(SeckillError.SOLD_OUT)
        time.sleep(0.002)  # the time a real request spends between the read and the write
        try:
            with transaction.atomic():
                SeckillItem.objects.filter(pk=offer.item_id).update(sold=item.sold + quantity)
                purchase = SeckillPurchase.objects.create(
                    merchant_id=offer.merchant_id,
                    campaign_id=offer.campaign_id,
                    item_id=offer.item_id,
                    member_id=member_id,
                    quantity=quantity,
                )
                return stock_paths.Taken(member_id, purchase_id=purchase.pk)
        except IntegrityError:
            raise DomainError(SeckillError.ALREADY_BOUGHT) from None

    def write(self, offer, *, member_id):
        return None

    def give_back(self, offer, *, member_id):
        pass


def test_a_naive_read_then_write_oversells(shop, monkeypatch):
    merchant, owner, store, warehouse, sku, members = shop
    item = _campaign(owner, sku, "database")
    monkeypatch.setitem(stock_paths.STOCK_PATHS, "database", NaiveStock())
    orders, errors = _run_buyers(store, item, members)
    sold = sum(
        p.quantity for p in SeckillPurchase.objects.filter(item=item, status__in=["reserved", "ordered"])
    )
    assert sold > STOCK, f"the naive version sold {sold}: the race did not show"
    item.refresh_from_db()
    assert item.sold < sold  # lost updates: the counter says less than was sold
