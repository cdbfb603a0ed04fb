"""Reads of members that other domains and the API use (orders snapshot addresses, the POS finds a
member by phone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum

from newretail.core import clock
from newretail.core.privacy import mask_name, mask_phone
from newretail.core.tenancy import get_owned, merchant_id_of
from newretail.members.models import (
    Member,
    MemberAddress,
    PointsAccount,
    PointsEntry,
    RechargePlan,
    WalletAccount,
    WalletEntry,
)
from newretail.members.phones import mobile_or_none
from newretail.tenancy.models import Merchant, User
from newretail.tenancy.roles import Perm


def member_by_phone(*, merchant: Merchant | int, phone: str) -> Member | None:
    """The merchant's member with this mobile number however it is written, or None (also for a
    string that is no mobile number)."""
    mobile = mobile_or_none(phone)
    if mobile is None:
        return None
    return Member.objects.filter(merchant_id=merchant_id_of(merchant), phone=mobile).first()


def member_addresses(*, member: Member) -> list[MemberAddress]:
    """The member's address book, default first, then most recently updated."""
    return list(MemberAddress.objects.filter(member_id=member.pk, merchant_id=member.merchant_id))


def member_address(*, member: Member, address_id: int) -> MemberAddress:
    """One of the member's addresses, or the 404 domain error (another member's id included)."""
    return get_owned(MemberAddress.objects.filter(member_id=member.pk), member.merchant_id, pk=address_id)


def sees_personal_data(actor: User) -> bool:
    """Staff who may see members' phones and names unmasked (``members.view``)."""
    return actor.has_perm_code(Perm.MEMBERS_VIEW)


def phone_for(actor: User, phone: str | None) -> str:
    """A phone as ``actor`` may see it: whole for authorised staff, 138****1234 for others."""
    return (phone or "") if sees_personal_data(actor) else mask_phone(phone)


def name_for(actor: User, name: str | None) -> str:
    """A name as ``actor`` may see it: whole for authorised staff, 张* for others."""
    return (name or "") if sees_personal_data(actor) else mask_name(name)


@dataclass(frozen=True)
class PointsSummary:
    balance: int
    owed: int
    streak: int
    signed_in_today: bool
    entries: list[PointsEntry]


def points_summary(member: Member, *, last: int = 20) -> PointsSummary:
    """A member's points page: balance, what is owed, the sign-in streak and the latest entries."""
    account = PointsAccount.objects.filter(member=member).first()
    today = clock.now().astimezone(clock.DEFAULT_ZONE).date()
    return PointsSummary(
        balance=account.balance if account else 0,
        owed=account.owed if account else 0,
        streak=signin_streak(member, today),
        signed_in_today=PointsEntry.objects.filter(member=member, reference=signin_reference(today)).exists(),
        entries=list(PointsEntry.objects.filter(member=member).order_by("-id")[:last]),
    )


def signin_reference(day: dt.date) -> str:
    return f"signin:{day.isoformat()}"


def signin_streak(member: Member, today: dt.date) -> int:
    """Consecutive days signed in, ending today (or yesterday when not yet today)."""
    start = today - dt.timedelta(days=366)
    days = {
        dt.date.fromisoformat(ref.split(":", 1)[1])
        for ref in PointsEntry.objects.filter(
            member=member, kind=PointsEntry.Kind.SIGN_IN, reference__gte=signin_reference(start)
        ).values_list("reference", flat=True)
    }
    day = today if today in days else today - dt.timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= dt.timedelta(days=1)
    return streak


def points_balance(member: Member) -> int:
    """The member's points balance now (0 without an account yet)."""
    return PointsAccount.objects.filter(member=member).values_list("balance", flat=True).first() or 0


# --- stored value ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WalletSummary:
    principal_fen: int
    bonus_fen: int
    entries: list[WalletEntry]

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


def wallet_summary(member: Member, *, last: int = 20) -> WalletSummary:
    """The member's stored value and their latest movements (the member centre, the member page)."""
    account = WalletAccount.objects.filter(member_id=member.pk).first()
    entries = list(WalletEntry.objects.filter(member_id=member.pk).select_related("store")[:last])
    if account is None:
        return WalletSummary(0, 0, entries)
    return WalletSummary(account.principal_fen, account.bonus_fen, entries)


def recharge_plans_on_sale(merchant_id: int) -> list[RechargePlan]:
    return list(RechargePlan.objects.filter(merchant_id=merchant_id, is_active=True))


@dataclass(frozen=True)
class LiabilityRow:
    store_id: int | None  # None: money that moved online
    store_name: str
    principal_fen: int
    bonus_fen: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


def wallet_liability(
    merchant_id: int, store_ids: list[int] | None = None
) -> tuple[list[LiabilityRow], LiabilityRow]:
    """Stored value the merchant owes its members (储值负债), by the store where it moved in or out
    (a store where members spend more than they recharge shows a negative figure: what other stores
    owe it), and the total, which equals the sum of the wallets. ``store_ids`` limits the rows to
    a store-bound manager's stores (the total stays the merchant's)."""
    from newretail.tenancy.models import Store

    sums = (
        WalletEntry.objects.filter(merchant_id=merchant_id)
        .values("store_id")
        .annotate(principal=Sum("principal_fen"), bonus=Sum("bonus_fen"))
        .order_by("store_id")
    )
    names = dict(Store.objects.filter(merchant_id=merchant_id).values_list("pk", "name"))
    rows = [
        LiabilityRow(
            row["store_id"], names.get(row["store_id"], ""), row["principal"] or 0, row["bonus"] or 0
        )
        for row in sums
        if store_ids is None or row["store_id"] in store_ids
    ]
    total = WalletAccount.objects.filter(merchant_id=merchant_id).aggregate(
        principal=Sum("principal_fen"), bonus=Sum("bonus_fen")
    )
    return rows, LiabilityRow(None, "", total["principal"] or 0, total["bonus"] or 0)
