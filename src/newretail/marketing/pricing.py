"""The pricing engine: one pure function, ``price_cart``, prices a cart for a context and explains
every fen. The mall cart, the POS ticket and the seckill order all go through it, so no other code
computes a price.

It reads no database and no clock (the time is in the context), and it works in integer fen only.
The caller loads the facts (list price, store price, weight, shipping rules from
``marketing.queries.pricing_rules_for``) and passes them in.

The pipeline (``PIPELINE``) is a list of steps ``(PricingState) -> PricingState`` applied in the
order of ARCHITECTURE.md "The pricing engine":

1. item price (``apply_item_price``): today the store price override; member, level and campaign
   prices join here later, as the best single item-level price;
2. item-set promotions, 3. order-level promotions, 4. coupons: not built yet (promotions issue).
   They go between steps 1 and 5, change line amounts through ``PricingState.with_line_adjustment``
   and spread order-level amounts over lines with ``allocate_to_lines``;
5. shipping (``apply_shipping``), on the goods amount after all discounts;
6. points and tenders belong to payment, after this function.

Invariants (property-tested in tests/marketing/test_pricing_properties.py): no line below zero,
payable >= 0, the adjustments add up to ``payable - goods_list_fen``, each line's adjustments add
up to its ``final - list``, line finals add up to ``goods_final_fen``, and the result does not
depend on the order of the lines (they are priced sorted by ``line_id``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from newretail.core.errors import DomainError
from newretail.core.money import allocate, format_fen
from newretail.marketing.errors import MarketingError

CHANNELS = frozenset({"mall", "pos", "scan_to_buy"})
FULFILMENTS = frozenset({"express", "delivery", "pickup", "in_store"})
GRAMS_PER_KG = 1000
METRES_PER_KM = 1000


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartLine:
    """One cart line as the caller loaded it.

    ``quantity`` is in the SKU's base unit: pieces, or grams when ``sold_by_weight`` (then the
    prices are per kg). ``weight_g`` is the shipping weight of one piece; a weighed line weighs
    its quantity.
    """

    line_id: str
    sku_id: int
    quantity: int
    list_price_fen: int
    store_price_fen: int | None = None
    weight_g: int = 0
    category_id: int | None = None
    sold_by_weight: bool = False

    @property
    def shipping_weight_g(self) -> int:
        return self.quantity if self.sold_by_weight else self.weight_g * self.quantity


@dataclass(frozen=True)
class PricingContext:
    merchant_id: int
    store_id: int | None
    channel: str
    member_id: int | None
    now: dt.datetime
    fulfilment: str
    region_code: str = ""
    # Straight-line distance from the store to the delivery address (``marketing.geo.distance_m``).
    distance_m: int | None = None

    def __post_init__(self) -> None:
        # Built by code, never from raw input: a wrong value is a programming error.
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")
        if self.fulfilment not in FULFILMENTS:
            raise ValueError(f"unknown fulfilment {self.fulfilment!r}")
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("PricingContext.now must be an aware datetime")


@dataclass(frozen=True)
class ShippingRules:
    """A merchant's shipping fees (``marketing.models.ShippingSettings`` as plain values).

    Express: ``express_base_fee_fen`` covers the first ``express_first_weight_g``; every started
    kg beyond costs ``express_per_kg_fee_fen``; a region surcharge (keyed by province code or name)
    is added and is not waived by free shipping (remote areas pay it). Local delivery: refused beyond
    ``delivery_radius_m`` or below ``delivery_min_order_fen``; ``delivery_base_fee_fen`` covers the
    first ``delivery_base_distance_m``, every started km beyond costs ``delivery_per_km_fee_fen``.
    A free threshold (None: never free) waives the fee when the goods amount after discounts
    reaches it. Pickup and in-store are free.
    """

    express_base_fee_fen: int = 800
    express_first_weight_g: int = 1000
    express_per_kg_fee_fen: int = 200
    express_region_surcharges_fen: Mapping[str, int] = field(default_factory=dict)
    express_free_threshold_fen: int | None = 5900
    delivery_radius_m: int = 3000
    delivery_base_fee_fen: int = 500
    delivery_base_distance_m: int = 2000
    delivery_per_km_fee_fen: int = 100
    delivery_min_order_fen: int = 2000
    delivery_free_threshold_fen: int | None = 4900


# --- outputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """One reason a price moved: negative amounts are discounts, positive ones fees."""

    source: str  # what caused it: "store_price", "express", "delivery", "free_shipping", …
    kind: str  # what it changes: "item_price", "shipping_fee", "shipping_surcharge", "shipping_waiver"
    amount_fen: int
    line_ids: tuple[str, ...]  # the lines it touches; () for order-level fees such as shipping
    explanation: str  # for people, in the active language


@dataclass(frozen=True)
class PricedLine:
    line_id: str
    sku_id: int
    quantity: int
    list_amount_fen: int
    final_amount_fen: int
    unit_price_fen: int  # after the item-level price (step 1), per piece or per kg
    # This line's share of every adjustment that changed its amount; they add up to final - list.
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    # Every adjustment in the order applied; they add up to payable_fen - goods_list_fen.
    adjustments: tuple[Adjustment, ...]
    goods_list_fen: int
    goods_final_fen: int
    discount_fen: int  # everything saved (goods discounts and waived shipping), >= 0
    shipping_fen: int
    payable_fen: int
    notices: list[str]


# --- arithmetic -------------------------------------------------------------------------------


def line_amount_fen(unit_price_fen: int, quantity: int, *, sold_by_weight: bool) -> int:
    """Amount of a line: price × pieces, or price per kg × grams / 1000 rounded half-up to the fen
    (1234 g at ¥13.80/kg = 1702.92 fen -> 1703). The one place a weighed amount is rounded."""
    if sold_by_weight:
        return (unit_price_fen * quantity + GRAMS_PER_KG // 2) // GRAMS_PER_KG
    return unit_price_fen * quantity


def _started_units(amount: int, unit: int) -> int:
    """How many started units of ``unit`` fit ``amount`` (ceil, never negative)."""
    return -(-max(amount, 0) // unit)


def format_distance(metres: int) -> str:
    """1234 -> "1.2 km", 800 -> "800 m" (integers only)."""
    if metres < METRES_PER_KM:
        return f"{metres} m"
    tenths = (metres + 50) // 100
    return f"{tenths // 10}.{tenths % 10} km"


def allocate_to_lines(amount_fen: int, priced_lines: Sequence[PricedLine]) -> dict[str, int]:
    """Spread an order-level amount over lines in proportion to their current final amounts, with
    the largest-remainder method (``core.money.allocate``): the shares add up to ``amount_fen``
    exactly, ties go to the smaller ``line_id``. A discount (negative) never takes a line below
    zero, so it may not exceed the lines' total. Returns {line_id: share}."""
    lines = sorted(priced_lines, key=lambda line: line.line_id)
    total = sum(line.final_amount_fen for line in lines)
    if amount_fen < 0 and -amount_fen > total:
        raise ValueError("a discount cannot exceed the amount of the lines it applies to")
    shares = allocate(abs(amount_fen), [line.final_amount_fen for line in lines])
    sign = -1 if amount_fen < 0 else 1
    return {line.line_id: sign * share for line, share in zip(lines, shares, strict=True)}


