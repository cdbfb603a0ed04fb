"""Demo step: the loyalty side of the chain — about 2,000 members with 90 days of history (sign-ups
spread over the quarter, points earned and spent, growth and the levels it reached), recharge plans
(充100送20 …) with real recharges paid in cash at the tills and spent there, a PLUS card with its
monthly coupon, a free 金卡 card, and points and level rules.

The 2,000 members' quarter of history is generated in bulk (the actions would take minutes: one
transaction per movement), the way an import of an older system's members would arrive: every
cached balance is written equal to its entries, so ``check_ledgers`` holds. The recharges, the
card and the wallet payments go through the actions a cashier would use."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import F

from newretail.core import clock
from newretail.inventory.models import StockLevel
from newretail.marketing.models import CouponTemplate
from newretail.members.actions.cards import grant_level_cards, save_card_plan
from newretail.members.actions.levels import level_for_growth
from newretail.members.actions.points import expiry_for
from newretail.members.actions.wallet import save_recharge_plan
from newretail.members.models import (
    ConsentRecord,
    GrowthEntry,
    Member,
    MemberLevel,
    PointsAccount,
    PointsBatch,
    PointsEntry,
    RechargePlan,
)
from newretail.orders.actions.checkout import create_staff_order
from newretail.orders.actions.recharge import start_card_purchase, start_recharge
from newretail.payments.actions import charges
from newretail.tenancy.models import Store, User

HISTORY_MEMBERS = 2000
DAYS = 90
PLANS = [("充100送20", 10000, 2000), ("充200送50", 20000, 5000), ("充500送150", 50000, 15000)]


def build_members(owner: User, context: dict) -> None:
    rng: random.Random = context["random"]
    stores: dict[str, Store] = context["stores"]
    levels: dict[str, MemberLevel] = context["levels"]
    plans = [
        save_recharge_plan(actor=owner, plan=None, name=n, pay_fen=p, bonus_fen=b, position=i)
        for i, (n, p, b) in enumerate(PLANS)
    ]
    coupon = (
        CouponTemplate.objects.for_merchant(owner.merchant_id).filter(status="active").order_by("id").first()
    )
    plus_level = MemberLevel.objects.create(
        merchant_id=owner.merchant_id, name="PLUS会员", rank=9, growth_threshold=10**9
    )
    plus = save_card_plan(
        actor=owner,
        plan=None,
        name="PLUS年卡",
        price_fen=9900,
        validity_days=365,
        points_multiplier_percent=200,
        priced_as_level=plus_level,
        free_for_level=None,
        coupon_template_ids=[coupon.pk] if coupon else [],
        is_active=True,
    )
    save_card_plan(
        actor=owner,
        plan=None,
        name="金卡权益卡",
        price_fen=0,
        validity_days=365,
        points_multiplier_percent=150,
        priced_as_level=None,
        free_for_level=levels["金卡会员"],
        coupon_template_ids=[],
        is_active=True,
    )
    _history(owner.merchant_id, list(stores.values()), rng)
    _recharges_at_the_tills(owner, stores, plans, plus, rng)
    grant_level_cards()
    _points_mall(owner, context, coupon)


def _points_mall(owner: User, context: dict, coupon: CouponTemplate | None) -> None:
    """积分商城: goods for points + cash and for points only (from SKUs the central warehouse and
    every store hold, so express and pickup both work), a coupon and stored-value bonus."""
    from newretail.catalog.models import Sku
    from newretail.demo.orders_step import _in_stock
    from newretail.members.actions.points_mall import save_item

    warehouses = [
        context["central"].pk,
        *(w.pk for s in context["stores"].values() for w in s.warehouses.all()),
    ]
    skus = list(
        Sku.objects.filter(pk__in=_in_stock(owner.merchant_id, warehouses, 10)[:2]).select_related("product")
    )
    common = {"actor": owner, "item": None, "per_member_limit": 2, "is_active": True}
    for position, (sku, points, share) in enumerate(zip(skus, (800, 1500), (2, 0), strict=False)):
        save_item(
            **common,
            kind="goods",
            name=f"积分换{sku.product.name}"[:40],
            points=points,
            sku_id=sku.pk,
            cash_fen=sku.price_fen * share // 10,  # 积分 + 二折现金, or points only
            stock=50,
            position=position,
        )
    if coupon is not None:
        save_item(
            **common,
            kind="coupon",
            name=f"积分兑{coupon.name}"[:40],
            points=300,
            coupon_template_id=coupon.pk,
            stock=None,
            position=5,
        )
    save_item(
        **common, kind="bonus", name="500积分换5元储值", points=500, bonus_fen=500, stock=None, position=6
    )


@transaction.atomic
def _history(merchant_id: int, stores: list[Store], rng: random.Random) -> None:
    now = clock.now()
    members = []
    for n in range(HISTORY_MEMBERS):
        members.append(
            Member(
                merchant_id=merchant_id,
                phone=f"137{n // 10000:01d}{rng.randint(100, 999)}{n % 10000:04d}",
                name=rng.choice("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
                + rng.choice(["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "杰", "婷"]),
                registered_store=rng.choice(stores),
                source=rng.choice([Member.Source.POS, Member.Source.POS, Member.Source.MALL]),
                marketing_consent=rng.random() < 0.6,
                birthday=dt.date(rng.randint(1960, 2005), rng.randint(1, 12), rng.randint(1, 28)),
            )
        )
    Member.objects.bulk_create(members, ignore_conflicts=True)
    members = list(Member.objects.filter(merchant_id=merchant_id, phone__startswith="137"))
    entries, batches_for, growth_entries, consents, accounts = [], {}, [], [], []
    for member in members:
        joined = now - dt.timedelta(days=rng.randint(0, DAYS), hours=rng.randint(0, 23))
        growth = 0
        balance = 0
        visits = rng.choice([0, 1, 1, 2, 3, 5, 8, 12])
        for visit in range(visits):
            when = joined + (now - joined) * rng.random()
            spent = rng.choice([890, 1500, 2350, 3900, 5600, 8800, 12800, 19900])
            growth += spent // 100
            points = spent // 100
            balance += points
            batches_for.setdefault(member.pk, []).append((points, when))
            growth_entries.append(
                GrowthEntry(
                    merchant_id=merchant_id,
                    member=member,
                    kind="order",
                    growth=spent // 100,
                    reference=f"demo:{member.pk}:{visit}:growth",
                )
            )
        if member.marketing_consent:
            consents.append(
                ConsentRecord(merchant_id=merchant_id, member=member, granted=True, source=member.source)
            )
        level = level_for_growth(merchant_id, growth)
        Member.objects.filter(pk=member.pk).update(
            created_at=joined, growth=growth, level=level, level_since=joined if level else None
        )
        accounts.append(PointsAccount(merchant_id=merchant_id, member=member, balance=balance))
    GrowthEntry.objects.bulk_create(growth_entries, batch_size=2000)
    ConsentRecord.objects.bulk_create(consents, batch_size=2000)
    PointsAccount.objects.bulk_create(accounts, batch_size=2000)
    by_member = {m.pk: m for m in members}
    batch_rows = [
        PointsBatch(merchant_id=merchant_id, member_id=pk, points=p, remaining=p, expires_at=expiry_for(when))
        for pk, earned in batches_for.items()
        for p, when in earned
    ]
    PointsBatch.objects.bulk_create(batch_rows, batch_size=2000)
    for index, batch in enumerate(PointsBatch.objects.filter(member__in=members).order_by("id")):
        entries.append(
            PointsEntry(
                merchant_id=merchant_id,
                member=by_member[batch.member_id],
                kind=PointsEntry.Kind.EARN,
                points=batch.points,
                batch=batch,
                reference=f"demo:{index}:earn",
                note="历史消费",
            )
        )
    PointsEntry.objects.bulk_create(entries, batch_size=2000)


def _recharges_at_the_tills(
    owner: User, stores: dict[str, Store], plans: list[RechargePlan], plus, rng: random.Random
) -> None:
    """A dozen members recharge at the till in cash, spend some of it on a till sale from the
    wallet, and a few buy the PLUS card — all through the actions."""
    members = list(
        Member.objects.filter(merchant_id=owner.merchant_id, phone__startswith="137").order_by("id")[:12]
    )
    for index, member in enumerate(members):
        store = list(stores.values())[index % len(stores)]
        skus = list(
            StockLevel.objects.filter(
                warehouse__store=store,
                on_hand__gte=F("reserved") + 5,
                sku__price_fen__lte=3000,
                sku__product__unit="piece",
            )
            .order_by("sku_id")
            .values_list("sku_id", flat=True)[:40]
        )
        order = start_recharge(
            member=member, plan_id=plans[index % len(plans)].pk, actor=owner, store_id=store.pk
        )
        charges.pay_order(order_id=order.pk, kind="cash", actor=owner)
        if skus and index % 2 == 0:
            sale = create_staff_order(
                actor=owner,
                channel="pos",
                fulfilment="in_store",
                store_id=store.pk,
                lines=[{"sku_id": rng.choice(skus), "quantity": 1}],
                member_id=member.pk,
            )
            charges.pay_order(order_id=sale.pk, kind="wallet", actor=owner)
        if index % 4 == 0:
            card = start_card_purchase(member=member, plan_id=plus.pk)
            charges.pay_order(order_id=card.pk, kind="cash", actor=owner)
