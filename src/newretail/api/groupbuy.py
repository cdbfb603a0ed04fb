"""Staff API for group buys (/api/v1/groupbuys…): campaigns (list, create, read, replace, pause
and resume), their groups with seats, and the live report. Reading needs ``marketing.view``,
writing ``marketing.manage``; another merchant's ids are 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Path, Query, Router, Schema, Status

from newretail.api.base import ERRORS, actor_of
from newretail.core import clock
from newretail.core.tenancy import get_owned
from newretail.marketing.groupbuy import campaigns as campaign_actions
from newretail.marketing.groupbuy import queries
from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyGroup
from newretail.members.queries import name_for, phone_for
from newretail.tenancy.access import require_perm
from newretail.tenancy.roles import Perm

router = Router(tags=["group buy"])

MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


class ItemIn(Schema):
    sku_id: int = Field(..., ge=1, le=MAX_ID)
    group_price_fen: int = Field(..., ge=1, le=100_000_000)


class CampaignIn(Schema):
    name: str = Field(..., max_length=50)
    starts_at: dt.datetime
    ends_at: dt.datetime
    group_size: int = Field(2, ge=2, le=50)
    fill_minutes: int = Field(
        1440, ge=5, le=7 * 24 * 60, description="Time to fill a group after the leader pays."
    )
    per_member_limit: int = Field(1, ge=1, le=99)
    leader_discount_fen: int = Field(
        0, ge=0, le=100_000_000, description="The leader pays this much less a piece."
    )
    new_members_only: bool = False
    unpaid_minutes: int = Field(10, ge=1, le=60, description="How long an unpaid seat is held.")
    items: list[ItemIn] = Field(..., min_length=1, max_length=20)


class ItemOut(Schema):
    id: int
    sku_id: int
    product_name: str
    list_price_fen: int
    group_price_fen: int
    leader_price_fen: int


class CampaignOut(Schema):
    id: int
    name: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    group_size: int
    fill_minutes: int
    per_member_limit: int
    leader_discount_fen: int
    new_members_only: bool
    unpaid_minutes: int
    items: list[ItemOut]


class StatusIn(Schema):
    status: str = Field(..., pattern="^(active|paused)$")


class StaffSeatOut(Schema):
    member_id: int
    name: str
    phone: str
    is_leader: bool
    status: str
    order_id: int
    quantity: int
    unit_price_fen: int


class StaffGroupOut(Schema):
    id: int
    campaign_id: int
    status: str
    size: int
    seats_taken: int
    seats_paid: int
    opened_at: dt.datetime | None
    expires_at: dt.datetime | None
    succeeded_at: dt.datetime | None
    failed_at: dt.datetime | None
    seats: list[StaffSeatOut]


class ReportOut(Schema):
    groups_opened: int
    groups_open: int
    groups_succeeded: int
    groups_failed: int
    participants: int
    members: int
    conversion_percent: float = Field(..., description="Succeeded of the groups that have ended (成团率).")
    gmv_fen: int
    discount_fen: int
    pending_seats: int


def _out(campaign: GroupBuyCampaign) -> CampaignOut:
    items = [
        ItemOut(
            id=i.pk,
            sku_id=i.sku_id,
            product_name=i.sku.product.name,
            list_price_fen=i.sku.price_fen,
            group_price_fen=i.group_price_fen,
            leader_price_fen=max(0, i.group_price_fen - campaign.leader_discount_fen),
        )
        for i in campaign.items.select_related("sku__product").order_by("id")
    ]
    return CampaignOut(
        id=campaign.pk,
        name=campaign.name,
        status=campaign.status,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        group_size=campaign.group_size,
        fill_minutes=campaign.fill_minutes,
        per_member_limit=campaign.per_member_limit,
        leader_discount_fen=campaign.leader_discount_fen,
        new_members_only=campaign.new_members_only,
        unpaid_minutes=campaign.unpaid_minutes,
        items=items,
    )


def _campaign(request, campaign_id: int) -> GroupBuyCampaign:
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    return get_owned(GroupBuyCampaign, actor.merchant_id, pk=campaign_id)


def _fields(body: CampaignIn) -> dict:
    data = body.model_dump()
    data["items"] = [dict(item) for item in data["items"]]
    return data


@router.get("/groupbuys", response={200: list[CampaignOut], **ERRORS})
def list_campaigns(
    request,
    status: str = Query("", pattern="^(|active|paused)$"),
    timing: str = Query("", pattern="^(|running|upcoming|ended)$"),
):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    rows = queries.campaigns_for(actor.merchant_id, status=status, timing=timing, now=clock.now())
    return [_out(c) for c in rows[:200]]


@router.post("/groupbuys", response={201: CampaignOut, **ERRORS})
def create_campaign(request, body: CampaignIn):
    campaign = campaign_actions.create_campaign(actor=actor_of(request), **_fields(body))
    return Status(201, _out(campaign))


@router.get("/groupbuys/report", response={200: ReportOut, **ERRORS})
def report_all(request):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    return _report(queries.campaign_report(actor.merchant_id))


@router.get("/groupbuys/{groupbuy_id}", response={200: CampaignOut, **ERRORS})
def read_campaign(request, groupbuy_id: PathId):
    return _out(_campaign(request, groupbuy_id))


@router.put("/groupbuys/{groupbuy_id}", response={200: CampaignOut, **ERRORS})
def replace_campaign(request, groupbuy_id: PathId, body: CampaignIn):
    campaign = campaign_actions.update_campaign(
        actor=actor_of(request), campaign_id=groupbuy_id, **_fields(body)
    )
    return _out(campaign)


@router.post("/groupbuys/{groupbuy_id}/status", response={200: CampaignOut, **ERRORS})
def campaign_status(request, groupbuy_id: PathId, body: StatusIn):
    campaign = campaign_actions.set_campaign_status(
        actor=actor_of(request), campaign_id=groupbuy_id, status=body.status
    )
    return _out(campaign)


def _group_out(actor, group: GroupBuyGroup) -> StaffGroupOut:
    seats = [
        StaffSeatOut(
            member_id=s.member_id,
            name=name_for(actor, s.member.name),
            phone=phone_for(actor, s.member.phone),
            is_leader=s.is_leader,
            status=s.status,
            order_id=s.order_id,
            quantity=s.quantity,
            unit_price_fen=s.unit_price_fen,
        )
        for s in group.seats.select_related("member").order_by("-is_leader", "pk")
    ]
    return StaffGroupOut(
        id=group.pk,
        campaign_id=group.campaign_id,
        status=group.status,
        size=group.size,
        seats_taken=group.seats_taken,
        seats_paid=group.seats_paid,
        opened_at=group.opened_at,
        expires_at=group.expires_at,
        succeeded_at=group.succeeded_at,
        failed_at=group.failed_at,
        seats=seats,
    )


@router.get("/groupbuys/{groupbuy_id}/groups", response={200: list[StaffGroupOut], **ERRORS})
def campaign_groups(
    request,
    groupbuy_id: PathId,
    status: str = Query("", pattern="^(|opening|open|succeeded|failed|cancelled)$"),
):
    campaign = _campaign(request, groupbuy_id)
    actor = actor_of(request)
    rows = queries.groups_for(actor.merchant_id, campaign_id=campaign.pk, status=status)
    return [_group_out(actor, g) for g in rows[:200]]


def _report(report: queries.CampaignReport) -> ReportOut:
    return ReportOut(
        groups_opened=report.groups_opened,
        groups_open=report.groups_open,
        groups_succeeded=report.groups_succeeded,
        groups_failed=report.groups_failed,
        participants=report.participants,
        members=report.members,
        conversion_percent=report.conversion_percent,
        gmv_fen=report.gmv_fen,
        discount_fen=report.discount_fen,
        pending_seats=report.pending_seats,
    )


@router.get("/groupbuys/{groupbuy_id}/report", response={200: ReportOut, **ERRORS})
def campaign_report(request, groupbuy_id: PathId):
    campaign = _campaign(request, groupbuy_id)
    return _report(queries.campaign_report(campaign.merchant_id, campaign.pk))
