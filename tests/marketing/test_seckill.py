"""Seckill rules on the database path (every profile): the window, pause, the per-member limit
and one live purchase per member, member levels, the price through the pricing engine, the
order's short deadline and the pieces coming back when it closes or is cancelled, a refused
order giving its pieces back, and the checks on a campaign's settings."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.marketing.actions.promotions import create_promotion
from newretail.marketing.models import SeckillItem, SeckillPurchase
from newretail.marketing.seckill.buying import buy_seckill
from newretail.marketing.seckill.campaigns import create_campaign, set_campaign_status, update_campaign
from newretail.marketing.seckill.queries import forget_offers, mall_seckill_items, seckill_for_skus
from newretail.marketing.seckill.reconcile import STRANDED_AFTER, reconcile_seckill
from newretail.members.models import MemberLevel
from newretail.members.testing import make_member
from newretail.orders.actions.lifecycle import cancel_order, expire_unpaid_orders
from newretail.orders.models import Order
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_offers():
    forget_offers()
    yield
    forget_offers()


@pytest.fixture
def seckill(owner, water):
    """seckill(**fields) -> a running campaign of water at ¥1.00, 5 pieces (database path)."""

    def make(**fields):
        now = clock.now()
        data = {
            "name": "整点秒杀",
            "starts_at": now - dt.timedelta(minutes=1),
            "ends_at": now + dt.timedelta(hours=1),
            "items": [{"sku_id": water.pk, "price_fen": 100, "stock": 5}],
            "stock_path": "database",
            **fields,
        }
        return create_campaign(actor=owner, **data)

    return make


def _item(campaign) -> SeckillItem:
    return campaign.items.get()


def _buy(member, item, store, **kwargs) -> Order:
    return buy_seckill(member=member, item_id=item.pk, fulfilment="pickup", store_id=store.pk, **kwargs)


def _code(call) -> str:
    with pytest.raises(DomainError) as error:
        call()
    return error.value.code


def test_a_purchase_is_an_order_at_the_seckill_price(seckill, merchant, store, warehouse, water):
    item = _item(seckill())
    member = make_member(merchant)

    order = _buy(member, item, store)

    line = order.lines.get()
    assert (line.sku_id, line.quantity, line.unit_price_fen, line.final_amount_fen) == (water.pk, 1, 100, 100)
    assert order.payable_fen == 100 and order.status == Order.Status.PENDING_PAYMENT
    campaign_part = order.adjustments.get(source="campaign")
    assert campaign_part.amount_fen == -250 and "整点秒杀" in campaign_part.explanation
    item.refresh_from_db()
    assert item.sold == 1
    purchase = SeckillPurchase.objects.get()
    assert (purchase.status, purchase.order_id, purchase.member_id) == ("ordered", order.pk, member.pk)
    assert level_of(warehouse, water).reserved == 1  # the warehouse's stock is held as for any order


def test_unpaid_seckill_orders_expire_after_the_campaigns_minutes(seckill, merchant, store):
    item = _item(seckill(unpaid_minutes=3))
    order = _buy(make_member(merchant), item, store)
    assert dt.timedelta(minutes=2, seconds=50) < order.expires_at - clock.now() <= dt.timedelta(minutes=3)


def test_the_default_deadline_is_five_minutes(seckill, merchant, store):
    item = _item(seckill())
    order = _buy(make_member(merchant), item, store)
    assert dt.timedelta(minutes=4, seconds=50) < order.expires_at - clock.now() <= dt.timedelta(minutes=5)


def test_the_best_single_item_price_wins(seckill, owner, merchant, store, water):
    """Step 1 weighs the seckill price against a limited-time price: never both."""
    now = clock.now()
    create_promotion(
        actor=owner,
        name="限时八折",
        kind="flash_discount",
        rules={"rate_percent": 80},
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1),
    )
    order = _buy(make_member(merchant), _item(seckill()), store)
    assert order.lines.get().unit_price_fen == 100
    assert list(order.adjustments.values_list("source", flat=True)) == ["campaign"]


def test_a_cheaper_member_price_beats_the_seckill_price(seckill, owner, merchant, store, water):
    now = clock.now()
    create_promotion(
        actor=owner,
        name="会员价",
        kind="member_price",
        rules={"sku_prices": {str(water.pk): 80}},
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1),
    )
    order = _buy(make_member(merchant), _item(seckill()), store)
    assert order.lines.get().unit_price_fen == 80  # the engine's rule: the best single price


def test_not_before_the_start_nor_after_the_end(seckill, merchant, store):
    now = clock.now()
    upcoming = _item(seckill(starts_at=now + dt.timedelta(minutes=10), ends_at=now + dt.timedelta(hours=1)))
    member = make_member(merchant)
    assert _code(lambda: _buy(member, upcoming, store)) == "marketing.seckill_not_started"
    with time_machine.travel(now + dt.timedelta(minutes=10), tick=False):
        assert _buy(member, upcoming, store).payable_fen == 100  # [starts_at, …
    with time_machine.travel(now + dt.timedelta(hours=1), tick=False):
        assert _code(lambda: _buy(make_member(merchant), upcoming, store)) == "marketing.seckill_ended"  # …ends_at)


def test_a_paused_seckill_sells_nothing(seckill, owner, merchant, store):
    campaign = seckill()
    set_campaign_status(actor=owner, campaign_id=campaign.pk, status="paused")
    forget_offers()
    assert _code(lambda: _buy(make_member(merchant), _item(campaign), store)) == "marketing.seckill_paused"
    set_campaign_status(actor=owner, campaign_id=campaign.pk, status="active")
    forget_offers()
    assert _buy(make_member(merchant), _item(campaign), store)


def test_nobody_beyond_the_limit_and_one_order_per_member(seckill, merchant, store):
    item = _item(seckill(per_member_limit=2))
    member = make_member(merchant)
    assert _code(lambda: _buy(member, item, store, quantity=3)) == "marketing.seckill_limit_exceeded"
    assert _buy(member, item, store, quantity=2).lines.get().quantity == 2
    assert _code(lambda: _buy(member, item, store)) == "marketing.seckill_already_bought"
    assert Order.objects.count() == 1
    item.refresh_from_db()
    assert item.sold == 2


def test_a_replayed_key_returns_the_first_order(seckill, merchant, store):
    item = _item(seckill())
    member = make_member(merchant)
    first = _buy(member, item, store, idempotency_key="tap-1")
    assert _buy(member, item, store, idempotency_key="tap-1").pk == first.pk
    assert _code(lambda: _buy(member, item, store, idempotency_key="tap-2")) == "marketing.seckill_already_bought"
    assert Order.objects.count() == 1


def test_sold_out_after_the_campaign_stock(seckill, merchant, store):
    item = _item(seckill())
    for _ in range(5):
        _buy(make_member(merchant), item, store)
    assert _code(lambda: _buy(make_member(merchant), item, store)) == "marketing.seckill_sold_out"
    item.refresh_from_db()
    assert (item.sold, item.stock) == (5, 5)


def test_member_levels(seckill, merchant, store):
    gold = MemberLevel.objects.create(merchant=merchant, name="金卡", rank=3, growth_threshold=1000)
    item = _item(seckill(level_ids=[gold.pk]))
    plain = make_member(merchant)
    error = pytest.raises(DomainError, _buy, plain, item, store)
    assert error.value.code == "marketing.seckill_level_required" and "金卡" in error.value.message
    vip = make_member(merchant)
    vip.level = gold
    vip.save(update_fields=["level"])
    assert _buy(vip, item, store).payable_fen == 100


def test_expiry_gives_the_pieces_back(seckill, merchant, store, warehouse, water, committed):
    item = _item(seckill())
    member = make_member(merchant)
    order = _buy(member, item, store)

    with committed():  # the order.closed subscriber runs after commit
        assert expire_unpaid_orders(clock.now() + dt.timedelta(minutes=6)) == 1

    item.refresh_from_db()
    assert item.sold == 0
    assert SeckillPurchase.objects.get().status == "released"
    assert Order.objects.get(pk=order.pk).status == Order.Status.CLOSED
    assert level_of(warehouse, water).reserved == 0
    assert _buy(member, item, store).pk != order.pk  # the member may try again


def test_cancelling_gives_the_pieces_back(seckill, merchant, store, committed):
    item = _item(seckill())
    member = make_member(merchant)
    order = _buy(member, item, store)
    with committed():
        cancel_order(order_id=order.pk, merchant=merchant, member=member)
    item.refresh_from_db()
    assert item.sold == 0


def test_a_refused_order_takes_nothing(owner, merchant, store, warehouse):
    """The warehouse has 1 piece of a SKU with 5 campaign pieces: the second buyer's order is
    refused by the order core and their piece goes back to the campaign at once."""
    scarce = make_sku(merchant.pk, name="茅台", price_fen=149900)
    receive(warehouse, scarce, 1)
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="茅台秒杀",
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        items=[{"sku_id": scarce.pk, "price_fen": 99900, "stock": 5}],
        stock_path="database",
    )
    item = _item(campaign)
    _buy(make_member(merchant), item, store)
    assert _code(lambda: _buy(make_member(merchant), item, store)) == "orders.not_in_stock_at_store"
    item.refresh_from_db()
    assert item.sold == 1
    assert SeckillPurchase.objects.filter(status="released").count() == 1


def test_reconcile_releases_a_purchase_stranded_by_a_crash(seckill, merchant):
    """A process that died after taking the stock and before writing the order leaves a reserved
    purchase: the reconciler gives its piece back once it is clearly not in flight."""
    item = _item(seckill())
    member = make_member(merchant)
    SeckillItem.objects.filter(pk=item.pk).update(sold=1)
    SeckillPurchase.objects.create(
        merchant=merchant, campaign_id=item.campaign_id, item=item, member=member, quantity=1
    )
    assert reconcile_seckill(clock.now()).released == 0  # might still be in flight
    result = reconcile_seckill(clock.now() + STRANDED_AFTER + dt.timedelta(seconds=1))
    assert result.released == 1
    item.refresh_from_db()
    assert item.sold == 0


def test_reconcile_corrects_a_wrong_sold_column(seckill, merchant, store):
    item = _item(seckill())
    _buy(make_member(merchant), item, store)
    SeckillItem.objects.filter(pk=item.pk).update(sold=4)
    assert reconcile_seckill().sold_fixed == 1
    item.refresh_from_db()
    assert item.sold == 1


def test_the_mall_lists_live_then_upcoming_items(seckill, merchant, water):
    now = clock.now()
    later = make_sku(merchant.pk, name="雪碧", price_fen=400)
    live = seckill()
    upcoming = seckill(
        name="明日秒杀",
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, hours=1),
        items=[{"sku_id": later.pk, "price_fen": 200, "stock": 3}],
    )
    listed = mall_seckill_items(merchant.pk, now)
    assert [(i.campaign_id, i.live) for i in listed] == [(live.pk, True), (upcoming.pk, False)]
    assert listed[1].countdown_to == upcoming.starts_at
    assert seckill_for_skus(merchant.pk, [water.pk, later.pk], now)[later.pk].live is False


# --- the campaign's settings -------------------------------------------------------------------


def test_settings_are_checked(seckill, owner, merchant, water):
    def problem(**fields) -> str:
        with pytest.raises(DomainError) as error:
            seckill(**fields)
        return error.value.params["field"]

    now = clock.now()
    assert problem(ends_at=now - dt.timedelta(hours=1)) == "ends_at"
    assert problem(items=[{"sku_id": water.pk, "price_fen": 350, "stock": 5}]) == "items.1.price_fen"
    assert problem(items=[{"sku_id": water.pk, "price_fen": 100, "stock": 0}]) == "items.1.stock"
    assert problem(items=[]) == "items"
    assert problem(per_member_limit=0) == "per_member_limit"
    assert problem(unpaid_minutes=61) == "unpaid_minutes"
    assert problem(level_ids=[10**9]) == "level_ids"
    seckill()
    assert problem(name="同时段") == "items"  # the same SKU in two seckills at once


def test_stock_cannot_go_below_sold_and_bought_items_stay(seckill, owner, merchant, store, water):
    campaign = seckill()
    item = _item(campaign)
    for _ in range(3):
        _buy(make_member(merchant), item, store)
    base = {
        "name": campaign.name,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "stock_path": "database",
    }
    with pytest.raises(DomainError):
        update_campaign(
            actor=owner, campaign_id=campaign.pk, **base, items=[{"sku_id": water.pk, "price_fen": 100, "stock": 2}]
        )
    other = make_sku(merchant.pk, name="雪碧", price_fen=400)
    with pytest.raises(DomainError):
        update_campaign(
            actor=owner, campaign_id=campaign.pk, **base, items=[{"sku_id": other.pk, "price_fen": 100, "stock": 2}]
        )
    update_campaign(
        actor=owner, campaign_id=campaign.pk, **base, items=[{"sku_id": water.pk, "price_fen": 90, "stock": 8}]
    )
    item.refresh_from_db()
    assert (item.stock, item.sold, item.price_fen) == (8, 3, 90)


def test_staff_without_marketing_manage_cannot_create(merchant, owner, store, water):
    from newretail.core.testing import make_staff
    from newretail.tenancy.roles import Role

    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    now = clock.now()
    with pytest.raises(DomainError) as error:
        create_campaign(
            actor=cashier,
            name="x",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=1),
            items=[{"sku_id": water.pk, "price_fen": 100, "stock": 5}],
        )
    assert error.value.status == 403
