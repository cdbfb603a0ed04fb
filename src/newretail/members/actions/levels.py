"""Growth value (成长值) and member levels (会员等级).

Rules:
- an order earns ``growth_per_yuan`` growth per ¥1 of its goods after discounts, net of refunds so
  far and of the wallet's bonus, once (``order:<id>:growth``), when it earns points (completion or
  payment, the points setting); a refund takes back the refunded share (cumulative, like points);
- a member is at the highest level whose threshold their growth reaches, and moves up at once;
- with the yearly review on, a level is reviewed a year after it was reached (or last reviewed):
  the member keeps the highest level the growth of the last twelve months reaches, which may be
  lower (never higher than the growth allows, never lower than that);
- every change of level records ``member.level_changed``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.members.errors import MemberError
from newretail.members.models import GrowthEntry, LevelSettings, Member, MemberLevel
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

REVIEW_AFTER = dt.timedelta(days=365)


def level_settings_for(merchant_id: int) -> LevelSettings:
    return LevelSettings.objects.filter(merchant_id=merchant_id).first() or LevelSettings(
        merchant_id=merchant_id
    )


def level_for_growth(merchant_id: int, growth: int) -> MemberLevel | None:
    """The highest level ``growth`` reaches (None: the merchant has no level that low)."""
    return (
        MemberLevel.objects.filter(merchant_id=merchant_id, growth_threshold__lte=max(growth, 0))
        .order_by("-rank")
        .first()
    )


def _locked(member: Member) -> Member:
    return Member.objects.select_for_update(of=("self",)).select_related("level").get(pk=member.pk)


def _change_level(member: Member, level: MemberLevel | None, *, reason: str, now: dt.datetime) -> None:
    before = member.level
    Member.objects.filter(pk=member.pk).update(level=level, level_since=now, level_reviewed_at=now)
    member.level, member.level_since, member.level_reviewed_at = level, now, now
    record_event(
        merchant_id=member.merchant_id,
        name="member.level_changed",
        aggregate=member,
        payload={
            "member_id": member.pk,
            "from_level_id": before.pk if before else None,
            "from_rank": before.rank if before else None,
            "to_level_id": level.pk if level else None,
            "to_rank": level.rank if level else None,
            "reason": reason,
        },
    )


def _settle_up(member: Member, now: dt.datetime) -> None:
    """Move the member up to the level their growth reaches (never down here)."""
    target = level_for_growth(member.merchant_id, member.growth)
    current_rank = member.level.rank if member.level else -1
    if target is not None and target.rank > current_rank:
        _change_level(member, target, reason="upgrade", now=now)


def _move(member: Member, growth: int, *, kind: str, reference: str, order_id: int | None) -> int:
    """Inside a transaction with the member locked: write one entry once and settle the level."""
    if (
        growth == 0
        or GrowthEntry.objects.filter(merchant_id=member.merchant_id, reference=reference).exists()
    ):
        return 0
    growth = max(growth, -member.growth)  # growth never goes below zero
    GrowthEntry.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        kind=kind,
        growth=growth,
        order_id=order_id,
        reference=reference,
    )
    Member.objects.filter(pk=member.pk).update(growth=F("growth") + growth)
    member.growth += growth
    _settle_up(member, clock.now())
    return growth


def growth_for(goods_fen: int, growth_per_yuan: int) -> int:
    return max(0, goods_fen) * growth_per_yuan // 100


@transaction.atomic
def earn_growth_for_order(*, member: Member, order_id: int, goods_fen: int) -> int:
    """The order's growth, once; the level goes up at once if it reaches the next threshold."""
    member = _locked(member)
    rate = level_settings_for(member.merchant_id).growth_per_yuan
    return _move(
        member,
        growth_for(goods_fen, rate),
        kind=GrowthEntry.Kind.ORDER,
        reference=f"order:{order_id}:growth",
        order_id=order_id,
    )


@transaction.atomic
def reverse_growth_for_refund(
    *, member: Member, order_id: int, refund_id: int, goods_fen: int, refunded_goods_fen: int
) -> int:
    """Take back the refunded share of what the order earned (cumulative over its refunds)."""
    member = _locked(member)
    entries = GrowthEntry.objects.filter(member=member, order_id=order_id)
    earned = entries.filter(kind=GrowthEntry.Kind.ORDER).aggregate(n=Sum("growth"))["n"] or 0
    if earned <= 0 or goods_fen <= 0:
        return 0
    taken = -(entries.filter(kind=GrowthEntry.Kind.REVERSE).aggregate(n=Sum("growth"))["n"] or 0)
    due = earned * min(refunded_goods_fen, goods_fen) // goods_fen - taken
    if due <= 0:
        return 0
    return -_move(
        member, -due, kind=GrowthEntry.Kind.REVERSE, reference=f"refund:{refund_id}:growth", order_id=order_id
    )


@transaction.atomic
def adjust_growth(*, actor: User, member: Member, growth: int, reason: str) -> int:
    """A manual correction of growth (audited, ``members.manage``); the level follows upwards at
    once, downwards at the next review."""
    require_perm(actor, Perm.MEMBERS_MANAGE)
    reason = (reason or "").strip()
    if (
        not reason
        or isinstance(growth, bool)
        or not isinstance(growth, int)
        or not 0 < abs(growth) <= 10_000_000
    ):
        raise DomainError(MemberError.ADJUSTMENT_INVALID)
    member = _locked(Member.objects.get(pk=member.pk, merchant_id=actor.merchant_id))
    before = member.growth
    count = GrowthEntry.objects.filter(member=member, kind=GrowthEntry.Kind.ADJUST).count()
    _move(
        member,
        growth,
        kind=GrowthEntry.Kind.ADJUST,
        reference=f"adjust:{member.pk}:{count + 1}",
        order_id=None,
    )
    record_audit(
        actor=actor,
        merchant_id=member.merchant_id,
        action="members.growth_adjusted",
        obj=member,
        before={"growth": before},
        after={"growth": member.growth},
        reason=reason,
    )
    return member.growth