# --- the pipeline -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PricingState:
    """What the steps pass along. Steps return a new state and never mutate one."""

    context: PricingContext
    rules: ShippingRules
    lines: tuple[PricedLine, ...]  # sorted by line_id
    lines_by_id: Mapping[str, CartLine]
    adjustments: tuple[Adjustment, ...] = ()
    shipping_fen: int = 0
    notices: tuple[str, ...] = ()

    @property
    def goods_list_fen(self) -> int:
        return sum(line.list_amount_fen for line in self.lines)

    @property
    def goods_final_fen(self) -> int:
        return sum(line.final_amount_fen for line in self.lines)

    def with_line_adjustment(self, adjustment: Adjustment, shares: Mapping[str, int]) -> PricingState:
        """Record ``adjustment`` and move each line's final amount by its share (shares must add
        up to the adjustment's amount, e.g. from ``allocate_to_lines``)."""
        if sum(shares.values()) != adjustment.amount_fen:
            raise ValueError("line shares must add up to the adjustment")
        lines = []
        for line in self.lines:
            share = shares.get(line.line_id, 0)
            if share:
                final = line.final_amount_fen + share
                if final < 0:
                    raise ValueError(f"line {line.line_id} would go below zero")
                line_part = dataclasses.replace(adjustment, amount_fen=share, line_ids=(line.line_id,))
                line = dataclasses.replace(
                    line, final_amount_fen=final, adjustments=(*line.adjustments, line_part)
                )
            lines.append(line)
        return dataclasses.replace(self, lines=tuple(lines), adjustments=(*self.adjustments, adjustment))

    def with_order_adjustment(self, adjustment: Adjustment) -> PricingState:
        """Record an order-level fee or discount that no line carries (shipping)."""
        return dataclasses.replace(
            self,
            adjustments=(*self.adjustments, adjustment),
            shipping_fen=self.shipping_fen + adjustment.amount_fen,
        )

    def with_notice(self, notice: str) -> PricingState:
        return dataclasses.replace(self, notices=(*self.notices, notice))


