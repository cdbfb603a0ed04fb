"""Points (积分): earning on an order once, taking back in proportion to refunds, expiry, and the
ledger check. Every change locks the member's ``PointsAccount`` row first, writes append-only
``PointsEntry`` rows and moves the cached balance and batch remainders with them, so the balance
is always the sum of the entries and never negative.

Rules: an order earns ``earn_per_yuan`` points per ¥1 of its goods after every discount (line
final amounts: shipping, gifts and what points paid are not in them), minus what was refunded by
then; a later refund takes back ``earned × refunded goods ÷ goods`` (cumulative, rounded down, so
refunding everything takes back exactly what was earned); what the balance cannot cover is owed
and paid first out of the next earnings. Batches expire at the end of the following year
(Asia/Shanghai) and are spent first-in first-out by expiry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.members.errors import MemberError
from newretail.members.models import Member, PointsAccount, PointsBatch, PointsEntry, PointsSettings
from newretail.members.queries import signin_reference, signin_streak
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def points_settings_for(merchant_id: int) -> PointsSettings:
    return PointsSettings.objects.filter(merchant_id=merchant_id).first() or PointsSettings(
        merchant_id=merchant_id
    )


def expiry_for(earned_at: dt.datetime) -> dt.datetime:
    """The end of the year after ``earned_at`` (local time): points earned in 2026 last to 2027-12-31 24:00."""
    local = earned_at.astimezone(clock.DEFAULT_ZONE)
    return dt.datetime(local.year + 2, 1, 1, tzinfo=clock.DEFAULT_ZONE)


def _account(member: Member) -> PointsAccount:
    PointsAccount.objects.get_or_create(merchant_id=member.merchant_id, member=member)
    return PointsAccount.objects.select_for_update().get(member=member)


def _done(member: Member, reference: str) -> bool:
    return PointsEntry.objects.filter(member=member, reference=reference).exists()


def points_for(goods_fen: int, earn_per_yuan: int) -> int:
    return max(0, goods_fen) * earn_per_yuan // 100


@transaction.atomic
def earn_points(
    *,
    member: Member,
    points: int,
    reference: str,
    order_id: int | None = None,
    note: str = "",
    kind: str = PointsEntry.Kind.EARN,
) -> int:
    """Add ``points`` once per ``reference``; what is owed is paid first. Returns points credited."""
    account = _account(member)
    if points <= 0 or _done(member, reference):
        return 0
    repaid = min(account.owed, points)
    credited = points - repaid
    batch = None
    if credited:
        now = clock.now()
        batch = PointsBatch.objects.create(
            merchant_id=member.merchant_id,
            member=member,
            points=credited,
            remaining=credited,
            expires_at=expiry_for(now),
        )
    PointsEntry.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        kind=kind,
        points=credited,
        batch=batch,
        order_id=order_id,
        reference=reference,
        owed=-repaid,  # paying off what earlier take-backs left owed
        note=note,
    )
    PointsAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + credited, owed=F("owed") - repaid
    )
    return credited


def _take(
    account: PointsAccount,
    member: Member,
    points: int,
    *,
    kind: str,
    reference: str,
    order_id: int | None,
    batches=None,
) -> int:
    """Take up to ``points`` from the batches (FIFO by expiry), one entry per batch touched."""
    taken = 0
    queryset = batches if batches is not None else PointsBatch.objects.filter(member=member, remaining__gt=0)
    for batch in queryset.select_for_update().order_by("expires_at", "id"):
        if taken == points:
            break
        part = min(batch.remaining, points - taken)
        PointsBatch.objects.filter(pk=batch.pk).update(remaining=F("remaining") - part)
        PointsEntry.objects.create(
            merchant_id=member.merchant_id,
            member=member,
            kind=kind,
            points=-part,
            batch=batch,
            order_id=order_id,
            reference=reference,
        )
        taken += part
    if taken:
        PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") - taken)
    return taken


@transaction.atomic
def earn_for_order(*, member: Member, order_id: int, goods_fen: int, refunded_fen: int) -> int:
    """The order's points, once (``order:<id>:earn``), times the member's level multiplier."""
    from newretail.members.actions.cards import card_multiplier_percent
    from newretail.members.actions.levels import points_multiplier_percent

    rate = points_settings_for(member.merchant_id).earn_per_yuan
    # The level's or a valid card's benefit (金卡 1.5×: 150), the better of the two.
    multiplier = max(points_multiplier_percent(member), card_multiplier_percent(member))
    return earn_points(
        member=member,
        points=points_for(goods_fen - refunded_fen, rate) * multiplier // 100,
        reference=f"order:{order_id}:earn",
        order_id=order_id,
    )


@transaction.atomic
def reverse_for_refund(
    *, member: Member, order_id: int, refund_id: int, goods_fen: int, refunded_goods_fen: int
) -> int:
    """Take back the share of the order's points its refunds so far stand for (cumulative), once
    per refund; what the balance cannot cover is owed. Returns points taken back or owed."""
    account = _account(member)
    reference = f"refund:{refund_id}:reverse"
    if _done(member, reference) or goods_fen <= 0:
        return 0
    earned_entries = PointsEntry.objects.filter(member=member, order_id=order_id, kind=PointsEntry.Kind.EARN)
    earned = earned_entries.aggregate(n=Sum("points"))["n"] or 0
    if earned <= 0:
        return 0
    reversed_ = PointsEntry.objects.filter(
        member=member, order_id=order_id, kind=PointsEntry.Kind.REVERSE
    ).aggregate(taken=Sum("points"), owed=Sum("owed"))
    # Taken back so far: points out of batches, plus what was owed because the balance was short.
    already = -(reversed_["taken"] or 0) + (reversed_["owed"] or 0)
    due = earned * min(refunded_goods_fen, goods_fen) // goods_fen - already
    if due <= 0:
        return 0
    # The order's own batch first, then the others by expiry.
    own = PointsBatch.objects.filter(pk__in=earned_entries.values("batch_id"), remaining__gt=0)
    taken = _take(
        account,
        member,
        due,
        kind=PointsEntry.Kind.REVERSE,
        reference=reference,
        order_id=order_id,
        batches=own,
    )
    if taken < due:
        taken += _take(
            account,
            member,
            due - taken,
            kind=PointsEntry.Kind.REVERSE,
            reference=reference,
            order_id=order_id,
        )
    short = due - taken
    if short:
        PointsEntry.objects.create(
            merchant_id=member.merchant_id,
            member=member,
            kind=PointsEntry.Kind.REVERSE,
            points=0,
            order_id=order_id,
            reference=reference,
            owed=short,
        )
        PointsAccount.objects.filter(pk=account.pk).update(owed=F("owed") + short)
    return due


def locked_points_balance(member: Member) -> int:
    """The member's points balance under their account's row lock (inside a transaction): what a
    spend that follows in the same transaction can rely on."""
    return _account(member).balance


@transaction.atomic
def spend_points(*, member: Member, points: int, reference: str) -> None:
    """Spend ``points`` on something that is not an order (a game draw): the account row lock,
    first-expiring batches first, one ``spend`` entry per batch with ``reference``; not enough is
    ``members.points_not_enough`` and nothing changes."""
    account = _account(member)
    if account.balance < points:
        raise DomainError(MemberError.POINTS_NOT_ENOUGH, balance=account.balance, points=points)
    taken = _take(account, member, points, kind=PointsEntry.Kind.SPEND, reference=reference, order_id=None)
    if taken != points:  # the batches and the balance disagree: check_ledgers reports it
        raise DomainError(MemberError.POINTS_NOT_ENOUGH, balance=taken, points=points)


@transaction.atomic
def spend_for_order(*, member: Member, order_id: int, points: int) -> None:
    """Pay part of a new order with ``points`` (积分抵现), inside the order's transaction: the
    account row is locked and must hold them, else ``members.points_not_enough`` and the order
    rolls back. Taken from the batches that expire first (``order:<id>:spend``)."""
    if points <= 0:
        return
    account = _account(member)
    if account.balance < points:
        raise DomainError(MemberError.POINTS_NOT_ENOUGH, balance=account.balance, points=points)
    taken = _take(
        account,
        member,
        points,
        kind=PointsEntry.Kind.SPEND,
        reference=f"order:{order_id}:spend",
        order_id=order_id,
    )
    if taken != points:  # the batches and the balance disagree: check_ledgers reports it
        raise DomainError(MemberError.POINTS_NOT_ENOUGH, balance=taken, points=points)


@transaction.atomic
def return_spent_points(
    *, member: Member, order_id: int, reference: str, share: tuple[int, int] = (1, 1)
) -> int:
    """Give back the points an order spent: all of them when it is cancelled or closed unpaid
    (``share`` 1/1), or for a refund the refunded share of the goods (cumulative: ``share`` is
    refunded/goods so far), once per ``reference``. Points go back into the batches they came
    from and keep their expiry (an expired batch's points expire again at the next run)."""
    account = _account(member)
    if _done(member, reference):
        return 0
    spent = {
        row["batch_id"]: -row["points"]
        for row in PointsEntry.objects.filter(member=member, order_id=order_id, kind=PointsEntry.Kind.SPEND)
        .values("batch_id")
        .annotate(points=Sum("points"))
    }
    returned = {
        row["batch_id"]: row["points"]
        for row in PointsEntry.objects.filter(member=member, order_id=order_id, kind=PointsEntry.Kind.RETURN)
        .values("batch_id")
        .annotate(points=Sum("points"))
    }
    numerator, denominator = share
    total_spent = sum(spent.values())
    if not total_spent or denominator <= 0:
        return 0
    due = total_spent * min(numerator, denominator) // denominator - sum(returned.values())
    given = 0
    for batch in (
        PointsBatch.objects.select_for_update().filter(pk__in=list(spent)).order_by("-expires_at", "-id")
    ):
        if given >= due:
            break
        part = min(spent[batch.pk] - returned.get(batch.pk, 0), due - given)
        if part <= 0:
            continue
        PointsBatch.objects.filter(pk=batch.pk).update(remaining=F("remaining") + part)
        PointsEntry.objects.create(
            merchant_id=member.merchant_id,
            member=member,
            kind=PointsEntry.Kind.RETURN,
            points=part,
            batch=batch,
            order_id=order_id,
            reference=reference,
        )
        given += part
    if given:
        PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + given)
    return given


