"""Shopper API, bargain (砍价): running campaigns, starting a bargain, a bargain as its share link
shows it, a friend's help, the member's bargains and buying one.

    GET  /shop/{slug}/bargain-campaigns                                running campaigns (no login)
    GET  /shop/{slug}/bargain-campaigns/{bargain_campaign_id}          one campaign (no login)
    POST /shop/{slug}/bargain-campaigns/{bargain_campaign_id}/start    -> 201 a new bargain (200: the running one)
    GET  /shop/{slug}/bargains/{share_code}                            a bargain as friends see it (no login)
    POST /shop/{slug}/bargains/{share_code}/help                       -> 201 the friend's cut (X-Device-Id)
    GET  /shop/{slug}/my/bargains                                      the member's bargains
    GET  /shop/{slug}/my/bargains/{bargain_id}                         one, with its cuts
    POST /shop/{slug}/my/bargains/{bargain_id}/buy                     -> 201 the order at the bargain's price

A help needs the helper's member token and a device id (``X-Device-Id``: 8–64 letters, digits,
``-`` or ``_``, kept by the app for the device): one help per member and one per device per
bargain, a few a day per device and per member. The order is paid like any order
(``POST /shop/{slug}/orders/{id}/pay``). Other members' names are masked (张*, 138****1234).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Header, Path, Router, Schema, Status

from newretail.api.base import ERRORS
from newretail.api.order_schemas import OrderOut, order_out
from newretail.api.shop import Slug, _merchant
from newretail.api.shop_auth import MEMBER_AUTH, member_of
from newretail.core import clock
from newretail.marketing.bargain import queries
from newretail.marketing.bargain.buying import buy_bargain, start_bargain
from newretail.marketing.bargain.cutting import help_bargain
from newretail.marketing.bargain.models import Bargain, BargainCampaign
from newretail.orders import queries as order_queries
from newretail.orders.actions.cart import address_snapshot
from newretail.storefront.site import mall_absolute_url

router = Router(tags=["shop bargain"], auth=MEMBER_AUTH)

MAX_ID = 2**63 - 1
CampaignId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
BargainId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
ShareCode = Annotated[str, Path(..., min_length=8, max_length=24)]
DeviceId = Annotated[
    str | None,
    Header(
        None,
        alias="X-Device-Id",
        max_length=64,
        description="The helper's device id (8–64 of A–Z a–z 0–9 - _).",
    ),
]
ShopSlug = Annotated[str, Slug]


class BargainCampaignOut(Schema):
    id: int
    name: str
    sku_id: int
    product_id: int
    product_name: str
    spec_text: str
    list_price_fen: int
    start_price_fen: int
    floor_price_fen: int
    helpers_needed: int
    hours_to_finish: int
    per_member_limit: int
    left: int = Field(..., description="Pieces the campaign can still sell.")
    starts_at: dt.datetime
    ends_at: dt.datetime


class CutOut(Schema):
    sequence: int
    helper: str = Field(..., description="Masked: 张* or 138****1234.")
    amount_fen: int
    price_after_fen: int
    created_at: dt.datetime


class SharedBargainOut(Schema):
    share_code: str
    share_url: str
    starter: str = Field(..., description="Masked.")
    status: str = Field(..., description="open, floor (at the lowest price), ordered or expired.")
    campaign_id: int
    campaign_name: str
    product_name: str
    start_price_fen: int
    floor_price_fen: int
    current_price_fen: int
    helpers_needed: int
    helpers_count: int
    expires_at: dt.datetime
    seconds_left: int
    cuts: list[CutOut]


class BargainOut(SharedBargainOut):
    id: int
    order_id: int | None
    bought_price_fen: int | None


class HelpOut(Schema):
    sequence: int
    amount_fen: int
    price_after_fen: int
    reached_floor: bool


class BuyIn(Schema):
    fulfilment: str = Field(..., pattern="^(express|delivery|pickup)$")
    store_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    address_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    buyer_note: str = Field("", max_length=200)


def _campaign_out(campaign: BargainCampaign) -> BargainCampaignOut:
    sku = campaign.sku
    return BargainCampaignOut(
        id=campaign.pk,
        name=campaign.name,
        sku_id=sku.pk,
        product_id=sku.product_id,
        product_name=sku.product.name,
        spec_text=sku.spec_text,
        list_price_fen=sku.price_fen,
        start_price_fen=campaign.start_price_fen,
        floor_price_fen=campaign.floor_price_fen,
        helpers_needed=campaign.helpers_needed,
        hours_to_finish=campaign.hours_to_finish,
        per_member_limit=campaign.per_member_limit,
        left=campaign.left,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
    )


def _shared(bargain: Bargain) -> dict:
    now = clock.now()
    campaign = bargain.campaign
    return {
        "share_code": bargain.share_code,
        "share_url": mall_absolute_url(campaign.merchant, "bargain_help", share_code=bargain.share_code),
        "starter": queries.helper_label(bargain.member),
        "status": queries.shown_status(bargain, now),
        "campaign_id": campaign.pk,
        "campaign_name": campaign.name,
        "product_name": campaign.sku.product.name,
        "start_price_fen": bargain.start_price_fen,
        "floor_price_fen": bargain.floor_price_fen,
        "current_price_fen": bargain.current_price_fen,
        "helpers_needed": bargain.helpers_needed,
        "helpers_count": bargain.helpers_count,
        "expires_at": bargain.expires_at,
        "seconds_left": max(0, int((bargain.expires_at - now).total_seconds())),
        "cuts": [
            CutOut(
                sequence=c.sequence,
                helper=c.helper_name,
                amount_fen=c.amount_fen,
                price_after_fen=c.price_after_fen,
                created_at=c.created_at,
            )
            for c in queries.cuts_of(bargain)
        ],
    }


def _bargain_out(bargain: Bargain) -> BargainOut:
    return BargainOut(
        **_shared(bargain),
        id=bargain.pk,
        order_id=bargain.order_id,
        bought_price_fen=bargain.bought_price_fen,
    )


@router.get(
    "/{merchant_slug}/bargain-campaigns", response={200: list[BargainCampaignOut], **ERRORS}, auth=None
)
def campaigns(request, merchant_slug: ShopSlug):
    merchant = _merchant(merchant_slug)
    return [_campaign_out(c) for c in queries.live_campaigns(merchant.pk, clock.now())[:100]]


@router.get(
    "/{merchant_slug}/bargain-campaigns/{bargain_campaign_id}",
    response={200: BargainCampaignOut, **ERRORS},
    auth=None,
)
def campaign(request, merchant_slug: ShopSlug, bargain_campaign_id: CampaignId):
    merchant = _merchant(merchant_slug)
    return _campaign_out(queries.mall_campaign(merchant.pk, bargain_campaign_id, clock.now()))


@router.post(
    "/{merchant_slug}/bargain-campaigns/{bargain_campaign_id}/start",
    response={200: BargainOut, 201: BargainOut, **ERRORS},
)
def start(request, merchant_slug: ShopSlug, bargain_campaign_id: CampaignId):
    """Start a bargain (one at a time per campaign: while one runs, it is returned with 200)."""
    member = member_of(request)
    bargain, created = start_bargain(member=member, campaign_id=bargain_campaign_id)
    return Status(201 if created else 200, _bargain_out(queries.own_bargain(member, bargain.pk)))


@router.get("/{merchant_slug}/bargains/{share_code}", response={200: SharedBargainOut, **ERRORS}, auth=None)
def shared(request, merchant_slug: ShopSlug, share_code: ShareCode):
    merchant = _merchant(merchant_slug)
    return SharedBargainOut(**_shared(queries.shared_bargain(merchant.pk, share_code)))


@router.post("/{merchant_slug}/bargains/{share_code}/help", response={201: HelpOut, **ERRORS})
def help_cut(request, merchant_slug: ShopSlug, share_code: ShareCode, device_id: DeviceId = None):
    """Help a friend's bargain: a random cut, decided here (the app only shows it)."""
    cut = help_bargain(helper=member_of(request), share_code=share_code, device_id=device_id)
    return Status(
        201,
        HelpOut(
            sequence=cut.sequence,
            amount_fen=cut.amount_fen,
            price_after_fen=cut.price_after_fen,
            reached_floor=cut.price_after_fen == cut.bargain.floor_price_fen,
        ),
    )


