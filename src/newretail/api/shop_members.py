"""Shopper API, member part: SMS login, the member's own profile and address book.

    POST /shop/{slug}/auth/code    {phone}          -> 204, a code is texted
    POST /shop/{slug}/auth/login   {phone, code}    -> {token, expires_at, member}
    then  Authorization: Bearer nrm_…  on every other route here (401 on another merchant's slug).

Rate limits use REMOTE_ADDR as the client address (see ``shop_auth.client_ip``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Path, Router, Schema, Status

from newretail.api.base import ERRORS, ErrorOut
from newretail.api.base import AddressIn as BaseAddressIn
from newretail.api.shop import Slug, _merchant
from newretail.api.shop_auth import MEMBER_AUTH, client_ip, member_of
from newretail.api.shop_orders import Key
from newretail.core.errors import not_found
from newretail.members.actions import addresses as address_actions
from newretail.members.actions import login as login_actions
from newretail.members.actions.cards import active_cards
from newretail.members.actions.points import sign_in
from newretail.members.actions.points_mall import exchange as points_exchange
from newretail.members.actions.points_mall import items_on_sale
from newretail.members.actions.tokens import revoke_member_token, token_expires_at
from newretail.members.models import CardPlan, Member
from newretail.members.queries import member_addresses, points_summary, recharge_plans_on_sale, wallet_summary
from newretail.orders.actions.cart import merge_carts
from newretail.orders.actions.recharge import start_card_purchase, start_recharge

router = Router(tags=["shop members"], auth=MEMBER_AUTH)

MAX_ID = 2**63 - 1
# 503: the SMS provider failed (members.sms_failed).
SMS_ERRORS = {**ERRORS, 503: ErrorOut}


class CodeIn(Schema):
    phone: str = Field(..., max_length=30, description="Mainland mobile number, e.g. 13812345678.")


class LoginIn(Schema):
    phone: str = Field(..., max_length=30)
    code: str = Field(..., max_length=12, description="The 6-digit code from the text message.")
    cart_token: str | None = Field(
        None, max_length=100, description="The anonymous cart's token: its items move into the member's cart."
    )


class MemberOut(Schema):
    id: int
    phone: str
    name: str


class MeOut(MemberOut):
    registered_at: dt.datetime
    last_login_at: dt.datetime | None


class LoginOut(Schema):
    token: str = Field(..., description="Send as `Authorization: Bearer <token>`.")
    expires_at: dt.datetime
    member: MemberOut


class AddressIn(BaseAddressIn):
    is_default: bool = False


class AddressPatch(Schema):
    recipient: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=30)
    province: str | None = Field(None, max_length=32)
    city: str | None = Field(None, max_length=32)
    district: str | None = Field(None, max_length=32)
    detail: str | None = Field(None, max_length=200)
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    is_default: bool | None = Field(None, description="true makes it the default address.")


class AddressOut(Schema):
    id: int
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    latitude: Decimal | None
    longitude: Decimal | None
    is_default: bool
    updated_at: dt.datetime


AddressId = Path(..., ge=1, le=MAX_ID)


def _member_out(member: Member) -> MemberOut:
    return MemberOut(id=member.pk, phone=member.phone, name=member.name)


def _login_out(member: Member, raw: str) -> LoginOut:
    expires_at = token_expires_at(raw)
    if expires_at is None:  # cannot happen: issued a moment ago, and tokens are revoked, never deleted
        raise not_found()
    return LoginOut(token=raw, expires_at=expires_at, member=_member_out(member))


@router.post("/{merchant_slug}/auth/code", response={204: None, **SMS_ERRORS}, auth=None)
def request_code(request, payload: CodeIn, merchant_slug: str = Slug):
    """Text a 6-digit login code (valid 5 minutes). One per minute and 10 a day per number."""
    login_actions.request_login_code(
        merchant=_merchant(merchant_slug), phone=payload.phone, ip=client_ip(request)
    )
    return Status(204, None)


@router.post("/{merchant_slug}/auth/login", response={200: LoginOut, **ERRORS}, auth=None)
def login(request, payload: LoginIn, merchant_slug: str = Slug):
    """Log in (registering on first login) with the code; returns a 30-day member token."""
    merchant = _merchant(merchant_slug)
    member, raw = login_actions.login_with_code(
        merchant=merchant, phone=payload.phone, code=payload.code, ip=client_ip(request)
    )
    merge_carts(member=member, token=payload.cart_token)
    return _login_out(member, raw)


@router.post("/{merchant_slug}/auth/logout", response={204: None, **ERRORS})
def logout(request, merchant_slug: str = Slug):
    """Revoke the token this request was made with."""
    revoke_member_token(raw=request.member_token)
    return Status(204, None)


@router.get("/{merchant_slug}/me", response={200: MeOut, **ERRORS})
def me(request, merchant_slug: str = Slug):
    member = member_of(request)
    return MeOut(
        id=member.pk,
        phone=member.phone,
        name=member.name,
        registered_at=member.created_at,
        last_login_at=member.last_login_at,
    )


@router.get("/{merchant_slug}/addresses", response={200: list[AddressOut], **ERRORS})
def addresses(request, merchant_slug: str = Slug):
    """The address book, default first."""
    return member_addresses(member=member_of(request))


@router.post("/{merchant_slug}/addresses", response={201: AddressOut, **ERRORS})
def add_address(request, payload: AddressIn, merchant_slug: str = Slug):
    """Add an address (at most 20); the first one becomes the default."""
    return Status(201, address_actions.add_address(member=member_of(request), **payload.dict()))


@router.patch("/{merchant_slug}/addresses/{address_id}", response={200: AddressOut, **ERRORS})
def update_address(request, payload: AddressPatch, merchant_slug: str = Slug, address_id: int = AddressId):
    changes = payload.dict(exclude_unset=True)
    return address_actions.update_address(member=member_of(request), address_id=address_id, **changes)


@router.delete("/{merchant_slug}/addresses/{address_id}", response={204: None, **ERRORS})
def delete_address(request, merchant_slug: str = Slug, address_id: int = AddressId):
    """Delete an address; if it was the default, the most recently updated one takes over."""
    address_actions.delete_address(member=member_of(request), address_id=address_id)
    return Status(204, None)


@router.post("/{merchant_slug}/addresses/{address_id}/default", response={200: AddressOut, **ERRORS})
def set_default_address(request, merchant_slug: str = Slug, address_id: int = AddressId):
    return address_actions.set_default_address(member=member_of(request), address_id=address_id)


# --- points ----------------------------------------------------------------------------------


class PointsEntryOut(Schema):
    kind: str
    points: int
    created_at: dt.datetime


class PointsOut(Schema):
    balance: int
    owed: int = Field(
        ..., description="Taken back by a refund and not yet covered; the next earnings pay it."
    )
    streak: int = Field(..., description="Days signed in in a row, up to today.")
    signed_in_today: bool
    entries: list[PointsEntryOut]


class SignInOut(Schema):
    points: int
    streak: int
    already: bool = Field(..., description="Already signed in today: nothing new.")


@router.get("/{merchant_slug}/my/points", response={200: PointsOut, **ERRORS})
def my_points(request, merchant_slug: str = Slug):
    member = member_of(request)
    summary = points_summary(member)
    return PointsOut(
        balance=summary.balance,
        owed=summary.owed,
        streak=summary.streak,
        signed_in_today=summary.signed_in_today,
        entries=[
            PointsEntryOut(kind=e.kind, points=e.points, created_at=e.created_at) for e in summary.entries
        ],
    )


@router.post("/{merchant_slug}/my/points/sign-in", response={200: SignInOut, **ERRORS})
def daily_sign_in(request, merchant_slug: str = Slug):
    result = sign_in(member=member_of(request))
    return SignInOut(points=result.points, streak=result.streak, already=result.already)


# --- stored value ----------------------------------------------------------------------------


class WalletEntryOut(Schema):
    kind: str
    principal_fen: int
    bonus_fen: int
    order_id: int | None
    store_id: int | None
    created_at: dt.datetime


class WalletOut(Schema):
    balance_fen: int
    principal_fen: int = Field(..., description="Money the member paid in.")
    bonus_fen: int = Field(..., description="Given by the shop with recharges; spent in proportion.")
    entries: list[WalletEntryOut]


class RechargePlanOut(Schema):
    id: int
    name: str
    pay_fen: int
    bonus_fen: int


class RechargeIn(Schema):
    plan_id: int | None = Field(None, ge=1, description="A plan on sale, or leave out and give amount_fen.")
    amount_fen: int | None = Field(None, ge=1, description="A free amount, where the shop allows one.")


class RechargeOrderOut(Schema):
    order_id: int
    number: str
    payable_fen: int


@router.get("/{merchant_slug}/my/wallet", response={200: WalletOut, **ERRORS})
def my_wallet(request, merchant_slug: str = Slug):
    summary = wallet_summary(member_of(request))
    return WalletOut(
        balance_fen=summary.balance_fen,
        principal_fen=summary.principal_fen,
        bonus_fen=summary.bonus_fen,
        entries=[
            WalletEntryOut(
                kind=e.kind,
                principal_fen=e.principal_fen,
                bonus_fen=e.bonus_fen,
                order_id=e.order_id,
                store_id=e.store_id,
                created_at=e.created_at,
            )
            for e in summary.entries
        ],
    )


@router.get("/{merchant_slug}/recharge-plans", response={200: list[RechargePlanOut], **ERRORS}, auth=None)
def recharge_plans(request, merchant_slug: str = Slug):
    return [
        RechargePlanOut(id=p.pk, name=p.name, pay_fen=p.pay_fen, bonus_fen=p.bonus_fen)
        for p in recharge_plans_on_sale(_merchant(merchant_slug).pk)
    ]


@router.post("/{merchant_slug}/my/wallet/recharge", response={201: RechargeOrderOut, **ERRORS})
def recharge(request, body: RechargeIn, merchant_slug: str = Slug, idempotency_key: Key = None):
    """A recharge order pending payment: pay it like any order (``POST …/orders/{id}/pay``); the
    wallet is credited when it is paid."""
    order = start_recharge(
        member=member_of(request),
        plan_id=body.plan_id,
        amount_fen=body.amount_fen,
        idempotency_key=idempotency_key,
    )
    return Status(
        201, RechargeOrderOut(order_id=order.pk, number=order.number, payable_fen=order.payable_fen)
    )


# --- membership cards ------------------------------------------------------------------------


class CardPlanOut(Schema):
    id: int
    name: str
    price_fen: int
    validity_days: int
    points_multiplier_percent: int


class MyCardOut(Schema):
    plan_id: int
    name: str
    source: str
    starts_at: dt.datetime
    ends_at: dt.datetime


class BuyCardIn(Schema):
    plan_id: int = Field(..., ge=1)


@router.get("/{merchant_slug}/card-plans", response={200: list[CardPlanOut], **ERRORS}, auth=None)
def card_plans(request, merchant_slug: str = Slug):
    plans = CardPlan.objects.filter(merchant_id=_merchant(merchant_slug).pk, is_active=True, price_fen__gt=0)
    return [
        CardPlanOut(
            id=p.pk,
            name=p.name,
            price_fen=p.price_fen,
            validity_days=p.validity_days,
            points_multiplier_percent=p.points_multiplier_percent,
        )
        for p in plans
    ]


@router.get("/{merchant_slug}/my/cards", response={200: list[MyCardOut], **ERRORS})
def my_cards(request, merchant_slug: str = Slug):
    return [
        MyCardOut(
            plan_id=c.plan_id, name=c.plan.name, source=c.source, starts_at=c.starts_at, ends_at=c.ends_at
        )
        for c in active_cards(member_of(request))
    ]


@router.post("/{merchant_slug}/my/cards", response={201: RechargeOrderOut, **ERRORS})
def buy_card(request, body: BuyCardIn, merchant_slug: str = Slug, idempotency_key: Key = None):
    """A card order pending payment (buy or renew): pay it like any order."""
    order = start_card_purchase(
        member=member_of(request), plan_id=body.plan_id, idempotency_key=idempotency_key
    )
    return Status(
        201, RechargeOrderOut(order_id=order.pk, number=order.number, payable_fen=order.payable_fen)
    )


# --- points mall ---------------------------------------------------------------------------


class PointsItemOut(Schema):
    id: int
    kind: str
    name: str
    points: int
    cash_fen: int = Field(0, description="Goods: the cash part paid with the points (points + cash).")
    sku_id: int | None = Field(None, description="Goods: the SKU given.")
    bonus_fen: int
    stock: int | None


class ExchangeIn(Schema):
    item_id: int = Field(..., ge=1)
    fulfilment: str = Field("", description="Goods only: express or pickup.")
    store_id: int | None = Field(None, description="Goods picked up: the store.")
    address_id: int | None = Field(None, description="Goods shipped: an address of my address book.")


class ExchangeOut(Schema):
    id: int
    item_id: int
    points: int
    coupon_id: int | None
    order_id: int | None = Field(None, description="Goods: the points mall order (pay its cash part, if any).")
    order_status: str | None = None


@router.get("/{merchant_slug}/points-mall", response={200: list[PointsItemOut], **ERRORS}, auth=None)
def points_mall_items(request, merchant_slug: str = Slug):
    return [
        PointsItemOut(
            id=i.pk,
            kind=i.kind,
            name=i.name,
            points=i.points,
            cash_fen=i.cash_fen,
            sku_id=i.sku_id,
            bonus_fen=i.bonus_fen,
            stock=i.stock,
        )
        for i in items_on_sale(_merchant(merchant_slug).pk)
    ]


@router.post("/{merchant_slug}/points-mall/exchange", response={201: ExchangeOut, **ERRORS})
def points_mall_exchange(request, body: ExchangeIn, merchant_slug: str = Slug, idempotency_key: Key = None):
    """Exchange points for an item: goods become a points mall order (pending payment of the cash
    part, or paid when there is none); a coupon goes to my coupons; bonus to my stored value."""
    from newretail.orders.actions.cart import address_snapshot

    member = member_of(request)
    done = points_exchange(
        member=member,
        item_id=body.item_id,
        idempotency_key=idempotency_key,
        fulfilment=body.fulfilment,
        store_id=body.store_id,
        address=address_snapshot(member, body.address_id) if body.address_id else None,
    )
    order = done.order if done.order_id else None
    return Status(
        201,
        ExchangeOut(
            id=done.pk,
            item_id=done.item_id,
            points=done.points,
            coupon_id=done.coupon_id,
            order_id=done.order_id,
            order_status=order.status if order else None,
        ),
    )
