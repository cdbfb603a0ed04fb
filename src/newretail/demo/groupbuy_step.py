"""Demo group buy (拼团): a running three-person campaign on two of the stores' goods, with a
leader discount; one group that has filled (its orders released for fulfilment) and one still
filling with a seat left, so the mall's group page, its countdown and the console's live report
show something at once. Payments go through the WeChat Pay sandbox like the demo's other orders."""

from __future__ import annotations

import datetime as dt

from newretail.catalog.models import Sku
from newretail.core import clock
from newretail.demo.orders_step import _in_stock, _pay_in_sandbox
from newretail.marketing.groupbuy.campaigns import create_campaign
from newretail.marketing.groupbuy.seats import join_group, open_group, seat_paid
from newretail.members.models import Member
from newretail.tenancy.models import Store, User


def _pay(joined, member: Member) -> None:
    _pay_in_sandbox(joined.order, member, "wechat_native")
    # The worker delivers order.paid after the demo commits; applying it now (it runs once per
    # seat) lets the demo show opened and succeeded groups straight away.
    seat_paid(joined.order.pk)


def build_groupbuy(owner: User, context: dict) -> None:
    merchant = context["merchant"]
    stores: dict[str, Store] = context["stores"]
    store = next((s for s in stores.values() if s.is_online and s.is_active), None)
    if store is None:
        return
    candidates = _in_stock(merchant.pk, [store.warehouses.get().pk], 20)
    # Single items a neighbour buys for a few yuan more than a drink, not a whole case.
    skus = list(Sku.objects.filter(pk__in=candidates, price_fen__gte=600).order_by("price_fen", "pk")[:2])
    members = list(Member.objects.filter(merchant=merchant).select_related("merchant").order_by("pk")[:5])
    if len(skus) < 2 or len(members) < 5:
        return
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="三人拼团 · 邻里好物",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=14),
        group_size=3,
        fill_minutes=24 * 60,
        per_member_limit=2,
        leader_discount_fen=100,
        items=[{"sku_id": sku.pk, "group_price_fen": sku.price_fen * 7 // 10} for sku in skus],
    )
    first, second = campaign.items.order_by("id")
    where = {"fulfilment": "pickup", "store_id": store.pk}

    done = open_group(member=members[0], item_id=first.pk, **where)
    _pay(done, members[0])
    for member in members[1:3]:
        _pay(join_group(member=member, group_id=done.group.pk, **where), member)

    filling = open_group(member=members[3], item_id=second.pk, **where)
    _pay(filling, members[3])
    _pay(join_group(member=members[4], group_id=filling.group.pk, **where), members[4])
    context["groupbuy_campaign"] = campaign
