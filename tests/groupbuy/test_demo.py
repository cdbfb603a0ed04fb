"""The demo step on a small shop: a running campaign with one group that filled and one still
filling with a seat left, paid on the WeChat Pay sandbox."""

from __future__ import annotations

import pytest

from newretail.demo.groupbuy_step import build_groupbuy
from newretail.marketing.groupbuy.models import GroupBuyGroup
from newretail.members.testing import make_member
from newretail.payments.accounts import set_up_sandbox_account
from tests.inventory.conftest import make_sku, receive

pytestmark = pytest.mark.django_db


def test_the_demo_shows_a_running_campaign_with_an_open_group(
    merchant, owner, store, sandbox_keys, committed
):
    set_up_sandbox_account(merchant_id=merchant.pk, provider="wechat", actor=owner)
    for name, price in (("五常大米 5kg", 5990), ("金龙鱼花生油 1.8L", 3990)):
        receive(store.warehouses.get(), make_sku(merchant.pk, name=name, price_fen=price), 50)
    for _ in range(5):
        make_member(merchant)
    with committed():
        build_groupbuy(owner, {"merchant": merchant, "stores": {"S1": store}})
    groups = {g.status: g for g in GroupBuyGroup.objects.filter(merchant=merchant)}
    assert set(groups) == {"succeeded", "open"}
    assert (groups["succeeded"].seats_paid, groups["open"].seats_paid, groups["open"].seats_left) == (3, 2, 1)
    assert groups["open"].item.group_price_fen == 5990 * 7 // 10  # the cheaper SKU first, the open group on the second