def review_levels(now: dt.datetime | None = None, *, batch_size: int = 500) -> int:
    """The yearly review (periodic): each member whose level was reached or last reviewed a year
    ago keeps the highest level the last twelve months' growth reaches. Returns how many moved."""
    now = now or clock.now()
    due_before = now - REVIEW_AFTER
    merchants = LevelSettings.objects.filter(yearly_review=False).values_list("merchant_id", flat=True)
    candidates = (
        Member.objects.filter(level__isnull=False)
        .filter(
            Q(level_reviewed_at__lte=due_before)
            | Q(level_reviewed_at__isnull=True, level_since__lte=due_before)
        )
        .exclude(merchant_id__in=list(merchants))
        .values_list("pk", flat=True)[:batch_size]
    )
    moved = 0
    for member_id in list(candidates):
        with transaction.atomic():
            member = Member.objects.select_for_update(of=("self",)).select_related("level").get(pk=member_id)
            reviewed = member.level_reviewed_at or member.level_since
            if member.level is None or reviewed is None or reviewed > due_before:
                continue
            recent = (
                GrowthEntry.objects.filter(member=member, created_at__gt=now - REVIEW_AFTER).aggregate(
                    n=Sum("growth")
                )["n"]
                or 0
            )
            target = level_for_growth(member.merchant_id, recent)
            if target is None or target.rank < member.level.rank:
                _change_level(member, target, reason="yearly_review", now=now)
                moved += 1
            else:
                # Kept: the next review is a year from now.
                Member.objects.filter(pk=member.pk).update(level_reviewed_at=now)
    return moved


def points_multiplier_percent(member: Member) -> int:
    return member.level.points_multiplier_percent if member.level_id and member.level else 100


def grant_birthday_gifts(today: dt.date | None = None) -> int:
    """Points for members whose birthday is today, by their level's gift, once a year."""
    from newretail.members.actions.points import earn_points

    today = today or clock.now().astimezone(clock.DEFAULT_ZONE).date()
    members = Member.objects.filter(
        is_active=True, birthday__month=today.month, birthday__day=today.day, level__birthday_points__gt=0
    ).select_related("level")
    given = 0
    for member in members.iterator():
        given += earn_points(
            member=member,
            points=member.level.birthday_points,
            reference=f"birthday:{today.year}",
            note=gettext("Birthday gift"),
        )
    return given


# --- setup ----------------------------------------------------------------------------------


@transaction.atomic
def save_level(
    *,
    actor: User,
    level: MemberLevel | None,
    name: str,
    rank: int,
    growth_threshold: int,
    points_multiplier_percent: int = 100,
    birthday_points: int = 0,
) -> MemberLevel:
    """Create or change a level (``members.manage``, audited). Members move up to a level whose
    threshold they already reach at their next growth; nobody is moved down here."""
    require_perm(actor, Perm.MEMBERS_MANAGE)
    name = (name or "").strip()[:30]
    if (
        not name
        or not 0 <= rank <= 99
        or growth_threshold < 0
        or not 100 <= points_multiplier_percent <= 1000
    ):
        raise DomainError(MemberError.LEVEL_INVALID)
    taken = MemberLevel.objects.filter(merchant_id=actor.merchant_id, rank=rank)
    if level is not None:
        taken = taken.exclude(pk=level.pk)
    if taken.exists():
        raise DomainError(MemberError.LEVEL_RANK_TAKEN, rank=rank)
    before = None
    if level is None:
        level = MemberLevel(merchant_id=actor.merchant_id)
    else:
        before = {"name": level.name, "rank": level.rank, "growth_threshold": level.growth_threshold}
    level.name, level.rank, level.growth_threshold = name, rank, growth_threshold
    level.points_multiplier_percent, level.birthday_points = (
        points_multiplier_percent,
        max(birthday_points, 0),
    )
    level.save()
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="members.level_saved",
        obj=level,
        before=before,
        after={"name": name, "rank": rank, "growth_threshold": growth_threshold},
    )
    return level


@transaction.atomic
def update_level_settings(*, actor: User, growth_per_yuan: int, yearly_review: bool) -> LevelSettings:
    require_perm(actor, Perm.MEMBERS_MANAGE)
    if not 0 <= growth_per_yuan <= 1000:
        raise DomainError(MemberError.LEVEL_INVALID)
    settings, _created = LevelSettings.objects.get_or_create(merchant_id=actor.merchant_id)
    before = {"growth_per_yuan": settings.growth_per_yuan, "yearly_review": settings.yearly_review}
    settings.growth_per_yuan, settings.yearly_review = growth_per_yuan, yearly_review
    settings.save()
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="members.level_settings_changed",
        obj=settings,
        before=before,
        after={"growth_per_yuan": growth_per_yuan, "yearly_review": yearly_review},
    )
    return settings


def next_level(member: Member) -> tuple[MemberLevel | None, int]:
    """The next level up and the growth still needed for it ((None, 0) at the top)."""
    rank = member.level.rank if member.level_id and member.level else -1
    upcoming = (
        MemberLevel.objects.filter(merchant_id=member.merchant_id, rank__gt=rank).order_by("rank").first()
    )
    if upcoming is None:
        return None, 0
    return upcoming, max(upcoming.growth_threshold - member.growth, 0)
