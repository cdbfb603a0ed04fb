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


# Goods in the points mall: an order of channel points_mall through the order core.


@pytest.fixture
def rice(merchant, warehouse):
    """¥39.90 list price, 5 in stock at the store's warehouse."""
    from tests.inventory.conftest import make_sku, receive

    sku = make_sku(merchant.pk, name="五常大米 2.5kg", price_fen=3990)
    receive(warehouse, sku, 5)
    return sku


def _goods_item(
    owner,
    rice,
    *,
    points: int,
    cash_fen: int = 0,
    stock: int | None = 3,
    limit: int = 1,
    sku_id: int | None = None,
):
    from newretail.members.actions.points_mall import save_item

    return save_item(
        actor=owner,
        item=None,
        kind="goods",
        name="积分换大米",
        points=points,
        sku_id=rice.pk if sku_id is None else sku_id,
        cash_fen=cash_fen,
        stock=stock,
        per_member_limit=limit,
        is_active=True,
    )


def test_goods_for_points_only_is_a_paid_points_mall_order_at_nothing(
    owner, merchant, store, rice, committed
):
    from newretail.inventory.queries import available_quantity
    from newretail.orders.models import Order

    item = _goods_item(owner, rice, points=800)
    member = make_member(merchant)
    earn_points(member=member, points=1000, reference="gift")
    with committed():
        done = exchange(
            member=member, item_id=item.pk, fulfilment="pickup", store_id=store.pk, idempotency_key="t1"
        )
    order = Order.objects.get(pk=done.order_id)
    assert (order.channel, order.status, order.payable_fen) == ("points_mall", "paid", 0)
    [line] = order.lines.all()
    assert (line.sku_id, line.quantity, line.final_amount_fen) == (rice.pk, 1, 0)
    assert "800" in order.adjustments.get().explanation
    assert _balance(member) == 200
    assert available_quantity(merchant.pk, store.warehouses.get(), rice.pk) == 4
    item.refresh_from_db()
    assert item.stock == 2
    # A double tap is the same exchange and the same order.
    assert (
        exchange(
            member=member, item_id=item.pk, fulfilment="pickup", store_id=store.pk, idempotency_key="t1"
        ).order_id
        == order.pk
    )
    assert not find_differences(["points"])


def test_points_plus_cash_pays_the_cash_part_with_no_promotion_on_top(
    owner, merchant, store, rice, committed
):
    from newretail.marketing.actions.promotions import create_promotion
    from newretail.orders.models import Order
    from tests.orders.conftest import ADDRESS

    now = clock.now()
    create_promotion(
        actor=owner,
        kind="spend_off",
        name="满5减3",
        rules={"tiers": [{"threshold": 500, "off_fen": 300}]},
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1),
    )
    item = _goods_item(owner, rice, points=500, cash_fen=990)
    member = make_member(merchant)
    earn_points(member=member, points=500, reference="gift")
    with committed():
        done = exchange(member=member, item_id=item.pk, fulfilment="express", address=ADDRESS)
    order = Order.objects.get(pk=done.order_id)
    assert order.status == "pending_payment" and order.goods_final_fen == 990
    assert order.payable_fen == 990 + order.shipping_fen
    assert sorted(a.source for a in order.adjustments.all()) == ["campaign", "express"]  # no promotion
    assert _balance(member) == 0


def test_an_unpaid_exchange_that_is_cancelled_gives_points_piece_and_limit_back(
    owner, merchant, store, rice, committed
):
    from newretail.orders.actions import lifecycle

    item = _goods_item(owner, rice, points=300, cash_fen=500, stock=1)
    member = make_member(merchant)
    earn_points(member=member, points=300, reference="gift")
    with committed():
        done = exchange(member=member, item_id=item.pk, fulfilment="pickup", store_id=store.pk)
    item.refresh_from_db()
    assert (item.stock, _balance(member)) == (0, 0)
    with committed():
        lifecycle.cancel_order(order_id=done.order_id, merchant=merchant.pk, member=member, reason="")
    item.refresh_from_db()
    done.refresh_from_db()
    assert (item.stock, _balance(member)) == (1, 300) and done.voided_at is not None
    with committed():
        again = exchange(member=member, item_id=item.pk, fulfilment="pickup", store_id=store.pk)
    assert again.order_id != done.order_id and _balance(member) == 0
    assert not find_differences(["points"])