def expire_points(now: dt.datetime | None = None) -> int:
    """Expire what is left of batches past their end (periodic). Returns points expired."""
    now = now or clock.now()
    total = 0
    member_ids = (
        PointsBatch.objects.filter(expires_at__lte=now, remaining__gt=0)
        .values_list("member_id", flat=True)
        .distinct()
    )
    for member in Member.objects.filter(pk__in=list(member_ids[:1000])):
        with transaction.atomic():
            account = _account(member)
            due = PointsBatch.objects.filter(member=member, expires_at__lte=now, remaining__gt=0)
            left = due.aggregate(n=Sum("remaining"))["n"] or 0
            total += _take(
                account,
                member,
                left,
                kind=PointsEntry.Kind.EXPIRE,
                reference=f"expire:{now.date()}",
                order_id=None,
                batches=due,
            )
    return total


@dataclass(frozen=True)
class SignIn:
    points: int
    streak: int
    already: bool  # signed in before today: nothing new


def sign_in(*, member: Member) -> SignIn:
    """每日签到: ``signin_points`` once a local day, plus ``signin_streak_bonus`` on every full
    streak of ``signin_streak_days`` days (day 7, 14, …); a missed day starts the streak again."""
    settings = points_settings_for(member.merchant_id)
    today = clock.now().astimezone(clock.DEFAULT_ZONE).date()
    with transaction.atomic():
        _account(member)  # the row lock: two taps at once sign in once
        if _done(member, signin_reference(today)):
            return SignIn(points=0, streak=signin_streak(member, today), already=True)
        streak = signin_streak(member, today) + 1
        bonus = (
            settings.signin_streak_bonus
            if settings.signin_streak_days and streak % settings.signin_streak_days == 0
            else 0
        )
        points = earn_points(
            member=member,
            points=settings.signin_points + bonus,
            reference=signin_reference(today),
            kind=PointsEntry.Kind.SIGN_IN,
        )
        if points == 0:  # nothing credited (all went to what was owed): still mark the day
            PointsEntry.objects.create(
                merchant_id=member.merchant_id,
                member=member,
                kind=PointsEntry.Kind.SIGN_IN,
                points=0,
                reference=signin_reference(today),
            )
    return SignIn(points=points, streak=streak, already=False)


