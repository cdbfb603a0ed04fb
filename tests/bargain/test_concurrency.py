"""Bargains under real concurrency on PostgreSQL: threads released together by a barrier.

- 40 friends help one bargain that needs 5: exactly 5 cuts, adding up to start − floor, the price
  exactly at the floor, everyone else told the floor is reached;
- one friend tapping 12 times at once, and one phone under 12 accounts at once: one cut each;
- 12 members buy their bargains of a campaign with 4 pieces at once, and one member presses buy
  8 times at once: exactly 4 orders, and one order for the member.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection

from newretail.core import clock, testing
from newretail.core.errors import DomainError
from newretail.marketing.bargain.buying import buy_bargain, start_bargain
from newretail.marketing.bargain.cutting import help_bargain
from newretail.marketing.bargain.models import Bargain, BargainCampaign, BargainCut
from newretail.marketing.bargain.setup import create_campaign
from newretail.members.models import Member
from newretail.orders.models import Order
from tests.bargain.conftest import device
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DB_SLOTS = 16


@pytest.fixture
def shop():
    merchant, owner = testing.make_merchant()
    store = testing.make_store(owner)
    sku = make_sku(merchant.pk, name="砍价水", price_fen=1000)
    receive(store.warehouses.get(), sku, 100)
    Member.objects.bulk_create(
        [Member(merchant=merchant, phone=f"1970000{n:04d}", source="mall") for n in range(60)]
    )
    members = list(Member.objects.filter(merchant=merchant).select_related("merchant").order_by("pk"))
    return merchant, owner, store, sku, members


def _campaign(owner, sku, **fields) -> BargainCampaign:
    now = clock.now()
    return create_campaign(
        actor=owner,
        **{
            "name": "并发砍价",
            "sku_id": sku.pk,
            "start_price_fen": 1000,
            "floor_price_fen": 100,
            "helpers_needed": 5,
            "stock": 50,
            "starts_at": now - dt.timedelta(minutes=1),
            "ends_at": now + dt.timedelta(days=1),
            **fields,
        },
    )


def _race(calls) -> tuple[list, list[DomainError]]:
    barrier = threading.Barrier(len(calls))
    slots = threading.BoundedSemaphore(DB_SLOTS)
    lock = threading.Lock()
    results: list = []
    errors: list[DomainError] = []
    crashes: list[BaseException] = []

    def run(call) -> None:
        try:
            barrier.wait(timeout=60)
            with slots:
                try:
                    result = call()
                except DomainError as error:
                    with lock:
                        errors.append(error)
                else:
                    with lock:
                        results.append(result)
                finally:
                    connection.close()
        except BaseException as exc:
            with lock:
                crashes.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not crashes, crashes[:3]
    return results, errors


def test_forty_friends_at_once_cut_exactly_to_the_floor(shop):
    merchant, owner, store, sku, members = shop
    bargain, _ = start_bargain(member=members[0], campaign_id=_campaign(owner, sku).pk)
    friends = members[1:41]
    cuts, errors = _race(
        [
            lambda f=f: help_bargain(helper=f, share_code=bargain.share_code, device_id=device())
            for f in friends
        ]
    )
    assert len(cuts) == 5 and len(errors) == 35
    assert {e.code for e in errors} == {"bargain.floor_reached"}
    stored = list(BargainCut.objects.filter(bargain=bargain).order_by("sequence"))
    assert [c.sequence for c in stored] == [1, 2, 3, 4, 5]
    assert sum(c.amount_fen for c in stored) == 900 and min(c.amount_fen for c in stored) >= 1
    prices = [c.price_after_fen for c in stored]
    assert prices == sorted(prices, reverse=True) and prices[-1] == 100
    bargain.refresh_from_db()
    assert (bargain.current_price_fen, bargain.helpers_count) == (100, 5)


def test_one_friend_or_one_phone_tapping_at_once_cuts_once(shop):
    merchant, owner, store, sku, members = shop
    campaign = _campaign(owner, sku, helpers_needed=10)
    first, _ = start_bargain(member=members[0], campaign_id=campaign.pk)
    second, _ = start_bargain(member=members[1], campaign_id=campaign.pk)
    friend, phone = members[2], device()
    cuts, errors = _race(
        [
            lambda: help_bargain(helper=friend, share_code=first.share_code, device_id=device())
            for _ in range(12)
        ]
    )
    assert len(cuts) == 1 and {e.code for e in errors} == {"bargain.already_helped"}
    cuts, errors = _race(
        [
            lambda m=m: help_bargain(helper=m, share_code=second.share_code, device_id=phone)
            for m in members[10:22]
        ]
    )
    assert len(cuts) == 1 and {e.code for e in errors} == {"bargain.device_used"}
    assert Counter(BargainCut.objects.values_list("bargain_id", flat=True)) == {first.pk: 1, second.pk: 1}


def test_buyers_at_once_never_oversell_and_one_member_gets_one_order(shop):
    merchant, owner, store, sku, members = shop
    campaign = _campaign(owner, sku, stock=4)
    buyers = members[:12]
    bargains = [start_bargain(member=m, campaign_id=campaign.pk)[0] for m in buyers]
    orders, errors = _race(
        [
            lambda m=m, b=b: buy_bargain(member=m, bargain_id=b.pk, fulfilment="pickup", store_id=store.pk)
            for m, b in zip(buyers, bargains, strict=True)
        ]
    )
    assert len(orders) == 4 and {e.code for e in errors} == {"bargain.sold_out"}
    campaign.refresh_from_db()
    assert campaign.sold == 4 and Order.objects.count() == 4
    assert Bargain.objects.filter(status="ordered").count() == 4

    other = _campaign(owner, sku, stock=4)
    bargain, _ = start_bargain(member=members[20], campaign_id=other.pk)
    orders, errors = _race(
        [
            lambda: buy_bargain(
                member=members[20], bargain_id=bargain.pk, fulfilment="pickup", store_id=store.pk
            )
            for _ in range(8)
        ]
    )
    assert not errors and len({o.pk for o in orders}) == 1
    other.refresh_from_db()
    assert other.sold == 1