def test_goods_the_warehouse_cannot_give_write_nothing(owner, merchant, store, rice):
    from newretail.inventory.queries import available_quantity
    from newretail.orders.models import Order

    item = _goods_item(owner, rice, points=100, stock=None, limit=10)
    warehouse = store.warehouses.get()
    members = [make_member(merchant) for _ in range(6)]
    for member in members:
        earn_points(member=member, points=100, reference="gift")
    for member in members[:5]:
        exchange(member=member, item_id=item.pk, fulfilment="pickup", store_id=store.pk)
    assert available_quantity(merchant.pk, warehouse, rice.pk) == 0
    with pytest.raises(DomainError):
        exchange(member=members[5], item_id=item.pk, fulfilment="pickup", store_id=store.pk)
    assert _balance(members[5]) == 100
    assert Order.objects.filter(channel="points_mall").count() == 5
    assert PointsExchange.objects.filter(member=members[5]).count() == 0


def test_a_goods_item_needs_a_product_and_a_cash_part_below_its_price(owner, rice):
    for bad in ({"cash_fen": 3990}, {"sku_id": 0}):
        with pytest.raises(DomainError) as caught:
            _goods_item(owner, rice, points=100, **bad)
        assert caught.value.code == "members.exchange_invalid"


def test_goods_through_the_mall_page_the_api_and_the_console(owner, merchant, store, rice, shopper):
    from newretail.members.models import Member
    from newretail.orders.models import Order
    from tests.console.test_marketing_pages import Browser
    from tests.orders.conftest import shop_path
    from tests.storefront.conftest import Browser as MallBrowser
    from tests.storefront.conftest import mall

    console = Browser(owner)
    console.get(reverse("console:points_mall_item_new"))
    console.post(
        reverse("console:points_mall_item_new"),
        {
            "kind": "goods",
            "name": "积分换大米",
            "points": "300",
            "sku_code": rice.code,
            "cash": "9.90",
            "per_member_limit": "2",
            "is_active": "on",
        },
    )
    item = PointsMallItem.objects.get(name="积分换大米")
    assert (item.sku_id, item.cash_fen) == (rice.pk, 990)
    assert "五常大米" in console.get(reverse("console:points_mall_items"))

    web = MallBrowser()
    web.login(merchant, "13500000009")
    member = Member.objects.get(phone="13500000009")
    earn_points(member=member, points=700, reference="gift")
    assert "9.90" in web.text(mall(merchant, "me/points/mall/"))
    page = mall(merchant, f"me/points/mall/{item.pk}/")
    assert store.name in web.text(page)
    answer = web.post(page, {"fulfilment": "pickup", "store_id": store.pk, "form_key": "k1"})
    order = Order.objects.get(member=member, channel="points_mall")
    assert answer.status_code == 302 and answer["Location"].endswith(f"orders/{order.pk}/pay/")
    assert (order.payable_fen, order.fulfilment) == (990, "pickup")

    me, _member_id = shopper()
    answer = me.post(
        shop_path(merchant, "points-mall/exchange"),
        {"item_id": item.pk, "fulfilment": "pickup", "store_id": store.pk},
        status=400,
    )
    assert answer["code"] == "members.points_not_enough"
    [listed] = me.get(shop_path(merchant, "points-mall"))
    assert (listed["kind"], listed["cash_fen"], listed["sku_id"]) == ("goods", 990, rice.pk)