Step = Callable[[PricingState], PricingState]


def apply_item_price(state: PricingState) -> PricingState:
    """Step 1: a store price replaces the list price in that store, lower or higher."""
    for line in state.lines:
        cart_line = state.lines_by_id[line.line_id]
        store_price = cart_line.store_price_fen
        if store_price is None or store_price == cart_line.list_price_fen:
            continue
        amount = line_amount_fen(store_price, cart_line.quantity, sold_by_weight=cart_line.sold_by_weight)
        adjustment = Adjustment(
            source="store_price",
            kind="item_price",
            amount_fen=amount - line.list_amount_fen,
            line_ids=(line.line_id,),
            explanation=_("Store price %(price)s (list price %(list)s)")
            % {"price": format_fen(store_price), "list": format_fen(cart_line.list_price_fen)},
        )
        state = state.with_line_adjustment(adjustment, {line.line_id: adjustment.amount_fen})
        state = dataclasses.replace(
            state,
            lines=tuple(
                dataclasses.replace(item, unit_price_fen=store_price)
                if item.line_id == line.line_id
                else item
                for item in state.lines
            ),
        )
    return state


def _waive_above_threshold(state: PricingState, fee_fen: int, threshold_fen: int | None) -> PricingState:
    goods = state.goods_final_fen
    if threshold_fen is None or fee_fen == 0:
        return state
    if goods >= threshold_fen:
        return state.with_order_adjustment(
            Adjustment(
                source="free_shipping",
                kind="shipping_waiver",
                amount_fen=-fee_fen,
                line_ids=(),
                explanation=_("Free shipping on orders over %(threshold)s")
                % {"threshold": format_fen(threshold_fen)},
            )
        )
    return state.with_notice(
        _("Add %(amount)s more for free shipping") % {"amount": format_fen(threshold_fen - goods)}
    )


def _express(state: PricingState) -> PricingState:
    rules = state.rules
    weight_g = sum(cart_line.shipping_weight_g for cart_line in state.lines_by_id.values())
    extra_kg = _started_units(weight_g - rules.express_first_weight_g, GRAMS_PER_KG)
    fee = rules.express_base_fee_fen + extra_kg * rules.express_per_kg_fee_fen
    if fee:
        state = state.with_order_adjustment(
            Adjustment(
                source="express",
                kind="shipping_fee",
                amount_fen=fee,
                line_ids=(),
                explanation=_("Express shipping %(fee)s") % {"fee": format_fen(fee)},
            )
        )
    state = _waive_above_threshold(state, fee, rules.express_free_threshold_fen)
    region = state.context.region_code
    surcharge = rules.express_region_surcharges_fen.get(region, 0) if region else 0
    if surcharge:
        state = state.with_order_adjustment(
            Adjustment(
                source="express",
                kind="shipping_surcharge",
                amount_fen=surcharge,
                line_ids=(),
                explanation=_("Remote area surcharge %(fee)s (%(region)s)")
                % {"fee": format_fen(surcharge), "region": region},
            )
        )
    return state


