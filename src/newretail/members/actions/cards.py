"""Membership cards (付费会员卡 / PLUS, and free cards by level).

Rules:
- buying a card is an order of kind ``card`` (paid like any order, the wallet included); when it is
  paid the card starts now, or a renewal extends it from its current end (nothing is lost by
  renewing early); a card order is not refunded through after-sales (no lines);
- a plan with ``free_for_level`` is given to members of that level (or higher) while they hold it,
  renewed by the daily run;
- while valid, the holder is priced as the card's level when it ranks above their own, earns points
  at the better multiplier of card and level, and gets the plan's coupons once a calendar month;
- seven days before a card ends, ``member.card_expiring`` is recorded once (for a reminder).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.members.errors import MemberError
from newretail.members.models import CardPlan, CardPurchase, Member, MemberCard, MemberLevel
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

REMIND_BEFORE = dt.timedelta(days=7)


def active_cards(member: Member, now: dt.datetime | None = None) -> list[MemberCard]:
    now = now or clock.now()
    return list(
        MemberCard.objects.filter(member_id=member.pk, starts_at__lte=now, ends_at__gt=now).select_related(
            "plan", "plan__priced_as_level"
        )
    )


def pricing_level_id(member: Member | None, now: dt.datetime | None = None) -> int | None:
    """The level a member is priced as: their own, or a valid card's level when it ranks higher."""
    if member is None:
        return None
    best = member.level if member.level_id else None
    for card in active_cards(member, now):
        level = card.plan.priced_as_level
        if level is not None and (best is None or level.rank > best.rank):
            best = level
    return best.pk if best else None


def card_multiplier_percent(member: Member, now: dt.datetime | None = None) -> int:
    return max([100, *(card.plan.points_multiplier_percent for card in active_cards(member, now))])


def plan_for_sale(merchant_id: int, plan_id: int) -> CardPlan:
    plan = CardPlan.objects.filter(
        merchant_id=merchant_id, pk=plan_id, is_active=True, price_fen__gt=0
    ).first()
    if plan is None:
        raise DomainError(MemberError.CARD_UNAVAILABLE)
    return plan


def record_card_purchase(*, member: Member, plan: CardPlan, order_id: int) -> CardPurchase:
    return CardPurchase.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        plan=plan,
        order_id=order_id,
        validity_days=plan.validity_days,
    )


def _extend(member: Member, plan: CardPlan, days: int, *, source: str, now: dt.datetime) -> MemberCard:
    card = MemberCard.objects.select_for_update().filter(member=member, plan=plan).first()
    if card is None:
        return MemberCard.objects.create(
            merchant_id=member.merchant_id,
            member=member,
            plan=plan,
            source=source,
            starts_at=now,
            ends_at=now + dt.timedelta(days=days),
        )
    if card.ends_at <= now:  # lapsed: a new period from now
        card.starts_at = now
        card.ends_at = now + dt.timedelta(days=days)
    else:  # renewing early adds to the end
        card.ends_at += dt.timedelta(days=days)
    card.source, card.reminded_at = source, None
    card.save()
    return card


@transaction.atomic
def activate_card_purchase(*, order_id: int, paid_at: dt.datetime | None) -> MemberCard | None:
    """The card order was paid (inside its payment transaction): start or renew the card, once."""
    purchase = (
        CardPurchase.objects.select_for_update().select_related("member", "plan").get(order_id=order_id)
    )
    if purchase.applied_at is not None:
        return None
    now = paid_at or clock.now()
    card = _extend(
        purchase.member, purchase.plan, purchase.validity_days, source=MemberCard.Source.PURCHASE, now=now
    )
    CardPurchase.objects.filter(pk=purchase.pk).update(applied_at=now)
    record_event(
        merchant_id=purchase.merchant_id,
        name="member.card_bought",
        aggregate=purchase.member,
        payload={
            "member_id": purchase.member_id,
            "plan_id": purchase.plan_id,
            "order_id": order_id,
            "ends_at": card.ends_at.isoformat(),
        },
    )
    return card


