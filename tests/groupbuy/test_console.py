"""The console's group-buy pages: create from the form (the action's refusal next to the row it
names), edit, pause and resume, the list and the live report with the groups and their seats;
permissions and the nav entry."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from newretail.core import clock
from newretail.core.testing import make_staff
from newretail.marketing.groupbuy.models import GroupBuyCampaign
from newretail.members.testing import make_member
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


class Browser:
    """A logged-in client that enforces CSRF, as a browser does."""

    def __init__(self, user):
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)
        self.token = ""

    def get(self, url: str, status: int = 200):
        response = self.client.get(url)
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
        "name": "三人团",
        "starts_at": (now - dt.timedelta(minutes=5)).strftime(FMT),
        "ends_at": (now + dt.timedelta(days=2)).strftime(FMT),
        "group_size": "3",
        "fill_minutes": "60",
        "per_member_limit": "2",
        "leader_discount": "0.50",
        "unpaid_minutes": "10",
        "new_members_only": "on",
        "item_sku": [water.code],
        "item_price": ["2.00"],
    }
    data.update(fields)
    return data


def test_create_edit_pause_and_the_report(owner, water, merchant, seats):
    browser = Browser(owner)
    page = browser.get(reverse("console:groupbuy_create")).content.decode()
    assert water.code in page  # the SKU datalist
    refused = browser.post(reverse("console:groupbuy_create"), form(water, item_price=["9.00"]))
    assert refused.status_code == 200 and "须低于原价" in refused.content.decode()
    assert not GroupBuyCampaign.objects.exists()

    created = browser.post(reverse("console:groupbuy_create"), form(water))
    campaign = GroupBuyCampaign.objects.get()
    assert created["Location"] == reverse("console:groupbuy_detail", args=[campaign.pk])
    item = campaign.items.get()
    assert (campaign.leader_discount_fen, campaign.new_members_only, item.group_price_fen) == (50, True, 200)

    browser.get(reverse("console:groupbuy_edit", args=[campaign.pk]))
    assert (
        browser.post(
            reverse("console:groupbuy_edit", args=[campaign.pk]), form(water, name="改名团")
        ).status_code
        == 302
    )
    campaign.refresh_from_db()
    assert campaign.name == "改名团"

    opened = seats.open(make_member(merchant, name="赵六"), item)
    seats.pay(opened.order)
    html = browser.get(reverse("console:groupbuy_detail", args=[campaign.pk])).content.decode()
    assert "赵六" in html and "拼团中" in html and 'data-stat="opened"' in html
    figures = browser.client.get(
        reverse("console:groupbuy_detail", args=[campaign.pk]) + "?part=figures", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert figures.startswith('<div id="groupbuy-report"') and "1 个团正在拼" in figures

    listed = browser.get(reverse("console:groupbuy_list")).content.decode()
    assert "改名团" in listed and reverse("console:groupbuy_list") in listed  # the nav entry
    browser.post(reverse("console:groupbuy_status", args=[campaign.pk]), {"status": "paused"})
    campaign.refresh_from_db()
    assert campaign.status == "paused"


def test_permissions(owner, store, water):
    clerk = Browser(make_staff(owner, Role.WAREHOUSE_CLERK, stores=[store]))
    clerk.get(reverse("console:groupbuy_list"), status=403)
    cashier = Browser(make_staff(owner, Role.CASHIER, stores=[store]))  # marketing.view only
    assert "拼团" in cashier.get(reverse("console:groupbuy_list")).content.decode()
    cashier.get(reverse("console:groupbuy_create"), status=403)
