"""Demo seckill (秒杀): 「今日秒杀」 running now on three cheap everyday goods at about half price
(campaign stock 30–80, one piece per member, 5 minutes to pay), with a dozen demo members who
already bought (most paid on the WeChat Pay sandbox, a few still within their five minutes), and
「明晚八点秒杀」 coming tomorrow at 20:00, so the mall's seckill page counts down both ways, the
home page's seckill block shows real items and the console's live report has figures. The stock
path is Redis when the server has it, else the database (``create_campaign``'s default)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from newretail.catalog.models import Sku
from newretail.core import clock
from newretail.demo.orders_step import _in_stock, _pay_in_sandbox
from newretail.marketing.seckill.buying import buy_seckill
from newretail.marketing.seckill.campaigns import create_campaign
from newretail.members.models import Member
from newretail.tenancy.models import Store, User

BUYERS = 12
UNPAID = 3  # the last buyers have not paid yet (their orders close after 5 minutes)


def build_seckill(owner: User, context: dict) -> None:
    merchant = context["merchant"]
    stores: dict[str, Store] = context["stores"]
    store = next((s for s in stores.values() if s.is_online and s.is_active), None)
    if store is None:
        return
    candidates = _in_stock(merchant.pk, [store.warehouses.get().pk], 40)
    # Everyday goods under ¥6 (the group buy takes the dearer ones): water, drinks, snacks.
    skus = list(
        Sku.objects.filter(pk__in=candidates, price_fen__gte=250, price_fen__lt=600)
        .select_related("product")
        .order_by("price_fen", "pk")[:6]
    )
    if len(skus) < 6:
        return
    now = clock.now()
    today = create_campaign(
        actor=owner,
        name="今日秒杀",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(days=3),
        per_member_limit=1,
        unpaid_minutes=5,
        items=[
            {"sku_id": sku.pk, "price_fen": sku.price_fen // 2, "stock": stock}
            for sku, stock in zip(skus[:3], (30, 50, 80), strict=True)
        ],
    )
    tomorrow = timezone.localtime(now).replace(hour=20, minute=0, second=0, microsecond=0) + dt.timedelta(
        days=1
    )
    create_campaign(
        actor=owner,
        name="明晚八点秒杀",
        starts_at=tomorrow,
        ends_at=tomorrow + dt.timedelta(hours=2),
        per_member_limit=2,
        items=[{"sku_id": sku.pk, "price_fen": sku.price_fen * 4 // 10, "stock": 100} for sku in skus[3:]],
    )
    items = list(today.items.order_by("id"))
    members = list(
        Member.objects.filter(merchant=merchant).select_related("merchant").order_by("-pk")[:BUYERS]
    )
    for number, member in enumerate(members):
        order = buy_seckill(
            member=member,
            item_id=items[number % len(items)].pk,
            fulfilment="pickup",
            store_id=store.pk,
            idempotency_key=f"demo-seckill-{number}",
        )
        if number < len(members) - UNPAID:
            _pay_in_sandbox(order, member, "wechat_native")
    context["seckill_campaign"] = today
