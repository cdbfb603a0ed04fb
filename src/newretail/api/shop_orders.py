"""Shopper API, buying part: cart, checkout preview, orders, paying, after-sales.

The cart works before login: the first ``POST /shop/{slug}/cart/lines`` without a member token
returns a ``cart_token``; send it back as ``X-Cart-Token``. Logging in with that token merges the
anonymous cart into the member's. Placing orders, paying and after-sales need the member token.
Write routes that create something take an ``Idempotency-Key`` header: replaying it returns the
first result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Header, Path, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile

from newretail.api.base import ERRORS, AddressIn, ErrorOut
from newretail.api.order_schemas import (
    AfterSaleOut,
    OrderOut,
    OrderSummaryOut,
    PaymentOut,
    TenderOut,
    after_sale_out,
    order_out,
    order_summary_out,
    payment_out,
    tender_out,
)
from newretail.api.shop import Slug, _merchant
from newretail.api.shop_auth import MEMBER_AUTH, MemberBearer, client_ip, member_of
from newretail.core.errors import DomainError, not_found
from newretail.core.qr import qr_svg_document
from newretail.core.tenancy import get_owned
from newretail.members.models import Member
from newretail.orders import queries
from newretail.orders.access import member_order
from newretail.orders.actions import aftersales, lifecycle
from newretail.orders.actions import cart as carts
from newretail.orders.errors import OrderError
from newretail.orders.models import AfterSale, Cart, Order
from newretail.orders.state import PICKUP_WAITING
from newretail.payments.actions import charges
from newretail.payments.models import Tender
from newretail.tenancy.models import Merchant

router = Router(tags=["shop orders"], auth=MEMBER_AUTH)

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
Key = Annotated[str | None, Header(None, alias="Idempotency-Key", max_length=64)]
ShopSlug = Annotated[str, Slug]
Photo = Annotated[UploadedFile, File(..., description="A JPEG, PNG or WebP picture under 5 MB.")]
PAY_ERRORS = {**ERRORS, 402: ErrorOut, 502: ErrorOut}


class _Anonymous:
    """A shopper without a member token (cart routes only)."""

    def __bool__(self) -> bool:
        return True


ANONYMOUS = _Anonymous()


class OptionalMember:
    """A member token when one is sent (a bad one is 401, never silently anonymous); otherwise an
    anonymous shopper, whose cart is found by ``X-Cart-Token``."""

    openapi_type = "http"

    def __call__(self, request: HttpRequest) -> Member | _Anonymous | None:
        if request.headers.get("Authorization"):
            return MemberBearer()(request)
        return ANONYMOUS


CART_AUTH = [OptionalMember()]


# --- cart ------------------------------------------------------------------------------------


class CartLineOut(Schema):
    sku_id: int
    product_id: int
    name: str
    spec_text: str
    quantity: int
    price_seen_fen: int = Field(..., description="The unit price the shopper was shown.")
    unit_price_fen: int | None = Field(
        ..., description="The unit price now; null when it can no longer be sold."
    )
    price_changed: bool
    available: bool
    sold_out: bool
    problems: list[str]


class CartOut(Schema):
    cart_token: str | None = Field(None, description="Only when this call created an anonymous cart.")
    store_id: int | None
    lines: list[CartLineOut]
    goods_fen: int = Field(..., description="At today's prices, before promotions and shipping.")
    problems: list[str]


class CartLineIn(Schema):
    sku_id: Id
    quantity: int = Field(1, ge=1, le=carts.MAX_LINE_QUANTITY)


class QuantityIn(Schema):
    quantity: int = Field(..., ge=0, le=carts.MAX_LINE_QUANTITY, description="0 removes the line.")


class StoreIn(Schema):
    store_id: Id | None = None


def _cart(request: HttpRequest, merchant: Merchant, *, create: bool) -> tuple[Cart | None, str | None]:
    shopper = request.auth
    if isinstance(shopper, Member):
        return carts.cart_for_member(shopper), None
    token = request.headers.get("X-Cart-Token", "")
    cart = carts.cart_for_token(merchant, token)
    if cart is None and create:
        return carts.new_anonymous_cart(merchant=merchant)
    return cart, None


def _cart_out(cart: Cart | None, token: str | None = None) -> CartOut:
    if cart is None:
        return CartOut(cart_token=None, store_id=None, lines=[], goods_fen=0, problems=[])
    view = carts.view_cart(cart)
    lines = []
    for item in view.items:
        line = item.line
        lines.append(
            CartLineOut(
                sku_id=line.sku_id,
                product_id=line.sku.product_id,
                name=line.sku.product.name,
                spec_text=line.sku.spec_text,
                quantity=line.quantity,
                price_seen_fen=line.price_seen_fen,
                unit_price_fen=item.unit_price_fen,
                price_changed=item.price_changed,
                available=item.available,
                sold_out=item.sold_out,
                problems=list(item.problems),
            )
        )
    return CartOut(
        cart_token=token,
        store_id=cart.store_id,
        lines=lines,
        goods_fen=view.goods_fen,
        problems=view.problems,
    )


@router.get("/{merchant_slug}/cart", response={200: CartOut, **ERRORS}, auth=CART_AUTH)
def get_cart(request, merchant_slug: ShopSlug):
    merchant = _merchant(merchant_slug)
    cart, _token = _cart(request, merchant, create=False)
    return _cart_out(cart)


@router.post("/{merchant_slug}/cart/lines", response={200: CartOut, **ERRORS}, auth=CART_AUTH)
def add_cart_line(request, body: CartLineIn, merchant_slug: ShopSlug):
    merchant = _merchant(merchant_slug)
    cart, token = _cart(request, merchant, create=True)
    carts.add_to_cart(cart=cart, sku_id=body.sku_id, quantity=body.quantity)
    return _cart_out(cart, token)


@router.patch("/{merchant_slug}/cart/lines/{sku_id}", response={200: CartOut, **ERRORS}, auth=CART_AUTH)
def set_cart_line(request, body: QuantityIn, merchant_slug: ShopSlug, sku_id: PathId):
    cart, _token = _cart(request, _merchant(merchant_slug), create=False)
    if cart is None:
        raise not_found()
    carts.set_cart_quantity(cart=cart, sku_id=sku_id, quantity=body.quantity)
    return _cart_out(cart)


@router.delete("/{merchant_slug}/cart/lines/{sku_id}", response={200: CartOut, **ERRORS}, auth=CART_AUTH)
def remove_cart_line(request, merchant_slug: ShopSlug, sku_id: PathId):
    cart, _token = _cart(request, _merchant(merchant_slug), create=False)
    if cart is None:
        raise not_found()
    carts.remove_from_cart(cart=cart, sku_id=sku_id)
    return _cart_out(cart)


@router.put("/{merchant_slug}/cart/store", response={200: CartOut, **ERRORS}, auth=CART_AUTH)
def choose_store(request, body: StoreIn, merchant_slug: ShopSlug):
    merchant = _merchant(merchant_slug)
    cart, token = _cart(request, merchant, create=True)
    carts.choose_cart_store(cart=cart, store_id=body.store_id)
    return _cart_out(cart, token)


@router.post("/{merchant_slug}/cart/accept-prices", response={200: CartOut, **ERRORS}, auth=CART_AUTH)
def accept_prices(request, merchant_slug: ShopSlug):
    cart, _token = _cart(request, _merchant(merchant_slug), create=False)
    if cart is None:
        raise not_found()
    carts.accept_cart_prices(cart=cart)
    return _cart_out(cart)


# --- checkout --------------------------------------------------------------------------------


class CheckoutIn(Schema):
    fulfilment: str = Field(..., pattern="^(express|delivery|pickup)$")
    store_id: Id | None = Field(None, description="Pickup: the store; delivery: optionally the store.")
    address_id: Id | None = Field(None, description="A saved address of the member (express, delivery).")
    address: AddressIn | None = Field(None, description="Or an address given inline (preview only).")
    coupon_ids: list[Id] | None = Field(
        None, max_length=5, description="Coupons to use; leave out to get the best combination chosen."
    )
    points_to_use: int = Field(
        0,
        ge=0,
        le=1_000_000_000,
        description="Points to pay with (capped by the shop's rule; at most the balance).",
    )


class PricedLineOut(Schema):
    sku_id: int
    quantity: int
    unit_price_fen: int
    list_amount_fen: int
    final_amount_fen: int
    is_gift: bool = False


class PriceAdjustmentOut(Schema):
    source: str
    source_id: int | None = Field(None, description="The promotion or coupon, when there is one.")
    kind: str
    amount_fen: int
    explanation: str


class HintOut(Schema):
    promotion_id: int
    short_fen: int
    short_quantity: int
    message: str = Field(..., description="再买¥12.00可减¥10.00")


class CouponChoiceOut(Schema):
    id: int
    name: str
    kind: str
    valid_until: dt.datetime
    chosen: bool


class PreviewOut(Schema):
    ready: bool = Field(..., description="True when an order can be placed as it is.")
    problems: list[str] = Field(..., description="Cart lines to fix first (sold out, price changed…).")
    error: ErrorOut | None = Field(None, description="Why this fulfilment cannot take the cart.")
    store_id: int | None = None
    store_name: str | None = None
    distance_m: int | None = None
    lines: list[PricedLineOut] = []
    adjustments: list[PriceAdjustmentOut] = []
    goods_list_fen: int = 0
    discount_fen: int = 0
    shipping_fen: int = 0
    payable_fen: int = 0
    notices: list[str] = []
    hints: list[HintOut] = Field([], description="Promotions the cart almost reaches.")
    coupons: list[CouponChoiceOut] = Field(
        [], description="The member's usable coupons; chosen ones applied."
    )
    coupons_suggested: bool = Field(False, description="True when the chosen coupons are our best pick.")
    points_used: int = Field(0, description="Points the order would spend.")
    points_fen: int = Field(0, description="What those points take off.")
    rewards: list[str] = Field([], description="What the order earns after payment (下单有礼).")


def _address(member: Member | None, body: CheckoutIn) -> dict[str, Any] | None:
    if body.address_id is not None:
        if member is None:
            raise AuthenticationError()
        return carts.address_snapshot(member, body.address_id)
    if body.address is not None:
        return {k: "" if v is None else str(v) for k, v in body.address.model_dump().items()}
    return None


@router.post("/{merchant_slug}/checkout/preview", response={200: PreviewOut, **ERRORS}, auth=CART_AUTH)
def checkout_preview(request, body: CheckoutIn, merchant_slug: ShopSlug):
    merchant = _merchant(merchant_slug)
    cart, _token = _cart(request, merchant, create=False)
    if cart is None or not cart.lines.exists():
        raise DomainError(OrderError.CART_EMPTY)
    member = request.auth if isinstance(request.auth, Member) else None
    view = carts.view_cart(
        cart,
        fulfilment=body.fulfilment,
        store_id=body.store_id,
        address=_address(member, body),
        coupon_ids=body.coupon_ids,
        points_to_use=body.points_to_use if member is not None else 0,
    )
    if view.quote is None:
        return PreviewOut(
            ready=False,
            problems=view.problems,
            error=ErrorOut(**view.problem.as_dict()) if view.problem else None,
        )
    priced = view.quote.priced
    store = view.quote.source.store
    return PreviewOut(
        ready=view.ready,
        problems=view.problems,
        store_id=store.pk if store else None,
        store_name=store.name if store else None,
        distance_m=view.quote.source.distance_m,
        lines=[
            PricedLineOut(
                sku_id=line.sku_id,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
                list_amount_fen=line.list_amount_fen,
                final_amount_fen=line.final_amount_fen,
                is_gift=line.is_gift,
            )
            for line in priced.lines
        ],
        adjustments=[
            PriceAdjustmentOut(
                source=a.source,
                source_id=a.source_id,
                kind=a.kind,
                amount_fen=a.amount_fen,
                explanation=a.explanation,
            )
            for a in priced.adjustments
        ],
        hints=[HintOut(**dataclasses.asdict(hint)) for hint in priced.hints],
        coupons=[
            CouponChoiceOut(
                id=c.id, name=c.name, kind=c.kind, valid_until=c.valid_until, chosen=c.id in priced.coupon_ids
            )
            for c in view.quote.coupons
        ],
        coupons_suggested=view.quote.coupons_suggested,
        points_used=priced.points_used,
        points_fen=priced.points_fen,
        rewards=[reward.explanation for reward in priced.rewards],
        goods_list_fen=priced.goods_list_fen,
        discount_fen=priced.discount_fen,
        shipping_fen=priced.shipping_fen,
        payable_fen=priced.payable_fen,
        notices=list(priced.notices),
    )


# --- orders ----------------------------------------------------------------------------------


class PlaceOrderIn(Schema):
    fulfilment: str = Field(..., pattern="^(express|delivery|pickup)$")
    store_id: Id | None = None
    address_id: Id | None = None
    buyer_note: str = Field("", max_length=200)
    expected_payable_fen: int | None = Field(
        None,
        ge=0,
        description="The payable the shopper saw in the preview; a different price refuses the order.",
    )
    coupon_ids: list[Id] = Field([], max_length=5, description="The coupons to use (from the preview).")
    points_to_use: int = Field(
        0, ge=0, le=1_000_000_000, description="The points to pay with (from the preview)."
    )


class OrderPage(Schema):
    count: int
    items: list[OrderSummaryOut]


def _detail(member: Member, order_id: int) -> OrderOut:
    order = get_owned(
        queries.with_details(Order.objects.filter(member=member)), member.merchant_id, pk=order_id
    )
    return order_out(order, show_pickup_code=True)


@router.post("/{merchant_slug}/orders", response={201: OrderOut, **ERRORS})
def place_order(request, body: PlaceOrderIn, merchant_slug: ShopSlug, idempotency_key: Key = None):
    member = member_of(request)
    order = carts.place_order_from_cart(
        member=member,
        fulfilment=body.fulfilment,
        store_id=body.store_id,
        address_id=body.address_id,
        buyer_note=body.buyer_note,
        idempotency_key=idempotency_key,
        expected_payable_fen=body.expected_payable_fen,
        coupon_ids=body.coupon_ids,
        points_to_use=body.points_to_use,
    )
    return Status(201, order_out(queries.for_display(order), show_pickup_code=True))


@router.get("/{merchant_slug}/orders", response={200: OrderPage, **ERRORS})
def my_orders(
    request,
    merchant_slug: ShopSlug,
    status: str = Query("", max_length=20),
    kind: str = Query("goods", max_length=10, description="goods, or recharge (stored-value recharges)."),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=100_000),
):
    member = member_of(request)
    orders = (
        Order.objects.filter(member=member, kind=kind)
        .select_related("store", "member")
        .annotate(item_count=Count("lines"))
        .order_by("-id")
    )
    if status:
        orders = orders.filter(status=status)
    return OrderPage(
        count=orders.count(), items=[order_summary_out(o) for o in orders[offset : offset + limit]]
    )


@router.get("/{merchant_slug}/orders/{order_id}", response={200: OrderOut, **ERRORS})
def my_order(request, merchant_slug: ShopSlug, order_id: PathId):
    return _detail(member_of(request), order_id)


@router.get(
    "/{merchant_slug}/orders/{order_id}/pickup-qr.svg",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"content": {"image/svg+xml": {}}, "description": "The pickup QR code."}}
    },
)
def pickup_qr(request, merchant_slug: ShopSlug, order_id: PathId):
    """The QR the counter scans (it carries the 6-digit pickup code), while the order waits."""
    member = member_of(request)
    order = member_order(member, order_id)
    if not order.pickup_code or order.status not in PICKUP_WAITING:
        raise not_found()
    response = HttpResponse(qr_svg_document(order.pickup_code), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


@router.post("/{merchant_slug}/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS})
def cancel(request, body: CancelIn, merchant_slug: ShopSlug, order_id: PathId):
    """Cancel an order that is not paid yet (a paid one: ask for a refund in after-sales)."""
    member = member_of(request)
    lifecycle.cancel_order(order_id=order_id, merchant=member.merchant_id, member=member, reason=body.reason)
    return _detail(member, order_id)


@router.post("/{merchant_slug}/orders/{order_id}/confirm-receipt", response={200: OrderOut, **ERRORS})
def confirm_receipt(request, merchant_slug: ShopSlug, order_id: PathId):
    member = member_of(request)
    lifecycle.confirm_receipt(member=member, order_id=order_id)
    return _detail(member, order_id)


# --- paying ----------------------------------------------------------------------------------


class PayIn(Schema):
    kind: str = Field(
        ...,
        description="wechat_jsapi, wechat_native, alipay_page, alipay_wap, or wallet (stored value).",
        max_length=20,
    )
    amount_fen: int | None = Field(
        None,
        ge=1,
        description="Wallet only: pay this part from stored value and the rest with an online method.",
    )
    openid: str = Field("", max_length=128, description="WeChat JSAPI: the shopper's openid.")
    return_url: str = Field("", max_length=500, description="Alipay: where the browser returns after paying.")


@router.post("/{merchant_slug}/orders/{order_id}/pay", response={200: TenderOut, **PAY_ERRORS})
def pay(request, body: PayIn, merchant_slug: ShopSlug, order_id: PathId, idempotency_key: Key = None):
    """Start paying what is left with one method (stored value may pay a part first); the
    answer's ``action`` says what the client does next. Pressing pay again for the same method
    returns the same charge."""
    member = member_of(request)
    tender = charges.pay_order(
        order_id=order_id,
        kind=body.kind,
        member=member,
        amount_fen=body.amount_fen if body.kind == "wallet" else None,
        payer_openid=body.openid,
        return_url=body.return_url,
        client_ip=client_ip(request),
        idempotency_key=idempotency_key,
    )
    return tender_out(tender)


@router.get("/{merchant_slug}/orders/{order_id}/payment", response={200: PaymentOut, **ERRORS})
def payment(request, merchant_slug: ShopSlug, order_id: PathId, refresh: bool = False):
    """The payment's state; ``refresh=true`` asks the provider about a charge still pending (for
    the page that waits after the shopper paid)."""
    member = member_of(request)
    order = member_order(member, order_id)
    if refresh:
        for tender in Tender.objects.filter(intent__order=order, status=Tender.Status.PENDING):
            charges.poll_tender(tender_id=tender.pk, member=member)
    return payment_out(Order.objects.select_related("payment").get(pk=order.pk))


# --- after-sales -----------------------------------------------------------------------------


class AfterSaleLineIn(Schema):
    order_line_id: Id
    quantity: int = Field(..., ge=1, le=10_000_000)


class AfterSaleIn(Schema):
    kind: str = Field(..., pattern="^(refund_only|return_refund)$")
    reason: str = Field(
        ...,
        max_length=20,
        description="not_as_described, quality, damaged, wrong_item, expired, changed_mind, not_received, other",
    )
    description: str = Field("", max_length=500)
    lines: list[AfterSaleLineIn] = Field(..., min_length=1, max_length=200)


class ReturnShipmentIn(Schema):
    carrier: str = Field(..., max_length=50)
    tracking_number: str = Field(..., max_length=50)


def _after_sale(member: Member, after_sale_id: int) -> AfterSaleOut:
    found = (
        AfterSale.objects.filter(order__member=member, pk=after_sale_id)
        .select_related("order")
        .prefetch_related("lines__order_line", "photos")
        .first()
    )
    if found is None:
        raise not_found()
    return after_sale_out(found)


@router.post("/{merchant_slug}/orders/{order_id}/after-sales", response={201: AfterSaleOut, **ERRORS})
def request_after_sale(
    request, body: AfterSaleIn, merchant_slug: ShopSlug, order_id: PathId, idempotency_key: Key = None
):
    """Ask for a refund of some items (photos: upload them next with the photos route)."""
    member = member_of(request)
    after_sale = aftersales.request_after_sale(
        order_id=order_id,
        kind=body.kind,
        reason=body.reason,
        description=body.description,
        lines=[line.model_dump() for line in body.lines],
        member=member,
        idempotency_key=idempotency_key,
    )
    return Status(201, _after_sale(member, after_sale.pk))


@router.get("/{merchant_slug}/after-sales", response={200: list[AfterSaleOut], **ERRORS})
def my_after_sales(request, merchant_slug: ShopSlug, limit: int = Query(20, ge=1, le=100)):
    member = member_of(request)
    found = (
        AfterSale.objects.filter(order__member=member)
        .select_related("order")
        .prefetch_related("lines__order_line", "photos")
        .order_by("-id")[:limit]
    )
    return [after_sale_out(a) for a in found]


@router.get("/{merchant_slug}/after-sales/{after_sale_id}", response={200: AfterSaleOut, **ERRORS})
def my_after_sale(request, merchant_slug: ShopSlug, after_sale_id: PathId):
    return _after_sale(member_of(request), after_sale_id)


@router.post("/{merchant_slug}/after-sales/{after_sale_id}/photos", response={201: AfterSaleOut, **ERRORS})
def add_photo(request, after_sale_id: PathId, photo: Photo, merchant_slug: ShopSlug):
    member = member_of(request)
    aftersales.add_after_sale_photo(member=member, after_sale_id=after_sale_id, upload=photo)
    return Status(201, _after_sale(member, after_sale_id))


@router.post("/{merchant_slug}/after-sales/{after_sale_id}/withdraw", response={200: AfterSaleOut, **ERRORS})
def withdraw(request, merchant_slug: ShopSlug, after_sale_id: PathId):
    member = member_of(request)
    aftersales.withdraw_after_sale(member=member, after_sale_id=after_sale_id)
    return _after_sale(member, after_sale_id)


@router.post(
    "/{merchant_slug}/after-sales/{after_sale_id}/return-shipment", response={200: AfterSaleOut, **ERRORS}
)
def return_shipment(request, body: ReturnShipmentIn, merchant_slug: ShopSlug, after_sale_id: PathId):
    member = member_of(request)
    aftersales.record_return_shipment(
        member=member, after_sale_id=after_sale_id, carrier=body.carrier, tracking_number=body.tracking_number
    )
    return _after_sale(member, after_sale_id)