def grant_level_cards(now: dt.datetime | None = None) -> int:
    """Give (or keep giving) free cards to members at or above each plan's ``free_for_level``;
    a card is granted for a day past the next run, so it lapses by itself when the level is lost."""
    now = now or clock.now()
    granted = 0
    for plan in CardPlan.objects.filter(is_active=True, free_for_level__isnull=False).select_related(
        "free_for_level"
    ):
        ranks = MemberLevel.objects.filter(merchant_id=plan.merchant_id, rank__gte=plan.free_for_level.rank)
        for member in Member.objects.filter(
            merchant_id=plan.merchant_id, is_active=True, level__in=ranks
        ).iterator():
            with transaction.atomic():
                card = MemberCard.objects.select_for_update().filter(member=member, plan=plan).first()
                ends = now + dt.timedelta(days=2)
                if card is None:
                    MemberCard.objects.create(
                        merchant_id=plan.merchant_id,
                        member=member,
                        plan=plan,
                        source=MemberCard.Source.LEVEL,
                        starts_at=now,
                        ends_at=ends,
                    )
                    granted += 1
                elif card.source == MemberCard.Source.LEVEL and card.ends_at < ends:
                    MemberCard.objects.filter(pk=card.pk).update(
                        ends_at=ends, starts_at=min(card.starts_at, now)
                    )
    return granted


def remind_expiring_cards(now: dt.datetime | None = None) -> int:
    """``member.card_expiring`` once for each bought card ending within seven days."""
    now = now or clock.now()
    due = MemberCard.objects.filter(
        source=MemberCard.Source.PURCHASE,
        reminded_at__isnull=True,
        ends_at__gt=now,
        ends_at__lte=now + REMIND_BEFORE,
    ).select_related("member", "plan")
    count = 0
    for card in due:
        with transaction.atomic():
            if not MemberCard.objects.filter(pk=card.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            record_event(
                merchant_id=card.merchant_id,
                name="member.card_expiring",
                aggregate=card.member,
                payload={
                    "member_id": card.member_id,
                    "plan_id": card.plan_id,
                    "ends_at": card.ends_at.isoformat(),
                },
            )
            count += 1
    return count


def issue_monthly_coupons(now: dt.datetime | None = None) -> int:
    """Each valid card's coupons, once per calendar month (local time)."""
    from newretail.marketing.actions.coupons import issue_coupons

    now = now or clock.now()
    month = now.astimezone(clock.DEFAULT_ZONE).strftime("%Y-%m")
    issued = 0
    cards = (
        MemberCard.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .exclude(last_pack_month=month)
        .exclude(plan__coupon_template_ids=[])
    )
    for card in cards.select_related("member", "plan"):
        with transaction.atomic():
            if (
                not MemberCard.objects.filter(pk=card.pk)
                .exclude(last_pack_month=month)
                .update(last_pack_month=month)
            ):
                continue
            for template_id in card.plan.coupon_template_ids:
                try:
                    with transaction.atomic():
                        issued += len(
                            issue_coupons(
                                template=template_id, member=card.member, source="card", check_limit=False
                            )
                        )
                except DomainError:
                    continue  # a paused or used-up template: the rest of the pack still comes
    return issued


@transaction.atomic
def save_card_plan(*, actor: User, plan: CardPlan | None, **fields) -> CardPlan:
    require_perm(actor, Perm.MEMBERS_MANAGE)
    name = (fields.get("name") or "").strip()[:30]
    if not name or fields.get("price_fen", 0) < 0 or fields.get("validity_days", 0) <= 0:
        raise DomainError(MemberError.CARD_INVALID)
    for key in ("priced_as_level", "free_for_level"):
        level = fields.get(key)
        if level is not None and level.merchant_id != actor.merchant_id:
            raise DomainError(MemberError.CARD_INVALID)
    plan = plan or CardPlan(merchant_id=actor.merchant_id)
    for key, value in {**fields, "name": name}.items():
        setattr(plan, key, value)
    plan.save()
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="members.card_plan_saved",
        obj=plan,
        after={"name": name, "price_fen": plan.price_fen},
    )
    return plan
