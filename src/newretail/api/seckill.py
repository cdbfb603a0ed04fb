"""Staff API for seckill (秒杀) campaigns: list, create, edit, pause and resume (validated by
``marketing.seckill.campaigns``), and the live report (sold, left, orders, paid, GMV, cost,
participants, conversion). Reading needs ``marketing.view``; writing ``marketing.manage``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Path, Query, Router, Schema, Status

from newretail.api.base import ERRORS, actor_of
from newretail.core import clock
from newretail.core.tenancy import get_owned
from newretail.marketing.models import SeckillCampaign
from newretail.marketing.seckill import campaigns as seckill_actions
from newretail.marketing.seckill.queries import campaigns_for
from newretail.marketing.seckill.reports import campaign_report
from newretail.tenancy.access import require_perm
from newretail.tenancy.roles import Perm

router = Router(tags=["seckill"])

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


class SeckillItemIn(Schema):
    sku_id: Id
    price_fen: int = Field(..., ge=0, description="The seckill price, below the SKU's list price.")
    stock: int = Field(..., ge=1, description="Campaign stock, apart from the warehouse's stock.")


class SeckillIn(Schema):
    name: str = Field(..., max_length=50)
    starts_at: dt.datetime
    ends_at: dt.datetime
    per_member_limit: int = Field(1, description="Pieces of each item one member may buy.")
    level_ids: list[Id] | None = Field(None, description="Member levels that may buy; null: every member.")
    unpaid_minutes: int = Field(5, description="Unpaid orders close after this and give their pieces back.")
    stock_path: str | None = Field(
        None,
        pattern="^(database|redis)$",
        description="Where stock is counted; default Redis when the server has it.",
    )
    items: list[SeckillItemIn] = Field(..., max_length=seckill_actions.MAX_ITEMS)


class SeckillItemOut(SeckillItemIn):
    id: int
    name: str
    list_price_fen: int
    sold: int
    left: int


class SeckillOut(Schema):
    id: int
    name: str
    status: str
    timing: str = Field(..., description="upcoming, running or ended.")
    starts_at: dt.datetime
    ends_at: dt.datetime
    per_member_limit: int
    level_ids: list[int] | None
    unpaid_minutes: int
    stock_path: str
    items: list[SeckillItemOut]


def timing_of(campaign: SeckillCampaign, now: dt.datetime) -> str:
    if now < campaign.starts_at:
        return "upcoming"
    return "running" if now < campaign.ends_at else "ended"


def seckill_out(campaign: SeckillCampaign, now: dt.datetime | None = None) -> SeckillOut:
    return SeckillOut(
        id=campaign.pk,
        name=campaign.name,
        status=campaign.status,
        timing=timing_of(campaign, now or clock.now()),
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        per_member_limit=campaign.per_member_limit,
        level_ids=campaign.level_ids,
        unpaid_minutes=campaign.unpaid_minutes,
        stock_path=campaign.stock_path,
        items=[
            SeckillItemOut(
                id=item.pk,
                sku_id=item.sku_id,
                name=item.sku.display_name,
                list_price_fen=item.sku.price_fen,
                price_fen=item.price_fen,
                stock=item.stock,
                sold=item.sold,
                left=item.left,
            )
            for item in seckill_actions.items_of(campaign)
        ],
    )


def _data(body: SeckillIn) -> dict:
    data = body.model_dump()
    if data["stock_path"] is None:
        data.pop("stock_path")
    return data


class StatusIn(Schema):
    status: str = Field(..., pattern="^(active|paused)$")


@router.get("/marketing/seckills", response={200: list[SeckillOut], **ERRORS})
def list_seckills(
    request,
    status: str = Query("", pattern="^(|active|paused)$"),
    timing: str = Query("", pattern="^(|running|upcoming|ended)$"),
):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    now = clock.now()
    return [
        seckill_out(c, now)
        for c in campaigns_for(actor.merchant_id, status=status, timing=timing, now=now)[:200]
    ]


@router.post("/marketing/seckills", response={201: SeckillOut, **ERRORS})
def create_seckill(request, body: SeckillIn):
    campaign = seckill_actions.create_campaign(actor=actor_of(request), **_data(body))
    return Status(201, seckill_out(campaign))


@router.get("/marketing/seckills/{seckill_id}", response={200: SeckillOut, **ERRORS})
def get_seckill(request, seckill_id: PathId):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    return seckill_out(get_owned(SeckillCampaign, actor.merchant_id, pk=seckill_id))


@router.put("/marketing/seckills/{seckill_id}", response={200: SeckillOut, **ERRORS})
def update_seckill(request, body: SeckillIn, seckill_id: PathId):
    campaign = seckill_actions.update_campaign(actor=actor_of(request), campaign_id=seckill_id, **_data(body))
    return seckill_out(campaign)


@router.post("/marketing/seckills/{seckill_id}/status", response={200: SeckillOut, **ERRORS})
def set_seckill_status(request, body: StatusIn, seckill_id: PathId):
    campaign = seckill_actions.set_campaign_status(
        actor=actor_of(request), campaign_id=seckill_id, status=body.status
    )
    return seckill_out(campaign)


class ItemReportOut(Schema):
    item_id: int
    sku_id: int
    name: str
    list_price_fen: int
    price_fen: int
    stock: int
    sold: int
    left: int
    orders: int
    paid_orders: int
    paid_pieces: int
    gmv_fen: int
    cost_fen: int
    participants: int


class ReportOut(Schema):
    id: int
    name: str
    status: str
    timing: str
    stock: int
    sold: int = Field(..., description="Pieces held by live purchases (unpaid or paid).")
    left: int
    orders: int
    paid_orders: int
    gmv_fen: int = Field(..., description="What the paid orders' seckill lines came to.")
    cost_fen: int = Field(..., description="(List price - seckill price) x pieces paid.")
    participants: int = Field(..., description="Members who took pieces.")
    payers: int = Field(..., description="Members who paid.")
    conversion_percent: float = Field(..., description="Payers of participants, in per cent.")
    items: list[ItemReportOut]
    as_of: dt.datetime


@router.get("/marketing/seckills/{seckill_id}/report", response={200: ReportOut, **ERRORS})
def seckill_report(request, seckill_id: PathId):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    report = campaign_report(get_owned(SeckillCampaign, actor.merchant_id, pk=seckill_id))
    campaign, now = report.campaign, clock.now()
    return ReportOut(
        id=campaign.pk,
        name=campaign.name,
        status=campaign.status,
        timing=timing_of(campaign, now),
        stock=report.stock,
        sold=report.sold,
        left=report.left,
        orders=report.orders,
        paid_orders=report.paid_orders,
        gmv_fen=report.gmv_fen,
        cost_fen=report.cost_fen,
        participants=report.participants,
        payers=report.payers,
        conversion_percent=report.conversion_percent,
        items=[
            ItemReportOut(
                left=i.left, **{k: getattr(i, k) for k in ItemReportOut.model_fields if k != "left"}
            )
            for i in report.items
        ],
        as_of=now,
    )
