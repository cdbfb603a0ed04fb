"""The last seat of a group under real concurrency on PostgreSQL: a group of 4 with 3 members in,
10 shopper threads released together by a barrier try to join. Exactly one gets a seat and an
order; the nine others get ``groupbuy.group_full`` and nothing of theirs is written (no order, no
seat, no stock held, no payment). Then the winner pays and the group succeeds with 4 paid seats."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection

from newretail.core import clock, testing
from newretail.core.errors import DomainError
from newretail.marketing.groupbuy.campaigns import create_campaign
from newretail.marketing.groupbuy.models import GroupBuyGroup, GroupBuySeat
from newretail.marketing.groupbuy.seats import join_group, open_group
from newretail.members.models import Member
from newretail.orders.models import Order
from newretail.payments.actions.charges import pay_order
from newretail.payments.models import Tender
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10


def test_ten_shoppers_race_for_the_last_seat_and_exactly_one_wins():
    merchant, owner = testing.make_merchant()
    store = testing.make_store(owner)
    warehouse = store.warehouses.get()
    sku = make_sku(merchant.pk, name="拼团水", price_fen=350)
    receive(warehouse, sku, 100)
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="四人团",
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(days=1),
        group_size=4,
        items=[{"sku_id": sku.pk, "group_price_fen": 200}],
    )
    item = campaign.items.get()
    Member.objects.bulk_create(
        [Member(merchant=merchant, phone=f"1970000{n:04d}", source="mall") for n in range(3 + RACERS)]
    )
    members = list(Member.objects.filter(merchant=merchant).select_related("merchant").order_by("pk"))
    first, *rest = members[:3]
    opened = open_group(member=first, item_id=item.pk, fulfilment="pickup", store_id=store.pk)
    pay_order(order_id=opened.order.pk, kind="cash", actor=owner)
    for member in rest:
        joined = join_group(member=member, group_id=opened.group.pk, fulfilment="pickup", store_id=store.pk)
        pay_order(order_id=joined.order.pk, kind="cash", actor=owner)
    group = GroupBuyGroup.objects.get(pk=opened.group.pk)
    assert (group.status, group.seats_taken, group.seats_paid) == ("open", 3, 3)
    orders_before = Order.objects.count()

    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    winners: list[int] = []
    lock = threading.Lock()

    def race(member: Member) -> None:
        try:
            barrier.wait()
            joined = join_group(member=member, group_id=group.pk, fulfilment="pickup", store_id=store.pk)
            with lock:
                outcomes.append("won")
                winners.append(joined.order.pk)
        except DomainError as error:
            with lock:
                outcomes.append(error.code)
        except Exception as error:  # anything else is a failure of the test
            with lock:
                outcomes.append(f"crash: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(m,)) for m in members[3:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Counter(outcomes) == Counter({"won": 1, "groupbuy.group_full": RACERS - 1}), outcomes
    group.refresh_from_db()
    assert (group.seats_taken, group.seats_paid) == (4, 3)
    assert Order.objects.count() == orders_before + 1
    assert GroupBuySeat.objects.filter(group=group).count() == 4
    losers = [m.pk for m in members[3:]]
    assert Order.objects.filter(member_id__in=losers).count() == 1
    assert not Tender.objects.filter(intent__order__member_id__in=losers).exists()
    assert level_of(warehouse, sku).reserved == 1  # only the winner's order holds stock

    pay_order(order_id=winners[0], kind="cash", actor=owner)
    group.refresh_from_db()
    assert (group.status, group.seats_paid) == ("succeeded", 4)
