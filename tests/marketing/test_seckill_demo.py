"""The seckill demo step on a small shop: 「今日秒杀」 running with a dozen buyers (most paid on the
WeChat Pay sandbox, three within their minutes to pay) and 「明晚八点秒杀」 coming tomorrow."""

from __future__ import annotations

import pytest

from newretail.core import clock
from newretail.demo.seckill_step import BUYERS, UNPAID, build_seckill
from newretail.marketing.models import SeckillCampaign
from newretail.marketing.seckill.queries import forget_offers
from newretail.marketing.seckill.reports import campaign_report
from newretail.members.testing import make_member
from newretail.payments.accounts import set_up_sandbox_account
from tests.inventory.conftest import make_sku, receive
from tests.orders.conftest import sandbox_keys  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox_keys")]


def test_the_demo_runs_a_seckill_with_buyers_and_one_coming(merchant, owner, store, committed):
    forget_offers()
    set_up_sandbox_account(merchant_id=merchant.pk, provider="wechat", actor=owner)
    for n, price in enumerate((300, 350, 400, 450, 500, 550)):
        receive(store.warehouses.get(), make_sku(merchant.pk, name=f"饮料{n}", price_fen=price), 100)
    for _ in range(BUYERS):
        make_member(merchant)
    with committed():
        build_seckill(owner, {"merchant": merchant, "stores": {"S1": store}})
    now = clock.now()
    today = SeckillCampaign.objects.get(name="今日秒杀")
    coming = SeckillCampaign.objects.get(name="明晚八点秒杀")
    assert today.starts_at <= now < today.ends_at and coming.starts_at > now
    report = campaign_report(today)
    assert (report.sold, report.orders, report.paid_orders) == (BUYERS, BUYERS, BUYERS - UNPAID)
    assert report.gmv_fen > 0 and report.cost_fen > 0
    assert [i.price_fen for i in report.items] == [150, 175, 200]
