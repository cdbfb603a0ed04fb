"""Stored value through the shopper API: plans, a recharge order paid on the WeChat Pay sandbox
credits the wallet, the wallet pays an order, and recharges are listed apart from goods orders."""

from __future__ import annotations

import pytest

from newretail.members.models import RechargePlan
from tests.orders.conftest import buy, key, pay_online, shop_path

pytestmark = pytest.mark.django_db


def test_recharge_by_api_and_pay_an_order_from_the_wallet(
    merchant, store, cola, shopper, wechat_account, committed
):
    plan = RechargePlan.objects.create(merchant=merchant, name="充30送3", pay_fen=3000, bonus_fen=300)
    RechargePlan.objects.create(merchant=merchant, pay_fen=9900, is_active=False)
    me, _member_id = shopper()
    plans = me.get(shop_path(merchant, "recharge-plans"))
    assert [(p["pay_fen"], p["bonus_fen"]) for p in plans] == [(3000, 300)]
    order = me.post(shop_path(merchant, "my/wallet/recharge"), {"plan_id": plan.pk}, status=201, **key("r-1"))
    again = me.post(shop_path(merchant, "my/wallet/recharge"), {"plan_id": plan.pk}, status=201, **key("r-1"))
    assert again["order_id"] == order["order_id"] and order["payable_fen"] == 3000
    pay_online(me, merchant, order["order_id"], committed)
    wallet = me.get(shop_path(merchant, "my/wallet"))
    assert (wallet["principal_fen"], wallet["bonus_fen"], wallet["balance_fen"]) == (3000, 300, 3300)
    assert wallet["entries"][0]["kind"] == "recharge"
    bought = buy(me, merchant, {cola: 2}, store_id=store.pk, pay=None)  # ¥9.00 at the store price
    tender = me.post(shop_path(merchant, f"orders/{bought['id']}/pay"), {"kind": "wallet"})
    assert tender["status"] == "succeeded"
    assert me.get(shop_path(merchant, f"orders/{bought['id']}"))["status"] == "paid"
    assert me.get(shop_path(merchant, "my/wallet"))["balance_fen"] == 3300 - 900
    goods = me.get(shop_path(merchant, "orders"))["items"]
    recharges = me.get(shop_path(merchant, "orders?kind=recharge"))["items"]
    assert [o["id"] for o in goods] == [bought["id"]] and [o["id"] for o in recharges] == [order["order_id"]]


def test_a_plan_off_sale_and_a_short_wallet_are_refused(merchant, store, cola, shopper):
    plan = RechargePlan.objects.create(merchant=merchant, pay_fen=3000, is_active=False)
    me, _member_id = shopper()
    error = me.post(shop_path(merchant, "my/wallet/recharge"), {"plan_id": plan.pk}, status=409)
    assert error["code"] == "members.recharge_plan_unavailable"
    bought = buy(me, merchant, {cola: 1}, store_id=store.pk, pay=None)
    error = me.post(shop_path(merchant, f"orders/{bought['id']}/pay"), {"kind": "wallet"}, status=400)
    assert error["code"] == "members.wallet_not_enough"
