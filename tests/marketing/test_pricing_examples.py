"""Worked examples of the pricing engine with exact fen (default shipping rules: express ¥8 for the
first kg, ¥2 per started kg after, free from ¥59; delivery within 3 km, ¥5 within 2 km, ¥1 per
started km after, ¥20 minimum, free from ¥49)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from newretail.core.errors import DomainError
from newretail.marketing.errors import MarketingError
from newretail.marketing.pricing import (
    PIPELINE,
    CartLine,
    PricingContext,
    PricingState,
    ShippingRules,
    apply_item_price,
    apply_shipping,
    line_amount_fen,
    price_cart,
)
from newretail.marketing.pricing.coupons import apply_coupons
from newretail.marketing.pricing.item_sets import apply_item_sets
from newretail.marketing.pricing.order_promotions import apply_order_promotions
from newretail.marketing.pricing.points import apply_points

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RULES = ShippingRules()


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def ctx(fulfilment: str = "pickup", **kwargs) -> PricingContext:
    kwargs.setdefault("channel", "pos" if fulfilment == "in_store" else "mall")
    return PricingContext(merchant_id=1, store_id=1, member_id=None, now=NOW, fulfilment=fulfilment, **kwargs)


def line(line_id: str = "a", price: int = 1000, quantity: int = 1, **kwargs) -> CartLine:
    return CartLine(
        line_id=line_id, sku_id=kwargs.pop("sku_id", 1), quantity=quantity, list_price_fen=price, **kwargs
    )


def amounts(cart) -> list[tuple[str, int, str]]:
    return [(a.kind, a.amount_fen, a.explanation) for a in cart.adjustments]


def test_store_price_below_list_price():
    cart = price_cart([line(price=400, quantity=3, store_price_fen=350)], ctx("in_store"), RULES)
    (priced,) = cart.lines
    assert (priced.list_amount_fen, priced.final_amount_fen, priced.unit_price_fen) == (1200, 1050, 350)
    assert amounts(cart) == [("item_price", -150, "门店价 ¥3.50（标价 ¥4.00）")]
    assert cart.adjustments[0].source == "store_price"
    assert priced.adjustments == cart.adjustments
    assert (cart.goods_list_fen, cart.goods_final_fen, cart.discount_fen) == (1200, 1050, 150)
    assert (cart.shipping_fen, cart.payable_fen) == (0, 1050)


def test_store_price_above_list_price_replaces_it_too():
    cart = price_cart([line(price=400, quantity=2, store_price_fen=450)], ctx("in_store"), RULES)
    assert amounts(cart) == [("item_price", 100, "门店价 ¥4.50（标价 ¥4.00）")]
    assert (cart.goods_final_fen, cart.discount_fen, cart.payable_fen) == (900, 0, 900)


def test_store_price_equal_to_list_price_explains_nothing():
    cart = price_cart([line(price=400, store_price_fen=400)], ctx(), RULES)
    assert cart.adjustments == () and cart.payable_fen == 400


def test_weighed_goods_round_half_up_to_the_fen():
    # 1.234 kg at ¥13.80/kg = ¥17.0292 -> ¥17.03
    assert line_amount_fen(1380, 1234, sold_by_weight=True) == 1703
    assert line_amount_fen(100, 5, sold_by_weight=True) == 1  # 0.5 fen rounds up
    assert line_amount_fen(100, 4, sold_by_weight=True) == 0
    cart = price_cart([line(price=1380, quantity=1234, sold_by_weight=True)], ctx("in_store"), RULES)
    assert cart.lines[0].list_amount_fen == 1703 and cart.payable_fen == 1703


def test_weighed_goods_with_a_store_price():
    # 1.234 kg at ¥12.80/kg = 1579.52 fen -> 1580; the difference to 1703 is the adjustment
    cart = price_cart(
        [line(price=1380, quantity=1234, sold_by_weight=True, store_price_fen=1280)], ctx(), RULES
    )
    assert amounts(cart) == [("item_price", -123, "门店价 ¥12.80（标价 ¥13.80）")]
    assert cart.lines[0].final_amount_fen == 1580


def test_express_with_region_surcharge_and_free_shipping_hint():
    rules = ShippingRules(express_region_surcharges_fen={"新疆维吾尔自治区": 1000})
    cart = price_cart(
        [line(price=1000, quantity=2, weight_g=300)], ctx("express", region_code="新疆维吾尔自治区"), rules
    )
    assert amounts(cart) == [
        ("shipping_fee", 800, "快递运费 ¥8.00"),
        ("shipping_surcharge", 1000, "偏远地区附加费 ¥10.00（新疆维吾尔自治区）"),
    ]
    assert (cart.goods_final_fen, cart.shipping_fen, cart.payable_fen) == (2000, 1800, 3800)
    assert cart.notices == ["再买¥39.00免运费"]


def test_express_free_from_the_threshold_but_region_surcharge_stays():
    rules = ShippingRules(express_region_surcharges_fen={"650000": 1000})
    cart = price_cart([line(price=5900, weight_g=500)], ctx("express", region_code="650000"), rules)
    assert amounts(cart) == [
        ("shipping_fee", 800, "快递运费 ¥8.00"),
        ("shipping_waiver", -800, "满¥59.00免运费"),
        ("shipping_surcharge", 1000, "偏远地区附加费 ¥10.00（650000）"),
    ]
    assert (cart.shipping_fen, cart.discount_fen, cart.payable_fen, cart.notices) == (1000, 800, 6900, [])


def test_express_threshold_is_checked_after_discounts():
    cart = price_cart([line(price=6000, store_price_fen=5800)], ctx("express"), RULES)
    assert (cart.goods_final_fen, cart.shipping_fen, cart.payable_fen) == (5800, 800, 6600)
    assert cart.notices == ["再买¥1.00免运费"]


@pytest.mark.parametrize(
    ("weight_g", "fee"), [(0, 800), (1000, 800), (1001, 1000), (3500, 1400), (10_000, 2600)]
)
def test_heavy_parcels_pay_per_started_kg(weight_g, fee):
    cart = price_cart([line(price=1000, weight_g=weight_g)], ctx("express"), RULES)
    assert cart.shipping_fen == fee


def test_weighed_goods_weigh_their_quantity():
    # 2.5 kg of rice by weight plus 2 bottles of 600 g: 3.7 kg -> 3 started kg beyond the first
    lines = [
        line("rice", price=600, quantity=2500, sold_by_weight=True, weight_g=9999),
        line("water", price=200, quantity=2, weight_g=600),
    ]
    assert price_cart(lines, ctx("express"), RULES).shipping_fen == 800 + 3 * 200


@pytest.mark.parametrize(("distance", "fee"), [(0, 500), (2000, 500), (2001, 600), (3000, 600)])
def test_delivery_within_radius(distance, fee):
    cart = price_cart([line(price=3000)], ctx("delivery", distance_m=distance), RULES)
    assert amounts(cart) == [("shipping_fee", fee, f"同城配送费 ¥{fee // 100}.00")]
    assert cart.payable_fen == 3000 + fee
    assert cart.notices == [f"再买¥{(4900 - 3000) // 100}.00免运费"]


def test_delivery_free_from_threshold():
    cart = price_cart([line(price=4900)], ctx("delivery", distance_m=2500), RULES)
    assert amounts(cart) == [
        ("shipping_fee", 600, "同城配送费 ¥6.00"),
        ("shipping_waiver", -600, "满¥49.00免运费"),
    ]
    assert (cart.shipping_fen, cart.payable_fen) == (0, 4900)


def test_delivery_beyond_radius_is_refused():
    with pytest.raises(DomainError) as caught:
        price_cart([line(price=3000)], ctx("delivery", distance_m=3001), RULES)
    assert caught.value.error is MarketingError.OUT_OF_DELIVERY_RANGE
    assert caught.value.code == "marketing.out_of_delivery_range"
    assert caught.value.message == "收货地址距门店3.0 km，超出同城配送范围（3.0 km）。"


def test_delivery_below_minimum_is_refused_after_discounts():
    with pytest.raises(DomainError) as caught:
        price_cart([line(price=2000, store_price_fen=1500)], ctx("delivery", distance_m=100), RULES)
    assert caught.value.code == "marketing.below_delivery_minimum"
    assert caught.value.message == "同城配送¥20.00起送，还差¥5.00。"


def test_delivery_needs_a_distance():
    with pytest.raises(DomainError) as caught:
        price_cart([line(price=3000)], ctx("delivery"), RULES)
    assert caught.value.code == "marketing.delivery_distance_unknown"


@pytest.mark.parametrize("fulfilment", ["pickup", "in_store"])
def test_pickup_and_in_store_are_free(fulfilment):
    cart = price_cart([line(price=100, weight_g=50_000)], ctx(fulfilment), RULES)
    assert (cart.shipping_fen, cart.payable_fen, cart.adjustments, cart.notices) == (0, 100, (), [])


@pytest.mark.parametrize("fulfilment", ["express", "delivery", "pickup", "in_store"])
def test_empty_cart_costs_nothing(fulfilment):
    cart = price_cart([], ctx(fulfilment), RULES)
    assert cart.lines == () and cart.adjustments == ()
    assert (cart.goods_list_fen, cart.goods_final_fen, cart.shipping_fen, cart.payable_fen) == (0, 0, 0, 0)


def test_zero_price_item():
    cart = price_cart([line(price=0, quantity=3)], ctx("in_store"), RULES)
    assert cart.lines[0].final_amount_fen == 0 and cart.payable_fen == 0
    # A free gift shipped alone still pays for the parcel.
    assert price_cart([line(price=0)], ctx("express"), RULES).payable_fen == 800


def test_lines_come_back_sorted_whatever_the_input_order():
    lines = [
        line("b", 300, sku_id=2),
        line("a", 200, sku_id=1, store_price_fen=150),
        line("c", 100, sku_id=3),
    ]
    forward = price_cart(lines, ctx("express"), RULES)
    assert [priced.line_id for priced in forward.lines] == ["a", "b", "c"]
    assert forward == price_cart(list(reversed(lines)), ctx("express"), RULES)


@pytest.mark.parametrize(
    "bad",
    [
        line(quantity=0),
        line(quantity=-1),
        line(price=-1),
        line(store_price_fen=-5),
        line(weight_g=-1),
        line(line_id=""),
        line(quantity=True),
        line(price=1.5),  # type: ignore[arg-type]
    ],
)
def test_invalid_lines_are_refused(bad):
    with pytest.raises(DomainError) as caught:
        price_cart([bad], ctx(), RULES)
    assert caught.value.code == "marketing.invalid_cart_line"


def test_duplicate_line_ids_are_refused():
    with pytest.raises(DomainError) as caught:
        price_cart([line("a"), line("a")], ctx(), RULES)
    assert caught.value.code == "marketing.duplicate_cart_line"


def test_context_is_checked():
    with pytest.raises(ValueError):
        ctx(channel="tiktok")
    with pytest.raises(ValueError):
        ctx("teleport")
    with pytest.raises(ValueError):
        PricingContext(1, 1, "mall", None, dt.datetime(2026, 1, 1), "pickup")  # naive


def test_pipeline_runs_the_six_steps_in_architecture_order():
    assert PIPELINE == (
        apply_item_price,
        apply_item_sets,
        apply_order_promotions,
        apply_coupons,
        apply_shipping,
        apply_points,
    )


def _state(finals: dict[str, int]) -> PricingState:
    return PricingState([line(line_id, final) for line_id, final in finals.items()], ctx(), RULES)


def test_state_spreads_a_discount_by_largest_remainder():
    state = _state({"b": 200, "a": 100, "c": 0})
    ids = state.line_ids
    assert ids == ["a", "b", "c"]
    # 100 over 100:200 -> 33.3 and 66.7: the larger remainder ("b", .67) takes the extra fen
    assert state.spread(-100, ids) == {"a": -33, "b": -67, "c": 0}
    assert state.spread(-300, ids) == {"a": -100, "b": -200, "c": 0}
    assert state.spread(0, []) == {}
    with pytest.raises(ValueError):
        state.spread(-301, ids)
    # explicit weights (what each line may lose) instead of the lines' amounts
    assert state.spread(-5, ["a", "b"], [10, 30]) == {"a": -1, "b": -4}  # 1.25 / 3.75
    assert state.spread(-5, ["a", "b"], [10, 10]) == {"a": -3, "b": -2}  # a tie: the first line


def test_state_adjust_books_each_share_and_refuses_to_go_below_zero():
    state = _state({"a": 100, "b": 200})
    adjustment = state.adjust(
        source="promotion",
        kind="order_discount",
        shares={"a": -30, "b": -60, "c": 0},
        explanation="x",
        source_id=9,
    )
    assert adjustment is not None and adjustment.amount_fen == -90 and adjustment.line_ids == ("a", "b")
    assert state.final == {"a": 70, "b": 140}
    assert [part.amount_fen for part in state.line_parts["a"]] == [-30]
    assert state.adjust(source="coupon", kind="coupon", shares={"a": 0}, explanation="y") is None
    with pytest.raises(ValueError):
        state.adjust(source="coupon", kind="coupon", shares={"a": -71}, explanation="z")
