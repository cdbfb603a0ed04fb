"""Worked examples of promotions, coupons and points, taken from how Chinese shops run them, each
with the payable amount computed by hand (in fen) in the comment above it. Explanations are
translated text, so these examples check amounts, codes and hints, never the wording.

Unless an example says otherwise: a member (id 7, level 1) buys in the mall at store 1 for pickup
(no shipping), at ``NOW``; every promotion runs from a day before to a day after."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from newretail.core.errors import DomainError
from newretail.marketing.pricing import (
    CartLine,
    CouponKind,
    CouponOffer,
    Kind,
    Offers,
    PointsRule,
    PricedCart,
    PricingContext,
    Promotion,
    Scope,
    ShippingRules,
    Tier,
    gift_line_id,
    price_cart,
)

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BEFORE, AFTER = NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1)
GUEST = {"member_id": None, "member_level_id": None}
EXPRESS_NOT_FREE = ShippingRules(express_free_threshold_fen=None)
POINTS = PointsRule(points_per_yuan=100, max_share_percent=50, min_points=0)


def promo(pid: int, kind: str, **fields) -> Promotion:
    fields.setdefault("name", f"P{pid}")
    fields.setdefault("starts_at", BEFORE)
    fields.setdefault("ends_at", AFTER)
    return Promotion(id=pid, kind=kind, **fields)


def coupon(cid: int, kind: str, **fields) -> CouponOffer:
    fields.setdefault("name", f"C{cid}")
    fields.setdefault("valid_from", BEFORE)
    fields.setdefault("valid_until", AFTER)
    return CouponOffer(id=cid, template_id=100 + cid, kind=kind, **fields)


def skus(*ids: int) -> Scope:
    return Scope(all_items=False, sku_ids=frozenset(ids))


def categories(*ids: int) -> Scope:
    return Scope(all_items=False, category_ids=frozenset(ids))


def line(line_id: str, sku_id: int, price: int, quantity: int = 1, **fields) -> CartLine:
    return CartLine(line_id=line_id, sku_id=sku_id, quantity=quantity, list_price_fen=price, **fields)


def off(*pairs: tuple[int, int]) -> tuple[Tier, ...]:
    return tuple(Tier(threshold=threshold, off_fen=off_fen) for threshold, off_fen in pairs)


@dataclasses.dataclass(frozen=True)
class Example:
    lines: tuple[CartLine, ...]
    promotions: tuple[Promotion, ...] = ()
    coupons: tuple[CouponOffer, ...] = ()
    context: dict = dataclasses.field(default_factory=dict)
    rules: ShippingRules = ShippingRules()
    points_rule: PointsRule | None = None
    payable: int | None = None
    finals: dict[str, int] | None = None  # the cart lines' final amounts (gifts apart)
    discounts: dict[int, int] | None = None  # priced.promotion_discounts
    error: str | None = None  # the DomainError code instead of a result
    check: Callable[[PricedCart], object] | None = None  # more assertions on the result


def hint_is(short_fen: int, short_quantity: int) -> Callable[[PricedCart], None]:
    def check(priced: PricedCart) -> None:
        assert [(h.short_fen, h.short_quantity) for h in priced.hints] == [(short_fen, short_quantity)]

    return check


def kinds_on(line_id: str, expected: list[tuple[str, int | None]]) -> Callable[[PricedCart], None]:
    """The (source, source_id) of every adjustment on a line, in the order applied."""

    def check(priced: PricedCart) -> None:
        (found,) = [priced_line for priced_line in priced.lines if priced_line.line_id == line_id]
        assert [(a.source, a.source_id) for a in found.adjustments] == expected

    return check


def gift_check(quantity: int) -> Callable[[PricedCart], None]:
    def check(priced: PricedCart) -> None:
        gifts = [priced_line for priced_line in priced.lines if priced_line.is_gift]
        assert [(g.line_id, g.sku_id, g.quantity, g.final_amount_fen) for g in gifts] == [
            (gift_line_id(1, 900), 900, quantity, 0)
        ]

    return check


def no_gift_and_a_notice(priced: PricedCart) -> None:
    assert not any(priced_line.is_gift for priced_line in priced.lines)
    assert len(priced.notices) == 1


def reward_check(priced: PricedCart) -> None:
    assert [(r.promotion_id, r.coupon_template_id, r.coupon_quantity, r.points) for r in priced.rewards] == [
        (1, 77, 2, 0)
    ]


def coupons_used(*ids: int) -> Callable[[PricedCart], None]:
    def check(priced: PricedCart) -> None:
        assert priced.coupon_ids == ids

    return check


def shipping_is(fen: int, *more: Callable[[PricedCart], None]) -> Callable[[PricedCart], None]:
    def check(priced: PricedCart) -> None:
        assert priced.shipping_fen == fen
        for extra in more:
            extra(priced)

    return check


def points_are(used: int, fen: int) -> Callable[[PricedCart], None]:
    def check(priced: PricedCart) -> None:
        assert (priced.points_used, priced.points_fen) == (used, fen)

    return check


EXAMPLES = [
    # --- step 1, item prices ------------------------------------------------------------------
    # 会员价: milk ¥12.80 ×2, member price ¥9.90 -> 2 × 990 = 1980 (290 off each, 580)
    pytest.param(
        Example(
            lines=(line("a", 1, 1280, 2),),
            promotions=(promo(1, Kind.MEMBER_PRICE, sku_prices={1: 990}, scope=skus(1), members_only=True),),
            payable=1980,
            discounts={1: 580},
        ),
        id="member-price",
    ),
    # the same cart for a guest: a member price is for members only -> 2 × 1280 = 2560
    pytest.param(
        Example(
            lines=(line("a", 1, 1280, 2),),
            promotions=(promo(1, Kind.MEMBER_PRICE, sku_prices={1: 990}, scope=skus(1), members_only=True),),
            context=GUEST,
            payable=2560,
            discounts={},
        ),
        id="member-price-not-for-guests",
    ),
    # 会员8.8折 on the store price: list ¥20, store price ¥18 -> 1800 × 0.88 = 1584 (216 off;
    # the 200 the store price takes is not the promotion's)
    pytest.param(
        Example(
            lines=(line("a", 1, 2000, store_price_fen=1800),),
            promotions=(
                promo(1, Kind.LEVEL_DISCOUNT, rate_percent=88, level_ids=frozenset({2}), members_only=True),
            ),
            context={"member_level_id": 2},
            payable=1584,
            discounts={1: 216},
            check=kinds_on("a", [("store_price", None), ("promotion", 1)]),
        ),
        id="level-discount-on-store-price",
    ),
    # 8.8折 per piece rounds half-up: 1999 × 0.88 = 1759.12 -> 1759; ×3 = 5277 (5997 - 720)
    pytest.param(
        Example(
            lines=(line("a", 1, 1999, 3),),
            promotions=(promo(1, Kind.LEVEL_DISCOUNT, rate_percent=88, level_ids=frozenset({1, 2})),),
            payable=5277,
            discounts={1: 720},
        ),
        id="level-discount-rounds-per-piece",
    ),
    # a level-3 member is not in levels {1, 2}: full price 3 × 1999 = 5997
    pytest.param(
        Example(
            lines=(line("a", 1, 1999, 3),),
            promotions=(promo(1, Kind.LEVEL_DISCOUNT, rate_percent=88, level_ids=frozenset({1, 2})),),
            context={"member_level_id": 3},
            payable=5997,
            discounts={},
        ),
        id="level-restriction",
    ),
    # 限时7折: ¥39.90 × 0.7 = 2793 (1197 off)
    pytest.param(
        Example(
            lines=(line("a", 1, 3990),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=70),),
            payable=2793,
            discounts={1: 1197},
        ),
        id="flash-percent",
    ),
    # 限时特价 ¥19.90 on SKU 1 (list ¥29.90) ×3 = 5970, plus SKU 2 at ¥10 untouched -> 6970
    pytest.param(
        Example(
            lines=(line("a", 1, 2990, 3), line("b", 2, 1000)),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, sku_prices={1: 1990}, scope=skus(1)),),
            payable=6970,
            finals={"a": 5970, "b": 1000},
            discounts={1: 3000},
        ),
        id="flash-fixed-price",
    ),
    # 秒杀 ¥19.90 and a 限时特价 of ¥19.90: a tie goes to the campaign -> 1990, no promotion used
    pytest.param(
        Example(
            lines=(line("a", 1, 2990, campaign_price_fen=1990, campaign_name="秒杀"),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, sku_prices={1: 1990}, scope=skus(1)),),
            payable=1990,
            discounts={},
            check=kinds_on("a", [("campaign", None)]),
        ),
        id="campaign-price-beats-promotion-on-a-tie",
    ),
    # 拼团 ¥22.90 but a 限时特价 of ¥19.90: the lower price wins -> 1990 (1000 off)
    pytest.param(
        Example(
            lines=(line("a", 1, 2990, campaign_price_fen=2290),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, sku_prices={1: 1990}, scope=skus(1)),),
            payable=1990,
            discounts={1: 1000},
            check=kinds_on("a", [("promotion", 1)]),
        ),
        id="cheaper-promotion-beats-campaign",
    ),
    # member price ¥9.90, 限时8折 (1024) and 会员9折 (1152) on ¥12.80: the best single one, never two
    # -> 990
    pytest.param(
        Example(
            lines=(line("a", 1, 1280),),
            promotions=(
                promo(1, Kind.MEMBER_PRICE, sku_prices={1: 990}, scope=skus(1), members_only=True),
                promo(2, Kind.FLASH_DISCOUNT, rate_percent=80),
                promo(3, Kind.LEVEL_DISCOUNT, rate_percent=90, level_ids=frozenset({1})),
            ),
            payable=990,
            discounts={1: 290},
            check=kinds_on("a", [("promotion", 1)]),
        ),
        id="best-single-item-price-never-two",
    ),
    # 8折 (1280 -> 1024) and a fixed ¥10.24 of higher priority: same price, the higher priority
    # wins -> 1024, credited to promotion 3
    pytest.param(
        Example(
            lines=(line("a", 1, 1280),),
            promotions=(
                promo(2, Kind.FLASH_DISCOUNT, rate_percent=80),
                promo(3, Kind.FLASH_DISCOUNT, sku_prices={1: 1024}, scope=skus(1), priority=5),
            ),
            payable=1024,
            discounts={3: 256},
        ),
        id="item-price-tie-goes-to-priority",
    ),
    # --- step 2, item sets --------------------------------------------------------------------
    # 3件10元 over ¥5, ¥4 ×2, ¥2: the dearest three (500 + 800 = 1300) cost 1000, ¥2 stays.
    # 300 off split 500:800 -> 115.4 / 184.6 -> 115 / 185 -> a 385, b 615, c 200; payable 1200
    pytest.param(
        Example(
            lines=(line("a", 1, 500), line("b", 2, 400, 2), line("c", 3, 200)),
            promotions=(promo(1, Kind.MULTI_BUY, quantity=3, price_fen=1000),),
            payable=1200,
            finals={"a": 385, "b": 615, "c": 200},
            discounts={1: 300},
        ),
        id="multi-buy-3-for-10-dearest-first",
    ),
    # 3件10元 over ¥5 ×3 and ¥1 ×3: the first three cost ¥10; three ¥1 pieces as a group would cost
    # ¥10 instead of ¥3, so they stay at list price -> 1000 + 300 = 1300
    pytest.param(
        Example(
            lines=(line("a", 1, 500, 3), line("b", 2, 100, 3)),
            promotions=(promo(1, Kind.MULTI_BUY, quantity=3, price_fen=1000),),
            payable=1300,
            finals={"a": 1000, "b": 300},
            discounts={1: 500},
        ),
        id="multi-buy-never-groups-at-a-loss",
    ),
    # 任选2件¥99 from SKUs 1-3: ¥69 + ¥59 = 12800 -> 9900 (2900 off, split 6900:5900 -> 1563.3 /
    # 1336.7 -> 1563 / 1337); SKU 4 at ¥30 is not in the list -> 9900 + 3000 = 12900
    pytest.param(
        Example(
            lines=(line("a", 1, 6900), line("b", 2, 5900), line("c", 4, 3000)),
            promotions=(promo(1, Kind.BUNDLE_PICK, quantity=2, price_fen=9900, scope=skus(1, 2, 3)),),
            payable=12900,
            finals={"a": 5337, "b": 4563, "c": 3000},
            discounts={1: 2900},
        ),
        id="bundle-pick-2-for-99",
    ),
    # 组合套餐: 1 × SKU 1 (¥15) + 2 × SKU 2 (¥5) for ¥20; the cart has 3 of SKU 2, so one set:
    # 1500 + 1000 = 2500 -> 2000, 500 off split 3:2 -> a 1200, b 1500 - 200 = 1300; payable 2500
    pytest.param(
        Example(
            lines=(line("a", 1, 1500), line("b", 2, 500, 3)),
            promotions=(
                promo(1, Kind.BUNDLE_FIXED, components=((1, 1), (2, 2)), price_fen=2000, scope=skus(1, 2)),
            ),
            payable=2500,
            finals={"a": 1200, "b": 1300},
            discounts={1: 500},
        ),
        id="bundle-fixed-set",
    ),
    # 第二件半价, 3 pieces at ¥30: one is the second -> 9000 - 1500 = 7500
    pytest.param(
        Example(
            lines=(line("a", 1, 3000, 3),),
            promotions=(promo(1, Kind.NTH_DISCOUNT, quantity=2, rate_percent=50, scope=skus(1)),),
            payable=7500,
            discounts={1: 1500},
        ),
        id="second-piece-half-price",
    ),
    # 买一送一 (the second piece at 0%), 4 pieces at ¥12: two free -> 2400
    pytest.param(
        Example(
            lines=(line("a", 1, 1200, 4),),
            promotions=(promo(1, Kind.NTH_DISCOUNT, quantity=2, rate_percent=0, scope=skus(1)),),
            payable=2400,
            discounts={1: 2400},
        ),
        id="buy-one-get-one",
    ),
    # 2件¥10 and a weighed line: apples by weight (1 kg at ¥20/kg) are not pieces; one ¥6 piece
    # alone makes no pair -> 2000 + 600 = 2600, "buy 1 more"
    pytest.param(
        Example(
            lines=(line("a", 1, 2000, 1000, sold_by_weight=True), line("b", 2, 600)),
            promotions=(promo(1, Kind.MULTI_BUY, quantity=2, price_fen=1000),),
            payable=2600,
            discounts={},
            check=hint_is(0, 1),
        ),
        id="weighed-line-not-in-item-sets",
    ),
    # the same with two ¥6 pieces: 1200 -> 1000; the apples stay at 2000 -> 3000
    pytest.param(
        Example(
            lines=(line("a", 1, 2000, 1000, sold_by_weight=True), line("b", 2, 600, 2)),
            promotions=(promo(1, Kind.MULTI_BUY, quantity=2, price_fen=1000),),
            payable=3000,
            finals={"a": 2000, "b": 1000},
            discounts={1: 200},
        ),
        id="weighed-line-beside-a-multi-buy",
    ),
    # --- step 3, order level ------------------------------------------------------------------
    # 满100减20 on ¥60 + ¥45 = 10500: 2000 off split 60:45 -> 1142.9 / 857.1 -> 1143 / 857
    pytest.param(
        Example(
            lines=(line("a", 1, 6000), line("b", 2, 4500)),
            promotions=(promo(1, Kind.SPEND_OFF, tiers=off((10000, 2000))),),
            payable=8500,
            finals={"a": 4857, "b": 3643},
            discounts={1: 2000},
        ),
        id="spend-100-get-20-off",
    ),
    # 满100减20 / 满200减50 at ¥250: the highest tier reached -> 25000 - 5000 = 20000
    pytest.param(
        Example(
            lines=(line("a", 1, 25000),),
            promotions=(promo(1, Kind.SPEND_OFF, tiers=off((10000, 2000), (20000, 5000))),),
            payable=20000,
            discounts={1: 5000},
            check=lambda priced: priced.hints == (),
        ),
        id="spend-off-top-tier",
    ),
    # the same tiers at ¥150: 20 off -> 13000, and ¥50 short of the next tier
    pytest.param(
        Example(
            lines=(line("a", 1, 15000),),
            promotions=(promo(1, Kind.SPEND_OFF, tiers=off((10000, 2000), (20000, 5000))),),
            payable=13000,
            discounts={1: 2000},
            check=hint_is(5000, 0),
        ),
        id="spend-off-lower-tier-with-hint",
    ),
    # 每满100减10 at ¥350: three times -> 35000 - 3000 = 32000
    pytest.param(
        Example(
            lines=(line("a", 1, 35000),),
            promotions=(promo(1, Kind.SPEND_OFF, tiers=off((10000, 1000)), repeat=True),),
            payable=32000,
            discounts={1: 3000},
        ),
        id="every-100-get-10-off",
    ),
    # the thresholds see the amount after item prices: ¥105 at 9折 = 9450 < 10000, no 满减,
    # ¥5.50 short -> 9450
    pytest.param(
        Example(
            lines=(line("a", 1, 10500),),
            promotions=(
                promo(1, Kind.FLASH_DISCOUNT, rate_percent=90),
                promo(2, Kind.SPEND_OFF, tiers=off((10000, 2000))),
            ),
            payable=9450,
            discounts={1: 1050},
            check=hint_is(550, 0),
        ),
        id="spend-off-threshold-after-item-prices",
    ),
    # 满2件8折 on ¥30 + ¥20: 5000 × 0.8 = 4000 (a 2400, b 1600)
    pytest.param(
        Example(
            lines=(line("a", 1, 3000), line("b", 2, 2000)),
            promotions=(
                promo(1, Kind.SPEND_DISCOUNT, tiers=(Tier(2, rate_percent=80),), counts_pieces=True),
            ),
            payable=4000,
            finals={"a": 2400, "b": 1600},
            discounts={1: 1000},
        ),
        id="two-pieces-20-percent-off",
    ),
    # 满2件8折 with one piece: full price 3000, "buy 1 more"
    pytest.param(
        Example(
            lines=(line("a", 1, 3000),),
            promotions=(
                promo(1, Kind.SPEND_DISCOUNT, tiers=(Tier(2, rate_percent=80),), counts_pieces=True),
            ),
            payable=3000,
            discounts={},
            check=hint_is(0, 1),
        ),
        id="two-pieces-discount-one-short",
    ),
    # 饮料满50减10 (category 10): cola in 碳酸饮料 (11 under 10) ¥30 and juice (12 under 10) ¥25 make
    # 5500; snacks (20) ¥40 do not count. 1000 off split 30:25 -> 545.5 / 454.5 -> 545 / 455
    pytest.param(
        Example(
            lines=(
                line("a", 1, 3000, category_ids=(11, 10)),
                line("b", 2, 2500, category_ids=(12, 10)),
                line("c", 3, 4000, category_ids=(20,)),
            ),
            promotions=(promo(1, Kind.SPEND_OFF, tiers=off((5000, 1000)), scope=categories(10)),),
            payable=8500,
            finals={"a": 2455, "b": 2045, "c": 4000},
            discounts={1: 1000},
        ),
        id="category-spend-off-through-ancestors",
    ),
    # 满99赠 2 × SKU 900 with 1 gift left: one gift line at ¥0; the cart pays 10000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(
                promo(1, Kind.GIFT, tiers=(Tier(9900, gift_sku_id=900, gift_quantity=2),), gift_stock_left=1),
            ),
            payable=10000,
            discounts={1: 0},
            check=gift_check(1),
        ),
        id="gift-with-stock-left",
    ),
    # the gifts are all given away: no gift line, a notice; still 10000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(promo(1, Kind.GIFT, tiers=(Tier(9900, gift_sku_id=900),), gift_stock_left=0),),
            payable=10000,
            discounts={},
            check=no_gift_and_a_notice,
        ),
        id="gift-out-of-stock",
    ),
    # 满赠 comes on top of 满减: ¥120 -> 满100减20 = 10000, plus the gift
    pytest.param(
        Example(
            lines=(line("a", 1, 12000),),
            promotions=(
                promo(1, Kind.GIFT, tiers=(Tier(9900, gift_sku_id=900),)),
                promo(2, Kind.SPEND_OFF, tiers=off((10000, 2000))),
            ),
            payable=10000,
            discounts={1: 0, 2: 2000},
            check=gift_check(1),
        ),
        id="gift-on-top-of-spend-off",
    ),
    # 下单有礼: from ¥50, two coupons of template 77 after payment; nothing off now -> 6000
    pytest.param(
        Example(
            lines=(line("a", 1, 6000),),
            promotions=(
                promo(1, Kind.ORDER_GIFT, tiers=(Tier(5000, coupon_template_id=77, coupon_quantity=2),)),
            ),
            payable=6000,
            discounts={1: 0},
            check=reward_check,
        ),
        id="order-gift-reward",
    ),
    # --- step 5, shipping ---------------------------------------------------------------------
    # 满39包邮 (the merchant has no free threshold): ¥40, 500 g by express, fee 800 waived -> 4000
    pytest.param(
        Example(
            lines=(line("a", 1, 4000, weight_g=500),),
            promotions=(promo(1, Kind.FREE_SHIPPING, tiers=(Tier(3900),)),),
            context={"fulfilment": "express"},
            rules=EXPRESS_NOT_FREE,
            payable=4000,
            discounts={1: 800},
            check=shipping_is(0),
        ),
        id="free-shipping-promotion",
    ),
    # ¥30 under 满39包邮: fee 800, ¥9 short -> 3800
    pytest.param(
        Example(
            lines=(line("a", 1, 3000, weight_g=500),),
            promotions=(promo(1, Kind.FREE_SHIPPING, tiers=(Tier(3900),)),),
            context={"fulfilment": "express"},
            rules=EXPRESS_NOT_FREE,
            payable=3800,
            discounts={},
            check=hint_is(900, 0),
        ),
        id="free-shipping-promotion-short",
    ),
    # a 包邮 promotion capped at ¥5 gives at most ¥5 of the ¥8 fee -> 4000 + 300 = 4300
    pytest.param(
        Example(
            lines=(line("a", 1, 4000, weight_g=500),),
            promotions=(promo(1, Kind.FREE_SHIPPING, tiers=(Tier(3900),), max_discount_fen=500),),
            context={"fulfilment": "express"},
            rules=EXPRESS_NOT_FREE,
            payable=4300,
            discounts={1: 500},
            check=shipping_is(300),
        ),
        id="free-shipping-promotion-capped",
    ),
    # 全场包邮 (from ¥0) on ¥5 that a 无门槛5元 coupon makes free: the goods cost 0, the parcel is
    # still free -> 0
    pytest.param(
        Example(
            lines=(line("a", 1, 500, weight_g=500),),
            promotions=(promo(1, Kind.FREE_SHIPPING, tiers=(Tier(0),)),),
            coupons=(coupon(1, CouponKind.CASH_OFF, off_fen=500),),
            context={"fulfilment": "express"},
            rules=EXPRESS_NOT_FREE,
            payable=0,
            discounts={1: 800},
            check=shipping_is(0, coupons_used(1)),
        ),
        id="free-shipping-promotion-on-goods-made-free",
    ),
    # 满2件包邮: ¥10 and ¥8, the ¥8 piece paid by a 兑换券 is still a piece -> 1000, fee waived
    pytest.param(
        Example(
            lines=(line("a", 1, 1000, weight_g=500), line("b", 5, 800, weight_g=500)),
            promotions=(promo(1, Kind.FREE_SHIPPING, tiers=(Tier(2),), counts_pieces=True),),
            coupons=(coupon(1, CouponKind.EXCHANGE, exchange_sku_id=5),),
            context={"fulfilment": "express"},
            rules=EXPRESS_NOT_FREE,
            payable=1000,
            finals={"a": 1000, "b": 0},
            discounts={1: 800},
            check=shipping_is(0),
        ),
        id="free-shipping-by-pieces-counts-a-free-piece",
    ),
    # ¥60 by express: the merchant's ¥59 threshold waives the fee, the 包邮券 is kept -> 6000
    pytest.param(
        Example(
            lines=(line("a", 1, 6000, weight_g=500),),
            coupons=(coupon(1, CouponKind.FREE_SHIPPING),),
            context={"fulfilment": "express"},
            payable=6000,
            check=shipping_is(0, coupons_used()),
        ),
        id="free-shipping-coupon-kept-when-not-needed",
    ),
    # ¥30 by express: the fee 800 is waived by the 包邮券 -> 3000
    pytest.param(
        Example(
            lines=(line("a", 1, 3000, weight_g=500),),
            coupons=(coupon(1, CouponKind.FREE_SHIPPING),),
            context={"fulfilment": "express"},
            payable=3000,
            check=shipping_is(0, coupons_used(1)),
        ),
        id="free-shipping-coupon-used-when-needed",
    ),
    # --- step 4, coupons ----------------------------------------------------------------------
    # 满59减10 on ¥45 + ¥20 = 6500: 1000 split 45:20 -> 692.3 / 307.7 -> 692 / 308
    pytest.param(
        Example(
            lines=(line("a", 1, 4500), line("b", 2, 2000)),
            coupons=(coupon(1, CouponKind.CASH_OFF, threshold_fen=5900, off_fen=1000),),
            payable=5500,
            finals={"a": 3808, "b": 1692},
            check=coupons_used(1),
        ),
        id="coupon-59-minus-10",
    ),
    # 无门槛5元 on ¥12 -> 700
    pytest.param(
        Example(
            lines=(line("a", 1, 1200),),
            coupons=(coupon(1, CouponKind.CASH_OFF, off_fen=500),),
            payable=700,
        ),
        id="coupon-no-threshold-5",
    ),
    # 无门槛5元 on ¥3: takes the goods to ¥0, never below -> 0
    pytest.param(
        Example(
            lines=(line("a", 1, 300),),
            coupons=(coupon(1, CouponKind.CASH_OFF, off_fen=500),),
            payable=0,
        ),
        id="coupon-larger-than-the-goods",
    ),
    # 8折券 capped at ¥20 on ¥150: 20% = 3000, capped -> 13000
    pytest.param(
        Example(
            lines=(line("a", 1, 15000),),
            coupons=(coupon(1, CouponKind.DISCOUNT, rate_percent=80, max_off_fen=2000),),
            payable=13000,
        ),
        id="coupon-20-percent-capped",
    ),
    # the same coupon on ¥50: 1000 off, under the cap -> 4000
    pytest.param(
        Example(
            lines=(line("a", 1, 5000),),
            coupons=(coupon(1, CouponKind.DISCOUNT, rate_percent=80, max_off_fen=2000),),
            payable=4000,
        ),
        id="coupon-20-percent-under-cap",
    ),
    # 兑换券 for one SKU 5: 2 × ¥8 + ¥20, one ¥8 piece free -> 800 + 2000 = 2800
    pytest.param(
        Example(
            lines=(line("a", 5, 800, 2), line("b", 1, 2000)),
            coupons=(coupon(1, CouponKind.EXCHANGE, exchange_sku_id=5),),
            payable=2800,
            finals={"a": 800, "b": 2000},
        ),
        id="exchange-coupon",
    ),
    # 满100减20 coupon on ¥105 at 9折 (9450): the threshold sees the discounted amount -> refused
    pytest.param(
        Example(
            lines=(line("a", 1, 10500),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=90),),
            coupons=(coupon(1, CouponKind.CASH_OFF, threshold_fen=10000, off_fen=2000),),
            error="marketing.coupon_threshold_not_met",
        ),
        id="coupon-threshold-after-promotions",
    ),
    # 满100减10 plus two stackable ones (满50减5, 无门槛3元) on ¥120: 12000 - 1000 - 500 - 300 = 10200
    pytest.param(
        Example(
            lines=(line("a", 1, 12000),),
            coupons=(
                coupon(1, CouponKind.CASH_OFF, threshold_fen=10000, off_fen=1000),
                coupon(2, CouponKind.CASH_OFF, threshold_fen=5000, off_fen=500, stackable=True),
                coupon(3, CouponKind.CASH_OFF, off_fen=300, stackable=True),
            ),
            payable=10200,
            check=coupons_used(1, 2, 3),
        ),
        id="stackable-coupons",
    ),
    # two coupons that do not stack -> refused
    pytest.param(
        Example(
            lines=(line("a", 1, 12000),),
            coupons=(
                coupon(1, CouponKind.CASH_OFF, threshold_fen=10000, off_fen=1000),
                coupon(2, CouponKind.DISCOUNT, rate_percent=90),
            ),
            error="marketing.coupons_do_not_stack",
        ),
        id="coupons-do-not-stack",
    ),
    pytest.param(
        Example(
            lines=(line("a", 1, 12000),),
            coupons=(coupon(1, CouponKind.CASH_OFF, off_fen=500, valid_from=NOW + dt.timedelta(hours=1)),),
            error="marketing.coupon_not_usable_here",
        ),
        id="coupon-not-valid-yet",
    ),
    # valid until NOW: [valid_from, valid_until) has just ended
    pytest.param(
        Example(
            lines=(line("a", 1, 12000),),
            coupons=(coupon(1, CouponKind.CASH_OFF, off_fen=500, valid_until=NOW),),
            error="marketing.coupon_not_usable_here",
        ),
        id="coupon-expired",
    ),
    pytest.param(
        Example(
            lines=(line("a", 1, 12000),),
            coupons=(coupon(1, CouponKind.CASH_OFF, off_fen=500, channels=frozenset({"pos"})),),
            error="marketing.coupon_not_usable_here",
        ),
        id="coupon-for-another-channel",
    ),
    # 限时9折 on SKU 1 bars coupons: ¥100 -> 9000 keeps its price; the 8折券 takes 20% of the ¥50
    # line only -> 9000 + 4000 = 13000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000), line("b", 2, 5000)),
            promotions=(
                promo(1, Kind.FLASH_DISCOUNT, rate_percent=90, scope=skus(1), coupons_allowed=False),
            ),
            coupons=(coupon(1, CouponKind.DISCOUNT, rate_percent=80),),
            payable=13000,
            finals={"a": 9000, "b": 4000},
            discounts={1: 1000},
            check=kinds_on("a", [("promotion", 1)]),
        ),
        id="coupon-skips-lines-barred-by-a-promotion",
    ),
    # ... and a 满60减10 coupon sees only the ¥50 it may touch -> refused
    pytest.param(
        Example(
            lines=(line("a", 1, 10000), line("b", 2, 5000)),
            promotions=(
                promo(1, Kind.FLASH_DISCOUNT, rate_percent=90, scope=skus(1), coupons_allowed=False),
            ),
            coupons=(coupon(1, CouponKind.CASH_OFF, threshold_fen=6000, off_fen=1000),),
            error="marketing.coupon_threshold_not_met",
        ),
        id="coupon-threshold-without-barred-lines",
    ),
    # --- exclusivity, caps, allowances ------------------------------------------------------
    # an exclusive 限时7折 on SKU 1 (¥100 -> 7000) keeps 满100减20 off its line: the ¥80 line alone is
    # ¥20 short -> 7000 + 8000 = 15000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000), line("b", 2, 8000)),
            promotions=(
                promo(1, Kind.FLASH_DISCOUNT, rate_percent=70, scope=skus(1), exclusive=True),
                promo(2, Kind.SPEND_OFF, tiers=off((10000, 2000))),
            ),
            payable=15000,
            finals={"a": 7000, "b": 8000},
            discounts={1: 3000},
            check=hint_is(2000, 0),
        ),
        id="exclusive-promotion-blocks-others",
    ),
    # without exclusivity the same cart reaches 满100减20: 15000 - 2000 = 13000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000), line("b", 2, 8000)),
            promotions=(
                promo(1, Kind.FLASH_DISCOUNT, rate_percent=70, scope=skus(1)),
                promo(2, Kind.SPEND_OFF, tiers=off((10000, 2000))),
            ),
            payable=13000,
            discounts={1: 3000, 2: 2000},
        ),
        id="non-exclusive-promotions-combine",
    ),
    # an exclusive 满50减10 takes only lines no promotion touched: ¥100 at 9折 (9000) is touched,
    # the ¥60 line alone gets 10 off -> 9000 + 5000 = 14000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000), line("b", 2, 6000)),
            promotions=(
                promo(1, Kind.FLASH_DISCOUNT, rate_percent=90, scope=skus(1)),
                promo(2, Kind.SPEND_OFF, tiers=off((5000, 1000)), exclusive=True),
            ),
            payable=14000,
            finals={"a": 9000, "b": 5000},
            discounts={1: 1000, 2: 1000},
        ),
        id="exclusive-order-promotion-takes-untouched-lines",
    ),
    # 每满100减10 capped at ¥20 per order on ¥350: 3000 -> 2000 -> 33000
    pytest.param(
        Example(
            lines=(line("a", 1, 35000),),
            promotions=(
                promo(1, Kind.SPEND_OFF, tiers=off((10000, 1000)), repeat=True, max_discount_fen=2000),
            ),
            payable=33000,
            discounts={1: 2000},
        ),
        id="max-discount-cap",
    ),
    # 5折 capped at ¥10 over ¥40 + ¥30 (3500 wanted): 1000 split 20:15 -> 571.4 / 428.6 -> 571 / 429
    pytest.param(
        Example(
            lines=(line("a", 1, 4000), line("b", 2, 3000)),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=50, max_discount_fen=1000),),
            payable=6000,
            finals={"a": 3429, "b": 2571},
            discounts={1: 1000},
        ),
        id="max-discount-cap-on-item-prices",
    ),
    # 秒杀 ¥80 on a ¥100 item and a 5折 capped at ¥5: the capped 5折 would leave ¥95, so the
    # seckill price stays -> 8000, the promotion unused
    pytest.param(
        Example(
            lines=(line("a", 1, 10000, campaign_price_fen=8000),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=50, max_discount_fen=500),),
            payable=8000,
            discounts={},
            check=kinds_on("a", [("campaign", None)]),
        ),
        id="capped-promotion-does-not-beat-a-campaign-price",
    ),
    # 限时8折 capped at ¥5 (-> ¥95) and 会员9折 on ¥100: the 9折 gives more -> 9000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(
                promo(1, Kind.FLASH_DISCOUNT, rate_percent=80, max_discount_fen=500),
                promo(2, Kind.LEVEL_DISCOUNT, rate_percent=90, level_ids=frozenset({1})),
            ),
            payable=9000,
            discounts={2: 1000},
        ),
        id="capped-promotion-does-not-beat-an-uncapped-one",
    ),
    # 5折 capped at ¥10 over ¥40 and ¥30, the ¥30 one also at a ¥20 seckill price: split over both,
    # the ¥30 line would pay 2571; it takes the seckill (2000) and the ¥10 all go to the ¥40 line
    # (3000) -> 5000
    pytest.param(
        Example(
            lines=(line("a", 1, 4000), line("b", 2, 3000, campaign_price_fen=2000)),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=50, max_discount_fen=1000),),
            payable=5000,
            finals={"a": 3000, "b": 2000},
            discounts={1: 1000},
        ),
        id="capped-promotion-keeps-the-lines-it-beats",
    ),
    # 满100减20 whose budget is spent (allowance 0): no discount, no hint -> 12000
    pytest.param(
        Example(
            lines=(line("a", 1, 12000),),
            promotions=(promo(1, Kind.SPEND_OFF, tiers=off((10000, 2000))),),
            context={"promotion_allowance_fen": {1: 0}},
            payable=12000,
            discounts={},
            check=lambda priced: priced.hints == (),
        ),
        id="allowance-exhausted",
    ),
    # ¥15 of budget left: 15 of the 20 off -> 10500
    pytest.param(
        Example(
            lines=(line("a", 1, 12000),),
            promotions=(promo(1, Kind.SPEND_OFF, tiers=off((10000, 2000))),),
            context={"promotion_allowance_fen": {1: 1500}},
            payable=10500,
            discounts={1: 1500},
        ),
        id="allowance-partial-budget",
    ),
    # --- who, where, when ---------------------------------------------------------------------
    # a POS-only 8折 in the mall: 10000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=80, channels=frozenset({"pos"})),),
            payable=10000,
            discounts={},
        ),
        id="channel-restriction-mall",
    ),
    # ... at the till: 8000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=80, channels=frozenset({"pos"})),),
            context={"channel": "pos", "fulfilment": "in_store"},
            payable=8000,
            discounts={1: 2000},
        ),
        id="channel-restriction-pos",
    ),
    # store 2's 8折 at store 1: 10000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=80, stores=frozenset({2})),),
            payable=10000,
            discounts={},
        ),
        id="store-restriction",
    ),
    # a members-only 8折 for a guest: 10000; for the member: 8000
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=80, members_only=True),),
            context=GUEST,
            payable=10000,
            discounts={},
        ),
        id="members-only-guest",
    ),
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=80, members_only=True),),
            payable=8000,
            discounts={1: 2000},
        ),
        id="members-only-member",
    ),
    # the window is [starts_at, ends_at): starting now runs (8000), ending now does not (10000)
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=80, starts_at=NOW),),
            payable=8000,
        ),
        id="window-starts-now",
    ),
    pytest.param(
        Example(
            lines=(line("a", 1, 10000),),
            promotions=(promo(1, Kind.FLASH_DISCOUNT, rate_percent=80, ends_at=NOW),),
            payable=10000,
        ),
        id="window-ended-now",
    ),
    # --- step 6, points -----------------------------------------------------------------------
    # 100 points per yuan, at most half: ¥30 with 2000 points -> 1500 fen for 1500 points -> 1500
    pytest.param(
        Example(
            lines=(line("a", 1, 3000),),
            context={"points_to_use": 2000},
            points_rule=POINTS,
            payable=1500,
            check=points_are(1500, 1500),
        ),
        id="points-capped-at-half",
    ),
    # 1000 points -> ¥10 off -> 2000
    pytest.param(
        Example(
            lines=(line("a", 1, 3000),),
            context={"points_to_use": 1000},
            points_rule=POINTS,
            payable=2000,
            check=points_are(1000, 1000),
        ),
        id="points-under-the-cap",
    ),
    # 200 points per yuan: 301 points buy 150 fen and cost 300 -> 2850
    pytest.param(
        Example(
            lines=(line("a", 1, 3000),),
            context={"points_to_use": 301},
            points_rule=PointsRule(points_per_yuan=200),
            payable=2850,
            check=points_are(300, 150),
        ),
        id="points-odd-point-stays",
    ),
    pytest.param(
        Example(
            lines=(line("a", 1, 3000),),
            context={"points_to_use": 300},
            points_rule=PointsRule(min_points=500),
            error="marketing.points_below_minimum",
        ),
        id="points-below-minimum",
    ),
    # --- everything at once -------------------------------------------------------------------
    # A level-1 member: 会员9折 on ¥60 + ¥50 -> 5400 + 4500 = 9900 (1100 off); 满100减10 is ¥1 short;
    # 满80减5 coupon: 500 split 54:45 -> 272.7 / 227.3 -> 273 / 227 (5127, 4273; 9400); express
    # 1.2 kg = 800 + 200, waived from ¥59; 500 points = 500 fen split 5127:4273 -> 272.7 / 227.3 ->
    # 273 / 227 -> 4854 + 4046 = 8900
    pytest.param(
        Example(
            lines=(line("a", 1, 6000, weight_g=600), line("b", 2, 5000, weight_g=600)),
            promotions=(
                promo(1, Kind.LEVEL_DISCOUNT, rate_percent=90, level_ids=frozenset({1})),
                promo(2, Kind.SPEND_OFF, tiers=off((10000, 1000))),
            ),
            coupons=(coupon(1, CouponKind.CASH_OFF, threshold_fen=8000, off_fen=500),),
            context={"fulfilment": "express", "points_to_use": 500},
            points_rule=POINTS,
            payable=8900,
            finals={"a": 4854, "b": 4046},
            discounts={1: 1100},
            check=shipping_is(0, hint_is(100, 0), points_are(500, 500), coupons_used(1)),
        ),
        id="member-checkout-all-steps",
    ),
]


def _context(example: Example) -> PricingContext:
    fields = {"member_id": 7, "member_level_id": 1, "channel": "mall", "fulfilment": "pickup", "store_id": 1}
    fields.update(example.context)
    fields["coupons"] = example.coupons
    return PricingContext(merchant_id=1, now=NOW, **fields)


def test_there_are_enough_examples():
    assert len(EXAMPLES) >= 35


@pytest.mark.parametrize("example", EXAMPLES)
def test_promotion_example(example: Example):
    offers = Offers(example.promotions, points_rule=example.points_rule)
    if example.error:
        with pytest.raises(DomainError) as caught:
            price_cart(example.lines, _context(example), example.rules, offers=offers)
        assert caught.value.code == example.error
        return
    priced = price_cart(example.lines, _context(example), example.rules, offers=offers)
    assert priced.payable_fen == example.payable
    if example.finals is not None:
        assert {pl.line_id: pl.final_amount_fen for pl in priced.lines if not pl.is_gift} == example.finals
    if example.discounts is not None:
        assert dict(priced.promotion_discounts) == example.discounts
    if example.check is not None:
        assert example.check(priced) is not False
    # the books balance in every example
    assert sum(a.amount_fen for a in priced.adjustments) == priced.payable_fen - priced.goods_list_fen
    for priced_line in priced.lines:
        parts = sum(a.amount_fen for a in priced_line.adjustments)
        assert parts == priced_line.final_amount_fen - priced_line.list_amount_fen
        assert priced_line.final_amount_fen >= 0