MAX_ADJUSTMENT = 1_000_000


@transaction.atomic
def adjust_points(*, actor: User, member: Member, points: int, reason: str) -> int:
    """A manual correction of a member's points (积分调整), audited: needs ``members.manage`` and a
    reason. Added points form a batch with the usual expiry; taken points come out of the batches
    that expire first and may not exceed the balance."""
    require_perm(actor, Perm.MEMBERS_MANAGE)
    reason = (reason or "").strip()
    if (
        not reason
        or isinstance(points, bool)
        or not isinstance(points, int)
        or not 0 < abs(points) <= MAX_ADJUSTMENT
    ):
        raise DomainError(MemberError.ADJUSTMENT_INVALID)
    member = Member.objects.get(pk=member.pk, merchant_id=actor.merchant_id)
    account = _account(member)
    before = account.balance
    reference = f"adjust:{member.pk}:{PointsEntry.objects.filter(member=member, kind=PointsEntry.Kind.ADJUST).count() + 1}"
    if points > 0:
        earn_points(
            member=member, points=points, reference=reference, note=reason[:200], kind=PointsEntry.Kind.ADJUST
        )
    else:
        if account.balance < -points:
            raise DomainError(MemberError.ADJUSTMENT_INVALID)
        _take(account, member, -points, kind=PointsEntry.Kind.ADJUST, reference=reference, order_id=None)
    account.refresh_from_db()
    record_audit(
        actor=actor,
        merchant_id=member.merchant_id,
        action="members.points_adjusted",
        obj=member,
        before={"balance": before},
        after={"balance": account.balance, "points": points},
        reason=reason,
    )
    return account.balance


