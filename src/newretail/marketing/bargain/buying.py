"""Starting a bargain, buying it, and giving a closed order's piece back.

``start_bargain``: a member starts a bargain at a running campaign (at most ``per_member_limit``
running or ordered bargains per member and campaign; asking again while one runs returns it).
The bargain copies the campaign's prices and K and runs ``hours_to_finish`` hours, never past
the campaign's end.

``buy_bargain``: at any moment before it expires, the member buys one piece at the bargain's
current price (the floor once K friends helped) through the order core: ``create_order`` with the
price as a campaign price, which the pricing engine's step 1 weighs like any item-level price (a
cheaper member price would still win). Under the bargain's row lock: a bargain has one live order
(pressing buy again returns it), and the campaign's stock is taken by a conditional UPDATE at the
end of the same transaction (sold out: the order is rolled back, nothing is written).

The way back (``release_for_order``, subscribed to ``order.closed`` and ``order.cancelled``): the
piece returns to the campaign and the bargain can be bought again until it expires.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.core.tenancy import get_owned
from newretail.marketing.bargain.errors import BargainError
from newretail.marketing.bargain.models import Bargain, BargainCampaign
from newretail.members.models import Member
from newretail.orders.actions.checkout import create_order
from newretail.orders.models import Order

B = Bargain.Status


def check_campaign(campaign: BargainCampaign, now: dt.datetime) -> None:
    """The campaign takes new bargains now: active, inside its window, not sold out."""
    if campaign.status != BargainCampaign.Status.ACTIVE:
        raise DomainError(BargainError.PAUSED)
    if now < campaign.starts_at:
        starts = timezone.localtime(campaign.starts_at).strftime("%m-%d %H:%M")
        raise DomainError(BargainError.NOT_STARTED, starts=starts)
    if now >= campaign.ends_at:
        raise DomainError(BargainError.ENDED)
    if campaign.sold >= campaign.stock:
        raise DomainError(BargainError.SOLD_OUT)


def running_for(member: Member, campaign_id: int, now: dt.datetime) -> Bargain | None:
    """The member's bargain still being cut or bought at this campaign, if any."""
    return (
        Bargain.objects.filter(member=member, campaign_id=campaign_id, status=B.OPEN, expires_at__gt=now)
        .order_by("-id")
        .first()
    )


def start_bargain(*, member: Member, campaign_id: int) -> tuple[Bargain, bool]:
    """Start a bargain for ``member`` (404 for another merchant's campaign). Returns (bargain,
    created): a bargain of the member's still running at this campaign is returned as it is.
    Refused when the campaign is paused, not started, ended or sold out, or when the member
    already has ``per_member_limit`` running or ordered bargains in it."""
    campaign = get_owned(BargainCampaign, member.merchant_id, pk=campaign_id)
    with transaction.atomic():
        # The member's row lock makes two simultaneous starts of one member take turns (limit).
        Member.objects.select_for_update().filter(pk=member.pk).first()
        now = clock.now()
        current = running_for(member, campaign.pk, now)
        if current is not None:
            return current, False
        check_campaign(campaign, now)
        taken = Bargain.objects.filter(member=member, campaign=campaign).filter(
            Q(status=B.ORDERED) | Q(status=B.OPEN, expires_at__gt=now)
        )
        if taken.count() >= campaign.per_member_limit:
            raise DomainError(BargainError.LIMIT_REACHED, limit=campaign.per_member_limit)
        bargain = Bargain.objects.create(
            merchant_id=member.merchant_id,
            campaign=campaign,
            member=member,
            share_code=secrets.token_urlsafe(12),
            start_price_fen=campaign.start_price_fen,
            floor_price_fen=campaign.floor_price_fen,
            helpers_needed=campaign.helpers_needed,
            current_price_fen=campaign.start_price_fen,
            expires_at=min(now + dt.timedelta(hours=campaign.hours_to_finish), campaign.ends_at),
        )
        record_event(
            merchant_id=member.merchant_id,
            name="bargain.started",
            aggregate=bargain,
            payload={"bargain_id": bargain.pk, "campaign_id": campaign.pk, "member_id": member.pk},
        )
    return bargain, True


def buy_bargain(
    *,
    member: Member,
    bargain_id: int,
    fulfilment: str,
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
    buyer_note: str = "",
) -> Order:
    """Order one piece at the bargain's current price: an order pending payment, or a domain
    error that wrote nothing (another member's bargain is 404; expired, paused, sold out, or
    anything the order core refuses). Buying an ordered bargain again returns its order."""
    get_owned(Bargain.objects.filter(member=member).only("pk"), member.merchant_id, pk=bargain_id)
    with transaction.atomic():
        bargain = (
            Bargain.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=bargain_id)
        )
        campaign = bargain.campaign
        if bargain.status == B.ORDERED and bargain.order_id is not None:
            return Order.objects.get(pk=bargain.order_id)
        if bargain.status == B.EXPIRED or clock.now() >= bargain.expires_at:
            raise DomainError(BargainError.EXPIRED)
        if campaign.status != BargainCampaign.Status.ACTIVE:
            raise DomainError(BargainError.PAUSED)
        price = bargain.current_price_fen
        order = create_order(
            merchant=member.merchant,
            channel=Order.Channel.MALL,
            fulfilment=fulfilment,
            lines=[{"sku_id": campaign.sku_id, "quantity": 1}],
            store_id=store_id,
            address=address,
            member=member,
            buyer_note=buyer_note,
            campaign_prices={campaign.sku_id: (price, campaign.name)},
        )
        # Last, so the campaign's row is locked for a moment only; sold out rolls the order back.
        taken = BargainCampaign.objects.filter(pk=campaign.pk, sold__lt=F("stock")).update(sold=F("sold") + 1)
        if not taken:
            raise DomainError(BargainError.SOLD_OUT)
        Bargain.objects.filter(pk=bargain.pk).update(status=B.ORDERED, order=order, bought_price_fen=price)
        record_event(
            merchant_id=member.merchant_id,
            name="bargain.ordered",
            aggregate=bargain,
            payload={"bargain_id": bargain.pk, "order_id": order.pk, "price_fen": price},
        )
    return order


def release_for_order(order_id: int) -> int:
    """The bargain's order closed unpaid, was cancelled or refunded in full: its piece goes back
    to the campaign and the bargain can be bought again until it expires. Runs once per order
    (the bargain row is locked and moved from ``ordered``); returns how many bargains it
    released."""
    with transaction.atomic():
        bargain = Bargain.objects.select_for_update().filter(order_id=order_id, status=B.ORDERED).first()
        if bargain is None:
            return 0
        status = B.OPEN if clock.now() < bargain.expires_at else B.EXPIRED
        Bargain.objects.filter(pk=bargain.pk).update(status=status, order=None, bought_price_fen=None)
        BargainCampaign.objects.filter(pk=bargain.campaign_id, sold__gt=0).update(sold=F("sold") - 1)
    return 1


def expire_bargains(now: dt.datetime | None = None) -> int:
    """Mark open bargains past their time as expired (every check also reads the clock, so this
    only tidies the status for lists and reports). Returns how many."""
    now = now or clock.now()
    return Bargain.objects.filter(status=B.OPEN, expires_at__lte=now).update(status=B.EXPIRED)
