"""Demo bargain (砍价): a running "5 friends to the lowest price" campaign on one of the first
online store's goods, with three bargains of demo members: one half-way (2 friends helped), one at
the lowest price, and one bought at the lowest price and paid on the WeChat Pay sandbox. So the
mall's bargain pages (progress, friends' cuts, countdown) and the console's live report show
something at once. Friends help through the real action (each with its own device id)."""

from __future__ import annotations

import datetime as dt
import secrets

from newretail.catalog.models import Sku
from newretail.core import clock
from newretail.demo.orders_step import _in_stock, _pay_in_sandbox
from newretail.marketing.bargain.buying import buy_bargain, start_bargain
from newretail.marketing.bargain.cutting import help_bargain
from newretail.marketing.bargain.setup import create_campaign
from newretail.members.models import Member
from newretail.tenancy.models import Store, User

HELPERS = 5


def build_bargain(owner: User, context: dict) -> None:
    merchant = context["merchant"]
    stores: dict[str, Store] = context["stores"]
    store = next((s for s in stores.values() if s.is_online and s.is_active), None)
    if store is None:
        return
    candidates = _in_stock(merchant.pk, [store.warehouses.get().pk], 10)
    sku = Sku.objects.filter(pk__in=candidates, price_fen__gte=1500).order_by("-price_fen", "pk").first()
    # Members the other demo steps leave alone (group buy and seckill use the first ones).
    members = list(Member.objects.filter(merchant=merchant).select_related("merchant").order_by("pk")[40:60])
    if sku is None or len(members) < 3 + 2 * HELPERS + 2:
        return
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="好友帮砍 · 低至三折",
        sku_id=sku.pk,
        start_price_fen=sku.price_fen,
        floor_price_fen=sku.price_fen * 3 // 10,
        helpers_needed=HELPERS,
        hours_to_finish=48,
        stock=30,
        per_member_limit=1,
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(days=14),
    )
    starters, friends = members[:3], iter(members[3:])

    def help_with(bargain, count: int) -> None:
        for _ in range(count):
            help_bargain(helper=next(friends), share_code=bargain.share_code, device_id=secrets.token_urlsafe(12))

    halfway, _ = start_bargain(member=starters[0], campaign_id=campaign.pk)
    help_with(halfway, 2)
    at_floor, _ = start_bargain(member=starters[1], campaign_id=campaign.pk)
    help_with(at_floor, HELPERS)
    bought, _ = start_bargain(member=starters[2], campaign_id=campaign.pk)
    help_with(bought, HELPERS)
    order = buy_bargain(member=starters[2], bargain_id=bought.pk, fulfilment="pickup", store_id=store.pk)
    _pay_in_sandbox(order, starters[2], "wechat_native")
    context["bargain_campaign"] = campaign
