"""Demo step: three lottery games for 邻里优选 — a lucky wheel (one free spin a day, one more per
paid order from ¥30; coupons, points and a free bottle of water), a scratch card (free once a day,
then 10 points a card) and a golden egg in the points playground (30 points a hammer) — built
through the same actions as the console, and some members' draws so the reports have figures."""

from __future__ import annotations

import datetime as dt

from newretail.catalog.queries import live_skus
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.marketing.games.drawing import draw
from newretail.marketing.games.setup import create_game
from newretail.members.models import Member
from newretail.tenancy.models import User

THANKS = {"name": "谢谢参与", "kind": "thanks", "is_fallback": True}


def _points(points: int, odds: int, **extra) -> dict:
    return {"name": f"{points}积分", "kind": "points", "points": points, "odds": odds, **extra}


def build_games(owner: User, context: dict) -> None:
    merchant = owner.merchant
    now = clock.now()
    window = {"starts_at": now - dt.timedelta(days=1), "ends_at": now + dt.timedelta(days=30)}
    templates = context.get("coupon_templates", {})
    water = live_skus(merchant.pk).filter(product__name__contains="水").order_by("price_fen", "pk").first()
    water = water or live_skus(merchant.pk).order_by("price_fen", "pk").first()

    wheel_prizes = []
    if "claim" in templates:
        wheel_prizes.append(
            {
                "name": "满59减10券",
                "kind": "coupon",
                "coupon_template_id": templates["claim"].pk,
                "odds": 1000,
                "stock": 200,
            }
        )
    if "rate" in templates:
        wheel_prizes.append(
            {
                "name": "9折券",
                "kind": "coupon",
                "coupon_template_id": templates["rate"].pk,
                "odds": 500,
                "stock": 100,
            }
        )
    wheel_prizes += [_points(20, 2000), _points(5, 3000)]
    if water is not None:
        wheel_prizes.append(
            {
                "name": "免费矿泉水",
                "kind": "gift",
                "sku_id": water.pk,
                "odds": 200,
                "stock": 50,
                "member_cap": 1,
            }
        )
    wheel_prizes.append({**THANKS, "odds": 10_000 - sum(p["odds"] for p in wheel_prizes)})
    wheel = create_game(
        actor=owner,
        name="幸运大转盘",
        kind="wheel",
        description="每天免费转1次，每笔满30元的订单再送1次",
        free_per_day=1,
        order_chances=1,
        order_min_fen=3000,
        prizes=wheel_prizes,
        **window,
    )
    scratch_prizes = [_points(50, 1000), _points(10, 4000)]
    if "shipping" in templates:
        scratch_prizes.append(
            {"name": "包邮券", "kind": "coupon", "coupon_template_id": templates["shipping"].pk, "odds": 2000}
        )
    scratch_prizes.append({**THANKS, "odds": 10_000 - sum(p["odds"] for p in scratch_prizes)})
    create_game(
        actor=owner,
        name="天天刮刮乐",
        kind="scratch",
        description="每天免费刮1张，之后每张10积分",
        free_per_day=1,
        points_per_draw=10,
        prizes=scratch_prizes,
        **window,
    )
    create_game(
        actor=owner,
        name="积分砸金蛋",
        kind="egg",
        description="每次30积分，最高赢100积分",
        free_per_day=0,
        points_per_draw=30,
        daily_draw_limit=10,
        prizes=[_points(100, 500), _points(30, 2500), {**THANKS, "odds": 7000}],
        **window,
    )
    for member in Member.objects.filter(merchant=merchant).order_by("pk")[:24]:
        try:
            draw(member=member, game_id=wheel.pk, idempotency_key="demo")
        except DomainError:
            continue
