"""The product page points to the group buys and bargains running on its SKUs (the seckill panel
has its own tests): a running group-buy item with its group size and price, a live bargain with
its floor price, each linking to the page where the shopper joins in; nothing for a paused or
ended campaign, nor for another product's."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.marketing.bargain.models import BargainCampaign
from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyItem
from tests.storefront.conftest import mall

pytestmark = pytest.mark.django_db


def _window(hours=24):
    now = clock.now()
    return {"starts_at": now - dt.timedelta(minutes=5), "ends_at": now + dt.timedelta(hours=hours)}


def test_the_product_page_links_its_group_buy_and_bargain(web, merchant, water, cola):
    groupbuy = GroupBuyCampaign.objects.create(merchant=merchant, name="三人成团", group_size=3, **_window())
    item = GroupBuyItem.objects.create(merchant=merchant, campaign=groupbuy, sku=water, group_price_fen=250)
    bargain = BargainCampaign.objects.create(
        merchant=merchant, name="砍到1元", sku=water, start_price_fen=350, floor_price_fen=100,
        helpers_needed=3, stock=10, **_window(),
    )
    html = web.text(mall(merchant, f"p/{water.product_id}/"))
    assert 'data-test="product-groupbuy"' in html and 'data-test="product-bargain"' in html
    assert mall(merchant, f"groupbuys/{item.pk}/") in html and mall(merchant, f"bargain/{bargain.pk}/") in html
    assert "3人团" in html and "拼团价 ¥2.50" in html and "最低 ¥1.00" in html
    assert "product-campaigns" not in web.text(mall(merchant, f"p/{cola.product_id}/"))


def test_paused_and_ended_campaigns_are_not_shown(web, merchant, water):
    paused = GroupBuyCampaign.objects.create(
        merchant=merchant, name="暂停的团", status=GroupBuyCampaign.Status.PAUSED, **_window()
    )
    GroupBuyItem.objects.create(merchant=merchant, campaign=paused, sku=water, group_price_fen=250)
    now = clock.now()
    BargainCampaign.objects.create(
        merchant=merchant, name="结束的砍价", sku=water, start_price_fen=350, floor_price_fen=100,
        helpers_needed=3, stock=10, starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(days=1),
    )
    assert "product-campaigns" not in web.text(mall(merchant, f"p/{water.product_id}/"))
