"""Staff API for bargain campaigns (砍价): list, create, read, replace, pause, resume and delete
(``marketing.manage`` for writes, ``marketing.view`` for reads; validated and audited by
``marketing.bargain.setup``), the live report and the latest bargains with their cuts.

    GET    /marketing/bargain-campaigns
    POST   /marketing/bargain-campaigns
    GET    /marketing/bargain-campaigns/{bargain_campaign_id}
    PUT    /marketing/bargain-campaigns/{bargain_campaign_id}
    POST   /marketing/bargain-campaigns/{bargain_campaign_id}/pause
    POST   /marketing/bargain-campaigns/{bargain_campaign_id}/resume
    DELETE /marketing/bargain-campaigns/{bargain_campaign_id}   (only before any bargain started)
    GET    /marketing/bargain-campaigns/{bargain_campaign_id}/report
    GET    /marketing/bargain-campaigns/{bargain_campaign_id}/bargains
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Path, Query, Router, Schema, Status

from newretail.api.base import ERRORS, actor_of
from newretail.core import clock
from newretail.core.privacy import mask_phone
from newretail.core.tenancy import get_owned
from newretail.marketing.bargain import queries, setup
from newretail.marketing.bargain.models import BargainCampaign
from newretail.tenancy.access import require_perm
from newretail.tenancy.roles import Perm

router = Router(tags=["bargain"])

MAX_ID = 2**63 - 1
CampaignId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


class BargainCampaignIn(Schema):
    name: str = Field(..., max_length=50)
    sku_id: int = Field(..., ge=1, le=MAX_ID)
    start_price_fen: int = Field(..., description="At most the SKU's list price.")
    floor_price_fen: int = Field(..., description="Reached on exactly the last helper's cut.")
    helpers_needed: int = Field(..., description="K friends (1–100); start − floor must be at least K fen.")
    hours_to_finish: int = Field(24, description="How long a bargain runs (1–168 hours).")
    stock: int = Field(..., description="Pieces the campaign sells.")
    per_member_limit: int = Field(1, description="Running or ordered bargains per member.")
    starts_at: dt.datetime
    ends_at: dt.datetime


class BargainCampaignOut(BargainCampaignIn):
    id: int
    status: str
    sold: int
    created_at: dt.datetime


class ReportOut(Schema):
    started: int
    helps: int
    helpers: int = Field(..., description="Different members who helped.")
    reached_floor: int
    ordered: int
    bought: int = Field(..., description="Bargains whose order is paid.")
    gmv_fen: int = Field(..., description="Payable of the paid orders.")
    cost_fen: int = Field(..., description="Discount on the paid orders.")
    conversion_percent: int
    stock: int
    sold: int


class StaffCutOut(Schema):
    sequence: int
    helper_id: int
    amount_fen: int
    price_after_fen: int
    created_at: dt.datetime


class StaffBargainOut(Schema):
    id: int
    member_id: int
    member_phone: str = Field(..., description="Masked.")
    status: str
    current_price_fen: int
    helpers_count: int
    helpers_needed: int
    expires_at: dt.datetime
    order_id: int | None
    created_at: dt.datetime
    cuts: list[StaffCutOut]


def _out(campaign: BargainCampaign) -> BargainCampaignOut:
    return BargainCampaignOut(
        **setup.campaign_fields(campaign),
        id=campaign.pk,
        status=campaign.status,
        sold=campaign.sold,
        created_at=campaign.created_at,
    )


def _campaign(request, campaign_id: int, perm: str = Perm.MARKETING_VIEW) -> BargainCampaign:
    actor = require_perm(actor_of(request), perm)
    return get_owned(BargainCampaign, actor.merchant_id, pk=campaign_id)


@router.get("/marketing/bargain-campaigns", response={200: list[BargainCampaignOut], **ERRORS})
def list_campaigns(
    request,
    status: str = Query("", max_length=10, description="active or paused"),
    timing: str = Query("", max_length=10, description="running, upcoming or ended"),
):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    found = queries.campaigns_for(actor.merchant_id, status=status, timing=timing, now=clock.now())
    return [_out(c) for c in found[:200]]


@router.post("/marketing/bargain-campaigns", response={201: BargainCampaignOut, **ERRORS})
def create(request, body: BargainCampaignIn):
    return Status(201, _out(setup.create_campaign(actor=actor_of(request), **body.dict())))


@router.get(
    "/marketing/bargain-campaigns/{bargain_campaign_id}", response={200: BargainCampaignOut, **ERRORS}
)
def read(request, bargain_campaign_id: CampaignId):
    return _out(_campaign(request, bargain_campaign_id))


@router.put(
    "/marketing/bargain-campaigns/{bargain_campaign_id}", response={200: BargainCampaignOut, **ERRORS}
)
def replace(request, body: BargainCampaignIn, bargain_campaign_id: CampaignId):
    return _out(
        setup.update_campaign(actor=actor_of(request), campaign_id=bargain_campaign_id, **body.dict())
    )


@router.post(
    "/marketing/bargain-campaigns/{bargain_campaign_id}/pause", response={200: BargainCampaignOut, **ERRORS}
)
def pause(request, bargain_campaign_id: CampaignId):
    campaign = setup.set_campaign_status(
        actor=actor_of(request), campaign_id=bargain_campaign_id, status=BargainCampaign.Status.PAUSED
    )
    return _out(campaign)


@router.post(
    "/marketing/bargain-campaigns/{bargain_campaign_id}/resume", response={200: BargainCampaignOut, **ERRORS}
)
def resume(request, bargain_campaign_id: CampaignId):
    campaign = setup.set_campaign_status(
        actor=actor_of(request), campaign_id=bargain_campaign_id, status=BargainCampaign.Status.ACTIVE
    )
    return _out(campaign)


@router.delete("/marketing/bargain-campaigns/{bargain_campaign_id}", response={204: None, **ERRORS})
def delete(request, bargain_campaign_id: CampaignId):
    setup.delete_campaign(actor=actor_of(request), campaign_id=bargain_campaign_id)
    return Status(204, None)


@router.get("/marketing/bargain-campaigns/{bargain_campaign_id}/report", response={200: ReportOut, **ERRORS})
def report(request, bargain_campaign_id: CampaignId):
    figures = queries.campaign_report(_campaign(request, bargain_campaign_id))
    return ReportOut(
        started=figures.started,
        helps=figures.helps,
        helpers=figures.helpers,
        reached_floor=figures.reached_floor,
        ordered=figures.ordered,
        bought=figures.bought,
        gmv_fen=figures.gmv_fen,
        cost_fen=figures.cost_fen,
        conversion_percent=figures.conversion_percent,
        stock=figures.stock,
        sold=figures.sold,
    )


@router.get(
    "/marketing/bargain-campaigns/{bargain_campaign_id}/bargains",
    response={200: list[StaffBargainOut], **ERRORS},
)
def bargains(request, bargain_campaign_id: CampaignId, limit: int = Query(20, ge=1, le=100)):
    campaign = _campaign(request, bargain_campaign_id)
    now = clock.now()
    return [
        StaffBargainOut(
            id=b.pk,
            member_id=b.member_id,
            member_phone=mask_phone(b.member.phone),
            status=queries.shown_status(b, now),
            current_price_fen=b.current_price_fen,
            helpers_count=b.helpers_count,
            helpers_needed=b.helpers_needed,
            expires_at=b.expires_at,
            order_id=b.order_id,
            created_at=b.created_at,
            cuts=[
                StaffCutOut(
                    sequence=c.sequence,
                    helper_id=c.helper_id,
                    amount_fen=c.amount_fen,
                    price_after_fen=c.price_after_fen,
                    created_at=c.created_at,
                )
                for c in queries.cuts_of(b)
            ],
        )
        for b in queries.recent_bargains(campaign, limit)
    ]
