"""The product page's group-buy and bargain panels in a phone browser: both show with their
prices and each opens its campaign page. Screenshot: var/screenshots/product-campaigns.png."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.marketing.bargain.models import BargainCampaign
from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyItem
from tests.browser_support import PHONE, screenshot
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_panels_open_the_group_buy_and_the_bargain(open_page, owner, store):
    merchant = owner.merchant
    water = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350)
    receive(store.warehouses.get(), water, 50)
    now = clock.now()
    window = {"starts_at": now - dt.timedelta(minutes=5), "ends_at": now + dt.timedelta(days=1)}
    groupbuy = GroupBuyCampaign.objects.create(merchant=merchant, name="三人成团", group_size=3, **window)
    item = GroupBuyItem.objects.create(merchant=merchant, campaign=groupbuy, sku=water, group_price_fen=250)
    bargain = BargainCampaign.objects.create(
        merchant=merchant, name="砍到1元", sku=water, start_price_fen=350, floor_price_fen=100,
        helpers_needed=3, stock=10, **window,
    )
    page, _errors = open_page(viewport=PHONE)
    page.set_default_timeout(30_000)
    page.goto(f"/m/{merchant.slug}/p/{water.product_id}/")
    page.wait_for_selector("[data-test=product-campaigns]")
    assert "拼团价 ¥2.50" in page.locator("[data-test=product-groupbuy]").inner_text()
    assert "¥1.00" in page.locator("[data-test=product-bargain]").inner_text()
    screenshot(page, "product-campaigns")
    page.click("[data-test=product-groupbuy]")
    page.wait_for_url(f"**/groupbuys/{item.pk}/")
    page.go_back()
    page.click("[data-test=product-bargain]")
    page.wait_for_url(f"**/bargain/{bargain.pk}/")
