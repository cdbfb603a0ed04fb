"""Known failures of the open-source shops this engine is measured against (Saleor, Odoo, ERPNext),
each reproduced on our engine and shown not to happen. The names say whose bug it was."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from newretail.core.errors import DomainError
from newretail.marketing.errors import MarketingError
from newretail.marketing.pricing import (
    CartLine,
    CouponKind,
    CouponOffer,
    Kind,
    Offers,
    PointsRule,
    PricingContext,
    Promotion,
    Scope,
    ShippingRules,
    Tier,
    price_cart,
)

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BEFORE, AFTER = NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1)
RULES = ShippingRules()


def promo(pid: int, kind: str, **fields) -> Promotion:
    return Promotion(id=pid, kind=kind, name=f"P{pid}", starts_at=BEFORE, ends_at=AFTER, **fields)


def coupon(cid: int, kind: str, **fields) -> CouponOffer:
    return CouponOffer(
        id=cid,
        template_id=100 + cid,
        kind=kind,
        name=f"C{cid}",
        valid_from=BEFORE,
        valid_until=AFTER,
        **fields,
    )


def ctx(channel: str = "mall", fulfilment: str = "pickup", **fields) -> PricingContext:
    fields.setdefault("member_id", 7)
    fields.setdefault("member_level_id", 1)
    return PricingContext(
        merchant_id=1, store_id=1, channel=channel, now=NOW, fulfilment=fulfilment, **fields
    )


def line(line_id: str, sku_id: int, price: int, quantity: int = 1) -> CartLine:
    return CartLine(line_id=line_id, sku_id=sku_id, quantity=quantity, list_price_fen=price)


def test_saleor_voucher_on_promotion_never_makes_free_order():
    # Saleor applied a 70% voucher to the undiscounted price on top of a 40%-off promotion
    # (110% off: a free order). Here the voucher sees the promotion's price: ¥100 at 6折 = 6000,
    # 70% off that = 4200 -> 1800 payable.
    offers = Offers([promo(1, Kind.FLASH_DISCOUNT, rate_percent=60)])
    voucher = coupon(1, CouponKind.DISCOUNT, rate_percent=30)
    priced = price_cart([line("a", 1, 10000)], ctx(coupons=(voucher,)), RULES, offers=offers)
    assert priced.payable_fen == 1800 > 0
    assert priced.promotion_discounts == {1: 4000}
    assert [(a.source, a.amount_fen) for a in priced.adjustments] == [("promotion", -4000), ("coupon", -4200)]
    # whatever the voucher's size, the order never goes negative
    for rate in (0, 1, 10, 50):
        voucher = coupon(1, CouponKind.DISCOUNT, rate_percent=rate)
        priced = price_cart([line("a", 1, 10000)], ctx(coupons=(voucher,)), RULES, offers=offers)
        assert priced.payable_fen == (6000 * rate + 50) // 100 >= 0
        assert all(pl.final_amount_fen >= 0 for pl in priced.lines)


def test_odoo_promotion_lines_are_finite():
    # Odoo's "buy 2 get 1" kept adding reward lines each time the order was recomputed, and
    # discounted its own reward lines. Here pricing is a function of the cart: pricing it again
    # gives the same lines and adjustments, a repeat promotion applies a bounded number of times,
    # and the gift line is never discounted by a later step.
    offers = Offers(
        [
            promo(1, Kind.SPEND_OFF, tiers=(Tier(1000, off_fen=100),), repeat=True),  # 每满10减1
            promo(2, Kind.GIFT, tiers=(Tier(5000, gift_sku_id=900, gift_quantity=1),)),
            promo(3, Kind.NTH_DISCOUNT, quantity=2, rate_percent=0, scope=Scope(False, frozenset({1}))),
        ],
        points_rule=PointsRule(),
    )
    lines = [line("a", 1, 3000, 4), line("b", 2, 2500, 2)]
    context = ctx(coupons=(coupon(1, CouponKind.DISCOUNT, rate_percent=90),), points_to_use=1000)
    first = price_cart(lines, context, RULES, offers=offers)
    for _ in range(5):
        assert price_cart(lines, context, RULES, offers=offers) == first
    # a 3000 ×4 (買一送一: 6000) and b 5000 -> 11000: 每满10减1 eleven times = 1100 off, once
    assert first.promotion_discounts == {3: 6000, 1: 1100, 2: 0}
    assert len(first.lines) == 3 and sum(pl.is_gift for pl in first.lines) == 1
    assert len(first.adjustments) == 5  # 买一送一, 每满减, the gift, the coupon, the points
    (gift,) = [pl for pl in first.lines if pl.is_gift]
    assert gift.final_amount_fen == gift.list_amount_fen == 0
    assert [(a.kind, a.amount_fen) for a in gift.adjustments] == [("gift", 0)]
    assert all(gift.line_id not in a.line_ids for a in first.adjustments if a.source in ("coupon", "points"))
    # 9900 after promotions, 9折券 990 off -> 8910, 1000 points -> 7910
    assert first.payable_fen == 7910
    # Feeding the priced lines back (gift included) cannot smuggle a reward line into the cart.
    again = [CartLine(pl.line_id, pl.sku_id, pl.quantity, pl.unit_price_fen) for pl in first.lines]
    with pytest.raises(DomainError) as caught:
        price_cart(again, context, RULES, offers=offers)
    assert caught.value.error is MarketingError.INVALID_CART_LINE
    # However large the cart, a repeat promotion is one adjustment; the lines are the cart's own.
    big = [line(f"l{i:03d}", 2, 2500, 99) for i in range(100)]
    priced = price_cart(big, ctx(), RULES, offers=offers)
    assert len(priced.lines) == 101 and len(priced.adjustments) == 2
    assert priced.promotion_discounts[1] == 100 * 247500 // 1000 * 100  # 每满10减1, 24750×


def test_odoo_no_points_earned_on_reward_lines():
    # Odoo credited loyalty points on free reward lines and on the part paid with points. Here a
    # gift line is a ¥0 is_gift line, and points paid come off the line finals, so points earned
    # on line finals give nothing for the gift and nothing for what points paid.
    offers = Offers(
        [promo(1, Kind.GIFT, tiers=(Tier(5000, gift_sku_id=900, gift_quantity=2),))],
        points_rule=PointsRule(points_per_yuan=100, max_share_percent=50),
    )
    lines = [line("a", 1, 4000), line("b", 2, 2000)]
    priced = price_cart(lines, ctx(points_to_use=1500), RULES, offers=offers)
    (gift,) = [pl for pl in priced.lines if pl.is_gift]
    assert (gift.sku_id, gift.quantity, gift.final_amount_fen) == (900, 2, 0)
    assert (priced.points_used, priced.points_fen) == (1500, 1500)
    finals = {pl.line_id: pl.final_amount_fen for pl in priced.lines}
    # 1500 points split 40:20 -> 1000 / 500
    assert finals == {"a": 3000, "b": 1500, gift.line_id: 0}
    assert sum(finals.values()) == priced.goods_final_fen == priced.payable_fen == 4500

    def earned(final_fen: int) -> int:  # a typical 1 point per yuan paid, on the line finals
        return final_fen // 100

    assert earned(gift.final_amount_fen) == 0
    assert sum(earned(pl.final_amount_fen) for pl in priced.lines) == 45  # not 60: points paid 15


def test_erpnext_coupon_applies_on_pos_channel():
    # ERPNext's POS ignored coupon codes its web shop accepted. Here one engine prices both: the
    # same coupon gives the same result at the till and in the mall.
    offers = Offers([promo(1, Kind.SPEND_OFF, tiers=(Tier(5000, off_fen=500),))])
    cash = coupon(1, CouponKind.CASH_OFF, threshold_fen=4000, off_fen=800)
    lines = [line("a", 1, 3500), line("b", 2, 2600, 2)]
    pos = price_cart(lines, ctx("pos", "in_store", coupons=(cash,)), RULES, offers=offers)
    mall = price_cart(lines, ctx("mall", "pickup", coupons=(cash,)), RULES, offers=offers)
    assert pos == mall
    # 8700 - 500 (满50减5) - 800 (the coupon) = 7400
    assert pos.payable_fen == 7400 and pos.coupon_ids == (1,)
    # a coupon limited to the mall is refused at the till, with the code the till shows
    mall_only = dataclasses.replace(cash, channels=frozenset({"mall"}))
    with pytest.raises(DomainError) as caught:
        price_cart(lines, ctx("pos", "in_store", coupons=(mall_only,)), RULES, offers=offers)
    assert caught.value.error is MarketingError.COUPON_NOT_USABLE_HERE


def test_stacked_discounts_never_below_zero():
    # Every kind at its most generous on the same lines, then stacked coupons and points: each
    # line ends at or above ¥0, and the order too.
    everything = Scope()
    offers = Offers(
        [
            promo(1, Kind.FLASH_DISCOUNT, rate_percent=1),
            promo(2, Kind.MEMBER_PRICE, sku_prices={1: 0, 2: 0}, members_only=True),
            promo(3, Kind.NTH_DISCOUNT, quantity=2, rate_percent=0, scope=everything),
            promo(4, Kind.MULTI_BUY, quantity=2, price_fen=1, scope=everything),
            promo(5, Kind.SPEND_OFF, tiers=(Tier(1, off_fen=10**8),)),
            promo(6, Kind.SPEND_DISCOUNT, tiers=(Tier(1, rate_percent=0),)),
            promo(7, Kind.SPEND_OFF, tiers=(Tier(1, off_fen=10**6),), repeat=True),
            promo(8, Kind.FREE_SHIPPING, tiers=(Tier(0),)),
        ],
        points_rule=PointsRule(max_share_percent=100),
    )
    lines = [line("a", 1, 999, 3), line("b", 2, 1), line("c", 3, 12345, 7), line("d", 4, 5, 2)]
    priced = price_cart(lines, ctx(fulfilment="express"), RULES, offers=offers)
    assert all(pl.final_amount_fen >= 0 for pl in priced.lines)
    assert priced.payable_fen == priced.goods_final_fen == 0 and priced.shipping_fen == 0
    # Coupons stacked on what is left: each takes at most what remains, never below zero.
    offers = Offers(
        [
            promo(1, Kind.FLASH_DISCOUNT, rate_percent=10),
            promo(2, Kind.SPEND_OFF, tiers=(Tier(100, off_fen=99),)),
        ],
        points_rule=PointsRule(max_share_percent=100),
    )
    coupons = (
        coupon(1, CouponKind.EXCHANGE, exchange_sku_id=3),
        coupon(2, CouponKind.DISCOUNT, rate_percent=1, stackable=True),
        coupon(3, CouponKind.CASH_OFF, off_fen=10**6, stackable=True),
    )
    priced = price_cart(lines, ctx(coupons=coupons), RULES, offers=offers)
    assert all(pl.final_amount_fen >= 0 for pl in priced.lines)
    assert priced.payable_fen == 0 and priced.coupon_ids == (1, 2, 3)
    # one more coupon finds nothing left to take: refused, not applied below zero
    wasted = (*coupons, coupon(4, CouponKind.CASH_OFF, off_fen=100, stackable=True))
    with pytest.raises(DomainError) as caught:
        price_cart(lines, ctx(coupons=wasted), RULES, offers=offers)
    assert caught.value.error is MarketingError.COUPON_NOT_APPLICABLE
    # points on top of two coupons pay the rest, never more
    priced = price_cart(lines, ctx(coupons=coupons[:2], points_to_use=10**6), RULES, offers=offers)
    assert all(pl.final_amount_fen >= 0 for pl in priced.lines)
    assert priced.payable_fen == 0 and priced.coupon_ids == (1, 2) and priced.points_fen > 0
