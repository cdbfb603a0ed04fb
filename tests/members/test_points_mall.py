"""The points mall (积分商城): points buy a coupon (a goods voucher included) or stored-value bonus,
all or nothing; per-member limits and stock hold; a double tap is one exchange; the ledgers add up;
the mall page, the shopper API and the console setup."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.ledgers import find_differences
from newretail.marketing.actions.coupons import create_coupon_template
from newretail.marketing.models import Coupon
from newretail.members.actions.points import earn_points
from newretail.members.actions.points_mall import exchange
from newretail.members.models import PointsAccount, PointsExchange, PointsMallItem, WalletAccount
from newretail.members.testing import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def voucher(owner, water):
    now = clock.now()
    template = create_coupon_template(
        actor=owner,
        name="农夫山泉兑换券",
        kind="exchange",
        exchange_sku_id=water.pk,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
    )
    return PointsMallItem.objects.create(
        merchant_id=owner.merchant_id,
        kind="coupon",
        name="换一瓶农夫山泉",
        points=300,
        coupon_template_id=template.pk,
        stock=2,
        per_member_limit=1,
    )


def _balance(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def test_points_buy_a_goods_voucher_once_per_member_and_stock_runs_out(merchant, voucher):
    first, second, third = (make_member(merchant) for _ in range(3))
    for member in (first, second, third):
        earn_points(member=member, points=1000, reference="gift")
    done = exchange(member=first, item_id=voucher.pk, idempotency_key="tap-1")
    assert exchange(member=first, item_id=voucher.pk, idempotency_key="tap-1").pk == done.pk  # double tap
    assert _balance(first) == 700 and Coupon.objects.get(member=first).template.kind == "exchange"
    with pytest.raises(DomainError) as caught:
        exchange(member=first, item_id=voucher.pk)
    assert caught.value.code == "members.exchange_limit"
    exchange(member=second, item_id=voucher.pk)
    with pytest.raises(DomainError) as caught:
        exchange(member=third, item_id=voucher.pk)
    assert caught.value.code == "members.exchange_unavailable" and _balance(third) == 1000
    assert not find_differences(["points"])


def test_not_enough_points_changes_nothing(merchant, voucher):
    member = make_member(merchant)
    earn_points(member=member, points=299, reference="gift")
    with pytest.raises(DomainError) as caught:
        exchange(member=member, item_id=voucher.pk)
    assert caught.value.code == "members.points_not_enough"
    voucher.refresh_from_db()
    assert voucher.stock == 2 and not PointsExchange.objects.exists() and _balance(member) == 299


def test_points_for_stored_value_bonus(merchant):
    item = PointsMallItem.objects.create(
        merchant=merchant,
        kind="bonus",
        name="500积分换5元储值",
        points=500,
        bonus_fen=500,
        per_member_limit=3,
    )
    member = make_member(merchant)
    earn_points(member=member, points=1200, reference="gift")
    exchange(member=member, item_id=item.pk)
    exchange(member=member, item_id=item.pk)
    account = WalletAccount.objects.get(member=member)
    assert (account.principal_fen, account.bonus_fen, _balance(member)) == (0, 1000, 200)
    assert not find_differences(["points", "wallet"])


def test_the_mall_page_the_api_and_the_console(owner, merchant, voucher, shopper):
    from tests.console.test_marketing_pages import Browser
    from tests.orders.conftest import shop_path
    from tests.storefront.conftest import Browser as MallBrowser
    from tests.storefront.conftest import mall

    web = MallBrowser()
    web.login(merchant, "13500000009")
    from newretail.members.models import Member

    earn_points(member=Member.objects.get(phone="13500000009"), points=400, reference="gift")
    assert "换一瓶农夫山泉" in web.text(mall(merchant, "me/points/mall/"))
    web.post(mall(merchant, "me/points/mall/"), {"item": voucher.pk, "form_key": "k"})
    assert PointsExchange.objects.filter(member__phone="13500000009").count() == 1

    me, _member_id = shopper()
    assert [i["name"] for i in me.get(shop_path(merchant, "points-mall"))] == ["换一瓶农夫山泉"]
    assert (
        me.post(shop_path(merchant, "points-mall/exchange"), {"item_id": voucher.pk}, status=400)["code"]
        == "members.points_not_enough"
    )

    console = Browser(owner)
    assert "换一瓶农夫山泉" in console.get(reverse("console:points_mall_items"))
    console.get(reverse("console:points_mall_item_new"))
    console.post(
        reverse("console:points_mall_item_new"),
        {
            "kind": "bonus",
            "name": "换2元",
            "points": "200",
            "bonus": "2",
            "per_member_limit": "5",
            "is_active": "on",
        },
    )
    assert PointsMallItem.objects.get(name="换2元").bonus_fen == 200
