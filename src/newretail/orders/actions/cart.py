"""The shopper's cart. A line keeps the SKU, the quantity and the unit price the shopper was
shown; checkout flags a line whose price moved or that can no longer be sold, and never changes
it silently: the shopper accepts the new prices (``accept_cart_prices``) or removes the line.

Anonymous carts are found by a random token (only its hash is stored) and merge into the
member's cart at login: quantities add up (capped), the price shown is the newer line's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from newretail.catalog.models import Sku
from newretail.core import clock
from newretail.core.errors import DomainError, not_found
from newretail.core.money import format_fen
from newretail.core.tenancy import get_owned, merchant_id_of
from newretail.inventory.models import StockLevel
from newretail.marketing.pricing import PricingContext, line_amount_fen, price_cart
from newretail.marketing.queries import cart_lines_for, pricing_rules_for
from newretail.members.models import Member, MemberAddress
from newretail.orders.actions.checkout import (
    Quote,
    create_order,
    load_skus,
    quote_order,
    sellable,
)
from newretail.orders.errors import OrderError
from newretail.orders.models import Cart, CartLine, Order
from newretail.orders.queries import order_with_key
from newretail.tenancy.models import Merchant, Store, Warehouse

TOKEN_PREFIX = "nrc_"
MAX_CART_LINES = 100
MAX_LINE_QUANTITY = 9999
CHANNEL = Order.Channel.MALL


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def cart_for_token(merchant: Merchant | int, raw: str | None) -> Cart | None:
    """The anonymous cart a token opens, or None (wrong merchant, unknown, or not a cart token)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    merchant_id = merchant_id_of(merchant)
    return Cart.objects.filter(merchant_id=merchant_id, token_hash=_hash(raw), member__isnull=True).first()


def cart_for_member(member: Member) -> Cart:
    """The member's cart, created on first use (race-safe: one per member)."""
    cart = Cart.objects.filter(member=member).first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            return Cart.objects.create(merchant_id=member.merchant_id, member=member)
    except IntegrityError:
        return Cart.objects.get(member=member)


def new_anonymous_cart(*, merchant: Merchant | int) -> tuple[Cart, str]:
    """A fresh anonymous cart and its raw token (returned once; only the hash is kept)."""
    merchant_id = merchant_id_of(merchant)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(24)
    return Cart.objects.create(merchant_id=merchant_id, token_hash=_hash(raw)), raw


def _check_quantity(quantity: Any, *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not low <= quantity <= MAX_LINE_QUANTITY
    ):
        raise DomainError(OrderError.INVALID_LINE, line=1, maximum=MAX_LINE_QUANTITY)
    return quantity


def current_unit_prices(cart: Cart, skus: Mapping[int, Sku]) -> dict[int, int]:
    """What each of the loaded ``skus`` (with products) costs now for this cart (its chosen
    store's price, or the list price), as the pricing engine's item-price step says: one piece
    (or one kg), no shipping."""
    if not skus:
        return {}
    lines = cart_lines_for(cart.merchant_id, cart.store_id, skus, [(sku_id, 1) for sku_id in sorted(skus)])
    context = PricingContext(
        merchant_id=cart.merchant_id,
        store_id=cart.store_id,
        channel=CHANNEL,
        member_id=cart.member_id,
        now=clock.now(),
        fulfilment="pickup",
    )
    priced = price_cart(lines, context, pricing_rules_for(cart.merchant_id))
    return {line.sku_id: line.unit_price_fen for line in priced.lines}


def _live_skus_of(lines: list[CartLine]) -> dict[int, Sku]:
    """The lines' SKUs (loaded with their products) that still exist."""
    return {
        line.sku_id: line.sku for line in lines if not line.sku.is_deleted and not line.sku.product.is_deleted
    }


