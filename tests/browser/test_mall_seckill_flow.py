"""Seckill in a real browser on a phone: the list counts down (on the server's clock), the shopper
buys at the seckill price, pays on the Alipay sandbox cashier and the order shows ¥1.00; a sold-out
item says so and cannot be bought; the console's live report shows the sale. Screenshots go to
var/screenshots/seckill-*.png for a person to look at."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from newretail.core import clock
from newretail.core.testing import PASSWORD
from newretail.marketing.seckill.buying import buy_seckill
from newretail.marketing.seckill.campaigns import create_campaign
from newretail.marketing.seckill.queries import forget_offers
from newretail.members.models import SmsMessage
from newretail.members.testing import make_member
from newretail.orders.models import Order
from newretail.payments.accounts import set_up_sandbox_account
from tests.browser_support import PHONE, login, screenshot
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER = "13812340071"


def _campaign(owner, sku, *, stock: int, name: str, starts_in: int = -5):
    now = clock.now()
    return create_campaign(
        actor=owner,
        name=name,
        starts_at=now + dt.timedelta(minutes=starts_in),
        ends_at=now + dt.timedelta(minutes=starts_in + 90),
        per_member_limit=1,
        stock_path="database",
        items=[{"sku_id": sku.pk, "price_fen": 100, "stock": stock}],
    )


def _mall_login(page, merchant) -> None:
    page.goto(f"/m/{merchant.slug}/login/")
    page.fill("input[name=phone]", PHONE_NUMBER)
    page.click("button:has-text('获取验证码')")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"验证码 (\d{6})", SmsMessage.objects.filter(phone=PHONE_NUMBER).latest("id").text)[1]
    page.fill("input[name=code]", code)
    page.click("button:has-text('登录')")
    page.wait_for_selector(".me-head")


def test_countdown_buy_pay_and_sold_out(open_page, owner, store, live_server, settings):
    forget_offers()
    settings.PUBLIC_BASE_URL = live_server.url
    merchant = owner.merchant
    water = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350)
    milk = make_sku(merchant.pk, name="光明鲜牛奶 950ml", price_fen=1390)
    for sku in (water, milk):
        receive(store.warehouses.get(), sku, 50)
    set_up_sandbox_account(merchant_id=merchant.pk, provider="alipay", actor=owner)
    running = _campaign(owner, water, stock=20, name="整点秒杀")
    sold_out = _campaign(owner, milk, stock=1, name="牛奶秒杀")
    buy_seckill(
        member=make_member(merchant), item_id=sold_out.items.get().pk, fulfilment="pickup", store_id=store.pk
    )
    coming = make_sku(merchant.pk, name="可口可乐 330ml", price_fen=300)
    receive(store.warehouses.get(), coming, 20)
    _campaign(owner, coming, stock=50, name="晚场秒杀", starts_in=120)

    page, _errors = open_page(viewport=PHONE)
    page.set_default_timeout(30_000)  # the shared 2-core machine is slow under load
    _mall_login(page, merchant)
    page.goto(f"/m/{merchant.slug}/seckill/")
    page.wait_for_selector("[data-test=seckill-session]")
    clock_text = page.locator("[data-test=seckill-session][data-live='1'] .sk-clock").first
    first = clock_text.inner_text()
    assert re.search(r"\d\d:\d\d:\d\d", first), first
    page.wait_for_timeout(1300)
    assert clock_text.inner_text() != first  # it ticks
    assert "晚场秒杀" in page.locator("[data-live='0']").inner_text()
    screenshot(page, "seckill-list")

    page.click("[data-test=seckill-item]:has-text('农夫山泉')")
    page.wait_for_selector("[data-test=seckill-panel][data-state=buy]")
    page.click(f"label.pick:has-text('{store.name}')")
    screenshot(page, "seckill-buy")
    page.click("[data-test=seckill-buy]")
    page.wait_for_selector("text=支付宝")
    order = Order.objects.get(member__phone=PHONE_NUMBER)
    assert order.payable_fen == 100
    screenshot(page, "seckill-pay")
    page.click("button[type=submit]:has-text('¥1.00')")
    page.wait_for_selector("text=确认支付")
    page.click("button:has-text('确认支付')")
    page.wait_for_selector("[data-pickup-code]", timeout=15_000)
    order.refresh_from_db()
    assert order.paid_at is not None
    body = page.locator("body").inner_text()
    assert "¥1.00" in body and "农夫山泉" in body
    screenshot(page, "seckill-order")

    page.goto(f"/m/{merchant.slug}/seckill/{sold_out.items.get().pk}/")
    page.wait_for_selector("[data-test=seckill-message]")
    assert "抢光" in page.locator("[data-test=seckill-message]").inner_text()
    assert page.locator(".buybar button[disabled]").count() == 1
    screenshot(page, "seckill-sold-out")

    page.goto(f"/m/{merchant.slug}/p/{water.product_id}/")
    page.wait_for_selector("[data-test=product-seckill]")
    screenshot(page, "seckill-product")

    console, _ = open_page()
    console.set_default_timeout(30_000)
    login(console, owner.username, PASSWORD)
    console.goto(f"/console/marketing/seckills/{running.pk}/")
    console.wait_for_selector("[data-stat=gmv]")
    assert "¥1.00" in console.locator("[data-stat=gmv]").inner_text()
    assert "100.0%" in console.locator("[data-stat=conversion]").inner_text()
    screenshot(console, "seckill-console-report")
    console.goto("/console/marketing/seckills/new/")
    console.click("#add-item")
    assert console.locator("[data-item-row]").count() == 2
    screenshot(console, "seckill-console-form")


def test_the_page_waits_for_the_worker_then_opens_the_pay_page(
    open_page, owner, store, live_server, monkeypatch, settings
):
    """The worker's task held back (as when the queue is long): the shopper sees that the pieces
    are theirs while the order is written; once the worker places it, the page moves on to the
    pay page by itself (htmx poll, HX-Redirect)."""
    from newretail.marketing.models import SeckillPurchase
    from newretail.marketing.seckill.buying import drain_queue

    forget_offers()
    held: list[int] = []
    monkeypatch.setattr("newretail.marketing.tasks.drain_seckill_queue_task", held.append)
    settings.PUBLIC_BASE_URL = live_server.url
    merchant = owner.merchant
    set_up_sandbox_account(merchant_id=merchant.pk, provider="alipay", actor=owner)
    water = make_sku(merchant.pk, name="农夫山泉 550ml", price_fen=350)
    receive(store.warehouses.get(), water, 50)
    item = _campaign(owner, water, stock=20, name="整点秒杀").items.get()

    page, _errors = open_page(viewport=PHONE)
    page.set_default_timeout(30_000)
    _mall_login(page, merchant)
    page.goto(f"/m/{merchant.slug}/seckill/{item.pk}/")
    page.click(f"label.pick:has-text('{store.name}')")
    page.click("[data-test=seckill-buy]")
    page.wait_for_selector("[data-test=seckill-waiting]")
    assert "抢到了" in page.locator("[data-test=seckill-waiting]").inner_text()
    page.wait_for_timeout(2500)  # it polls and keeps waiting
    assert page.is_visible("[data-test=seckill-waiting]")
    screenshot(page, "seckill-waiting")

    drain_queue(held[0])  # the worker gets to it
    page.wait_for_url(re.compile(r"/orders/\d+/pay/"))
    page.wait_for_selector("text=支付宝")
    order = SeckillPurchase.objects.get(item=item).order
    assert f"/orders/{order.pk}/pay/" in page.url and order.payable_fen == 100
