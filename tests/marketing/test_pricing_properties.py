"""Invariants of the pricing engine over random carts, rules and contexts (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from newretail.core.errors import DomainError
from newretail.marketing.errors import MarketingError
from newretail.marketing.pricing import (
    CartLine,
    PricedLine,
    PricingContext,
    ShippingRules,
    allocate_to_lines,
    price_cart,
)

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
fen = st.integers(min_value=0, max_value=100_000)
REGIONS = ["", "650000", "540000", "310000"]


@st.composite
def carts(draw) -> list[CartLine]:
    ids = draw(st.lists(st.text("abcdef0123", min_size=1, max_size=4), unique=True, max_size=8))
    lines = []
    for index, line_id in enumerate(ids):
        weighed = draw(st.booleans())
        lines.append(
            CartLine(
                line_id=line_id,
                sku_id=index + 1,
                quantity=draw(st.integers(1, 5000 if weighed else 20)),
                list_price_fen=draw(fen),
                store_price_fen=draw(st.none() | fen),
                weight_g=draw(st.integers(0, 5000)),
                category_id=draw(st.none() | st.integers(1, 5)),
                sold_by_weight=weighed,
            )
        )
    return lines


rules_strategy = st.builds(
    ShippingRules,
    express_base_fee_fen=st.integers(0, 3000),
    express_first_weight_g=st.integers(1, 5000),
    express_per_kg_fee_fen=st.integers(0, 1000),
    express_region_surcharges_fen=st.dictionaries(st.sampled_from(REGIONS[1:]), st.integers(0, 3000)),
    express_free_threshold_fen=st.none() | fen,
    delivery_radius_m=st.integers(0, 50_000),
    delivery_base_fee_fen=st.integers(0, 3000),
    delivery_base_distance_m=st.integers(0, 10_000),
    delivery_per_km_fee_fen=st.integers(0, 1000),
    delivery_min_order_fen=st.integers(0, 10_000),
    delivery_free_threshold_fen=st.none() | fen,
)

contexts = st.builds(
    PricingContext,
    merchant_id=st.just(1),
    store_id=st.none() | st.just(1),
    channel=st.sampled_from(["mall", "pos", "scan_to_buy"]),
    member_id=st.none() | st.just(7),
    now=st.just(NOW),
    fulfilment=st.sampled_from(["express", "delivery", "pickup", "in_store"]),
    region_code=st.sampled_from(REGIONS),
    distance_m=st.none() | st.integers(0, 60_000),
)

REFUSALS = {
    MarketingError.OUT_OF_DELIVERY_RANGE,
    MarketingError.BELOW_DELIVERY_MINIMUM,
    MarketingError.DELIVERY_DISTANCE_UNKNOWN,
}


def _price_or_none(lines, context, rules):
    try:
        return price_cart(lines, context, rules)
    except DomainError as error:
        # Only local delivery refuses a valid cart, and only for its documented reasons.
        assert context.fulfilment == "delivery" and lines
        assert error.error in REFUSALS
        return None


def _numbers(value):
    """Every number inside a result, to prove there is no float anywhere."""
    if isinstance(value, (int, float)):
        yield value
    elif dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            yield from _numbers(getattr(value, item.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _numbers(item)


@settings(max_examples=300)
@given(carts(), contexts, rules_strategy)
def test_amounts_add_up_and_never_go_negative(lines, context, rules):
    cart = _price_or_none(lines, context, rules)
    if cart is None:
        return
    assert all(line.final_amount_fen >= 0 for line in cart.lines)
    assert cart.payable_fen >= 0 and cart.discount_fen >= 0
    assert sum(a.amount_fen for a in cart.adjustments) == cart.payable_fen - cart.goods_list_fen
    assert sum(line.final_amount_fen for line in cart.lines) == cart.goods_final_fen
    assert sum(line.list_amount_fen for line in cart.lines) == cart.goods_list_fen
    assert cart.payable_fen == cart.goods_final_fen + cart.shipping_fen
    for line in cart.lines:
        assert sum(a.amount_fen for a in line.adjustments) == line.final_amount_fen - line.list_amount_fen
    assert all(type(number) is int for number in _numbers(cart))


@settings(max_examples=200)
@given(carts(), contexts, rules_strategy, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_line_order(lines, context, rules, random):
    shuffled = list(lines)
    random.shuffle(shuffled)
    try:
        first = price_cart(lines, context, rules)
    except DomainError as error:
        try:
            price_cart(shuffled, context, rules)
        except DomainError as again:
            assert (again.code, again.message) == (error.code, error.message)
            return
        raise AssertionError("only one order of the lines was refused") from None
    assert price_cart(shuffled, context, rules) == first
    assert [line.line_id for line in first.lines] == sorted(line.line_id for line in lines)


@given(carts(), contexts, rules_strategy)
def test_shipping_follows_the_fulfilment(lines, context, rules):
    cart = _price_or_none(lines, context, rules)
    if cart is None:
        return
    if not lines or context.fulfilment in {"pickup", "in_store"}:
        assert cart.shipping_fen == 0
    threshold = {
        "express": rules.express_free_threshold_fen,
        "delivery": rules.delivery_free_threshold_fen,
    }.get(context.fulfilment)
    if lines and threshold is not None and cart.goods_final_fen >= threshold:
        surcharge = rules.express_region_surcharges_fen.get(context.region_code, 0)
        assert cart.shipping_fen == (surcharge if context.fulfilment == "express" else 0)
    if context.fulfilment == "delivery" and lines:
        assert context.distance_m is not None and context.distance_m <= rules.delivery_radius_m
        assert cart.goods_final_fen >= rules.delivery_min_order_fen


@given(
    st.lists(st.integers(0, 100_000), max_size=10),
    st.integers(-200_000, 200_000),
)
def test_allocate_to_lines_adds_up_and_keeps_lines_non_negative(finals, amount):
    lines = [PricedLine(f"L{i:02d}", i, 1, final, final, final) for i, final in enumerate(finals)]
    total = sum(finals)
    if not lines and amount:
        return
    if amount < 0 and -amount > total:
        try:
            allocate_to_lines(amount, lines)
        except ValueError:
            return
        raise AssertionError("a discount above the lines' total was allocated")
    shares = allocate_to_lines(amount, lines)
    assert sum(shares.values()) == amount
    assert set(shares) == {line.line_id for line in lines}
    assert all(line.final_amount_fen + shares[line.line_id] >= 0 for line in lines)
    assert allocate_to_lines(amount, list(reversed(lines))) == shares