@transaction.atomic
def add_to_cart(*, cart: Cart, sku_id: int, quantity: int) -> CartLine:
    """Put ``quantity`` more of a SKU in the cart (adding to a line already there), recording the
    price shown now. Refuses a SKU the mall does not sell and a cart of more than 100 items."""
    quantity = _check_quantity(quantity)
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    skus = load_skus(cart.merchant_id, [sku_id])
    if not sellable(skus[sku_id], CHANNEL, clock.now()):
        raise DomainError(OrderError.SKU_UNAVAILABLE, sku=skus[sku_id].display_name)
    price = current_unit_prices(cart, skus)[sku_id]
    line = CartLine.objects.filter(cart=cart, sku_id=sku_id).first()
    if line is None:
        if CartLine.objects.filter(cart=cart).count() >= MAX_CART_LINES:
            raise DomainError(OrderError.CART_TOO_LARGE, maximum=MAX_CART_LINES)
        line = CartLine.objects.create(
            merchant_id=cart.merchant_id, cart=cart, sku_id=sku_id, quantity=quantity, price_seen_fen=price
        )
    else:
        line.quantity = min(line.quantity + quantity, MAX_LINE_QUANTITY)
        line.price_seen_fen = price
        line.save(update_fields=["quantity", "price_seen_fen", "updated_at"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=clock.now())
    return line


@transaction.atomic
def set_cart_quantity(*, cart: Cart, sku_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity; 0 removes it. The price shown is kept (it is what the shopper saw)."""
    quantity = _check_quantity(quantity, allow_zero=True)
    line = CartLine.objects.select_for_update().filter(cart=cart, sku_id=sku_id).first()
    if line is None:
        raise not_found()
    if quantity == 0:
        line.delete()
        return None
    line.quantity = quantity
    line.save(update_fields=["quantity", "updated_at"])
    return line


@transaction.atomic
def remove_from_cart(*, cart: Cart, sku_id: int) -> None:
    if not CartLine.objects.filter(cart=cart, sku_id=sku_id).delete()[0]:
        raise not_found()


@transaction.atomic
def choose_cart_store(*, cart: Cart, store_id: int | None) -> Cart:
    """The store the shopper shops from (pickup, delivery and its prices); None for none. The
    cart is shown again with that store's prices, so they become the prices shown (choosing a
    store is not a price change to warn about)."""
    store = None
    if store_id is not None:
        store = get_owned(Store.objects.filter(is_online=True, is_active=True), cart.merchant_id, pk=store_id)
    Cart.objects.filter(pk=cart.pk).update(store=store, updated_at=clock.now())
    cart.store = store
    accept_cart_prices(cart=cart)
    return cart


@transaction.atomic
def accept_cart_prices(*, cart: Cart) -> int:
    """The shopper saw the new prices: every line's shown price becomes today's. Returns how many
    lines changed."""
    lines = list(CartLine.objects.select_for_update().filter(cart=cart).select_related("sku__product"))
    prices = current_unit_prices(cart, _live_skus_of(lines))
    changed = 0
    for line in lines:
        price = prices.get(line.sku_id)
        if price is not None and price != line.price_seen_fen:
            CartLine.objects.filter(pk=line.pk).update(price_seen_fen=price)
            changed += 1
    return changed


@transaction.atomic
def merge_carts(*, member: Member, token: str | None) -> Cart:
    """At login: move the anonymous cart's lines into the member's cart and delete it. A SKU in
    both keeps one line with the quantities added (capped) and the newer shown price."""
    cart = cart_for_member(member)
    anonymous = cart_for_token(member.merchant_id, token)
    if anonymous is None:
        return cart
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    mine = {line.sku_id: line for line in CartLine.objects.select_for_update().filter(cart=cart)}
    count = len(mine)
    for line in CartLine.objects.select_for_update().filter(cart=anonymous).order_by("added_at", "pk"):
        existing = mine.get(line.sku_id)
        if existing is not None:
            newer = line if line.updated_at >= existing.updated_at else existing
            CartLine.objects.filter(pk=existing.pk).update(
                quantity=min(existing.quantity + line.quantity, MAX_LINE_QUANTITY),
                price_seen_fen=newer.price_seen_fen,
            )
        elif count < MAX_CART_LINES:
            CartLine.objects.filter(pk=line.pk).update(cart=cart)
            count += 1
    if anonymous.store_id and not cart.store_id:
        Cart.objects.filter(pk=cart.pk).update(store_id=anonymous.store_id)
    anonymous.delete()
    cart.refresh_from_db()
    return cart


# --- reading a cart and checking it out ------------------------------------------------------


@dataclass(frozen=True)
class CartItem:
    line: CartLine
    unit_price_fen: int | None  # now; None when it can no longer be sold
    available: bool
    sold_out: bool
    problems: tuple[str, ...]

    @property
    def price_changed(self) -> bool:
        return self.unit_price_fen is not None and self.unit_price_fen != self.line.price_seen_fen


@dataclass(frozen=True)
class CartView:
    cart: Cart
    items: tuple[CartItem, ...]
    quote: Quote | None = None
    problem: DomainError | None = None  # why the chosen fulfilment cannot take the cart
    notices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def problems(self) -> list[str]:
        return [problem for item in self.items for problem in item.problems]

    @property
    def goods_fen(self) -> int:
        """What the sellable lines cost at today's prices (before promotions and shipping)."""
        return sum(
            line_amount_fen(
                item.unit_price_fen, item.line.quantity, sold_by_weight=item.line.sku.product.sold_by_weight
            )
            for item in self.items
            if item.unit_price_fen is not None
        )

    @property
    def ready(self) -> bool:
        return bool(self.items) and not self.problems and self.problem is None and self.quote is not None


def _sellable_stock(merchant_id: int, sku_ids: list[int]) -> dict[int, int]:
    """Units available to sell online per SKU, over every selling warehouse."""
    rows = (
        StockLevel.objects.filter(merchant_id=merchant_id, sku_id__in=sku_ids)
        .exclude(warehouse__kind=Warehouse.Kind.DAMAGED)
        .filter(warehouse__is_active=True)
        .values("sku_id")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
    )
    return {row["sku_id"]: row["free"] for row in rows}


def view_cart(
    cart: Cart,
    *,
    fulfilment: str | None = None,
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
    coupon_ids: Sequence[int] | None = None,
    points_to_use: int = 0,
) -> CartView:
    """The cart with today's prices and every problem flagged; with a ``fulfilment`` also the
    checkout quote (promotions, coupons — the member's best unless ``coupon_ids`` names them —
    shipping, totals) or the reason that fulfilment cannot take it."""
    now = clock.now()
    lines = list(CartLine.objects.filter(cart=cart).select_related("sku__product").order_by("added_at", "pk"))
    live_skus = _live_skus_of(lines)
    live = [line for line in lines if line.sku_id in live_skus]
    prices = current_unit_prices(cart, live_skus)
    stock = _sellable_stock(cart.merchant_id, [line.sku_id for line in live])
    items = []
    for line in lines:
        name = line.sku.display_name
        can_sell = line in live and sellable(line.sku, CHANNEL, now)
        price = prices.get(line.sku_id) if can_sell else None
        sold_out = can_sell and stock.get(line.sku_id, 0) < line.quantity
        problems: list[str] = []
        if not can_sell:
            problems.append(_("%(name)s is no longer on sale") % {"name": name})
        elif sold_out:
            left = max(stock.get(line.sku_id, 0), 0)
            problems.append(
                _("%(name)s: only %(left)s left") % {"name": name, "left": left}
                if left
                else _("%(name)s is sold out") % {"name": name}
            )
        if price is not None and price != line.price_seen_fen:
            problems.append(
                _("%(name)s now costs %(new)s (was %(old)s)")
                % {"name": name, "new": format_fen(price), "old": format_fen(line.price_seen_fen)}
            )
        items.append(
            CartItem(
                line=line,
                unit_price_fen=price,
                available=can_sell,
                sold_out=sold_out,
                problems=tuple(problems),
            )
        )
    view = CartView(cart=cart, items=tuple(items))
    if fulfilment is None or not items or any(not item.available or item.sold_out for item in items):
        return view
    try:
        quote = quote_order(
            merchant=cart.merchant_id,
            channel=CHANNEL,
            fulfilment=fulfilment,
            lines=sorted((item.line.sku_id, item.line.quantity) for item in items),
            store_id=store_id if store_id is not None else cart.store_id,
            address=address,
            member=cart.member,
            coupon_ids=coupon_ids,
            now=now,
            coupon_choices=True,
            points_to_use=points_to_use,
        )
    except DomainError as error:
        return CartView(cart=cart, items=view.items, problem=error)
    return CartView(cart=cart, items=view.items, quote=quote, notices=tuple(quote.priced.notices))


def address_snapshot(member: Member, address_id: int | None) -> dict[str, str] | None:
    """A saved address of the member, as the order keeps it (another member's id: 404)."""
    if address_id is None:
        return None
    return get_owned(
        MemberAddress.objects.filter(member=member), member.merchant_id, pk=address_id
    ).snapshot()


def place_order_from_cart(
    *,
    member: Member,
    fulfilment: str,
    store_id: int | None = None,
    address_id: int | None = None,
    buyer_note: str = "",
    idempotency_key: str | None = None,
    expected_payable_fen: int | None = None,
    coupon_ids: Sequence[int] = (),
    points_to_use: int = 0,
) -> Order:
    """Turn the member's cart into an order (and empty the cart) in one transaction. Refused,
    writing nothing, while any line is flagged (no longer sold, sold out, price moved and not
    accepted) or when the payable differs from ``expected_payable_fen`` (what the shopper saw).
    Idempotent per key: a replay returns the order even though the cart is empty by then."""
    if idempotency_key:
        existing = order_with_key(member.merchant_id, idempotency_key)
        if existing is not None:
            return existing
    with transaction.atomic():
        cart = Cart.objects.select_for_update().filter(member=member).first()
        view = view_cart(cart) if cart is not None else None
        if view is None or not view.items:
            raise DomainError(OrderError.CART_EMPTY)
        if view.problems:
            raise DomainError(OrderError.CART_NOT_READY, problems="；".join(view.problems))
        order = create_order(
            merchant=member.merchant,
            channel=CHANNEL,
            fulfilment=fulfilment,
            lines=[{"sku_id": item.line.sku_id, "quantity": item.line.quantity} for item in view.items],
            store_id=store_id if store_id is not None else cart.store_id,
            address=address_snapshot(member, address_id),
            member=member,
            buyer_note=buyer_note,
            idempotency_key=idempotency_key,
            expected_payable_fen=expected_payable_fen,
            coupon_ids=coupon_ids,
            points_to_use=points_to_use,
        )
        CartLine.objects.filter(pk__in=[item.line.pk for item in view.items]).delete()
        return order


def delete_stale_anonymous_carts(*, older_than: dt.timedelta) -> int:
    """Forget anonymous carts nobody touched for ``older_than`` (their token is long lost)."""
    deleted, _by_model = Cart.objects.filter(
        member__isnull=True, updated_at__lt=clock.now() - older_than
    ).delete()
    return deleted
