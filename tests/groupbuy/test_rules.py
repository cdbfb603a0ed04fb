"""Group-buy rules and money: the leader's and members' prices through the pricing engine, the
leader's payment opening the group, the last seat making it succeed, the fulfilment gate holding
every order until then, the per-member limit, new members only, a full group (held unpaid seats
included), unpaid seats released when their order closes, pause, idempotency, and the checks on
a campaign's settings."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.testing import make_staff
from newretail.marketing.groupbuy.campaigns import set_campaign_status, update_campaign
from newretail.marketing.groupbuy.models import GroupBuyGroup, GroupBuySeat
from newretail.members.testing import make_member
from newretail.orders.actions import lifecycle
from newretail.orders.models import Order
from newretail.tenancy.roles import Role
from tests.inventory.conftest import level_of

pytestmark = pytest.mark.django_db

G = GroupBuyGroup.Status


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    return error.value.code


def _fresh(group) -> GroupBuyGroup:
    return GroupBuyGroup.objects.get(pk=group.pk)


def test_the_leader_pays_the_group_price_less_the_leader_discount(campaign, merchant, seats, water):
    item = campaign(leader_discount_fen=50).items.get()
    leader = make_member(merchant)

    opened = seats.open(leader, item, quantity=1)

    line = opened.order.lines.get()
    assert (line.final_amount_fen, opened.order.payable_fen) == (150, 150)
    adjustment = opened.order.adjustments.get(source="campaign")
    assert adjustment.amount_fen == -200 and "三人团" in adjustment.explanation
    assert opened.group.status == G.OPENING and opened.seat.is_leader and opened.seat.unit_price_fen == 150
    # Nobody joins a group whose leader has not paid.
    assert _code(seats.join, make_member(merchant), opened.group) == "groupbuy.group_not_started"

    seats.pay(opened.order)
    group = _fresh(opened.group)
    assert group.status == G.OPEN and group.seats_paid == 1 and group.seats_taken == 1
    assert group.expires_at == group.opened_at + dt.timedelta(minutes=60)

    member = make_member(merchant)
    joined = seats.join(member, group, quantity=1)
    assert joined.order.payable_fen == 200 and joined.seat.unit_price_fen == 200 and not joined.seat.is_leader


def test_the_last_seat_paid_makes_the_group_succeed_and_releases_fulfilment(campaign, merchant, seats, owner):
    item = campaign().items.get()
    leader, second, third = (make_member(merchant) for _ in range(3))
    opened = seats.open(leader, item)
    seats.pay(opened.order)
    joined = [seats.join(second, opened.group), seats.join(third, opened.group)]
    seats.pay(joined[0].order)

    # Paid, but the group is not complete: no fulfilment step lets the order through.
    held = Order.objects.get(pk=opened.order.pk)
    assert held.status == Order.Status.PAID and held.pickup_code
    assert _code(lifecycle.start_fulfilment, actor=owner, order_id=held.pk) == "orders.fulfilment_held"
    assert _code(lifecycle.mark_ready_for_pickup, actor=owner, order_id=held.pk) == "orders.fulfilment_held"
    error = pytest.raises(DomainError, lifecycle.verify_pickup, actor=owner, code=held.pickup_code)
    assert error.value.code == "orders.fulfilment_held" and "2" in error.value.message
    assert Order.objects.get(pk=held.pk).status == Order.Status.PAID

    seats.pay(joined[1].order)
    group = _fresh(opened.group)
    assert group.status == G.SUCCEEDED and group.seats_paid == 3 and group.succeeded_at is not None
    for order_id in (opened.order.pk, joined[0].order.pk, joined[1].order.pk):
        assert lifecycle.start_fulfilment(actor=owner, order_id=order_id).status == Order.Status.FULFILLING
    assert lifecycle.verify_pickup(actor=owner, code=held.pickup_code).status == Order.Status.COMPLETED


def test_an_ordinary_order_is_not_held(place, water, owner):
    order = place({water: 1}, fulfilment="pickup", address=None)
    from newretail.payments.actions.charges import pay_order

    pay_order(order_id=order.pk, kind="cash", actor=owner)
    assert lifecycle.start_fulfilment(actor=owner, order_id=order.pk).status == Order.Status.FULFILLING


def test_a_full_group_refuses_and_an_unpaid_seat_is_held_until_its_order_closes(
    campaign, merchant, seats, committed, warehouse, water
):
    item = campaign(unpaid_minutes=5).items.get()
    leader, late, waiting, newcomer = (make_member(merchant) for _ in range(4))
    opened = seats.open(leader, item)
    seats.pay(opened.order)
    seats.pay(seats.join(late, opened.group).order)
    unpaid = seats.join(waiting, opened.group)  # the third seat is held while it awaits payment
    group = _fresh(opened.group)
    assert (group.seats_taken, group.seats_paid, group.status) == (3, 2, G.OPEN)
    assert _code(seats.join, newcomer, group) == "groupbuy.group_full"
    assert _code(seats.join, late, group) == "groupbuy.already_in_group"

    with committed():  # the payment window passes: the order closes and the seat is free again
        assert lifecycle.expire_unpaid_orders(clock.now() + dt.timedelta(minutes=6)) == 1
    assert GroupBuySeat.objects.get(pk=unpaid.seat.pk).status == GroupBuySeat.Status.RELEASED
    group = _fresh(group)
    assert (group.seats_taken, group.seats_paid) == (2, 2)
    assert level_of(warehouse, water).reserved == 0

    joined = seats.join(newcomer, group)
    seats.pay(joined.order)
    assert _fresh(group).status == G.SUCCEEDED


def test_the_leaders_unpaid_order_closing_cancels_the_group(campaign, merchant, seats, committed):
    item = campaign(unpaid_minutes=5).items.get()
    opened = seats.open(make_member(merchant), item)
    with committed():
        lifecycle.cancel_order(order_id=opened.order.pk, merchant=merchant, member=opened.seat.member)
    group = _fresh(opened.group)
    assert group.status == G.CANCELLED and group.seats_taken == 0
    assert GroupBuySeat.objects.get(pk=opened.seat.pk).status == GroupBuySeat.Status.RELEASED


def test_the_per_member_limit_counts_every_live_seat_of_the_campaign(campaign, merchant, seats):
    item = campaign(per_member_limit=2).items.get()
    member = make_member(merchant)
    assert _code(seats.open, member, item, quantity=3) == "groupbuy.limit_exceeded"
    first = seats.open(member, item, quantity=1)
    seats.pay(first.order)
    second_leader = make_member(merchant)
    other = seats.open(second_leader, item)
    seats.pay(other.order)
    seats.join(member, other.group, quantity=1)  # 2 of 2
    assert _code(seats.open, member, item, quantity=1) == "groupbuy.limit_exceeded"
    assert GroupBuyGroup.objects.filter(leader=member).count() == 1


def test_new_members_only(campaign, merchant, seats, place, water, owner):
    from newretail.payments.actions.charges import pay_order

    item = campaign(new_members_only=True).items.get()
    regular = make_member(merchant)
    earlier = place({water: 1}, member=regular, fulfilment="pickup", address=None)
    pay_order(order_id=earlier.pk, kind="cash", actor=owner)

    opened = seats.open(regular, item)  # a regular may lead a 新人团 and bring new members
    seats.pay(opened.order)
    another_regular = make_member(merchant)
    bought = place({water: 1}, member=another_regular, fulfilment="pickup", address=None)
    pay_order(order_id=bought.pk, kind="cash", actor=owner)
    assert _code(seats.join, another_regular, opened.group) == "groupbuy.new_members_only"
    newcomer = make_member(merchant)
    assert seats.join(newcomer, opened.group).order.payable_fen == 200


def test_paused_and_ended_campaigns_refuse(campaign, merchant, seats, owner):
    running = campaign()
    item = running.items.get()
    opened = seats.open(make_member(merchant), item)
    seats.pay(opened.order)
    set_campaign_status(actor=owner, campaign_id=running.pk, status="paused")
    assert _code(seats.open, make_member(merchant), item) == "groupbuy.paused"
    assert _code(seats.join, make_member(merchant), opened.group) == "groupbuy.paused"
    set_campaign_status(actor=owner, campaign_id=running.pk, status="active")
    assert seats.join(make_member(merchant), opened.group).order.payable_fen == 200

    now = clock.now()
    fields = {
        "name": "已结束",
        "starts_at": now - dt.timedelta(days=2),
        "ends_at": now - dt.timedelta(days=1),
        "items": [{"sku_id": item.sku_id, "group_price_fen": 200}],
    }
    update_campaign(actor=owner, campaign_id=running.pk, **fields)
    assert _code(seats.open, make_member(merchant), item) == "groupbuy.ended"


def test_in_store_fulfilment_is_refused(campaign, merchant, seats, store):
    item = campaign().items.get()
    assert (
        _code(seats.open, make_member(merchant), item, fulfilment="in_store") == "groupbuy.wrong_fulfilment"
    )
    assert not GroupBuyGroup.objects.exists() and not Order.objects.exists()


def test_replaying_the_key_returns_the_first_group(campaign, merchant, seats):
    item = campaign().items.get()
    member = make_member(merchant)
    first = seats.open(member, item, idempotency_key="k-1")
    again = seats.open(member, item, idempotency_key="k-1")
    assert (again.group.pk, again.order.pk) == (first.group.pk, first.order.pk)
    assert GroupBuyGroup.objects.count() == 1 and Order.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"items": [{"sku_id": "WATER", "group_price_fen": 350}]}, "items.1.group_price_fen"),
        ({"leader_discount_fen": 200}, "leader_discount_fen"),
        ({"group_size": 1}, "group_size"),
        ({"fill_minutes": 2}, "fill_minutes"),
        ({"name": ""}, "name"),
        ({"items": []}, "items"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_campaign_settings_are_checked(campaign, water, fields, field):
    if fields.get("items") and fields["items"][0]["sku_id"] == "WATER":
        fields = {"items": [{"sku_id": water.pk, "group_price_fen": 350}]}
    with pytest.raises(DomainError) as error:
        campaign(**fields)
    assert error.value.code == "groupbuy.invalid" and field in error.value.message


def test_a_sku_is_in_one_group_buy_at_a_time_and_only_marketing_managers_create(campaign, owner, store):
    campaign()
    with pytest.raises(DomainError) as error:
        campaign(name="又一个")
    assert "三人团" in error.value.message
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    from newretail.marketing.groupbuy.campaigns import create_campaign

    assert _code(create_campaign, actor=cashier, name="x") == "permission_denied"
