"""A bargain in real browsers on phones: the starter opens the campaign page, starts a bargain
and sees its share link and QR; two friends, each in their own browser (own cookies, so their own
device), open the link, log in by SMS and help cut (the page plays their cut); the starter sees
both cuts, buys at the reduced price, pays on the Alipay sandbox cashier and gets a pickup code.
The console's live report then shows it. Screenshots go to var/screenshots/bargain-*.png."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from newretail.core import clock
from newretail.core.testing import PASSWORD
from newretail.marketing.bargain.models import Bargain, BargainCut
from newretail.marketing.bargain.setup import create_campaign
from newretail.members.models import SmsMessage
from newretail.orders.models import Order
from newretail.payments.accounts import set_up_sandbox_account
from tests.browser_support import DESKTOP, PHONE, login, screenshot
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, slug: str, phone: str) -> None:
    page.fill("input[name=phone]", phone)
    page.click("button[name=step][value=send]")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"验证码 (\d{6})", SmsMessage.objects.filter(phone=phone).latest("id").text)[1]
    page.fill("input[name=code]", code)
    page.click("button[name=step][value=login]")


def test_start_two_friends_help_and_buy_at_the_reduced_price(open_page, owner, store, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    merchant = owner.merchant
    tea = make_sku(merchant.pk, name="东方树叶 茉莉花茶 500ml", price_fen=600)
    receive(store.warehouses.get(), tea, 20)
    set_up_sandbox_account(merchant_id=merchant.pk, provider="alipay", actor=owner)
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="好友帮砍",
        sku_id=tea.pk,
        start_price_fen=600,
        floor_price_fen=100,
        helpers_needed=3,
        stock=10,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(days=2),
    )
    slug = merchant.slug

    starter, _ = open_page(viewport=PHONE)
    starter.context.set_default_timeout(30_000)  # the shared CI machine can be slow
    starter.goto(f"/m/{slug}/bargain/")
    starter.click("[data-test=bargain-campaign]")
    starter.wait_for_selector(".bg-hero")
    screenshot(starter, "bargain-phone-campaign")
    starter.click("[data-test=login-to-start]")
    _log_in(starter, slug, "13812345001")
    starter.click("[data-test=start]")
    starter.wait_for_selector("[data-test=share-url]")
    share_url = starter.locator("[data-test=share-url]").input_value()
    assert "/bargain/h/" in share_url
    assert starter.locator("#share svg").count() == 1  # the QR
    screenshot(starter, "bargain-phone-started")

    cuts = []
    for number, phone in enumerate(("13812345002", "13812345003"), start=1):
        friend, _ = open_page(viewport=PHONE)  # a browser context of its own: its own device cookie
        friend.context.set_default_timeout(30_000)
        friend.goto(share_url.replace(live_server.url, ""))
        friend.wait_for_selector("[data-test=login-to-help]")
        if number == 1:
            screenshot(friend, "bargain-phone-friend-invited")
        friend.click("[data-test=login-to-help]")
        _log_in(friend, slug, phone)
        friend.wait_for_selector("[data-test=help]")
        friend.click("[data-test=help]")
        friend.wait_for_selector("[data-test=my-cut]")
        friend.wait_for_timeout(1400)  # let the cut animation finish before the picture
        cut = BargainCut.objects.get(helper__phone=phone)
        assert friend.locator("[data-test=my-cut] .bg-amount").inner_text() == f"¥{cut.amount_fen / 100:.2f}"
        cuts.append(cut)
        screenshot(friend, f"bargain-phone-friend-{number}-cut")

    bargain = Bargain.objects.get()
    assert bargain.helpers_count == 2 and bargain.current_price_fen == 600 - sum(c.amount_fen for c in cuts)
    price_text = f"¥{bargain.current_price_fen / 100:.2f}"
    starter.reload()
    assert starter.locator("[data-test=cuts] li").count() == 2
    assert starter.locator("[data-test=current-price]").inner_text().startswith(price_text)
    screenshot(starter, "bargain-phone-two-cuts")

    starter.click("[data-test=buy]")
    starter.click(f".pick:has-text('{store.name}')")
    starter.wait_for_function(f"() => document.querySelector('[data-payable]')?.textContent === '{price_text}'")
    screenshot(starter, "bargain-phone-buy")
    starter.click("#buy-form ~ .buybar button[type=submit]")
    starter.wait_for_selector("input[value=alipay]")
    starter.check("input[value=alipay]")
    starter.click(f"button[type=submit]:has-text('{price_text}')")
    starter.wait_for_selector("text=确认支付")  # the sandbox cashier
    starter.click("button:has-text('确认支付')")
    starter.wait_for_selector("[data-pickup-code]", timeout=15_000)
    screenshot(starter, "bargain-phone-paid")
    order = Order.objects.get()
    assert order.payable_fen == bargain.current_price_fen and order.status == Order.Status.PAID
    assert order.lines.get().sku_id == tea.pk

    console, _ = open_page(viewport=DESKTOP)
    console.context.set_default_timeout(30_000)
    login(console, owner.username, PASSWORD)
    console.goto(f"/console/marketing/bargains/{campaign.pk}/")
    console.wait_for_selector("#bargain-report")
    assert console.locator("[data-stat=started] .value").inner_text() == "1"
    assert console.locator("[data-stat=helpers] .value").inner_text() == "2 / 2"
    assert console.locator("[data-stat=bought] .value").inner_text() == "1 / 1"
    assert console.locator("[data-stat=gmv] .value").inner_text() == price_text
    screenshot(console, "bargain-console-report")
    console.goto("/console/marketing/bargains/")
    screenshot(console, "bargain-console-list")
