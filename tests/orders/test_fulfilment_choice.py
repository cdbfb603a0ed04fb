"""Where an order is fulfilled from (orders.fulfilment.choose_source): express prefers a central
warehouse and falls back to an online store; pickup short of stock names the stores that have
it, nearest first; delivery takes the nearest store in range that has everything; the damaged-
goods warehouse is never chosen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from newretail.core import testing
from newretail.core.errors import DomainError
from newretail.marketing.actions import update_shipping_settings
from newretail.marketing.geo import distance_m
from newretail.orders import fulfilment
from newretail.orders.actions import cart as carts
from newretail.orders.actions.stock import damaged_warehouse_for
from newretail.orders.models import Order
from tests.inventory.conftest import make_sku, receive

pytestmark = pytest.mark.django_db

F = Order.Fulfilment
HOME = {"latitude": "31.230000", "longitude": "121.470000"}
ADDRESS = {
    "recipient": "王五",
    "phone": "13900002222",
    "province": "上海市",
    "city": "上海市",
    "detail": "人民大道200号",
    **HOME,
}


def north_of_home(metres: int) -> dict[str, str]:
    """Coordinates ``metres`` due north of HOME (1° of latitude ≈ 111.2 km)."""
    latitude = Decimal(HOME["latitude"]) + Decimal(metres) / Decimal(111_195)
    return {"latitude": f"{latitude:.6f}", "longitude": HOME["longitude"]}


def shop_at(owner, name: str, metres: int | None, **fields):
    where = north_of_home(metres) if metres is not None else {}
    return testing.make_store(owner, name=name, **where, **fields)


def choose(merchant, kind: str, lines, **kwargs) -> fulfilment.Source:
    return fulfilment.choose_source(
        merchant_id=merchant.pk, fulfilment=kind, lines=[(sku.pk, q) for sku, q in lines], **kwargs
    )


def refused(merchant, kind: str, lines, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        choose(merchant, kind, lines, **kwargs)
    return error.value


@pytest.fixture
def sku(merchant):
    return make_sku(merchant.pk, name="农夫山泉 550ml")


# --- express ---------------------------------------------------------------------------------


def test_express_prefers_the_first_central_warehouse_that_has_everything(merchant, owner, store, sku):
    receive(store.warehouses.get(), sku, 100)
    first = testing.make_central_warehouse(owner, code="DC1")
    second = testing.make_central_warehouse(owner, code="DC2")
    receive(first, sku, 2)
    receive(second, sku, 10)
    assert choose(merchant, F.EXPRESS, [(sku, 2)]) == fulfilment.Source(warehouse=first, store=None)
    assert choose(merchant, F.EXPRESS, [(sku, 3)]) == fulfilment.Source(warehouse=second, store=None)
    # with a central warehouse, express ships from central warehouses only
    short = refused(merchant, F.EXPRESS, [(sku, 11)])
    assert short.code == "orders.no_warehouse_with_stock"
    assert short.message == "没有仓库能发出订单中的全部商品（农夫山泉 550ml缺货）。"


def test_express_without_a_central_warehouse_ships_from_an_online_store(merchant, owner, sku):
    offline = shop_at(owner, "仓储店", None, code="A0", is_online=False)
    short = shop_at(owner, "一号店", None, code="A1")
    stocked = shop_at(owner, "二号店", None, code="A2")
    receive(offline.warehouses.get(), sku, 50)
    receive(short.warehouses.get(), sku, 1)
    receive(stocked.warehouses.get(), sku, 5)
    chosen = choose(merchant, F.EXPRESS, [(sku, 3)])
    assert (chosen.warehouse, chosen.store) == (stocked.warehouses.get(), stocked)
    assert choose(merchant, F.EXPRESS, [(sku, 1)]).store == short  # the first by code that has it
    assert refused(merchant, F.EXPRESS, [(sku, 6)]).code == "orders.no_warehouse_with_stock"


def test_the_damaged_goods_warehouse_is_never_chosen(merchant, owner, store, sku):
    damaged = damaged_warehouse_for(merchant.pk)
    receive(damaged, sku, 100)
    assert refused(merchant, F.EXPRESS, [(sku, 1)]).code == "orders.no_warehouse_with_stock"
    with pytest.raises(DomainError) as explicit:
        fulfilment.explicit_source(merchant_id=merchant.pk, warehouse_id=damaged.pk, store_id=store.pk)
    assert explicit.value.code == "orders.warehouse_not_selling"
    assert explicit.value.message == f"{damaged.name}存放残次品，不能用于发货。"
    # nor does the cart count its stock as sellable
    from newretail.members.testing import make_member

    cart = carts.cart_for_member(make_member(merchant))
    carts.add_to_cart(cart=cart, sku_id=sku.pk, quantity=1)
    (item,) = carts.view_cart(cart).items
    assert item.sold_out
    # a central warehouse with stock is chosen over it
    central = testing.make_central_warehouse(owner)
    receive(central, sku, 1)
    assert choose(merchant, F.EXPRESS, [(sku, 1)]).warehouse == central


# --- store pickup ----------------------------------------------------------------------------


def test_pickup_at_a_store_that_has_everything(merchant, owner, sku):
    here = shop_at(owner, "人民广场店", 800)
    receive(here.warehouses.get(), sku, 3)
    chosen = choose(merchant, F.PICKUP, [(sku, 3)], store_id=here.pk, address=ADDRESS)
    assert (chosen.store, chosen.warehouse) == (here, here.warehouses.get())
    assert chosen.distance_m == distance_m(here.latitude, here.longitude, HOME["latitude"], HOME["longitude"])
    assert refused(merchant, F.PICKUP, [(sku, 1)]).code == "orders.pickup_store_required"


def test_pickup_short_of_stock_names_the_stores_that_have_it_nearest_first(merchant, owner, sku):
    chosen = shop_at(owner, "人民广场店", 300, code="P0")
    far = shop_at(owner, "浦东店", 5200, code="P1")
    near = shop_at(owner, "南京路店", 1240, code="P2")
    partly = shop_at(owner, "徐家汇店", 600, code="P3")
    offline = shop_at(owner, "仓储店", 100, code="P4", is_online=False)
    unplaced = shop_at(owner, "新开店", None, code="P5")
    receive(chosen.warehouses.get(), sku, 1)
    for shop, quantity in ((far, 5), (near, 5), (partly, 1), (offline, 9), (unplaced, 5)):
        receive(shop.warehouses.get(), sku, quantity)
    cola = make_sku(merchant.pk, name="可口可乐 330ml")
    for shop in (far, near, unplaced, partly):
        receive(shop.warehouses.get(), cola, 1)

    error = refused(merchant, F.PICKUP, [(sku, 2), (cola, 1)], store_id=chosen.pk, address=ADDRESS)
    assert error.code == "orders.not_in_stock_at_store"
    # stores without a map location come last
    assert error.message == (
        "人民广场店的商品不全有货（农夫山泉 550ml）。有货门店：南京路店（1.2 km）、浦东店（5.2 km）、新开店。"
    )
    without_location = refused(merchant, F.PICKUP, [(sku, 2), (cola, 1)], store_id=chosen.pk)
    assert without_location.params["alternatives"] == "有货门店：浦东店、南京路店、新开店。"  # by code
    nowhere = refused(merchant, F.PICKUP, [(sku, 50)], store_id=chosen.pk, address=ADDRESS)
    assert nowhere.params["alternatives"] == ""


def test_pickup_at_an_offline_store_or_another_merchants_is_refused(merchant, owner, other_owner, sku):
    offline = shop_at(owner, "仓储店", None, is_online=False)
    receive(offline.warehouses.get(), sku, 5)
    assert refused(merchant, F.PICKUP, [(sku, 1)], store_id=offline.pk).code == "orders.store_not_online"
    theirs = testing.make_store(other_owner)
    assert refused(merchant, F.PICKUP, [(sku, 1)], store_id=theirs.pk).code == "not_found"


# --- same-city delivery ----------------------------------------------------------------------


def test_delivery_takes_the_nearest_store_in_range_that_has_everything(merchant, owner, sku):
    nearest = shop_at(owner, "近邻店", 400, code="D0")
    second = shop_at(owner, "人民广场店", 1800, code="D1")
    third = shop_at(owner, "南京路店", 2600, code="D2")
    beyond = shop_at(owner, "浦东店", 3500, code="D3")
    receive(nearest.warehouses.get(), sku, 1)
    receive(second.warehouses.get(), sku, 4)
    receive(third.warehouses.get(), sku, 9)
    receive(beyond.warehouses.get(), sku, 99)

    assert choose(merchant, F.DELIVERY, [(sku, 1)], address=ADDRESS).store == nearest
    assert choose(merchant, F.DELIVERY, [(sku, 2)], address=ADDRESS).store == second
    picked = choose(merchant, F.DELIVERY, [(sku, 5)], address=ADDRESS)
    assert (picked.store, picked.warehouse) == (third, third.warehouses.get())
    assert picked.distance_m == distance_m(
        third.latitude, third.longitude, HOME["latitude"], HOME["longitude"]
    )
    # the store the shopper chose, when it is in range
    assert choose(merchant, F.DELIVERY, [(sku, 1)], address=ADDRESS, store_id=third.pk).store == third

    no_stock = refused(merchant, F.DELIVERY, [(sku, 10)], address=ADDRESS)
    assert no_stock.code == "orders.no_store_with_stock"
    assert no_stock.message == "配送范围内没有门店全部有货（农夫山泉 550ml缺货）。"
    # the store beyond the 3 km radius has it, but does not deliver here
    assert refused(merchant, F.DELIVERY, [(sku, 1)], address=ADDRESS, store_id=beyond.pk).code == (
        "orders.no_store_in_range"
    )


def test_delivery_out_of_range(merchant, owner, sku, django_capture_on_commit_callbacks):
    far = shop_at(owner, "浦东店", 4500)
    receive(far.warehouses.get(), sku, 10)
    error = refused(merchant, F.DELIVERY, [(sku, 1)], address=ADDRESS)
    assert error.code == "orders.no_store_in_range" and error.status == 409
    assert error.message == "没有门店能配送到该地址：最近的门店相距4.5 km，配送范围为3.0 km。"
    with django_capture_on_commit_callbacks(execute=True):  # the rules cache moves on at commit
        update_shipping_settings(actor=owner, delivery_radius_m=5000)
    assert choose(merchant, F.DELIVERY, [(sku, 1)], address=ADDRESS).store == far
    assert refused(merchant, F.DELIVERY, [(sku, 1)], address={}).code == "orders.address_needs_location"


def test_in_store_sells_from_the_stores_own_warehouse(merchant, owner, store, sku):
    chosen = choose(merchant, F.IN_STORE, [(sku, 1)], store_id=store.pk)
    assert (chosen.store, chosen.warehouse) == (store, store.warehouses.get())  # stock is not read
    assert refused(merchant, F.IN_STORE, [(sku, 1)]).code == "orders.store_required"
