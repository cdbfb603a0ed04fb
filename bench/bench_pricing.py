#!/usr/bin/env python
"""``price_cart`` latency: a 50-line cart against 200 running promotions and 3 coupons, next to
the same engine with the promotion index bypassed (every promotion tried on every line).

    .venv/bin/python bench/bench_pricing.py                # 2000 runs each
    .venv/bin/python bench/bench_pricing.py --profile      # and cProfile our engine

The engine is pure (no database, no cache), so this runs in one process: Django is set up on a
throwaway ``var/`` only for translations (explanations are built in zh-hans, as in production).
The data is generated with a fixed seed:

* a 5,000-SKU catalogue in 10 top categories of 5 leaves each; 5% sold by weight;
* 200 promotions: 120 SKU-scoped (限时特价 / 会员价 / 限时折扣 on 8 SKUs each), 40 category-scoped
  (category 限时折扣, 满减, 满件折, 第二件半价), 20 item sets (N件M元, 任选, 组合套餐) and 20 order-level
  or all-goods ones (满减 tiers, 每满减, 满赠, 下单有礼, 满额包邮, 会员折扣, 满折); about one in five
  is restricted to a channel, a store or a level, or is outside its window;
* the cart: 50 distinct SKUs (15 of them from promotions), quantities 1–3, some store prices, a
  level-1 member buying by express with 满199减20, a stackable 无门槛5元, a 包邮券 and 1000 points.

Each run prices the cart once with the indexed ``Offers`` and once with the baseline (alternating,
after a warm-up); both must give the same ``PricedCart``. Prints a markdown table. Goal: our
median under 2 ms.

Options: --runs N (2000), --profile.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
from bench.throwaway import percentile  # noqa: E402

COMMAND = ".venv/bin/python bench/bench_pricing.py"
N_SKUS = 5000
N_LINES = 50
NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _setup_django(tmp: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newretail.config.settings")
    os.environ.update(
        NEWRETAIL_VAR_DIR=tmp, DEBUG="false", LOG_LEVEL="WARNING", SECRET_KEY="bench-" + os.urandom(16).hex()
    )
    import django

    django.setup()
    from django.utils import translation

    translation.activate("zh-hans")


def _catalogue(rng: random.Random) -> dict[int, dict]:
    skus = {}
    for sku_id in range(1, N_SKUS + 1):
        leaf = 11 + sku_id % 50
        skus[sku_id] = {
            "price": rng.randrange(200, 9900, 10),
            "weight_g": rng.randrange(100, 1500, 50),
            "categories": (leaf, 1 + (leaf - 11) // 5),
            "weighed": rng.random() < 0.05,
        }
    return skus


def _promotions(rng: random.Random, skus: dict[int, dict]):
    from newretail.marketing.pricing import Kind, Promotion, Scope, Tier

    def restricted() -> dict:
        """About one promotion in five does not run for this cart (channel, store, level, window)."""
        roll = rng.random()
        if roll < 0.05:
            return {"channels": frozenset({"pos"})}
        if roll < 0.10:
            return {"stores": frozenset({2})}
        if roll < 0.15:
            return {"level_ids": frozenset({3}), "members_only": True}
        if roll < 0.20:
            return {"starts_at": NOW + dt.timedelta(hours=2)}
        return {}

    def make(pid: int, kind: str, **fields) -> Promotion:
        window = {"starts_at": NOW - dt.timedelta(days=3), "ends_at": NOW + dt.timedelta(days=3)}
        window.update(fields.pop("window", {}))
        extra = restricted()
        window.update({k: extra.pop(k) for k in ("starts_at",) if k in extra})
        fields = {"name": f"促销{pid}", "priority": rng.randint(0, 3), **extra, **fields}
        return Promotion(id=pid, kind=kind, **window, **fields)

    def some_skus(n: int) -> list[int]:
        return rng.sample(sorted(s for s, v in skus.items() if not v["weighed"]), n)

    def only(ids: Iterable[int]) -> Scope:
        return Scope(all_items=False, sku_ids=frozenset(ids))

    promotions = []
    pid = 0
    # 120 SKU-scoped item prices
    for index in range(120):
        pid += 1
        chosen = some_skus(8)
        if index < 60:
            prices = {s: skus[s]["price"] * rng.randint(70, 95) // 100 for s in chosen}
            promotions.append(make(pid, Kind.FLASH_DISCOUNT, sku_prices=prices, scope=only(prices)))
        elif index < 100:
            prices = {s: skus[s]["price"] * rng.randint(80, 95) // 100 for s in chosen}
            levels = frozenset({1, 2}) if index % 2 else None
            promotions.append(
                make(
                    pid,
                    Kind.MEMBER_PRICE,
                    sku_prices=prices,
                    scope=only(prices),
                    level_ids=levels,
                    members_only=True,
                )
            )
        else:
            promotions.append(
                make(pid, Kind.FLASH_DISCOUNT, rate_percent=rng.randint(70, 95), scope=only(chosen))
            )
    # 40 category-scoped
    for index in range(40):
        pid += 1
        category = rng.randint(1, 10) if index % 2 else rng.randint(11, 60)
        scope = Scope(all_items=False, category_ids=frozenset({category}))
        if index < 15:
            promotions.append(make(pid, Kind.FLASH_DISCOUNT, rate_percent=rng.randint(80, 95), scope=scope))
        elif index < 25:
            tiers = (Tier(10000, off_fen=1000), Tier(20000, off_fen=2500))
            promotions.append(make(pid, Kind.SPEND_OFF, tiers=tiers, scope=scope))
        elif index < 30:
            tiers = (Tier(3, rate_percent=90),)
            promotions.append(make(pid, Kind.SPEND_DISCOUNT, tiers=tiers, counts_pieces=True, scope=scope))
        else:
            promotions.append(make(pid, Kind.NTH_DISCOUNT, quantity=2, rate_percent=50, scope=scope))
    # 20 item sets
    for index in range(20):
        pid += 1
        if index < 8:
            chosen = some_skus(10)
            price = sum(skus[s]["price"] for s in chosen[:3]) * 8 // 10
            promotions.append(make(pid, Kind.MULTI_BUY, quantity=3, price_fen=price, scope=only(chosen)))
        elif index < 14:
            chosen = some_skus(6)
            price = sum(skus[s]["price"] for s in chosen[:2]) * 85 // 100
            promotions.append(make(pid, Kind.BUNDLE_PICK, quantity=2, price_fen=price, scope=only(chosen)))
        else:
            chosen = some_skus(2)
            price = sum(skus[s]["price"] for s in chosen) * 9 // 10
            components = tuple((s, 1) for s in chosen)
            promotions.append(
                make(pid, Kind.BUNDLE_FIXED, components=components, price_fen=price, scope=only(chosen))
            )
    # 20 order-level or all-goods
    order_level = [
        (
            Kind.SPEND_OFF,
            {"tiers": (Tier(9900, off_fen=1000), Tier(19900, off_fen=3000), Tier(29900, off_fen=5000))},
        ),
        (Kind.SPEND_OFF, {"tiers": (Tier(15000, off_fen=1500),), "channels": frozenset({"pos"})}),
        (
            Kind.SPEND_OFF,
            {"tiers": (Tier(50000, off_fen=8000),), "exclusive": True, "stores": frozenset({2})},
        ),
        (Kind.SPEND_OFF, {"tiers": (Tier(10000, off_fen=500),), "max_discount_fen": 3000}),
        (Kind.SPEND_OFF, {"tiers": (Tier(8800, off_fen=800),), "members_only": True}),
        (Kind.SPEND_OFF, {"tiers": (Tier(100000, off_fen=20000),)}),
        (Kind.SPEND_OFF, {"tiers": (Tier(10000, off_fen=1000),), "repeat": True, "max_discount_fen": 10000}),
        (
            Kind.SPEND_OFF,
            {"tiers": (Tier(30000, off_fen=2000),), "repeat": True, "channels": frozenset({"pos"})},
        ),
        (Kind.GIFT, {"tiers": (Tier(9900, gift_sku_id=1, gift_quantity=1),), "gift_stock_left": 50}),
        (
            Kind.GIFT,
            {"tiers": (Tier(19900, gift_sku_id=2), Tier(39900, gift_sku_id=3)), "gift_stock_left": 0},
        ),
        (Kind.GIFT, {"tiers": (Tier(5, gift_sku_id=4),), "counts_pieces": True}),
        (Kind.ORDER_GIFT, {"tiers": (Tier(9900, coupon_template_id=7, coupon_quantity=1),)}),
        (Kind.ORDER_GIFT, {"tiers": (Tier(29900, coupon_template_id=8, coupon_quantity=2),)}),
        (Kind.FREE_SHIPPING, {"tiers": (Tier(9900),)}),
        (Kind.FREE_SHIPPING, {"tiers": (Tier(3),), "counts_pieces": True, "channels": frozenset({"mall"})}),
        (Kind.LEVEL_DISCOUNT, {"rate_percent": 95, "level_ids": frozenset({2}), "members_only": True}),
        (Kind.LEVEL_DISCOUNT, {"rate_percent": 90, "level_ids": frozenset({3}), "members_only": True}),
        (Kind.SPEND_DISCOUNT, {"tiers": (Tier(20000, rate_percent=95), Tier(50000, rate_percent=90))}),
        (
            Kind.SPEND_DISCOUNT,
            {"tiers": (Tier(10, rate_percent=85),), "counts_pieces": True, "exclusive": True},
        ),
        (Kind.FLASH_DISCOUNT, {"rate_percent": 50, "exclusive": True, "channels": frozenset({"pos"})}),
    ]
    for kind, fields in order_level:
        pid += 1
        promotions.append(make(pid, kind, **fields))
    assert len(promotions) == 200
    return promotions


def _cart(rng: random.Random, skus: dict[int, dict], promotions):
    from newretail.marketing.pricing import CartLine

    promoted = sorted({s for p in promotions for s in (*p.scope.sku_ids, *p.sku_prices)})
    chosen = rng.sample(promoted, 15)
    chosen += rng.sample(sorted(set(skus) - set(chosen)), N_LINES - len(chosen))
    lines = []
    for index, sku_id in enumerate(chosen):
        sku = skus[sku_id]
        store_price = sku["price"] - 20 if index % 10 == 0 else None
        lines.append(
            CartLine(
                line_id=f"L{index:03d}",
                sku_id=sku_id,
                quantity=rng.randint(300, 2000) if sku["weighed"] else rng.randint(1, 3),
                list_price_fen=sku["price"],
                store_price_fen=store_price,
                weight_g=sku["weight_g"],
                category_ids=sku["categories"],
                sold_by_weight=sku["weighed"],
            )
        )
    return lines


def _context():
    from newretail.marketing.pricing import CouponKind, CouponOffer, PricingContext

    valid = {"valid_from": NOW - dt.timedelta(days=1), "valid_until": NOW + dt.timedelta(days=6)}
    coupons = (
        CouponOffer(1, 11, CouponKind.CASH_OFF, "满199减20", threshold_fen=19900, off_fen=2000, **valid),
        CouponOffer(2, 12, CouponKind.CASH_OFF, "无门槛5元", off_fen=500, stackable=True, **valid),
        CouponOffer(3, 13, CouponKind.FREE_SHIPPING, "包邮券", **valid),
    )
    return PricingContext(
        merchant_id=1,
        store_id=1,
        channel="mall",
        member_id=7,
        member_level_id=1,
        now=NOW,
        fulfilment="express",
        region_code="310000",
        coupons=coupons,
        points_to_use=1000,
        promotion_allowance_fen={181: 50_000, 184: 0},
    )


def _offers_classes():
    from newretail.marketing.pricing import Offers

    class EveryPromotion(Offers):
        """The naive baseline: no index, every promotion is a candidate for every cart."""

        def candidates(self, sku_ids, category_ids):
            return list(self.promotions)  # already in application order

    return Offers, EveryPromotion


def _time(call, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nr-bench-") as tmp:
        _setup_django(tmp)
        from newretail.marketing.pricing import PointsRule, ShippingRules, price_cart
        from newretail.marketing.pricing.state import PricingState

        rng = random.Random(7)
        skus = _catalogue(rng)
        promotions = _promotions(rng, skus)
        lines = _cart(rng, skus, promotions)
        context = _context()
        rules = ShippingRules(express_free_threshold_fen=None, express_region_surcharges_fen={"310000": 0})
        Offers, EveryPromotion = _offers_classes()
        ours = Offers(promotions, points_rule=PointsRule())
        baseline = EveryPromotion(promotions, points_rule=PointsRule())

        priced = price_cart(lines, context, rules, offers=ours)
        assert priced == price_cart(lines, context, rules, offers=baseline), "the baseline prices differently"
        running = {
            "ours": len(PricingState(lines, context, rules, ours).running),
            "baseline": len(PricingState(lines, context, rules, baseline).running),
        }
        candidates = len(
            ours.candidates([line.sku_id for line in lines], {c for line in lines for c in line.category_ids})
        )

        def run_ours():
            return price_cart(lines, context, rules, offers=ours)

        def run_baseline():
            return price_cart(lines, context, rules, offers=baseline)

        _time(run_ours, 100)  # warm-up
        _time(run_baseline, 100)
        samples: dict[str, list[float]] = {"ours": [], "baseline": []}
        left = args.runs
        while left > 0:  # alternate blocks of 100 so drift hits both alike
            block = min(100, left)
            samples["ours"] += _time(run_ours, block)
            samples["baseline"] += _time(run_baseline, block)
            left -= block

        stats = {
            name: {"median": statistics.median(s) * 1000, "p95": percentile(s, 95) * 1000}
            for name, s in samples.items()
        }
        base = stats["baseline"]["median"]
        print("| engine | promotions tried | median ms | p95 ms | median vs baseline |")
        print("|---|---:|---:|---:|---:|")
        print(
            f"| indexed `Offers` (ours) | {candidates} candidates, {running['ours']} running "
            f"| {stats['ours']['median']:.3f} | {stats['ours']['p95']:.3f} | {stats['ours']['median'] / base:.2f} |"
        )
        print(
            f"| baseline: every promotion on every line | 200 candidates, {running['baseline']} running "
            f"| {base:.3f} | {stats['baseline']['p95']:.3f} | 1.00 |"
        )
        print()
        print(
            f"- {len(lines)} lines, {len(promotions)} promotions over {N_SKUS} SKUs, {len(context.coupons)} coupons; "
            f"{len(samples['ours'])} runs each. Result: payable {priced.payable_fen} fen, "
            f"{len(priced.adjustments)} adjustments, {len(priced.promotion_discounts)} promotions applied, "
            f"coupons {list(priced.coupon_ids)}, identical for both."
        )
        print(f"- Goal: median under 2 ms — {'met' if stats['ours']['median'] < 2 else 'NOT met'}.")
        print(f"\nCommand: `{COMMAND}`")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(500):
                run_ours()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
