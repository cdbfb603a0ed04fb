"""Opening and joining groups, and every way a seat changes afterwards.

- ``open_group``: the leader's order (pending payment, at the leader's price) and a group that
  nobody can join until that order is paid (``opening``);
- ``join_group``: a seat in an open group and its order, taken under the group's row lock: the
  seat is held while the order awaits payment (``unpaid_minutes``), so a group never has more
  live seats than its size; ten shoppers racing for the last seat get one order and nine
  ``groupbuy.group_full`` errors, with nothing written for the nine;
- ``seat_paid`` (``order.paid``): the seat is paid; the leader's payment opens the group and
  starts its clock; the last seat paid before the deadline makes the group succeed, and from then
  on the fulfilment gate (``handlers``) lets its orders through;
- ``release_seat`` (``order.closed`` / ``order.cancelled`` unpaid): the seat is free again;
- ``member_refunded`` (``order.refunded``, ``order.cancelled`` after payment): a member whose
  order is refunded in full leaves the group, which no longer counts them;
- ``fail_expired_groups`` (Huey, every minute): an open group past its deadline fails and every
  member's order is cancelled, the paid ones refunded through their original tenders.

Every change to a group's counts happens under its row lock; seats change by conditional UPDATE
from the state the caller saw, so an event delivered twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.core.idempotency import clean_idempotency_key
from newretail.core.tenancy import get_owned
from newretail.marketing.groupbuy.errors import GroupBuyError
from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyGroup, GroupBuyItem, GroupBuySeat
from newretail.members.models import Member
from newretail.orders.actions.checkout import create_order
from newretail.orders.actions.lifecycle import cancel_order_by_rule
from newretail.orders.errors import OrderError
from newretail.orders.models import Order, OrderLine
from newretail.orders.state import NOT_YET_FULFILLED

logger = logging.getLogger(__name__)

G = GroupBuyGroup.Status
SS = GroupBuySeat.Status
LIVE = (SS.PENDING, SS.PAID)
FULFILMENTS = (Order.Fulfilment.EXPRESS, Order.Fulfilment.DELIVERY, Order.Fulfilment.PICKUP)


@dataclass(frozen=True)
class Joined:
    """What opening or joining returns: the group, the member's seat and its order to pay."""

    group: GroupBuyGroup
    seat: GroupBuySeat
    order: Order


def _check_campaign(campaign: GroupBuyCampaign, now: dt.datetime, *, opening: bool) -> None:
    if campaign.status != GroupBuyCampaign.Status.ACTIVE:
        raise DomainError(GroupBuyError.PAUSED)
    if opening and now < campaign.starts_at:
        starts = timezone.localtime(campaign.starts_at).strftime("%m-%d %H:%M")
        raise DomainError(GroupBuyError.NOT_STARTED, starts=starts)
    if opening and now >= campaign.ends_at:
        raise DomainError(GroupBuyError.ENDED)


