"""Coupons and promotion limits under real concurrency on PostgreSQL: threads with their own
connections claim and order at the same moment (a Barrier lines them up)."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock, testing
from newretail.marketing.actions.coupons import create_coupon_template, issue_coupons
from newretail.marketing.actions.promotions import create_promotion
from newretail.marketing.models import Coupon, CouponTemplate, Promotion, PromotionUsage
from newretail.members.testing import make_member
from newretail.orders.actions.checkout import create_order
from tests.inventory.conftest import make_sku, receive
from tests.inventory.test_concurrency import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    merchant, owner = testing.make_merchant()
    warehouse = testing.make_store(owner).warehouses.get()
    return merchant, owner, warehouse


def _template(owner, **fields) -> CouponTemplate:
    now = clock.now()
    return create_coupon_template(
        actor=owner,
        name="新人券",
        kind="cash_off",
        off_fen=500,
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(days=7),
        **fields,
    )


def _pickup(merchant, warehouse, sku, key: str, **extra):
    return create_order(
        merchant=merchant.pk,
        channel="mall",
        store_id=warehouse.store_id,
        warehouse_id=warehouse.pk,
        fulfilment="pickup",
        lines=[{"sku_id": sku.pk, "quantity": 1}],
        idempotency_key=key,
        **extra,
    )


def test_twenty_members_claiming_the_last_five_coupons_get_five(shop):
    merchant, owner, _warehouse = shop
    template = _template(owner, total_stock=5)
    members = [make_member(merchant) for _ in range(20)]

    claimed, errors = run_threads(
        20, lambda i: issue_coupons(template=template, member=members[i], source="claim")
    )

    assert len(claimed) == 5 and {e.code for e in errors} == {"marketing.coupon_sold_out"}
    template.refresh_from_db()
    assert template.issued_count == 5 == Coupon.objects.filter(template=template).count()


def test_one_member_claiming_in_ten_tabs_gets_their_limit(shop):
    merchant, owner, _warehouse = shop
    template = _template(owner, per_member_limit=2)
    member = make_member(merchant)

    claimed, errors = run_threads(
        10, lambda i: issue_coupons(template=template, member=member, source="claim")
    )

    assert len(claimed) == 2 and {e.code for e in errors} == {"marketing.coupon_limit_reached"}
    assert Coupon.objects.filter(member=member).count() == 2


def test_ten_orders_racing_for_three_uses_of_a_promotion_get_three_discounts(shop):
    merchant, owner, warehouse = shop
    sku = make_sku(merchant.pk, price_fen=1000)
    receive(warehouse, sku, 100)
    now = clock.now()
    promotion = create_promotion(
        actor=owner,
        name="前3单立减",
        kind="spend_off",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1),
        rules={"tiers": [{"threshold": 500, "off_fen": 300}]},
        usage_limit=3,
    )

    orders, errors = run_threads(10, lambda i: _pickup(merchant, warehouse, sku, f"race-{i}"))

    assert not errors and len(orders) == 10  # nobody is refused: the late ones pay full price
    assert sorted(o.discount_fen for o in orders) == [0] * 7 + [300] * 3
    promotion.refresh_from_db()
    assert promotion.used_count == 3 == PromotionUsage.objects.filter(promotion=promotion).count()


def test_two_tabs_spending_one_coupon_make_one_discounted_order(shop):
    merchant, owner, warehouse = shop
    sku = make_sku(merchant.pk, price_fen=1000)
    receive(warehouse, sku, 10)
    member = make_member(merchant)
    coupon = issue_coupons(template=_template(owner), member=member, source="claim")[0]

    orders, errors = run_threads(
        6, lambda i: _pickup(merchant, warehouse, sku, f"tab-{i}", member=member, coupon_ids=[coupon.pk])
    )

    assert len(orders) == 1 and {e.code for e in errors} == {"marketing.coupon_not_available"}
    coupon.refresh_from_db()
    assert coupon.status == "locked" and coupon.order_id == orders[0].pk
    assert Promotion.objects.count() == 0
