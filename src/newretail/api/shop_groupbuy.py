"""Shopper API, group buy (拼团): running campaigns, opening and joining groups, a group as its
share link shows it, and the member's groups.

    GET  /shop/{slug}/groupbuys                          running items (no login needed)
    GET  /shop/{slug}/groupbuys/items/{groupbuy_item_id}          one item with groups to join
    POST /shop/{slug}/groupbuys/items/{groupbuy_item_id}/open     -> 201 the new group and the order to pay
    GET  /shop/{slug}/groupbuys/groups/{group_token}           a group by its share token (no login)
    POST /shop/{slug}/groupbuys/groups/{group_token}/join      -> 201 the seat's order to pay
    GET  /shop/{slug}/my/groupbuys                       the member's seats

Opening and joining take an ``Idempotency-Key``; the order is then paid like any order
(``POST /shop/{slug}/orders/{id}/pay``). Names of other members are masked (张*, 138****1234).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Path, Router, Schema, Status

from newretail.api.base import ERRORS
from newretail.api.shop import Slug, _merchant
from newretail.api.shop_auth import MEMBER_AUTH, member_of
from newretail.api.shop_orders import Key
from newretail.core import clock
from newretail.marketing.groupbuy import queries
from newretail.marketing.groupbuy.models import GroupBuyGroup, GroupBuyItem
from newretail.marketing.groupbuy.seats import Joined, join_group, open_group
from newretail.orders.actions.cart import address_snapshot
from newretail.storefront.site import mall_absolute_url

router = Router(tags=["shop group buy"], auth=MEMBER_AUTH)

MAX_ID = 2**63 - 1
ItemId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
Token = Annotated[str, Path(..., min_length=8, max_length=32)]
ShopSlug = Annotated[str, Slug]


class GroupBuyItemOut(Schema):
    item_id: int
    campaign_id: int
    campaign_name: str
    sku_id: int
    product_id: int
    product_name: str
    spec_text: str
    list_price_fen: int
    group_price_fen: int
    leader_price_fen: int = Field(..., description="What the leader pays per piece (团长价).")
    group_size: int
    fill_minutes: int
    per_member_limit: int
    new_members_only: bool
    ends_at: dt.datetime


class SeatOut(Schema):
    name: str = Field(..., description="Masked: 张* or 138****1234.")
    initial: str
    is_leader: bool
    paid: bool


class GroupOut(Schema):
    id: int
    token: str
    share_url: str
    status: str = Field(..., description="opening, open, full, succeeded, failed, cancelled or expired.")
    item_id: int
    campaign_name: str
    product_name: str
    group_price_fen: int
    size: int
    seats_taken: int
    seats_paid: int
    seats_left: int
    expires_at: dt.datetime | None
    seconds_left: int
    seats: list[SeatOut]


class ItemDetailOut(GroupBuyItemOut):
    groups: list[GroupOut] = Field(..., description="Open groups with a free seat, nearest to filling first.")


class JoinIn(Schema):
    quantity: int = Field(1, ge=1, le=99)
    fulfilment: str = Field(..., pattern="^(express|delivery|pickup)$")
    store_id: int | None = Field(None, ge=1, le=MAX_ID)
    address_id: int | None = Field(None, ge=1, le=MAX_ID)
    buyer_note: str = Field("", max_length=200)


class JoinedOut(Schema):
    group: GroupOut
    order_id: int
    order_number: str
    payable_fen: int
    is_leader: bool


class MySeatOut(Schema):
    group: GroupOut
    order_id: int
    seat_status: str
    is_leader: bool
    quantity: int
    unit_price_fen: int


def _item_out(item: GroupBuyItem) -> GroupBuyItemOut:
    campaign, sku = item.campaign, item.sku
    return GroupBuyItemOut(
        item_id=item.pk,
        campaign_id=campaign.pk,
        campaign_name=campaign.name,
        sku_id=sku.pk,
        product_id=sku.product_id,
        product_name=sku.product.name,
        spec_text=sku.spec_text,
        list_price_fen=sku.price_fen,
        group_price_fen=item.group_price_fen,
        leader_price_fen=item.leader_price_fen,
        group_size=campaign.group_size,
        fill_minutes=campaign.fill_minutes,
        per_member_limit=campaign.per_member_limit,
        new_members_only=campaign.new_members_only,
        ends_at=campaign.ends_at,
    )


def group_out(group: GroupBuyGroup, now: dt.datetime) -> GroupOut:
    view = queries.group_view(group, now)
    return GroupOut(
        id=group.pk,
        token=group.share_token,
        share_url=mall_absolute_url(group.merchant, "groupbuy_group", token=group.share_token),
        status=view.state,
        item_id=group.item_id,
        campaign_name=group.campaign.name,
        product_name=group.item.sku.product.name,
        group_price_fen=group.item.group_price_fen,
        size=group.size,
        seats_taken=group.seats_taken,
        seats_paid=group.seats_paid,
        seats_left=group.seats_left,
        expires_at=group.expires_at,
        seconds_left=view.seconds_left,
        seats=[
            SeatOut(name=s.name, initial=s.initial, is_leader=s.is_leader, paid=s.paid) for s in view.seats
        ],
    )


def _joined(joined: Joined) -> JoinedOut:
    group = GroupBuyGroup.objects.select_related("campaign", "item__sku__product", "merchant").get(
        pk=joined.group.pk
    )
    return JoinedOut(
        group=group_out(group, clock.now()),
        order_id=joined.order.pk,
        order_number=joined.order.number,
        payable_fen=joined.order.payable_fen,
        is_leader=joined.seat.is_leader,
    )


@router.get("/{merchant_slug}/groupbuys", response={200: list[GroupBuyItemOut], **ERRORS}, auth=None)
def list_groupbuys(request, merchant_slug: ShopSlug):
    merchant = _merchant(merchant_slug)
    return [_item_out(item) for item in queries.running_items(merchant.pk, clock.now())[:50]]


@router.get(
    "/{merchant_slug}/groupbuys/items/{groupbuy_item_id}", response={200: ItemDetailOut, **ERRORS}, auth=None
)
def groupbuy_item(request, merchant_slug: ShopSlug, groupbuy_item_id: ItemId):
    merchant = _merchant(merchant_slug)
    item = queries.item_for(merchant.pk, groupbuy_item_id)
    now = clock.now()
    groups = [group_out(g, now) for g in queries.joinable_groups(item, now)]
    return ItemDetailOut(**_item_out(item).model_dump(), groups=groups)


def _address(member, body: JoinIn):
    return address_snapshot(member, body.address_id) if body.address_id is not None else None


@router.post("/{merchant_slug}/groupbuys/items/{groupbuy_item_id}/open", response={201: JoinedOut, **ERRORS})
def open_a_group(
    request, body: JoinIn, merchant_slug: ShopSlug, groupbuy_item_id: ItemId, idempotency_key: Key = None
):
    member = member_of(request)
    joined = open_group(
        member=member,
        item_id=groupbuy_item_id,
        quantity=body.quantity,
        fulfilment=body.fulfilment,
        store_id=body.store_id,
        address=_address(member, body),
        buyer_note=body.buyer_note,
        idempotency_key=idempotency_key,
    )
    return Status(201, _joined(joined))


@router.get("/{merchant_slug}/groupbuys/groups/{group_token}", response={200: GroupOut, **ERRORS}, auth=None)
def group_detail(request, merchant_slug: ShopSlug, group_token: Token):
    merchant = _merchant(merchant_slug)
    return group_out(queries.group_by_token(merchant.pk, group_token), clock.now())


@router.post("/{merchant_slug}/groupbuys/groups/{group_token}/join", response={201: JoinedOut, **ERRORS})
def join_a_group(
    request, body: JoinIn, merchant_slug: ShopSlug, group_token: Token, idempotency_key: Key = None
):
    member = member_of(request)
    group = queries.group_by_token(member.merchant_id, group_token)
    joined = join_group(
        member=member,
        group_id=group.pk,
        quantity=body.quantity,
        fulfilment=body.fulfilment,
        store_id=body.store_id,
        address=_address(member, body),
        buyer_note=body.buyer_note,
        idempotency_key=idempotency_key,
    )
    return Status(201, _joined(joined))


@router.get("/{merchant_slug}/my/groupbuys", response={200: list[MySeatOut], **ERRORS})
def my_groupbuys(request, merchant_slug: ShopSlug):
    member = member_of(request)
    now = clock.now()
    return [
        MySeatOut(
            group=group_out(seat.group, now),
            order_id=seat.order_id,
            seat_status=seat.status,
            is_leader=seat.is_leader,
            quantity=seat.quantity,
            unit_price_fen=seat.unit_price_fen,
        )
        for seat in queries.member_groups(member)
    ]