def _check_quantity(campaign: GroupBuyCampaign, member: Member, quantity: int) -> None:
    """Under the member's row lock: the pieces in the member's live seats of this campaign stay
    within the limit."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise DomainError(GroupBuyError.INVALID, field="quantity", problem="1+")
    held = (
        GroupBuySeat.objects.filter(member=member, group__campaign=campaign, status__in=LIVE).aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )
    if held + quantity > campaign.per_member_limit:
        raise DomainError(GroupBuyError.LIMIT_EXCEEDED, limit=campaign.per_member_limit)


def is_new_member(member: Member) -> bool:
    """A new member (新人) has never paid for a goods order at this merchant."""
    return not Order.objects.filter(
        merchant_id=member.merchant_id, member=member, kind=Order.Kind.GOODS, paid_at__isnull=False
    ).exists()


def _order_key(member: Member, action: str, key: str) -> str | None:
    if not key:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"groupbuy-{action}-{member.pk}-{digest}"


def _replayed(member: Member, order_key: str | None) -> Joined | None:
    if order_key is None:
        return None
    order = Order.objects.filter(
        merchant_id=member.merchant_id, member=member, idempotency_key=order_key
    ).first()
    seat = GroupBuySeat.objects.select_related("group").filter(order=order).first() if order else None
    return Joined(group=seat.group, seat=seat, order=order) if seat else None


def _lock_member(member: Member) -> Member:
    # Serialises one member's own opens and joins (the per-member limit is a sum over seats).
    return Member.objects.select_for_update(of=("self",)).get(pk=member.pk)


def _place(
    *,
    member: Member,
    item: GroupBuyItem,
    quantity: int,
    unit_fen: int,
    price_name: str,
    fulfilment: str,
    store_id: int | None,
    address: Mapping[str, object] | None,
    buyer_note: str,
    order_key: str | None,
    ttl_minutes: int,
) -> Order:
    if fulfilment not in FULFILMENTS:
        raise DomainError(GroupBuyError.WRONG_FULFILMENT)
    return create_order(
        merchant=member.merchant,
        channel=Order.Channel.MALL,
        fulfilment=fulfilment,
        lines=[{"sku_id": item.sku_id, "quantity": quantity}],
        store_id=store_id,
        address=address,
        member=member,
        buyer_note=buyer_note,
        idempotency_key=order_key,
        ttl=dt.timedelta(minutes=ttl_minutes),
        campaign_prices={item.sku_id: (unit_fen, price_name)},
    )


def _seat(
    group: GroupBuyGroup, member: Member, order: Order, *, leader: bool, quantity: int, unit: int
) -> GroupBuySeat:
    return GroupBuySeat.objects.create(
        merchant_id=group.merchant_id,
        group=group,
        member=member,
        order=order,
        is_leader=leader,
        quantity=quantity,
        unit_price_fen=unit,
        list_price_fen=group.item.sku.price_fen,
    )


def open_group(
    *,
    member: Member,
    item_id: int,
    quantity: int = 1,
    fulfilment: str,
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
    buyer_note: str = "",
    idempotency_key: str | None = None,
) -> Joined:
    """Open a group of the campaign item ``item_id`` (开团): the leader's order pending payment at
    the group price less the leader discount, and the group waiting for it. The group opens for
    others, and its clock starts, when that order is paid. Refused (nothing written) outside the
    campaign's window, while it is paused, over the per-member limit, or whatever the order core
    refuses. Replaying ``idempotency_key`` returns the first group."""
    key = clean_idempotency_key(idempotency_key, error=OrderError.INVALID_IDEMPOTENCY_KEY) or ""
    order_key = _order_key(member, "open", key)
    with transaction.atomic():
        member = _lock_member(member)
        replayed = _replayed(member, order_key)
        if replayed is not None:
            return replayed
        item = get_owned(
            GroupBuyItem.objects.select_related("campaign", "sku"), member.merchant_id, pk=item_id
        )
        campaign = item.campaign
        _check_campaign(campaign, clock.now(), opening=True)
        _check_quantity(campaign, member, quantity)
        unit = item.leader_price_fen
        name = campaign.name
        if campaign.leader_discount_fen:
            name = _("%(name)s (leader price)") % {"name": campaign.name}
        order = _place(
            member=member,
            item=item,
            quantity=quantity,
            unit_fen=unit,
            price_name=name,
            fulfilment=fulfilment,
            store_id=store_id,
            address=address,
            buyer_note=buyer_note,
            order_key=order_key,
            ttl_minutes=campaign.unpaid_minutes,
        )
        group = GroupBuyGroup.objects.create(
            merchant_id=member.merchant_id,
            campaign=campaign,
            item=item,
            leader=member,
            size=campaign.group_size,
            seats_taken=1,
            share_token=secrets.token_urlsafe(12),
        )
        seat = _seat(group, member, order, leader=True, quantity=quantity, unit=unit)
        record_event(
            merchant_id=group.merchant_id,
            name="groupbuy.group_created",
            aggregate=group,
            payload={"group_id": group.pk, "campaign_id": campaign.pk, "order_id": order.pk},
        )
    if order.status == Order.Status.PAID:  # it cost nothing: checkout paid it already
        seat_paid(order.pk)
        group.refresh_from_db()
        seat.refresh_from_db()
    return Joined(group=group, seat=seat, order=order)


def join_group(
    *,
    member: Member,
    group_id: int,
    quantity: int = 1,
    fulfilment: str,
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
    buyer_note: str = "",
    idempotency_key: str | None = None,
) -> Joined:
    """Join an open group (参团): a seat held for the campaign's payment window and its order at
    the group price. Refused cleanly, with nothing written, when the group is full (live seats,
    paid or held, already equal its size), not open (awaiting its leader, succeeded, failed,
    past its deadline), the campaign is paused, the member is already in it, is not new where
    only new members may join, or would pass the per-member limit. Concurrent joins for the last
    seat: exactly one wins (the group's row lock; PostgreSQL test)."""
    key = clean_idempotency_key(idempotency_key, error=OrderError.INVALID_IDEMPOTENCY_KEY) or ""
    order_key = _order_key(member, f"join{group_id}", key)
    now = clock.now()
    with transaction.atomic():
        member = _lock_member(member)
        replayed = _replayed(member, order_key)
        if replayed is not None:
            return replayed
        group = get_owned(
            GroupBuyGroup.objects.select_for_update(of=("self",)).select_related(
                "campaign", "item__sku", "item__campaign"
            ),
            member.merchant_id,
            pk=group_id,
        )
        campaign = group.campaign
        _check_campaign(campaign, now, opening=False)
        if group.status == G.OPENING:
            raise DomainError(GroupBuyError.GROUP_NOT_STARTED)
        if group.status != G.OPEN or (group.expires_at is not None and now >= group.expires_at):
            raise DomainError(GroupBuyError.GROUP_NOT_OPEN, status=_status_label(group, now))
        if GroupBuySeat.objects.filter(group=group, member=member, status__in=LIVE).exists():
            raise DomainError(GroupBuyError.ALREADY_IN_GROUP)
        if group.seats_taken >= group.size:
            raise DomainError(GroupBuyError.GROUP_FULL)
        if campaign.new_members_only and not is_new_member(member):
            raise DomainError(GroupBuyError.NEW_MEMBERS_ONLY)
        _check_quantity(campaign, member, quantity)
        unit = group.item.group_price_fen
        order = _place(
            member=member,
            item=group.item,
            quantity=quantity,
            unit_fen=unit,
            price_name=campaign.name,
            fulfilment=fulfilment,
            store_id=store_id,
            address=address,
            buyer_note=buyer_note,
            order_key=order_key,
            ttl_minutes=campaign.unpaid_minutes,
        )
        GroupBuyGroup.objects.filter(pk=group.pk).update(seats_taken=F("seats_taken") + 1)
        group.seats_taken += 1
        seat = _seat(group, member, order, leader=False, quantity=quantity, unit=unit)
    if order.status == Order.Status.PAID:
        seat_paid(order.pk)
        group.refresh_from_db()
        seat.refresh_from_db()
    return Joined(group=group, seat=seat, order=order)


def _status_label(group: GroupBuyGroup, now: dt.datetime) -> str:
    if group.status == G.OPEN and group.expires_at is not None and now >= group.expires_at:
        return _("time is up")
    return str(group.get_status_display())


def _locked(order_id: int) -> tuple[GroupBuySeat, GroupBuyGroup] | None:
    """The order's seat and its group, the group locked first (the same order as joining)."""
    group_id = GroupBuySeat.objects.filter(order_id=order_id).values_list("group_id", flat=True).first()
    if group_id is None:
        return None
    group = GroupBuyGroup.objects.select_for_update().get(pk=group_id)
    seat = GroupBuySeat.objects.select_for_update().get(order_id=order_id)
    return seat, group


def _group_event(group: GroupBuyGroup, name: str) -> None:
    record_event(
        merchant_id=group.merchant_id,
        name=name,
        aggregate=group,
        payload={
            "group_id": group.pk,
            "campaign_id": group.campaign_id,
            "size": group.size,
            "seats_paid": group.seats_paid,
        },
    )


@transaction.atomic
def seat_paid(order_id: int) -> str:
    """The seat's order was paid. Returns what happened: "none" (not a group order), "ignored"
    (already handled), "paid", "opened" (the leader paid), "succeeded" (the last seat), or
    "refunded" (the group had ended meanwhile: the payment goes back)."""
    found = _locked(order_id)
    if found is None:
        return "none"
    seat, group = found
    if seat.status != SS.PENDING:
        return "ignored"
    order = Order.objects.get(pk=order_id)
    paid_at = order.paid_at or clock.now()
    if group.status not in (G.OPENING, G.OPEN):
        _end_seat(seat, group, SS.REFUNDED, reason=_("The group had already ended when the payment arrived"))
        return "refunded"
    GroupBuySeat.objects.filter(pk=seat.pk, status=SS.PENDING).update(status=SS.PAID, paid_at=paid_at)
    changes: dict = {"seats_paid": F("seats_paid") + 1}
    result = "paid"
    if group.status == G.OPENING and seat.is_leader:
        expires_at = paid_at + dt.timedelta(minutes=group.campaign.fill_minutes)
        changes.update(status=G.OPEN, opened_at=paid_at, expires_at=expires_at)
        result = "opened"
    elif group.seats_paid + 1 >= group.size and group.expires_at is not None and paid_at < group.expires_at:
        changes.update(status=G.SUCCEEDED, succeeded_at=paid_at)
        result = "succeeded"
    GroupBuyGroup.objects.filter(pk=group.pk).update(**changes)
    group.refresh_from_db()
    if result in ("opened", "succeeded"):
        _group_event(group, f"groupbuy.group_{result}")
    return result


@transaction.atomic
def release_seat(order_id: int) -> bool:
    """The seat's order closed or was cancelled before it was paid: the seat is free again. The
    leader's unpaid order takes its group with it (``cancelled``). Returns whether a seat moved."""
    found = _locked(order_id)
    if found is None:
        return False
    seat, group = found
    if seat.status != SS.PENDING:
        return False
    GroupBuySeat.objects.filter(pk=seat.pk, status=SS.PENDING).update(
        status=SS.RELEASED, ended_at=clock.now()
    )
    if group.status in (G.OPENING, G.OPEN):
        changes: dict = {"seats_taken": F("seats_taken") - 1}
        if group.status == G.OPENING and seat.is_leader:
            changes.update(status=G.CANCELLED, failed_at=clock.now())
        GroupBuyGroup.objects.filter(pk=group.pk).update(**changes)
    return True


def _fully_refunded(order_id: int) -> bool:
    return not OrderLine.objects.filter(order_id=order_id, refunded_quantity__lt=F("quantity")).exists()


@transaction.atomic
def member_refunded(order_id: int) -> bool:
    """The seat's order was refunded (after-sales) or cancelled after payment. A member whose
    order has nothing left unrefunded leaves: the seat is ``left`` and, while the group is still
    filling, no longer counted (its place is free for someone else; the CRMEB bug was counting
    it). A group that had already succeeded stays succeeded. A group left empty fails. Returns
    whether the member left."""
    found = _locked(order_id)
    if found is None:
        return False
    seat, group = found
    if seat.status != SS.PAID or not _fully_refunded(order_id):
        return False
    now = clock.now()
    GroupBuySeat.objects.filter(pk=seat.pk, status=SS.PAID).update(status=SS.LEFT, ended_at=now)
    if group.status == G.OPEN:
        changes: dict = {"seats_taken": F("seats_taken") - 1, "seats_paid": F("seats_paid") - 1}
        if group.seats_taken <= 1:
            changes.update(status=G.FAILED, failed_at=now)
        GroupBuyGroup.objects.filter(pk=group.pk).update(**changes)
    return True


def _end_seat(seat: GroupBuySeat, group: GroupBuyGroup, status: str, *, reason: str) -> None:
    """Cancel the seat's order by rule (a paid one is refunded through its original tenders) and
    end the seat with ``status``; an order that is already refunded or cancelled only ends it."""
    order = Order.objects.select_for_update().get(pk=seat.order_id)
    if order.status == Order.Status.PENDING_PAYMENT:
        status = SS.RELEASED
    elif order.status not in NOT_YET_FULFILLED:
        status = SS.LEFT  # refunded in full or cancelled meanwhile; its own event says so
    if order.status == Order.Status.PENDING_PAYMENT or order.status in NOT_YET_FULFILLED:
        cancel_order_by_rule(
            order_id=order.pk,
            merchant=order.merchant_id,
            reason=reason,
            idempotency_key=f"groupbuy-fail:{order.pk}",
        )
    GroupBuySeat.objects.filter(pk=seat.pk, status=seat.status).update(status=status, ended_at=clock.now())


@transaction.atomic
def fail_group(group_id: int, now: dt.datetime | None = None) -> bool:
    """An open group past its deadline fails (拼团失败): every live seat's order is cancelled,
    the paid ones refunded in full through their original tenders (sandbox, WeChat, Alipay,
    stored value…), the goods back on the shelf. Runs once per group whoever calls."""
    now = now or clock.now()
    group = GroupBuyGroup.objects.select_for_update().filter(pk=group_id).first()
    if group is None or group.status != G.OPEN or group.expires_at is None or group.expires_at > now:
        return False
    GroupBuyGroup.objects.filter(pk=group.pk, status=G.OPEN).update(status=G.FAILED, failed_at=now)
    group.status, group.failed_at = G.FAILED, now
    reason = _("Group buy %(name)s did not fill in time") % {"name": group.campaign.name}
    for seat in GroupBuySeat.objects.select_for_update().filter(group=group, status__in=LIVE).order_by("pk"):
        _end_seat(seat, group, SS.REFUNDED, reason=reason)
    _group_event(group, "groupbuy.group_failed")
    return True


def fail_expired_groups(now: dt.datetime | None = None, *, limit: int = 500) -> int:
    """Fail every open group whose deadline has passed (Huey runs it every minute; tests call it
    with a later ``now``). One transaction per group. Returns how many failed."""
    now = now or clock.now()
    due = list(
        GroupBuyGroup.objects.filter(status=G.OPEN, expires_at__lte=now)
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    failed = 0
    for pk in due:
        try:
            failed += fail_group(pk, now)
        except DomainError:  # logged and retried next minute; one bad order never blocks the rest
            logger.exception("group %s could not be failed", pk)
    return failed
