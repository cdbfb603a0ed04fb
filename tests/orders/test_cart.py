"""Cart rules: the price shown is kept and a moved price is flagged until the shopper accepts it;
sold-out and off-sale lines are flagged; a payable that changed after the preview refuses the
order writing nothing; the anonymous cart merges at login (quantities add up, the newer price
wins); 100 lines at most; another merchant's SKU is 404."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.catalog.models import Product, Sku
from newretail.core import clock, testing
from newretail.core.models import Event
from newretail.inventory.models import Reservation
from newretail.members.models import Member
from newretail.members.testing import make_member
from newretail.orders.actions import cart as carts
from newretail.orders.models import Cart, CartLine, Order
from tests.inventory.conftest import level_of, make_sku, receive
from tests.orders.conftest import Api, shop_path

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def lines_of(cart: dict) -> dict[int, dict]:
    return {line["sku_id"]: line for line in cart["lines"]}


def nothing_written(cart_lines: int) -> None:
    assert not Order.objects.exists() and not Reservation.objects.exists()
    assert not Event.objects.filter(name="order.created").exists()
    assert CartLine.objects.count() == cart_lines


def test_a_moved_price_is_flagged_and_the_order_waits_for_the_shopper_to_accept_it(
    merchant, store, warehouse, water, shopper
):
    me, _member_id = shopper()
    me.post(shop_path(merchant, "cart/lines"), {"sku_id": water.pk, "quantity": 2})
    Sku.objects.filter(pk=water.pk).update(price_fen=400)

    cart = me.get(shop_path(merchant, "cart"))
    line = lines_of(cart)[water.pk]
    assert (line["price_seen_fen"], line["unit_price_fen"], line["price_changed"]) == (350, 400, True)
    assert line["available"] and not line["sold_out"]
    assert any("现价¥4.00（原¥3.50）" in problem for problem in cart["problems"])
    preview = me.post(shop_path(merchant, "checkout/preview"), {"fulfilment": "pickup", "store_id": store.pk})
    assert preview["ready"] is False and preview["problems"] == cart["problems"]

    refused = me.post(
        shop_path(merchant, "orders"), {"fulfilment": "pickup", "store_id": store.pk}, status=409
    )
    assert refused["code"] == "orders.cart_not_ready" and "现价¥4.00" in refused["message"]
    nothing_written(1)

    accepted = me.post(shop_path(merchant, "cart/accept-prices"))
    assert lines_of(accepted)[water.pk]["price_seen_fen"] == 400 and accepted["problems"] == []
    assert accepted["goods_fen"] == 800
    order = me.post(
        shop_path(merchant, "orders"),
        {"fulfilment": "pickup", "store_id": store.pk, "expected_payable_fen": 800},
        status=201,
    )
    assert order["payable_fen"] == 800 and order["lines"][0]["unit_price_fen"] == 400


def test_the_store_price_is_the_price_shown(merchant, store, cola, shopper):
    me, _member_id = shopper()
    assert (
        lines_of(me.post(shop_path(merchant, "cart/lines"), {"sku_id": cola.pk}))[cola.pk]["price_seen_fen"]
        == 500
    )
    chosen = me.put(shop_path(merchant, "cart/store"), {"store_id": store.pk})
    line = lines_of(chosen)[cola.pk]
    # choosing the store shows the cart at its prices: they are the prices shown, not a change
    assert (chosen["store_id"], line["unit_price_fen"], line["price_seen_fen"], line["price_changed"]) == (
        store.pk,
        450,
        450,
        False,
    )


def test_sold_out_and_off_sale_lines_are_flagged(merchant, store, warehouse, water, cola, shopper, place):
    me, _member_id = shopper()
    gum = make_sku(merchant.pk, name="口香糖", price_fen=200)
    receive(warehouse, gum, 5)
    for sku, quantity in ((water, 1), (cola, 4), (gum, 2)):
        me.post(shop_path(merchant, "cart/lines"), {"sku_id": sku.pk, "quantity": quantity})
    assert me.get(shop_path(merchant, "cart"))["problems"] == []

    place({cola: 7}, fulfilment="pickup", address=None)  # 3 left to sell
    place({gum: 5}, fulfilment="pickup", address=None)  # none left
    Product.objects.filter(pk=water.product_id).update(status=Product.Status.OFF_SALE)

    cart = me.get(shop_path(merchant, "cart"))
    lines = lines_of(cart)
    assert (lines[water.pk]["available"], lines[water.pk]["unit_price_fen"]) == (False, None)
    assert (lines[cola.pk]["sold_out"], lines[gum.pk]["sold_out"]) == (True, True)
    assert lines[water.pk]["problems"] == ["农夫山泉 550ml已下架"]
    assert lines[cola.pk]["problems"] == ["可口可乐 330ml仅剩3件"]
    assert lines[gum.pk]["problems"] == ["口香糖已售罄"]
    preview = me.post(shop_path(merchant, "checkout/preview"), {"fulfilment": "pickup", "store_id": store.pk})
    assert preview["ready"] is False and len(preview["problems"]) == 3 and preview["payable_fen"] == 0
    orders_before = Order.objects.count()
    refused = me.post(
        shop_path(merchant, "orders"), {"fulfilment": "pickup", "store_id": store.pk}, status=409
    )
    assert refused["code"] == "orders.cart_not_ready"
    assert Order.objects.count() == orders_before and level_of(warehouse, cola).reserved == 7

    # an off-sale SKU cannot be put in the cart at all
    off = me.post(shop_path(merchant, "cart/lines"), {"sku_id": water.pk}, status=409)
    assert off["code"] == "orders.sku_unavailable"
    # fixing the cart: remove the off-sale line, fit the others to the stock
    me.delete(shop_path(merchant, f"cart/lines/{water.pk}"))
    me.patch(shop_path(merchant, f"cart/lines/{cola.pk}"), {"quantity": 3})
    fixed = me.patch(shop_path(merchant, f"cart/lines/{gum.pk}"), {"quantity": 0})
    assert set(lines_of(fixed)) == {cola.pk} and fixed["problems"] == []
    order = me.post(shop_path(merchant, "orders"), {"fulfilment": "pickup", "store_id": store.pk}, status=201)
    assert order["payable_fen"] == 3 * 450


def test_a_payable_that_changed_after_the_preview_writes_nothing(merchant, store, water, shopper):
    me, _member_id = shopper()
    me.post(shop_path(merchant, "cart/lines"), {"sku_id": water.pk, "quantity": 3})
    preview = me.post(shop_path(merchant, "checkout/preview"), {"fulfilment": "pickup", "store_id": store.pk})
    assert preview["payable_fen"] == 1050
    refused = me.post(
        shop_path(merchant, "orders"),
        {"fulfilment": "pickup", "store_id": store.pk, "expected_payable_fen": 1000},
        status=409,
    )
    assert refused == {
        "code": "orders.payable_changed",
        "message": "应付金额已变为¥10.50（您看到的是¥10.00），请确认订单后重试。",
    }
    nothing_written(1)
    order = me.post(
        shop_path(merchant, "orders"),
        {"fulfilment": "pickup", "store_id": store.pk, "expected_payable_fen": 1050},
        status=201,
    )
    assert order["number"].endswith("-0001")  # the refused attempt used no number


def test_an_empty_cart_cannot_be_ordered(merchant, store, shopper):
    me, _member_id = shopper()
    empty = me.post(shop_path(merchant, "orders"), {"fulfilment": "pickup", "store_id": store.pk}, status=400)
    assert empty == {"code": "orders.cart_empty", "message": "购物车是空的。"}
    me.post(
        shop_path(merchant, "checkout/preview"), {"fulfilment": "pickup", "store_id": store.pk}, status=400
    )


def test_placing_an_order_needs_a_member(client, merchant, store, water):
    anonymous = Api(client)
    token = anonymous.post(shop_path(merchant, "cart/lines"), {"sku_id": water.pk})["cart_token"]
    anonymous.post(
        shop_path(merchant, "orders"),
        {"fulfilment": "pickup", "store_id": store.pk},
        status=401,
        HTTP_X_CART_TOKEN=token,
    )
    preview = anonymous.post(
        shop_path(merchant, "checkout/preview"),
        {"fulfilment": "pickup", "store_id": store.pk},
        HTTP_X_CART_TOKEN=token,
    )
    assert preview["ready"] and preview["payable_fen"] == 350  # anonymous shoppers may look
    anonymous.post(
        shop_path(merchant, "cart/lines"),
        {"sku_id": water.pk},
        status=401,
        HTTP_AUTHORIZATION="Bearer nrm_forged",
    )


# --- merging at login ------------------------------------------------------------------------


def test_login_merges_the_anonymous_cart_adding_quantities_and_keeping_the_newer_price(
    client, merchant, water, cola, shopper
):
    member = make_member(merchant)
    mine = carts.cart_for_member(member)
    carts.add_to_cart(cart=mine, sku_id=water.pk, quantity=1)
    carts.add_to_cart(cart=mine, sku_id=cola.pk, quantity=2)
    earlier = clock.now() - dt.timedelta(hours=1)
    # the member's water line was seen an hour ago at ¥3.00; their cola line is the newer one
    CartLine.objects.filter(cart=mine, sku=water).update(price_seen_fen=300, updated_at=earlier)
    CartLine.objects.filter(cart=mine, sku=cola).update(
        price_seen_fen=480, updated_at=clock.now() + dt.timedelta(minutes=1)
    )

    anonymous = Api(client)
    token = anonymous.post(shop_path(merchant, "cart/lines"), {"sku_id": water.pk, "quantity": 2})[
        "cart_token"
    ]
    anonymous.post(
        shop_path(merchant, "cart/lines"), {"sku_id": cola.pk, "quantity": 1}, HTTP_X_CART_TOKEN=token
    )
    gum = make_sku(merchant.pk, name="口香糖", price_fen=200)
    anonymous.post(
        shop_path(merchant, "cart/lines"), {"sku_id": gum.pk, "quantity": 5}, HTTP_X_CART_TOKEN=token
    )
    CartLine.objects.filter(cart__member__isnull=True, sku=cola).update(updated_at=earlier)

    me, member_id = shopper(phone=member.phone, cart_token=token)
    assert member_id == member.pk
    lines = lines_of(me.get(shop_path(merchant, "cart")))
    assert {sku_id: (line["quantity"], line["price_seen_fen"]) for sku_id, line in lines.items()} == {
        water.pk: (3, 350),  # the anonymous line is newer: its price
        cola.pk: (3, 480),  # the member's line is newer: theirs
        gum.pk: (5, 200),
    }
    assert Cart.objects.count() == 1 and carts.cart_for_token(merchant, token) is None
    # merging the spent token again changes nothing
    assert carts.merge_carts(member=member, token=token).lines.get(sku=water).quantity == 3


def test_merged_quantities_are_capped(merchant, water):
    member = make_member(merchant)
    carts.add_to_cart(cart=carts.cart_for_member(member), sku_id=water.pk, quantity=9000)
    anonymous, token = carts.new_anonymous_cart(merchant=merchant)
    carts.add_to_cart(cart=anonymous, sku_id=water.pk, quantity=2000)
    merged = carts.merge_carts(member=member, token=token)
    assert merged.lines.get().quantity == carts.MAX_LINE_QUANTITY
    # a token of another merchant's cart opens nothing here
    other, _owner = testing.make_merchant()
    _their_cart, their_token = carts.new_anonymous_cart(merchant=other)
    assert carts.cart_for_token(merchant, their_token) is None
    assert carts.merge_carts(member=member, token=their_token).lines.count() == 1


# --- limits and tenancy ----------------------------------------------------------------------


def test_a_cart_holds_at_most_100_items(merchant, shopper):
    me, member_id = shopper()
    skus = [make_sku(merchant.pk, price_fen=100) for _ in range(carts.MAX_CART_LINES + 1)]
    member = Member.objects.get(pk=member_id)
    cart = carts.cart_for_member(member)
    for sku in skus[:-1]:
        carts.add_to_cart(cart=cart, sku_id=sku.pk, quantity=1)
    full = me.post(shop_path(merchant, "cart/lines"), {"sku_id": skus[-1].pk}, status=400)
    assert full == {"code": "orders.cart_too_large", "message": "购物车最多可放100种商品。"}
    # more of a line already there is fine
    more = me.post(shop_path(merchant, "cart/lines"), {"sku_id": skus[0].pk, "quantity": 2})
    assert len(more["lines"]) == 100 and lines_of(more)[skus[0].pk]["quantity"] == 3
    # a merge never takes the cart past the cap
    anonymous, token = carts.new_anonymous_cart(merchant=merchant)
    carts.add_to_cart(cart=anonymous, sku_id=skus[-1].pk, quantity=1)
    assert carts.merge_carts(member=member, token=token).lines.count() == 100


def test_another_merchants_sku_is_404(merchant, water, shopper, other_owner, client):
    me, _member_id = shopper()
    theirs = make_sku(other_owner.merchant_id, name="别家的水")
    missing = me.post(shop_path(merchant, "cart/lines"), {"sku_id": theirs.pk}, status=404)
    assert missing["code"] == "not_found"
    Api(client).post(shop_path(merchant, "cart/lines"), {"sku_id": theirs.pk}, status=404)
    me.patch(shop_path(merchant, f"cart/lines/{water.pk}"), {"quantity": 2}, status=404)  # not in the cart
    me.delete(shop_path(merchant, f"cart/lines/{theirs.pk}"), status=404)
    assert not CartLine.objects.exists()
