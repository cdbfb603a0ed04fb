"""Buying a bargain through the order core: at the current price at any time, at the floor once
K friends helped (the order's total is that price), one live order per bargain, the campaign's
stock, a refused order taking nothing, expiry, and the piece coming back when the order closes
or is cancelled; the live report's figures."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.core.errors import DomainError
from newretail.marketing.bargain.buying import buy_bargain, start_bargain
from newretail.marketing.bargain.models import Bargain
from newretail.marketing.bargain.queries import campaign_report
from newretail.marketing.bargain.setup import set_campaign_status
from newretail.members.testing import make_member
from newretail.orders.actions.lifecycle import cancel_order, expire_unpaid_orders
from newretail.orders.models import Order
from newretail.payments.actions.charges import pay_order
from tests.bargain.conftest import help_with
from tests.inventory.conftest import level_of, make_sku

pytestmark = pytest.mark.django_db


def _buy(member, bargain, store) -> Order:
    return buy_bargain(member=member, bargain_id=bargain.pk, fulfilment="pickup", store_id=store.pk)


def _code(call) -> str:
    with pytest.raises(DomainError) as error:
        call()
    return error.value.code


def test_buying_before_any_help_pays_the_start_price(campaign, merchant, store, warehouse, water):
    member = make_member(merchant)
    bargain, _ = start_bargain(member=member, campaign_id=campaign(start_price_fen=300).pk)
    order = _buy(member, bargain, store)
    line = order.lines.get()
    assert (line.sku_id, line.quantity, line.final_amount_fen) == (water.pk, 1, 300)
    assert order.payable_fen == 300 and order.status == Order.Status.PENDING_PAYMENT
    assert order.adjustments.get(source="campaign").amount_fen == -50
    assert level_of(warehouse, water).reserved == 1


def test_buying_halfway_pays_the_current_price(campaign, merchant, store):
    member = make_member(merchant)
    bargain, _ = start_bargain(member=member, campaign_id=campaign(helpers_needed=3).pk)
    first = help_with(bargain, merchant)
    order = _buy(member, bargain, store)
    assert order.payable_fen == 350 - first.amount_fen == first.price_after_fen
    bargain.refresh_from_db()
    assert (bargain.status, bargain.order_id, bargain.bought_price_fen) == (
        "ordered",
        order.pk,
        order.payable_fen,
    )
    # Bought: friends can no longer cut it.
    assert _code(lambda: help_with(bargain, merchant)) == "bargain.already_ordered"


def test_at_the_floor_the_order_costs_the_floor_price(campaign, merchant, store):
    member = make_member(merchant)
    running = campaign(helpers_needed=2, floor_price_fen=1)
    bargain, _ = start_bargain(member=member, campaign_id=running.pk)
    help_with(bargain, merchant)
    help_with(bargain, merchant)
    order = _buy(member, bargain, store)
    assert order.payable_fen == 1 and order.goods_list_fen == 350 and order.discount_fen == 349
    adjustment = order.adjustments.get(source="campaign")
    assert adjustment.amount_fen == -349 and "好友砍价" in adjustment.explanation
    running.refresh_from_db()
    assert running.sold == 1


def test_a_floor_of_zero_gives_a_paid_order_at_once(campaign, merchant, store):
    member = make_member(merchant)
    bargain, _ = start_bargain(member=member, campaign_id=campaign(helpers_needed=1, floor_price_fen=0).pk)
    help_with(bargain, merchant)
    order = _buy(member, bargain, store)
    assert order.payable_fen == 0 and order.status == Order.Status.PAID


def test_buying_again_returns_the_same_order(campaign, merchant, store):
    member = make_member(merchant)
    bargain, _ = start_bargain(member=member, campaign_id=campaign().pk)
    first = _buy(member, bargain, store)
    assert _buy(member, bargain, store).pk == first.pk
    assert Order.objects.count() == 1


def test_another_members_bargain_cannot_be_bought(campaign, merchant, store):
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=campaign().pk)
    assert _code(lambda: _buy(make_member(merchant), bargain, store)) == "not_found"


def test_an_expired_bargain_cannot_be_bought(campaign, merchant, store):
    member = make_member(merchant)
    bargain, _ = start_bargain(member=member, campaign_id=campaign(hours_to_finish=2).pk)
    with time_machine.travel(bargain.expires_at + dt.timedelta(seconds=1)):
        assert _code(lambda: _buy(member, bargain, store)) == "bargain.expired"
    assert not Order.objects.exists()


def test_a_paused_campaign_sells_nothing(campaign, owner, merchant, store):
    member = make_member(merchant)
    running = campaign()
    bargain, _ = start_bargain(member=member, campaign_id=running.pk)
    set_campaign_status(actor=owner, campaign_id=running.pk, status="paused")
    assert _code(lambda: _buy(member, bargain, store)) == "bargain.paused"


def test_the_campaign_stock_is_not_oversold(campaign, merchant, store):
    running = campaign(stock=2)
    buyers = [make_member(merchant) for _ in range(3)]
    bargains = [start_bargain(member=m, campaign_id=running.pk)[0] for m in buyers]
    _buy(buyers[0], bargains[0], store)
    _buy(buyers[1], bargains[1], store)
    assert _code(lambda: _buy(buyers[2], bargains[2], store)) == "bargain.sold_out"
    running.refresh_from_db()
    assert running.sold == 2 and Order.objects.count() == 2
    assert Bargain.objects.get(pk=bargains[2].pk).status == "open"
    # Sold out: nobody new may start.
    assert (
        _code(lambda: start_bargain(member=make_member(merchant), campaign_id=running.pk))
        == "bargain.sold_out"
    )


def test_a_refused_order_takes_nothing(owner, merchant, store, warehouse):
    from newretail.marketing.bargain.setup import create_campaign
    from tests.bargain.conftest import campaign_data

    scarce = make_sku(merchant.pk, name="茅台", price_fen=149900)
    running = create_campaign(
        actor=owner, **campaign_data(scarce, start_price_fen=149900, floor_price_fen=99900)
    )
    member = make_member(merchant)
    bargain, _ = start_bargain(member=member, campaign_id=running.pk)  # the warehouse has none
    assert _code(lambda: _buy(member, bargain, store)) == "orders.not_in_stock_at_store"
    running.refresh_from_db()
    bargain.refresh_from_db()
    assert running.sold == 0 and bargain.status == "open" and not Order.objects.exists()


def test_cancelling_gives_the_piece_back_and_the_bargain_can_be_bought_again(
    campaign, merchant, store, committed
):
    member = make_member(merchant)
    running = campaign()
    bargain, _ = start_bargain(member=member, campaign_id=running.pk)
    order = _buy(member, bargain, store)
    with committed():
        cancel_order(order_id=order.pk, merchant=merchant, member=member)
    running.refresh_from_db()
    bargain.refresh_from_db()
    assert running.sold == 0 and bargain.status == "open" and bargain.order_id is None
    again = _buy(member, bargain, store)
    assert again.pk != order.pk and again.status == Order.Status.PENDING_PAYMENT


def test_a_full_refund_of_a_paid_bargain_gives_the_piece_back(campaign, owner, merchant, store, committed):
    """An after-sale refund of the whole order (paid, then returned): the campaign gets its piece
    back, as for a cancelled order."""
    from newretail.payments.actions.refunds import create_refund

    running = campaign()
    member = make_member(merchant)
    bargain, _ = start_bargain(member=member, campaign_id=running.pk)
    order = _buy(member, bargain, store)
    pay_order(order_id=order.pk, kind="cash", actor=owner)
    running.refresh_from_db()
    assert running.sold == 1
    line = order.lines.get()
    with committed():
        create_refund(
            order=order, kind="goods", lines=[(line.pk, line.quantity)], include_shipping=True,
            reason="退货", actor=owner,
        )
    running.refresh_from_db()
    bargain.refresh_from_db()
    assert running.sold == 0 and bargain.status == "open" and bargain.order_id is None


def test_an_order_closing_unpaid_after_the_bargain_expired_leaves_it_expired(
    campaign, merchant, store, committed
):
    member = make_member(merchant)
    running = campaign(hours_to_finish=1)
    bargain, _ = start_bargain(member=member, campaign_id=running.pk)
    order = _buy(member, bargain, store)
    with time_machine.travel(max(order.expires_at, bargain.expires_at) + dt.timedelta(minutes=1)):
        with committed():
            assert expire_unpaid_orders() == 1
    running.refresh_from_db()
    bargain.refresh_from_db()
    assert running.sold == 0 and bargain.status == "expired"


def test_the_report_counts_bargains_helps_floors_and_paid_orders(campaign, owner, merchant, store):
    running = campaign(helpers_needed=2)
    members = [make_member(merchant) for _ in range(3)]
    bargains = [start_bargain(member=m, campaign_id=running.pk)[0] for m in members]
    friend = make_member(merchant)
    help_with(bargains[0], merchant, helper=friend)
    help_with(bargains[0], merchant)
    help_with(bargains[1], merchant, helper=friend)
    paid = _buy(members[0], bargains[0], store)  # at the floor: ¥1.00
    _buy(members[1], bargains[1], store)  # ordered, not paid
    pay_order(order_id=paid.pk, kind="cash", actor=owner)
    report = campaign_report(running)
    assert (report.started, report.helps, report.helpers, report.reached_floor) == (3, 3, 2, 1)
    assert (report.ordered, report.bought, report.gmv_fen, report.cost_fen) == (2, 1, 100, 250)
    assert report.conversion_percent == 33 and report.sold == 2
