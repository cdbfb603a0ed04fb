"""The console's seckill pages: list with filters, create and edit (rows of products, the action's
refusals next to the row they name), pause and resume, the live report (sold, orders, paid, GMV,
cost, participants, conversion); permissions; the nav entry."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from newretail.core import clock
from newretail.core.testing import make_staff
from newretail.marketing.models import SeckillCampaign
from newretail.marketing.seckill.buying import buy_seckill
from newretail.marketing.seckill.campaigns import create_campaign
from newretail.marketing.seckill.queries import forget_offers
from newretail.members.testing import make_member
from newretail.payments.actions.charges import pay_order
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture(autouse=True)
def _fresh_offers():
    forget_offers()
    yield
    forget_offers()


class Browser:
    """A logged-in client that enforces CSRF, as a browser does."""

    def __init__(self, user):
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)
        self.token = ""

    def get(self, url: str, status: int = 200, **extra):
        response = self.client.get(url, **extra)
        assert response.status_code == status, (url, response.status_code)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
        if match:
            self.token = match[1].decode()
        return response

    def post(self, url: str, data: dict):
        return self.client.post(url, {"csrfmiddlewaretoken": self.token, **data})


def form(water, **fields) -> dict:
    now = clock.now()
    data = {
        "name": "整点秒杀",
        "starts_at": (now - dt.timedelta(minutes=5)).strftime(FMT),
        "ends_at": (now + dt.timedelta(hours=2)).strftime(FMT),
        "per_member_limit": "2",
        "unpaid_minutes": "5",
        "stock_path": "database",
        "item_sku": [water.code],
        "item_price": ["1.00"],
        "item_stock": ["20"],
    }
    data.update(fields)
    return data


@pytest.fixture
def running(owner, water):
    now = clock.now()
    return create_campaign(
        actor=owner,
        name="午间秒杀",
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=1),
        per_member_limit=2,
        stock_path="database",
        items=[{"sku_id": water.pk, "price_fen": 100, "stock": 10}],
    )


def test_create_from_the_form_then_the_report_opens(owner, water):
    browser = Browser(owner)
    page = browser.get(reverse("console:seckill_create"))
    assert "item_sku" in page.content.decode() and water.code in page.content.decode()  # the datalist
    response = browser.post(reverse("console:seckill_create"), form(water))
    campaign = SeckillCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "console:seckill_report", args=[campaign.pk]
    )
    item = campaign.items.get()
    assert (campaign.name, campaign.per_member_limit, item.sku_id, item.price_fen, item.stock) == (
        "整点秒杀",
        2,
        water.pk,
        100,
        20,
    )


def test_a_refused_price_is_shown_on_its_row_and_nothing_is_saved(owner, water):
    browser = Browser(owner)
    browser.get(reverse("console:seckill_create"))
    response = browser.post(reverse("console:seckill_create"), form(water, item_price=["9.00"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "须低于原价" in html or "must be below the list price" in html
    assert 'value="9.00"' in html  # the row keeps what was typed
    assert not SeckillCampaign.objects.exists()


def test_unknown_codes_and_bad_numbers_are_refused(owner, water):
    browser = Browser(owner)
    browser.get(reverse("console:seckill_create"))
    html = browser.post(
        reverse("console:seckill_create"), form(water, item_sku=["NOPE-1"], item_stock=["lots"])
    ).content.decode()
    assert "NOPE-1" in html and not SeckillCampaign.objects.exists()


def test_edit_keeps_the_rows_and_saves_changes(owner, water, running):
    browser = Browser(owner)
    page = browser.get(reverse("console:seckill_edit", args=[running.pk])).content.decode()
    assert f'value="{water.code}"' in page and 'value="1.00"' in page and 'value="10"' in page
    response = browser.post(
        reverse("console:seckill_edit", args=[running.pk]), form(water, name="改名秒杀", item_stock=["30"])
    )
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.name == "改名秒杀" and running.items.get().stock == 30


def test_pause_and_resume_from_the_list(owner, running):
    browser = Browser(owner)
    page = browser.get(reverse("console:seckill_list")).content.decode()
    assert "午间秒杀" in page and f'id="pause-{running.pk}"' in page
    url = reverse("console:seckill_status", args=[running.pk])
    assert browser.post(url, {"status": "paused", "next": reverse("console:seckill_list")}).status_code == 302
    running.refresh_from_db()
    assert running.status == "paused"
    assert "午间秒杀" in browser.get(reverse("console:seckill_list") + "?status=paused").content.decode()
    assert "午间秒杀" not in browser.get(reverse("console:seckill_list") + "?status=active").content.decode()
    browser.post(url, {"status": "active"})
    running.refresh_from_db()
    assert running.status == "active"


def test_the_live_report_shows_gmv_cost_participants_and_conversion(owner, merchant, store, running):
    item = running.items.get()
    paid = buy_seckill(
        member=make_member(merchant), item_id=item.pk, quantity=2, fulfilment="pickup", store_id=store.pk
    )
    pay_order(order_id=paid.pk, kind="cash", actor=owner)
    buy_seckill(member=make_member(merchant), item_id=item.pk, fulfilment="pickup", store_id=store.pk)
    html = Browser(owner).get(reverse("console:seckill_report", args=[running.pk])).content.decode()
    assert re.search(r'data-stat="sold".*?3 / 10', html, re.S)
    assert re.search(r'data-stat="orders".*?2 / 1', html, re.S)
    assert re.search(r'data-stat="gmv".*?¥2\.00', html, re.S)
    assert re.search(r'data-stat="cost".*?¥5\.00', html, re.S)  # 2 x (3.50 - 1.00)
    assert re.search(r'data-stat="conversion".*?50\.0%', html, re.S)
    assert 'hx-trigger="every 5s"' in html  # running: the figures refresh themselves
    figures = Browser(owner).get(reverse("console:seckill_report", args=[running.pk]), HTTP_HX_REQUEST="true")
    assert figures.content.decode().startswith('<div id="seckill-report"')


def test_viewers_see_the_list_and_report_but_cannot_change(owner, store, running):
    cashier = Browser(make_staff(owner, Role.CASHIER, stores=[store]))
    page = cashier.get(reverse("console:seckill_list")).content.decode()
    assert "午间秒杀" in page and "seckill-new" not in page
    cashier.get(reverse("console:seckill_report", args=[running.pk]))
    cashier.get(reverse("console:seckill_create"), status=403)
    cashier.get(reverse("console:seckill_edit", args=[running.pk]), status=403)
    assert (
        cashier.post(reverse("console:seckill_status", args=[running.pk]), {"status": "paused"}).status_code
        == 403
    )
    running.refresh_from_db()
    assert running.status == "active"
    clerk = Browser(make_staff(owner, Role.WAREHOUSE_CLERK))
    clerk.get(reverse("console:seckill_list"), status=403)
    assert reverse("console:seckill_list") not in clerk.get(reverse("console:home")).content.decode()


def test_the_nav_has_a_seckill_entry_under_marketing(owner):
    html = Browser(owner).get(reverse("console:home")).content.decode()
    assert reverse("console:seckill_list") in html
