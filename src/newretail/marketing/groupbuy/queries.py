"""Group-buy reads: what the mall lists (running campaigns and their items, open groups to join),
a group as shoppers see it (members' masked names, seats, time left), the console's lists and
the live report (groups opened / succeeded / failed, participants, conversion, GMV, discount)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from newretail.core.errors import not_found
from newretail.core.privacy import mask_name, mask_phone
from newretail.core.tenancy import get_owned
from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyGroup, GroupBuyItem, GroupBuySeat
from newretail.orders.models import OrderAdjustment

G = GroupBuyGroup.Status
SS = GroupBuySeat.Status
LIVE = (SS.PENDING, SS.PAID)
MAX_ID = 2**63 - 1


def running_items(merchant_id: int, now: dt.datetime):
    """Items of active campaigns running now, soonest end first."""
    return (
        GroupBuyItem.objects.filter(
            merchant_id=merchant_id,
            campaign__status=GroupBuyCampaign.Status.ACTIVE,
            campaign__starts_at__lte=now,
            campaign__ends_at__gt=now,
            sku__is_deleted=False,
            sku__is_active=True,
            sku__product__is_deleted=False,
        )
        .select_related("campaign", "sku__product")
        .order_by("campaign__ends_at", "campaign_id", "id")
    )


def item_for(merchant_id: int, item_id: int) -> GroupBuyItem:
    if not 0 < item_id <= MAX_ID:
        raise not_found()
    return get_owned(GroupBuyItem.objects.select_related("campaign", "sku__product"), merchant_id, pk=item_id)


def joinable_groups(item: GroupBuyItem, now: dt.datetime, *, limit: int = 10) -> list[GroupBuyGroup]:
    """Open groups of the item with a free seat, the nearest to filling first (拼团中)."""
    return list(
        GroupBuyGroup.objects.filter(
            merchant_id=item.merchant_id, item=item, status=G.OPEN, expires_at__gt=now
        )
        .filter(seats_taken__lt=F("size"))
        .select_related("leader")
        .order_by("-seats_taken", "expires_at", "pk")[:limit]
    )


def group_by_token(merchant_id: int, token: str) -> GroupBuyGroup:
    """The group a share link names (404 for another merchant's or an unknown token)."""
    token = (token or "").strip()
    if not 8 <= len(token) <= 32:
        raise not_found()
    return get_owned(
        GroupBuyGroup.objects.select_related("campaign", "item__sku__product", "leader"),
        merchant_id,
        share_token=token,
    )


@dataclass(frozen=True)
class SeatView:
    """One seat as other shoppers see it: a masked name, an initial for the avatar."""

    name: str
    initial: str
    is_leader: bool
    paid: bool
    is_me: bool


@dataclass(frozen=True)
class GroupView:
    group: GroupBuyGroup
    seats: list[SeatView]
    empty_seats: int
    seconds_left: int
    my_seat: GroupBuySeat | None
    state: (
        str  # opening / open / full (every seat held, some unpaid) / succeeded / failed / cancelled / expired
    )

    @property
    def paid_percent(self) -> int:
        return min(100, self.group.seats_paid * 100 // max(1, self.group.size))


def display_name(member) -> str:
    return mask_name(member.name) if member.name else mask_phone(member.phone)


def avatar_initial(member) -> str:
    """What the round avatar shows: the name's first character, else the phone's last two digits."""
    if member.name:
        return member.name[0]
    return (member.phone or "??")[-2:]


def group_view(group: GroupBuyGroup, now: dt.datetime, member=None) -> GroupView:
    # A failed group still shows who was in it (their seats are refunded); otherwise live seats.
    shown = (*LIVE, SS.REFUNDED) if group.status == G.FAILED else LIVE
    seats = list(group.seats.filter(status__in=shown).select_related("member").order_by("-is_leader", "pk"))
    mine = None
    if member is not None:
        mine = (
            GroupBuySeat.objects.filter(group=group, member=member)
            .select_related("order")
            .order_by("-pk")
            .first()
        )
    left = 0
    if group.status == G.OPEN and group.expires_at:
        left = max(0, int((group.expires_at - now).total_seconds()))
    state = group.status
    if group.status == G.OPEN:
        if left == 0:
            state = "expired"
        elif group.seats_taken >= group.size:
            state = "full"
    views = [
        SeatView(
            name=display_name(seat.member),
            initial=avatar_initial(seat.member),
            is_leader=seat.is_leader,
            paid=seat.status in (SS.PAID, SS.REFUNDED),
            is_me=member is not None and seat.member_id == member.pk,
        )
        for seat in seats
    ]
    return GroupView(
        group=group,
        seats=views,
        empty_seats=max(0, group.size - len(views)) if group.status in (G.OPEN, G.OPENING) else 0,
        seconds_left=left,
        my_seat=mine,
        state=state,
    )


def member_groups(member, *, limit: int = 50) -> list[GroupBuySeat]:
    """The member's seats, newest first (我的拼团)."""
    return list(
        GroupBuySeat.objects.filter(merchant_id=member.merchant_id, member=member)
        .select_related("group__campaign", "group__item__sku__product", "order")
        .order_by("-pk")[:limit]
    )


def campaigns_for(merchant_id: int, *, status: str = "", timing: str = "", now: dt.datetime):
    campaigns = GroupBuyCampaign.objects.filter(merchant_id=merchant_id).prefetch_related(
        "items__sku__product"
    )
    if status:
        campaigns = campaigns.filter(status=status)
    if timing == "running":
        campaigns = campaigns.filter(starts_at__lte=now, ends_at__gt=now)
    elif timing == "upcoming":
        campaigns = campaigns.filter(starts_at__gt=now)
    elif timing == "ended":
        campaigns = campaigns.filter(ends_at__lte=now)
    return campaigns.order_by("-starts_at", "-id")


def groups_for(merchant_id: int, *, campaign_id: int | None = None, status: str = ""):
    groups = GroupBuyGroup.objects.filter(merchant_id=merchant_id).select_related(
        "campaign", "item__sku__product", "leader"
    )
    if campaign_id is not None:
        groups = groups.filter(campaign_id=campaign_id)
    if status:
        groups = groups.filter(status=status)
    return groups.order_by("-pk")


@dataclass(frozen=True)
class CampaignReport:
    """The live figures of a campaign (or of all of a merchant's when ``campaign_id`` is None)."""

    groups_opened: int  # the leader paid
    groups_open: int
    groups_succeeded: int
    groups_failed: int
    participants: int  # paid seats, refunded ones included
    members: int  # distinct paying members
    gmv_fen: int  # what members of succeeded groups paid, less their refunds
    discount_fen: int  # the group (and leader) price's cost against the shelf price, succeeded groups
    pending_seats: int  # held, awaiting payment

    @property
    def conversion_percent(self) -> float:
        """Succeeded / groups that have ended either way (成团率)."""
        ended = self.groups_succeeded + self.groups_failed
        return round(self.groups_succeeded * 100 / ended, 1) if ended else 0.0


def campaign_report(merchant_id: int, campaign_id: int | None = None) -> CampaignReport:
    groups = GroupBuyGroup.objects.filter(merchant_id=merchant_id)
    seats = GroupBuySeat.objects.filter(merchant_id=merchant_id)
    if campaign_id is not None:
        groups = groups.filter(campaign_id=campaign_id)
        seats = seats.filter(group__campaign_id=campaign_id)
    counts = groups.aggregate(
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        open=Count("pk", filter=Q(status=G.OPEN)),
        succeeded=Count("pk", filter=Q(status=G.SUCCEEDED)),
        failed=Count("pk", filter=Q(status=G.FAILED)),
    )
    paid = seats.filter(paid_at__isnull=False)
    won = paid.filter(group__status=G.SUCCEEDED)
    money = won.aggregate(payable=Sum("order__payable_fen"), refunded=Sum("order__refunded_fen"))
    discount = (
        OrderAdjustment.objects.filter(
            merchant_id=merchant_id,
            source="campaign",
            order_id__in=won.filter(status=SS.PAID).values("order_id"),
        ).aggregate(n=Sum("amount_fen"))["n"]
        or 0
    )
    return CampaignReport(
        groups_opened=counts["opened"],
        groups_open=counts["open"],
        groups_succeeded=counts["succeeded"],
        groups_failed=counts["failed"],
        participants=paid.count(),
        members=paid.values("member_id").distinct().count(),
        gmv_fen=(money["payable"] or 0) - (money["refunded"] or 0),
        discount_fen=-discount,
        pending_seats=seats.filter(status=SS.PENDING).count(),
    )


def share_token_of_order(order_id: int) -> str | None:
    """The share token of the group an order is a seat of (the mall lands there after paying)."""
    return GroupBuySeat.objects.filter(order_id=order_id).values_list("group__share_token", flat=True).first()
