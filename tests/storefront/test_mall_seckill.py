"""The mall's seckill pages without a browser: the list with live and coming sessions and the
server's time for the countdown, the buy page's states (not started, sold out, limit, paused), a
purchase that goes to the order's pay page, the product page's seckill panel, and the
decoration block showing real seckill items when the shop runs one."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from newretail.core import clock
from newretail.marketing.models import SeckillPurchase
from newretail.marketing.seckill.buying import buy_seckill
from newretail.marketing.seckill.campaigns import create_campaign, set_campaign_status
from newretail.marketing.seckill.queries import forget_offers
from newretail.members.testing import make_member
from newretail.orders.models import Order
from tests.storefront.conftest import mall

pytestmark = pytest.mark.django_db

PHONE = "13812345601"


@pytest.fixture(autouse=True)
def _fresh_offers():
    forget_offers()
    yield
    forget_offers()


def seckill(owner, sku, *, starts_in=-5, minutes=60, stock=5, limit=2, name="整点秒杀"):
    now = clock.now()
    return create_campaign(
        actor=owner,
        name=name,
        starts_at=now + dt.timedelta(minutes=starts_in),
        ends_at=now + dt.timedelta(minutes=starts_in + minutes),
        per_member_limit=limit,
        stock_path="database",
        items=[{"sku_id": sku.pk, "price_fen": 100, "stock": stock}],
    )


def test_the_list_shows_live_and_coming_sessions_with_the_server_time(web, owner, merchant, water, cola):
    seckill(owner, water)
    seckill(owner, cola, starts_in=120, name="晚场秒杀")
    html = web.text(mall(merchant, "seckill/"))
    assert html.index("整点秒杀") < html.index("晚场秒杀")
    assert 'data-live="1"' in html and 'data-live="0"' in html
    server_ms = int(re.search(r"countdown\((\d+), (\d+), true\)", html)[2])
    assert abs(server_ms - clock.now().timestamp() * 1000) < 60_000
    assert "¥1.00" in html and "¥3.50" in html and "js/seckill.js" in html


def test_an_empty_list_says_so(web, merchant):
    assert "暂无秒杀" in web.text(mall(merchant, "seckill/")) or "No seckill" in web.text(
        mall(merchant, "seckill/")
    )


def test_buying_goes_to_the_pay_page_of_the_order(web, owner, merchant, store, water):
    item = seckill(owner, water).items.get()
    url = mall(merchant, f"seckill/{item.pk}/")
    assert web.get(url, status=302)["Location"].startswith(mall(merchant, "login/"))
    web.login(merchant, PHONE)
    page = web.text(url)
    assert 'data-state="buy"' in page and 'data-test="seckill-buy"' in page
    response = web.post(url, {"fulfilment": "pickup", "store": store.pk, "quantity": "2", "form_key": "k1"})
    order = Order.objects.get()
    assert response["Location"] == mall(merchant, f"orders/{order.pk}/pay/")
    assert order.payable_fen == 200 and order.lines.get().unit_price_fen == 100
    again = web.text(url)
    assert "seckill-mine" in again and f"orders/{order.pk}/pay/" in again


def test_over_the_limit_is_a_clear_message(web, owner, merchant, store, water):
    item = seckill(owner, water, limit=1).items.get()
    web.login(merchant, PHONE)
    url = mall(merchant, f"seckill/{item.pk}/")
    html = web.post(
        url, {"fulfilment": "pickup", "store": store.pk, "quantity": "3"}, status=200
    ).content.decode()
    assert 'data-test="seckill-error"' in html and "1" in re.search(r'seckill-error">([^<]+)<', html)[1]
    assert not SeckillPurchase.objects.exists()


def test_sold_out_not_started_and_paused_pages(web, owner, merchant, store, water, cola):
    sold = seckill(owner, water, stock=1)
    buy_seckill(
        member=make_member(merchant), item_id=sold.items.get().pk, fulfilment="pickup", store_id=store.pk
    )
    later = seckill(owner, cola, starts_in=30)
    web.login(merchant, PHONE)
    html = web.text(mall(merchant, f"seckill/{sold.items.get().pk}/"))
    assert 'data-state="sold_out"' in html and "抢光" in html
    html = web.text(mall(merchant, f"seckill/{later.items.get().pk}/"))
    assert 'data-state="soon"' in html and "countdown(" in html
    set_campaign_status(actor=owner, campaign_id=sold.pk, status="paused")
    assert 'data-state="paused"' in web.text(mall(merchant, f"seckill/{sold.items.get().pk}/"))


def test_another_merchants_item_is_404(web, merchant, other_owner):
    from tests.inventory.conftest import make_sku

    sku = make_sku(other_owner.merchant_id, price_fen=500)
    theirs = seckill(other_owner, sku).items.get()
    web.login(merchant, PHONE)
    web.get(mall(merchant, f"seckill/{theirs.pk}/"), status=404)


def test_the_product_page_shows_the_seckill_panel(web, owner, merchant, water):
    item = seckill(owner, water).items.get()
    html = web.text(mall(merchant, f"p/{water.product_id}/"))
    assert 'data-test="product-seckill"' in html and 'data-state="buy"' in html
    assert f"seckill/{item.pk}/" in html and "¥1.00" in html


def test_the_decoration_block_shows_real_seckill_items(rf, owner, merchant, water):
    from newretail.storefront.decoration.render import render_content

    seckill(owner, water)
    request = rf.get(mall(merchant))
    request.mall, request.mall_by_host, request.session, request.user = merchant, False, {}, None
    html = render_content(
        request, merchant, {"blocks": [{"id": "b1", "type": "seckill", "title": "限时秒杀"}]}
    )
    assert "data-seckill-item" in html and "¥1.00" in html and "data-countdown" in html