def _delivery(state: PricingState) -> PricingState:
    rules = state.rules
    distance = state.context.distance_m
    if distance is None:
        raise DomainError(MarketingError.DELIVERY_DISTANCE_UNKNOWN)
    if distance > rules.delivery_radius_m:
        raise DomainError(
            MarketingError.OUT_OF_DELIVERY_RANGE,
            distance=format_distance(distance),
            radius=format_distance(rules.delivery_radius_m),
        )
    goods = state.goods_final_fen
    if goods < rules.delivery_min_order_fen:
        raise DomainError(
            MarketingError.BELOW_DELIVERY_MINIMUM,
            minimum=format_fen(rules.delivery_min_order_fen),
            short=format_fen(rules.delivery_min_order_fen - goods),
        )
    extra_km = _started_units(distance - rules.delivery_base_distance_m, METRES_PER_KM)
    fee = rules.delivery_base_fee_fen + extra_km * rules.delivery_per_km_fee_fen
    if fee:
        state = state.with_order_adjustment(
            Adjustment(
                source="delivery",
                kind="shipping_fee",
                amount_fen=fee,
                line_ids=(),
                explanation=_("Local delivery fee %(fee)s") % {"fee": format_fen(fee)},
            )
        )
    return _waive_above_threshold(state, fee, rules.delivery_free_threshold_fen)


def apply_shipping(state: PricingState) -> PricingState:
    """Step 5: the shipping fee for the fulfilment, on the goods amount after every discount.
    An empty cart ships nothing and pays nothing (the cart page prices it too)."""
    if not state.lines:
        return state
    fulfilment = state.context.fulfilment
    if fulfilment == "express":
        return _express(state)
    if fulfilment == "delivery":
        return _delivery(state)
    return state  # pickup and in-store are free


# Only implemented steps are listed; promotions and coupons insert theirs between these two.
PIPELINE: tuple[Step, ...] = (apply_item_price, apply_shipping)


def _check_lines(lines: Iterable[CartLine]) -> dict[str, CartLine]:
    by_id: dict[str, CartLine] = {}
    for line in lines:
        numbers: tuple[int, ...] = (line.quantity, line.list_price_fen, line.weight_g)
        if line.store_price_fen is not None:
            numbers += (line.store_price_fen,)
        if (
            not line.line_id
            or any(isinstance(n, bool) or not isinstance(n, int) for n in numbers)
            or line.quantity < 1
            or min(numbers) < 0
        ):
            raise DomainError(MarketingError.INVALID_CART_LINE, line=line.line_id)
        if line.line_id in by_id:
            raise DomainError(MarketingError.DUPLICATE_CART_LINE, line=line.line_id)
        by_id[line.line_id] = line
    return by_id


def price_cart(
    lines: Iterable[CartLine],
    context: PricingContext,
    rules: ShippingRules,
    *,
    pipeline: Sequence[Step] = PIPELINE,
) -> PricedCart:
    """Price ``lines`` for ``context``. Deterministic and pure; raises a ``DomainError`` for an
    invalid line or when the fulfilment refuses the cart (out of delivery range, below minimum)."""
    by_id = _check_lines(lines)
    ordered = sorted(by_id.values(), key=lambda line: line.line_id)
    priced = []
    for line in ordered:
        amount = line_amount_fen(line.list_price_fen, line.quantity, sold_by_weight=line.sold_by_weight)
        priced.append(
            PricedLine(
                line_id=line.line_id,
                sku_id=line.sku_id,
                quantity=line.quantity,
                list_amount_fen=amount,
                final_amount_fen=amount,
                unit_price_fen=line.list_price_fen,
            )
        )
    state = PricingState(context=context, rules=rules, lines=tuple(priced), lines_by_id=by_id)
    for step in pipeline:
        state = step(state)

    goods_final = state.goods_final_fen
    payable = goods_final + state.shipping_fen
    if payable < 0 or any(line.final_amount_fen < 0 for line in state.lines):
        raise AssertionError("pricing produced a negative amount")  # a step broke its contract
    return PricedCart(
        lines=state.lines,
        adjustments=state.adjustments,
        goods_list_fen=state.goods_list_fen,
        goods_final_fen=goods_final,
        discount_fen=-sum(a.amount_fen for a in state.adjustments if a.amount_fen < 0),
        shipping_fen=state.shipping_fen,
        payable_fen=payable,
        notices=list(state.notices),
    )
