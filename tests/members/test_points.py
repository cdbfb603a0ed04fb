"""Points earned once per order on the goods actually paid for, taken back in proportion to
refunds (owed when already spent), expired at the end of the following year, and the ledger
check that rebuilds the balances."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from newretail.core import clock
from newretail.core.ledgers import find_differences
from newretail.members.actions.points import earn_points, expire_points, expiry_for
from newretail.members.models import PointsAccount, PointsEntry, PointsSettings
from newretail.members.testing import make_member
from newretail.orders.actions.checkout import create_staff_order
from newretail.payments.actions.charges import pay_order
from newretail.payments.actions.refunds import create_refund

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def till_sale(owner, store, member, sku, quantity):
    """A till sale paid in cash: it completes at once (order.completed)."""
    order = create_staff_order(
        actor=owner,
        channel="pos",
        fulfilment="in_store",
        store_id=store.pk,
        member_id=member.pk,
        lines=[{"sku_id": sku.pk, "quantity": quantity}],
    )
    pay_order(order_id=order.pk, kind="cash", actor=owner)
    order.refresh_from_db()
    return order


def balance(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def test_an_order_earns_once_on_what_was_paid_for_goods(merchant, owner, store, water, committed):
    PointsSettings.objects.create(merchant=merchant, earn_per_yuan=2)
    member = make_member(merchant)
    with committed():
        order = till_sale(owner, store, member, water, 10)  # ¥35.00 → 70 points
    assert order.status == "completed" and balance(member) == 70
    from newretail.core.events import deliver_due

    deliver_due()  # a replayed delivery earns nothing more
    assert PointsEntry.objects.filter(member=member, kind="earn").count() == 1


def test_refunds_take_back_their_share_and_a_spent_balance_is_owed(merchant, owner, store, water, committed):
    member = make_member(merchant)
    with committed():
        order = till_sale(owner, store, member, water, 10)  # ¥35.00 → 35 points
    assert balance(member) == 35
    line = order.lines.get()
    with committed():
        create_refund(
            order=order,
            kind="goods",
            lines=[(line.pk, 4)],
            include_shipping=False,
            reason="多买",
            actor=owner,
        )
    assert balance(member) == 35 - 35 * 4 // 10  # 14 taken back
    # The member's points are gone (expired); refunding the rest leaves 21 owed, not a negative balance.
    with time_machine.travel(expiry_for(clock.now()) + dt.timedelta(minutes=1), tick=False):
        assert expire_points() == 21
    with committed():
        create_refund(
            order=order,
            kind="goods",
            lines=[(line.pk, 6)],
            include_shipping=False,
            reason="全退",
            actor=owner,
        )
    account = PointsAccount.objects.get(member=member)
    assert (account.balance, account.owed) == (0, 21)
    earn_points(member=member, points=30, reference="test:next")
    account.refresh_from_db()
    assert (account.balance, account.owed) == (9, 0)  # the next earnings pay what was owed first
    assert not find_differences(["points"])


def test_points_expire_at_the_end_of_the_following_year_first_in_first_out(merchant):
    member = make_member(merchant)
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=clock.DEFAULT_ZONE), tick=False):
        earn_points(member=member, points=100, reference="a")
    with time_machine.travel(dt.datetime(2027, 6, 1, 12, tzinfo=clock.DEFAULT_ZONE), tick=False):
        earn_points(member=member, points=50, reference="b")
    assert expiry_for(dt.datetime(2026, 3, 1, tzinfo=clock.DEFAULT_ZONE)) == dt.datetime(
        2028, 1, 1, tzinfo=clock.DEFAULT_ZONE
    )
    with time_machine.travel(dt.datetime(2027, 12, 31, 23, 59, tzinfo=clock.DEFAULT_ZONE), tick=False):
        assert expire_points() == 0
    with time_machine.travel(dt.datetime(2028, 1, 1, 0, 1, tzinfo=clock.DEFAULT_ZONE), tick=False):
        assert expire_points() == 100
        assert expire_points() == 0
    assert balance(member) == 50


def test_check_ledgers_finds_and_fixes_a_wrong_points_balance(merchant):
    member = make_member(merchant)
    earn_points(member=member, points=40, reference="x")
    PointsAccount.objects.filter(member=member).update(balance=999)
    differences = find_differences(["points"])
    assert [(d.field, d.cached, d.ledger_value) for d in differences] == [("balance", 999, 40)]
    call_command("check_ledgers", "--fix", "--ledger", "points")
    assert balance(member) == 40


def test_earning_on_payment_is_a_merchant_setting(merchant, owner, store, water, committed):
    PointsSettings.objects.create(merchant=merchant, earn_on="paid")
    member = make_member(merchant)
    with committed():
        till_sale(owner, store, member, water, 2)  # ¥7.00 → 7 points, once (paid, not again on completion)
    assert balance(member) == 7


def sign_in_on(member, day: dt.date):
    from newretail.members.actions.points import sign_in

    with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=clock.DEFAULT_ZONE), tick=False):
        return sign_in(member=member)


def test_daily_sign_in_once_a_day_with_a_bonus_on_every_seventh_day(merchant):
    member = make_member(merchant)
    start = dt.date(2026, 12, 1)
    first = sign_in_on(member, start)
    assert (first.points, first.streak, first.already) == (5, 1, False)
    again = sign_in_on(member, start)
    assert (again.points, again.already) == (0, True)
    results = [sign_in_on(member, start + dt.timedelta(days=n)) for n in range(1, 7)]
    assert [r.streak for r in results] == [2, 3, 4, 5, 6, 7]
    assert results[-1].points == 5 + 20  # the seventh day in a row
    assert balance(member) == 7 * 5 + 20
    missed = sign_in_on(member, start + dt.timedelta(days=9))  # a day missed: the streak starts again
    assert (missed.streak, missed.points) == (1, 5)
    assert not find_differences(["points"])


def test_the_points_page_and_sign_in_through_the_api(client, merchant):
    from tests.orders.conftest import Api, member_headers, shop_path, sms_login

    me = Api(client, member_headers(sms_login(client, merchant, "13812349999")["token"]))
    assert me.post(shop_path(merchant, "my/points/sign-in")) == {"points": 5, "streak": 1, "already": False}
    assert me.post(shop_path(merchant, "my/points/sign-in"))["already"] is True
    page = me.get(shop_path(merchant, "my/points"))
    assert (page["balance"], page["streak"], page["signed_in_today"]) == (5, 1, True)
    assert [e["kind"] for e in page["entries"]] == ["sign_in"]
