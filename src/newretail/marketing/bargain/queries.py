"""Bargain reads: the campaigns the mall lists, a bargain with its cuts (as its starter and as a
friend see it: friends' names and phones masked), the member's bargains, the console's list and
the live report per campaign (started, helps, reached the floor, ordered, bought, GMV, cost)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum

from newretail.core.errors import not_found
from newretail.core.privacy import mask_name, mask_phone
from newretail.core.tenancy import get_owned
from newretail.marketing.bargain.models import Bargain, BargainCampaign, BargainCut
from newretail.members.models import Member
from newretail.orders.state import PAID_STATUSES

MAX_ID = 2**63 - 1


def live_campaigns(merchant_id: int, now: dt.datetime) -> QuerySet[BargainCampaign]:
    """Active campaigns that have not ended, on SKUs still sold, soonest end first."""
    return (
        BargainCampaign.objects.filter(
            merchant_id=merchant_id,
            status=BargainCampaign.Status.ACTIVE,
            ends_at__gt=now,
            sku__is_deleted=False,
            sku__is_active=True,
            sku__product__is_deleted=False,
        )
        .select_related("sku__product")
        .order_by("ends_at", "id")
    )


def mall_campaign(merchant_id: int, campaign_id: int, now: dt.datetime) -> BargainCampaign:
    """A campaign the mall shows (404 for another merchant's, a paused or an ended one)."""
    if not 0 < campaign_id <= MAX_ID:
        raise not_found()
    return get_owned(live_campaigns(merchant_id, now), merchant_id, pk=campaign_id)


def own_bargain(member: Member, bargain_id: int) -> Bargain:
    """One of the member's bargains with its campaign (another member's or merchant's: 404)."""
    if not 0 < bargain_id <= MAX_ID:
        raise not_found()
    queryset = Bargain.objects.filter(member=member).select_related("campaign__sku__product")
    return get_owned(queryset, member.merchant_id, pk=bargain_id)


def shared_bargain(merchant_id: int, share_code: str) -> Bargain:
    """The bargain a friend's link names (404 for an unknown code or another merchant's)."""
    queryset = Bargain.objects.select_related("campaign__sku__product", "member")
    return get_owned(queryset, merchant_id, share_code=str(share_code)[:24])


def member_bargains(member: Member, limit: int = 50) -> list[Bargain]:
    return list(
        Bargain.objects.filter(member=member).select_related("campaign__sku__product").order_by("-id")[:limit]
    )


def is_open(bargain: Bargain, now: dt.datetime) -> bool:
    """Still buyable (and helpable while above the floor)."""
    return bargain.status == Bargain.Status.OPEN and now < bargain.expires_at


def shown_status(bargain: Bargain, now: dt.datetime) -> str:
    """open / floor / ordered / expired, with the clock (the sweep may not have run yet)."""
    if bargain.status == Bargain.Status.ORDERED:
        return "ordered"
    if not is_open(bargain, now):
        return "expired"
    return "floor" if bargain.reached_floor else "open"


@dataclass(frozen=True)
class CutView:
    sequence: int
    helper_name: str  # masked: a friend's page shows it to other friends
    initial: str  # what the avatar shows: the name's first character, else 友
    amount_fen: int
    price_after_fen: int
    created_at: dt.datetime
    helper_id: int


def helper_label(member: Member) -> str:
    return mask_name(member.name) if member.name else mask_phone(member.phone)


def cuts_of(bargain: Bargain) -> list[CutView]:
    return [
        CutView(
            sequence=cut.sequence,
            helper_name=helper_label(cut.helper),
            initial=cut.helper.name[:1] or "友",
            amount_fen=cut.amount_fen,
            price_after_fen=cut.price_after_fen,
            created_at=cut.created_at,
            helper_id=cut.helper_id,
        )
        for cut in BargainCut.objects.filter(bargain=bargain).select_related("helper").order_by("sequence")
    ]


def cut_by(bargain: Bargain, member: Member | None) -> BargainCut | None:
    if member is None:
        return None
    return BargainCut.objects.filter(bargain=bargain, helper=member).first()


def campaigns_for(merchant_id: int, *, status: str = "", timing: str = "", now: dt.datetime):
    """The console's list, filtered by status and timing."""
    campaigns = BargainCampaign.objects.filter(merchant_id=merchant_id).select_related("sku__product")
    if status in BargainCampaign.Status.values:
        campaigns = campaigns.filter(status=status)
    if timing == "running":
        campaigns = campaigns.filter(starts_at__lte=now, ends_at__gt=now)
    elif timing == "upcoming":
        campaigns = campaigns.filter(starts_at__gt=now)
    elif timing == "ended":
        campaigns = campaigns.filter(ends_at__lte=now)
    return campaigns.order_by("-starts_at", "-id")


@dataclass(frozen=True)
class CampaignReport:
    """A campaign's figures: bargains started, helps given (and by how many people), bargains
    that reached the floor, ordered, bought (paid), the paid orders' payable (GMV) and their
    discount (cost), and the share of started bargains that were bought."""

    started: int
    helps: int
    helpers: int
    reached_floor: int
    ordered: int
    bought: int
    gmv_fen: int
    cost_fen: int
    stock: int
    sold: int

    @property
    def conversion_percent(self) -> int:
        return 0 if not self.started else self.bought * 100 // self.started


def campaign_report(campaign: BargainCampaign) -> CampaignReport:
    bargains = Bargain.objects.filter(merchant_id=campaign.merchant_id, campaign=campaign)
    paid = Q(status=Bargain.Status.ORDERED, order__status__in=PAID_STATUSES)
    figures = bargains.aggregate(
        started=Count("id"),
        reached_floor=Count("id", filter=Q(current_price_fen=F("floor_price_fen"))),
        ordered=Count("id", filter=Q(status=Bargain.Status.ORDERED)),
        bought=Count("id", filter=paid),
        gmv=Sum("order__payable_fen", filter=paid),
        cost=Sum("order__discount_fen", filter=paid),
    )
    cuts = BargainCut.objects.filter(merchant_id=campaign.merchant_id, bargain__campaign=campaign).aggregate(
        helps=Count("id"), helpers=Count("helper", distinct=True)
    )
    stock, sold = BargainCampaign.objects.filter(pk=campaign.pk).values_list("stock", "sold").get()
    return CampaignReport(
        started=figures["started"],
        helps=cuts["helps"],
        helpers=cuts["helpers"],
        reached_floor=figures["reached_floor"],
        ordered=figures["ordered"],
        bought=figures["bought"],
        gmv_fen=figures["gmv"] or 0,
        cost_fen=figures["cost"] or 0,
        stock=stock,
        sold=sold,
    )


def recent_bargains(campaign: BargainCampaign, limit: int = 20) -> list[Bargain]:
    return list(
        Bargain.objects.filter(merchant_id=campaign.merchant_id, campaign=campaign)
        .select_related("member", "order")
        .order_by("-id")[:limit]
    )
