"""Shopper API, seckill (秒杀) part: what is running and coming, and buying.

    GET  /shop/{slug}/seckills[?campaign_id=]      live items (soonest end first), then upcoming;
                                                   server_time so a client counts down on the
                                                   server's clock, not the phone's
    POST /shop/{slug}/seckills/{seckill_item_id}/buy     -> 202, the purchase (Idempotency-Key header;
                                                   a plain Django view: api.shop_seckill_buy)
    GET  /shop/{slug}/seckills/{seckill_item_id}/purchase -> the member's purchase, to poll

A purchase is answered as soon as the pieces are the member's: ``status`` ``queued`` or
``writing`` while the worker writes the order (poll the purchase every second or so), then
``ordered`` with the order to pay (``POST /shop/{slug}/orders/{id}/pay``), or ``failed`` with
``error`` when the order could not be placed (the pieces went back). Refusals of the purchase
itself are the usual error body: ``marketing.seckill_sold_out``, ``…_not_started``, ``…_ended``,
``…_paused``, ``…_limit_exceeded``, ``…_already_bought``, ``…_level_required`` (409) and
``…_busy`` (503, try again)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pydantic
from ninja import Field, Path, Query, Router, Schema

from newretail.api.base import ERRORS
from newretail.api.order_schemas import OrderOut, order_out
from newretail.api.shop import Slug, _merchant
from newretail.api.shop_auth import MEMBER_AUTH, member_of
from newretail.core import clock
from newretail.marketing.seckill.buying import PurchaseState, purchase_state
from newretail.marketing.seckill.queries import MallSeckillItem, mall_seckill_items, offer_for
from newretail.orders import queries

router = Router(tags=["shop seckill"], auth=MEMBER_AUTH)

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class SeckillItemOut(Schema):
    item_id: int
    campaign_id: int
    campaign_name: str
    sku_id: int
    product_id: int
    product_name: str
    spec_text: str
    list_price_fen: int
    price_fen: int
    stock: int
    left: int
    sold_percent: int
    per_member_limit: int
    live: bool = Field(..., description="Running now; false: upcoming.")
    starts_at: dt.datetime
    ends_at: dt.datetime
    starts_at_ms: int = Field(..., description="Epoch milliseconds, for a countdown.")
    ends_at_ms: int
    countdown_to_ms: int = Field(..., description="The end when live, the start when upcoming.")


class SeckillListOut(Schema):
    server_time: dt.datetime
    server_time_ms: int = Field(..., description="Count down from this, not from the device's clock.")
    items: list[SeckillItemOut]


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def item_out(item: MallSeckillItem) -> SeckillItemOut:
    return SeckillItemOut(
        item_id=item.item_id,
        campaign_id=item.campaign_id,
        campaign_name=item.campaign_name,
        sku_id=item.sku_id,
        product_id=item.product_id,
        product_name=item.product_name,
        spec_text=item.spec_text,
        list_price_fen=item.list_price_fen,
        price_fen=item.price_fen,
        stock=item.stock,
        left=item.left,
        sold_percent=item.sold_percent,
        per_member_limit=item.per_member_limit,
        live=item.live,
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        starts_at_ms=_ms(item.starts_at),
        ends_at_ms=_ms(item.ends_at),
        countdown_to_ms=_ms(item.countdown_to),
    )


@router.get("/{merchant_slug}/seckills", response={200: SeckillListOut, **ERRORS}, auth=None)
def seckills(request, merchant_slug: str = Slug, campaign_id: int | None = Query(None, ge=1, le=MAX_ID)):
    merchant = _merchant(merchant_slug)
    now = clock.now()
    items = mall_seckill_items(merchant.pk, now, campaign_id=campaign_id)
    return SeckillListOut(server_time=now, server_time_ms=_ms(now), items=[item_out(i) for i in items])


class BuyIn(pydantic.BaseModel):
    """A plain pydantic model, not a ninja ``Schema``: the purchase view validates it itself, and
    ninja's extra validator (for reading Django objects) would double its cost."""

    quantity: int = Field(1, ge=1, le=99)
    fulfilment: str = Field(..., pattern="^(express|delivery|pickup)$")
    store_id: Id | None = Field(None, description="Pickup: the store; delivery: optionally the store.")
    address_id: Id | None = Field(None, description="Express and delivery: a saved address of the member.")
    buyer_note: str = Field("", max_length=200)


class PurchaseErrorOut(Schema):
    code: str
    message: str


class SeckillPurchaseOut(Schema):
    status: str = Field(..., description="queued | writing | ordered | failed | none")
    settled: bool = Field(..., description="False while the order is being written: poll again.")
    order: OrderOut | None = None
    error: PurchaseErrorOut | None = None


def purchase_out(state: PurchaseState) -> SeckillPurchaseOut:
    return SeckillPurchaseOut(
        status=state.status,
        settled=state.settled,
        order=order_out(queries.for_display(state.order), show_pickup_code=True) if state.order else None,
        error=PurchaseErrorOut(code=state.error_code, message=state.error_message)
        if state.error_code
        else None,
    )


@router.get(
    "/{merchant_slug}/seckills/{seckill_item_id}/purchase", response={200: SeckillPurchaseOut, **ERRORS}
)
def purchase(request, merchant_slug: str = Slug, seckill_item_id: int = Path(..., ge=1, le=MAX_ID)):
    """The member's purchase of this item: what the waiting page polls."""
    member = member_of(request)
    return purchase_out(purchase_state(offer_for(member.merchant_id, seckill_item_id), member.pk))
