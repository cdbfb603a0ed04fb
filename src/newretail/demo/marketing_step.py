"""Demo step: member levels and a realistic set of running campaigns for a Shanghai convenience
chain — 饮料限时8.8折, 零食满50减8 / 满100减20, 饮用水3件10元, 第二件半价 on coffee, a 金卡 member price,
满39包邮, a 满88赠 gift and a 下单有礼 coupon — and coupons: 新人券 on sign-up, 满59减10 and 9折券 in the
claim centre, a 包邮券, and a link-only 兑换券. Built through the same actions as the console."""

from __future__ import annotations

import datetime as dt

from newretail.catalog.models import Category, Sku
from newretail.catalog.queries import live_skus
from newretail.core import clock
from newretail.marketing.actions.coupons import create_coupon_template
from newretail.marketing.actions.promotions import create_promotion
from newretail.members.models import MemberLevel
from newretail.tenancy.models import User

LEVELS = [("普通会员", 1, 0), ("银卡会员", 2, 1000), ("金卡会员", 3, 5000)]


def _category(merchant_id: int, name: str) -> Category:
    return Category.objects.get(merchant_id=merchant_id, name=name)


def _cheapest(merchant_id: int, category: Category, count: int) -> list[Sku]:
    return list(live_skus(merchant_id).filter(product__category=category).order_by("price_fen", "pk")[:count])


def build_marketing(owner: User, context: dict) -> None:
    merchant_id = owner.merchant_id
    levels = {
        name: MemberLevel.objects.create(
            merchant_id=merchant_id, name=name, rank=rank, growth_threshold=growth
        )
        for name, rank, growth in LEVELS
    }
    context["levels"] = levels
    now = clock.now()
    month = {"starts_at": now - dt.timedelta(days=3), "ends_at": now + dt.timedelta(days=30)}
    week = {"starts_at": now - dt.timedelta(days=1), "ends_at": now + dt.timedelta(days=7)}

    water = _category(merchant_id, "饮用水")
    coffee = _category(merchant_id, "咖啡")
    drinks = _category(merchant_id, "饮料")
    snacks = _category(merchant_id, "零食")
    cheap_water = _cheapest(merchant_id, water, 6)
    create_promotion(
        actor=owner,
        name="饮料限时8.8折",
        kind="flash_discount",
        rules={"rate_percent": 88},
        scope={"all": False, "category_ids": [_category(merchant_id, "茶饮料").pk]},
        **week,
    )
    create_promotion(
        actor=owner,
        name="饮用水3件10元",
        kind="multi_buy",
        rules={"quantity": 3, "price_fen": 1000},
        scope={"all": False, "category_ids": [water.pk]},
        **month,
    )
    create_promotion(
        actor=owner,
        name="咖啡第二件半价",
        kind="nth_discount",
        rules={"quantity": 2, "rate_percent": 50},
        scope={"all": False, "category_ids": [coffee.pk]},
        **month,
    )
    create_promotion(
        actor=owner,
        name="零食满50减8，满100减20",
        kind="spend_off",
        rules={"tiers": [{"threshold": 5000, "off_fen": 800}, {"threshold": 10000, "off_fen": 2000}]},
        scope={"all": False, "category_ids": [snacks.pk]},
        usage_limit=5000,
        budget_fen=5_000_000,
        **month,
    )
    dear_drinks = (
        live_skus(merchant_id).filter(product__category__parent=drinks).order_by("-price_fen", "pk")[:10]
    )
    gold_prices = {str(s.pk): s.price_fen * 85 // 100 for s in dear_drinks}
    create_promotion(
        actor=owner,
        name="金卡会员价",
        kind="member_price",
        rules={"sku_prices": gold_prices},
        level_ids=[levels["金卡会员"].pk],
        **month,
    )
    create_promotion(
        actor=owner,
        name="满39包邮",
        kind="free_shipping",
        rules={"tiers": [{"threshold": 3900}]},
        channels=["mall"],
        **month,
    )
    gift = live_skus(merchant_id).order_by("price_fen", "pk").first()
    create_promotion(
        actor=owner,
        name="满88送小礼品",
        kind="gift",
        rules={"tiers": [{"threshold": 8800, "gift_sku_id": gift.pk, "gift_quantity": 1}]},
        gift_stock=200,
        **month,
    )

    templates = {}
    templates["welcome"] = create_coupon_template(
        actor=owner,
        name="新人专享满30减5",
        kind="cash_off",
        threshold_fen=3000,
        off_fen=500,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=365),
        valid_days=14,
        in_claim_centre=False,
        issue_on=["member.registered"],
        description="注册即送，14天内有效",
    )
    templates["claim"] = create_coupon_template(
        actor=owner,
        name="满59减10",
        kind="cash_off",
        threshold_fen=5900,
        off_fen=1000,
        valid_from=month["starts_at"],
        valid_until=month["ends_at"],
        total_stock=1000,
        per_member_limit=1,
    )
    templates["rate"] = create_coupon_template(
        actor=owner,
        name="全场9折券（最高减20元）",
        kind="discount",
        rate_percent=90,
        max_off_fen=2000,
        valid_from=month["starts_at"],
        valid_until=month["ends_at"],
        total_stock=500,
    )
    templates["shipping"] = create_coupon_template(
        actor=owner,
        name="包邮券",
        kind="free_shipping",
        channels=["mall"],
        valid_from=month["starts_at"],
        valid_until=month["ends_at"],
        per_member_limit=2,
    )
    templates["exchange"] = create_coupon_template(
        actor=owner,
        name="免费兑换一瓶水",
        kind="exchange",
        exchange_sku_id=cheap_water[0].pk,
        valid_from=month["starts_at"],
        valid_until=month["ends_at"],
        total_stock=100,
        in_claim_centre=False,
    )
    create_promotion(
        actor=owner,
        name="下单满68送满59减10券",
        kind="order_gift",
        rules={"tiers": [{"threshold": 6800, "coupon_template_id": templates["claim"].pk}]},
        **month,
    )
    context["coupon_templates"] = templates