@router.get("/{merchant_slug}/my/bargains", response={200: list[BargainOut], **ERRORS})
def my_bargains(request, merchant_slug: ShopSlug):
    member = member_of(request)
    return [_bargain_out(b) for b in queries.member_bargains(member)]


@router.get("/{merchant_slug}/my/bargains/{bargain_id}", response={200: BargainOut, **ERRORS})
def my_bargain(request, merchant_slug: ShopSlug, bargain_id: BargainId):
    return _bargain_out(queries.own_bargain(member_of(request), bargain_id))


@router.post("/{merchant_slug}/my/bargains/{bargain_id}/buy", response={201: OrderOut, **ERRORS})
def buy(request, body: BuyIn, merchant_slug: ShopSlug, bargain_id: BargainId):
    """Order one piece at the bargain's current price (pressing again returns the same order)."""
    member = member_of(request)
    queries.own_bargain(member, bargain_id)  # 404 before the address is looked at
    order = buy_bargain(
        member=member,
        bargain_id=bargain_id,
        fulfilment=body.fulfilment,
        store_id=body.store_id,
        address=address_snapshot(member, body.address_id) if body.fulfilment != "pickup" else None,
        buyer_note=body.buyer_note,
    )
    return Status(201, order_out(order_queries.for_display(order), show_pickup_code=True))
