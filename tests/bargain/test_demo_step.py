"""The demo's bargain step on a small shop: a running campaign with a bargain half-way, one at
the lowest price and one bought and paid on the sandbox (the whole demo is tests/demo's)."""

from __future__ import annotations

import random

import pytest

from newretail.demo.bargain_step import HELPERS, build_bargain
from newretail.marketing.bargain.models import Bargain
from newretail.marketing.bargain.queries import campaign_report
from newretail.members.models import Member
from newretail.payments.accounts import set_up_sandbox_account
from tests.inventory.conftest import make_sku, receive

pytestmark = pytest.mark.django_db


def test_the_demo_step_shows_a_running_campaign(owner, store, committed):
    merchant = owner.merchant
    sku = make_sku(merchant.pk, name="五常大米 5kg", price_fen=5990)
    receive(store.warehouses.get(), sku, 30)
    set_up_sandbox_account(merchant_id=merchant.pk, provider="wechat", actor=owner)
    Member.objects.bulk_create(
        [Member(merchant=merchant, phone=f"1960000{n:04d}", source="mall") for n in range(60)]
    )
    context = {"merchant": merchant, "stores": {store.code: store}, "random": random.Random(1)}
    with committed():
        build_bargain(owner, context)
    campaign = context["bargain_campaign"]
    bargains = list(Bargain.objects.filter(campaign=campaign).order_by("id"))
    assert [b.helpers_count for b in bargains] == [2, HELPERS, HELPERS]
    assert bargains[2].status == "ordered" and bargains[2].current_price_fen == 5990 * 3 // 10
    report = campaign_report(campaign)
    assert (report.started, report.helps, report.reached_floor, report.bought) == (3, 12, 2, 1)
    assert report.gmv_fen == 5990 * 3 // 10
