"""What the cart and checkout pages show, built from ``orders.actions.cart.view_cart`` (which
prices through the pricing engine): lines with pictures, the shopper's choices read from the
query string, the quote with its adjustments, hints and coupons, and the stores to pick from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.http import QueryDict

from newretail.core.errors import DomainError
from newretail.marketing.queries import points_rule_for
from newretail.members.models import Member
from newretail.members.queries import points_balance
from newretail.orders.actions import cart as carts
from newretail.orders.actions.cart import CartView
from newretail.orders.models import Cart
from newretail.storefront import locator
from newretail.storefront.params import id_list, whole_number
from newretail.storefront.queries import first_images

FULFILMENTS = ("pickup", "delivery", "express")
MAX_COUPONS = 5


@dataclass(frozen=True)
class Choice:
    """The shopper's checkout choices. ``coupon_ids`` None means "pick the best for me"."""

    fulfilment: str = "pickup"
    store_id: int | None = None
    address_id: int | None = None
    coupon_ids: tuple[int, ...] | None = None
    use_points: bool = False

    @classmethod
    def from_query(cls, query: QueryDict, *, default_store_id: int | None = None) -> Choice:
        fulfilment = query.get("fulfilment", "pickup")
        raw = query.get("coupons")
        coupon_ids: tuple[int, ...] | None
        if raw is None:
            coupon_ids = None
        elif raw == "none":
            coupon_ids = ()
        else:
            coupon_ids = tuple(id_list(raw.split(","), limit=MAX_COUPONS))
        return cls(
            fulfilment=fulfilment if fulfilment in FULFILMENTS else "pickup",
            store_id=whole_number(query.get("store")) or default_store_id,
            address_id=whole_number(query.get("address")),
            coupon_ids=coupon_ids,
            use_points=query.get("points") == "1",
        )

    def with_address(self, address_id: int | None) -> Choice:
        return replace(self, address_id=address_id)

    def query(self, **changes) -> str:
        """This choice as a query string, with ``changes`` applied (links that change one thing)."""
        values = {
            "fulfilment": self.fulfilment,
            "store": self.store_id,
            "address": self.address_id,
            "coupons": None
            if self.coupon_ids is None
            else (",".join(str(c) for c in self.coupon_ids) or "none"),
            "points": "1" if self.use_points else None,
        }
        values.update(changes)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value not in (None, ""):
                query[key] = str(value)
        return query.urlencode()

    def toggle_coupon(self, coupon_id: int, chosen_ids: tuple[int, ...]) -> str:
        ids = tuple(c for c in chosen_ids if c != coupon_id)
        if coupon_id not in chosen_ids:
            ids = (*ids, coupon_id)
        return self.query(coupons=",".join(str(c) for c in ids) or "none")


@dataclass(frozen=True)
class Line:
    name: str
    spec_text: str
    quantity: int
    sku_id: int
    product_id: int
    image_url: str | None
    unit_price_fen: int | None
    price_seen_fen: int
    problems: tuple[str, ...]
    final_amount_fen: int | None = None
    list_amount_fen: int | None = None
    is_gift: bool = False


def cart_lines(view: CartView) -> list[Line]:
    images = first_images(item.line.sku.product_id for item in view.items)
    return [
        Line(
            name=item.line.sku.product.name,
            spec_text=item.line.sku.spec_text,
            quantity=item.line.quantity,
            sku_id=item.line.sku_id,
            product_id=item.line.sku.product_id,
            image_url=images.get(item.line.sku.product_id),
            unit_price_fen=item.unit_price_fen,
            price_seen_fen=item.line.price_seen_fen,
            problems=item.problems,
        )
        for item in view.items
    ]


@dataclass(frozen=True)
class CartPreview:
    adjustments: list
    hints: list
    discount_fen: int
    goods_list_fen: int
    payable_goods_fen: int


def cart_preview(cart: Cart, *, store_id: int | None) -> CartPreview | None:
    """Promotions applied to the cart and those it almost reaches (coupons left out), priced as
    a pickup order from the shopper's store — or, with none chosen yet, the mall's first store —
    since promotions do not depend on how the goods travel. None when no store can take it."""
    store_id = store_id or cart.store_id or locator.first_store_id(cart.merchant_id)
    if store_id is None:
        return None
    view = carts.view_cart(cart, fulfilment="pickup", store_id=store_id, coupon_ids=[])
    if view.quote is None:
        return None
    priced = view.quote.priced
    return CartPreview(
        adjustments=[a for a in priced.adjustments if a.source != "shipping"],
        hints=list(priced.hints),
        discount_fen=priced.discount_fen,
        goods_list_fen=priced.goods_list_fen,
        payable_goods_fen=priced.goods_list_fen - priced.discount_fen,
    )


@dataclass
class CheckoutPage:
    empty: bool = False
    lines: list[Line] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    quote: object | None = None
    priced: object | None = None
    coupons: list = field(default_factory=list)
    chosen_coupon_ids: tuple[int, ...] = ()
    coupons_suggested: bool = False
    stores: list[locator.FoundStore] = field(default_factory=list)
    store: object | None = None
    ready: bool = False
    points_balance: int = 0
    points_rule: object | None = None


def checkout_page(cart: Cart, member: Member, choice: Choice) -> CheckoutPage:
    base = carts.view_cart(cart)
    if not base.items:
        return CheckoutPage(empty=True)
    address = None
    error = None
    if choice.fulfilment != "pickup" and choice.address_id is not None:
        try:
            address = carts.address_snapshot(member, choice.address_id)
        except DomainError as problem:
            error = problem.message
    balance = points_balance(member)
    rule = points_rule_for(member.merchant_id)
    view = carts.view_cart(
        cart,
        fulfilment=choice.fulfilment,
        store_id=choice.store_id,
        address=address,
        coupon_ids=list(choice.coupon_ids) if choice.coupon_ids is not None else None,
        # "Use my points": as many as the shop's rule lets pay for this order.
        points_to_use=balance if choice.use_points and rule is not None else 0,
    )
    page = CheckoutPage(
        points_balance=balance,
        points_rule=rule,
        lines=cart_lines(view),
        problems=view.problems,
        error=error or (view.problem.message if view.problem else None),
        stores=locator.nearest_stores(member.merchant_id) if choice.fulfilment != "express" else [],
        ready=view.ready and error is None,
    )
    if view.quote is None:
        return page
    priced = view.quote.priced
    finals = {line.sku_id: line for line in priced.lines if not line.is_gift}
    page.lines = [
        replace(
            line,
            final_amount_fen=finals[line.sku_id].final_amount_fen if line.sku_id in finals else None,
            list_amount_fen=finals[line.sku_id].list_amount_fen if line.sku_id in finals else None,
        )
        for line in page.lines
    ]
    skus = view.quote.skus
    page.lines += [
        Line(
            name=skus[line.sku_id].display_name if line.sku_id in skus else "",
            spec_text="",
            quantity=line.quantity,
            sku_id=line.sku_id,
            product_id=skus[line.sku_id].product_id if line.sku_id in skus else 0,
            image_url=None,
            unit_price_fen=0,
            price_seen_fen=0,
            problems=(),
            final_amount_fen=0,
            list_amount_fen=line.list_amount_fen,
            is_gift=True,
        )
        for line in priced.lines
        if line.is_gift
    ]
    page.quote = view.quote
    page.priced = priced
    page.coupons = list(view.quote.coupons)
    page.chosen_coupon_ids = tuple(priced.coupon_ids)
    page.coupons_suggested = view.quote.coupons_suggested
    page.store = view.quote.source.store
    return page
