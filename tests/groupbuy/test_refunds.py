"""Money going back: a group that runs out of time fails and every member is refunded through
the tenders that paid (WeChat Pay on the sandbox, cash at the counter), the goods back on the
shelf; a member refunded through after-sales (or whose paid order is cancelled) leaves the group
and is no longer counted, so the group still needs that many paid seats (the CRMEB bug)."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.marketing.groupbuy.models import GroupBuyGroup, GroupBuySeat
from newretail.marketing.groupbuy.seats import fail_expired_groups
from newretail.members.models import Member
from newretail.members.testing import make_member
from newretail.orders.actions import lifecycle
from newretail.orders.models import Order
from newretail.payments.models import Refund, Tender
from tests.inventory.conftest import level_of
from tests.orders.conftest import pay_online, shop_path

pytestmark = pytest.mark.django_db

G = GroupBuyGroup.Status
SS = GroupBuySeat.Status


def _fresh(group) -> GroupBuyGroup:
    return GroupBuyGroup.objects.get(pk=group.pk)


def test_a_group_past_its_deadline_fails_and_refunds_every_member_through_the_original_tenders(
    campaign, merchant, seats, shopper, wechat_account, committed, warehouse, water
):
    item = campaign(leader_discount_fen=50).items.get()
    me, member_id = shopper()
    leader = Member.objects.get(pk=member_id)
    opened = seats.open(leader, item, quantity=1)
    assert pay_online(me, merchant, opened.order.pk, committed)["status"] == "paid"
    cash_member = make_member(merchant)
    by_cash = seats.join(cash_member, opened.group)
    seats.pay(by_cash.order)
    unpaid = seats.join(make_member(merchant), opened.group)
    group = _fresh(opened.group)
    assert (group.status, group.seats_paid, group.seats_taken) == (G.OPEN, 2, 3)
    assert level_of(warehouse, water).on_hand == 98

    assert fail_expired_groups(clock.now() + dt.timedelta(minutes=59)) == 0  # not yet
    with committed():  # the WeChat refund is sent after commit and settles by its notification
        assert fail_expired_groups(clock.now() + dt.timedelta(minutes=61)) == 1
    assert fail_expired_groups(clock.now() + dt.timedelta(minutes=62)) == 0  # once only

    group = _fresh(group)
    assert group.status == G.FAILED and group.failed_at is not None
    statuses = dict(GroupBuySeat.objects.filter(group=group).values_list("order_id", "status"))
    assert statuses == {
        opened.order.pk: SS.REFUNDED,
        by_cash.order.pk: SS.REFUNDED,
        unpaid.order.pk: SS.RELEASED,
    }
    for order_id, amount, kind in ((opened.order.pk, 150, "wechat_native"), (by_cash.order.pk, 200, "cash")):
        order = Order.objects.get(pk=order_id)
        assert order.status == Order.Status.CANCELLED and order.refunded_fen == amount
        refund = Refund.objects.get(order=order)
        assert (refund.status, refund.amount_fen, refund.kind) == ("succeeded", amount, "order_cancelled")
        tender = Tender.objects.get(intent__order=order, status="succeeded")
        assert (tender.kind, tender.refunded_fen) == (kind, amount)
    assert Order.objects.get(pk=unpaid.order.pk).status == Order.Status.CANCELLED
    stock = level_of(warehouse, water)
    assert (stock.on_hand, stock.reserved) == (100, 0)
    # The shopper sees the refund on their order.
    seen = me.get(shop_path(merchant, f"orders/{opened.order.pk}"))
    assert seen["status"] == "cancelled" and seen["refunded_fen"] == 150


def test_a_member_refunded_through_after_sales_leaves_and_is_not_counted(
    campaign, merchant, seats, shopper, wechat_account, committed, staff_api
):
    item = campaign().items.get()
    leader = make_member(merchant)
    opened = seats.open(leader, item)
    seats.pay(opened.order)
    me, member_id = shopper()
    quitter = Member.objects.get(pk=member_id)
    joined = seats.join(quitter, opened.group)
    pay_online(me, merchant, joined.order.pk, committed)
    assert _fresh(opened.group).seats_paid == 2

    line = joined.order.lines.get()
    body = {
        "kind": "refund_only",
        "reason": "changed_mind",
        "lines": [{"order_line_id": line.pk, "quantity": 1}],
    }
    after_sale = me.post(shop_path(merchant, f"orders/{joined.order.pk}/after-sales"), body, status=201)
    with committed():
        staff_api.post(f"after-sales/{after_sale['id']}/approve", {})
    assert Order.objects.get(pk=joined.order.pk).refunded_fen == 200

    group = _fresh(opened.group)
    assert (group.status, group.seats_taken, group.seats_paid) == (G.OPEN, 1, 1)
    assert GroupBuySeat.objects.get(pk=joined.seat.pk).status == SS.LEFT
    # Filling the group now takes two more paid members: the refunded one is not counted.
    second = seats.join(make_member(merchant), group)
    seats.pay(second.order)
    assert _fresh(group).status == G.OPEN
    third = seats.join(make_member(merchant), group)
    seats.pay(third.order)
    group = _fresh(group)
    assert (group.status, group.seats_paid) == (G.SUCCEEDED, 3)
    paid = set(GroupBuySeat.objects.filter(group=group, status=SS.PAID).values_list("member_id", flat=True))
    assert quitter.pk not in paid and len(paid) == 3
    # The member who left may join a group again.
    assert seats.join(quitter, seats_open_paid(seats, item, merchant)).seat.status == SS.PENDING


def seats_open_paid(seats, item, merchant) -> GroupBuyGroup:
    opened = seats.open(make_member(merchant), item)
    seats.pay(opened.order)
    return opened.group


def test_a_paid_order_cancelled_by_the_merchant_leaves_the_group(campaign, merchant, seats, owner, committed):
    item = campaign().items.get()
    opened = seats.open(make_member(merchant), item)
    seats.pay(opened.order)
    joined = seats.join(make_member(merchant), opened.group)
    seats.pay(joined.order)
    with committed():
        lifecycle.cancel_order(order_id=joined.order.pk, merchant=merchant, actor=owner, reason="缺货")
    group = _fresh(opened.group)
    assert (group.seats_taken, group.seats_paid) == (1, 1)
    assert GroupBuySeat.objects.get(pk=joined.seat.pk).status == SS.LEFT


def test_the_last_member_leaving_fails_the_group(campaign, merchant, seats, owner, committed):
    item = campaign().items.get()
    opened = seats.open(make_member(merchant), item)
    seats.pay(opened.order)
    with committed():
        lifecycle.cancel_order(order_id=opened.order.pk, merchant=merchant, actor=owner, reason="顾客要求")
    group = _fresh(opened.group)
    assert (group.status, group.seats_taken, group.seats_paid) == (G.FAILED, 0, 0)


def test_a_payment_after_the_deadline_does_not_complete_the_group(campaign, merchant, seats, committed):
    item = campaign(group_size=2, fill_minutes=30, unpaid_minutes=60).items.get()
    opened = seats.open(make_member(merchant), item)
    seats.pay(opened.order)
    late = seats.join(make_member(merchant), opened.group)
    import time_machine

    with time_machine.travel(clock.now() + dt.timedelta(minutes=31), tick=False):
        seats.pay(late.order)  # paid after the group's deadline
        group = _fresh(opened.group)
        assert group.status == G.OPEN and group.seats_paid == 2
        with committed():
            assert fail_expired_groups() == 1
    assert _fresh(group).status == G.FAILED
    assert Order.objects.get(pk=late.order.pk).status == Order.Status.CANCELLED
    assert Order.objects.get(pk=late.order.pk).refunded_fen == 200