POINTS_SETTING_FIELDS = (
    "earn_per_yuan",
    "first_order_points",
    "profile_points",
    "earn_on",
    "signin_points",
    "signin_streak_days",
    "signin_streak_bonus",
    "redeem_per_yuan",
    "redeem_max_percent",
    "redeem_min_points",
)


@transaction.atomic
def update_points_settings(*, actor: User, **values) -> PointsSettings:
    """Change the points rules (``members.manage``, audited); checked by the model's validators."""
    from django.core.exceptions import ValidationError

    from newretail.core.errors import CoreError

    require_perm(actor, Perm.MEMBERS_MANAGE)
    unknown = set(values) - set(POINTS_SETTING_FIELDS)
    if unknown:
        raise ValueError(f"unknown points settings {sorted(unknown)}")
    settings, _created = PointsSettings.objects.get_or_create(merchant_id=actor.merchant_id)
    before = {name: getattr(settings, name) for name in values}
    for name, value in values.items():
        setattr(settings, name, value)
    try:
        settings.full_clean(exclude=["merchant"])
    except ValidationError as error:
        raise DomainError(CoreError.INVALID_INPUT, detail="; ".join(error.messages)) from None
    settings.save()
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="members.points_settings_changed",
        obj=settings,
        before=before,
        after=values,
    )
    return settings


def first_order_bonus(*, member: Member, order_id: int) -> int:
    """The shop's first-order bonus, once per member (on the first order that earns points)."""
    points = points_settings_for(member.merchant_id).first_order_points
    return earn_points(
        member=member,
        points=points,
        reference="bonus:first_order",
        order_id=order_id,
        kind=PointsEntry.Kind.BONUS,
    )


def profile_bonus(*, member: Member) -> int:
    """The shop's profile bonus, once, when the member has given a name and a birthday."""
    if not (member.name and member.birthday):
        return 0
    points = points_settings_for(member.merchant_id).profile_points
    return earn_points(member=member, points=points, reference="bonus:profile", kind=PointsEntry.Kind.BONUS)
