"""Stored value (储值): recharges, paying with the wallet, refunds back into it, withdrawal and
staff adjustments. Every change locks the member's ``WalletAccount`` row first and writes one
append-only ``WalletEntry``, so the cached principal and bonus are always the sums of the entries
and never negative (the check constraint backs that up).

Rules:
- a recharge adds its price as principal and the plan's bonus as bonus, once (``recharge:<order>``);
- a payment takes principal and bonus in proportion to the balances (the bonus part rounded down),
  so the bonus is used up at the same pace as the money paid in; points are not earned on the bonus
  part (``bonus_paid_for_order``);
- a refund of a wallet payment goes back in the proportion it was taken (cumulative rounding, so
  refunding a payment in pieces gives back exactly what it took);
- withdrawing principal (退储值) forfeits the bonus that came with it in proportion; bonus already
  spent is deducted from the money paid back (``withdrawal_terms``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum

from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.members.errors import MemberError
from newretail.members.models import (
    Member,
    RechargePlan,
    WalletAccount,
    WalletEntry,
    WalletRecharge,
    WalletSettings,
)
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

K = WalletEntry.Kind
# A free recharge is capped so a typo cannot put ¥1,000,000 on a card.
MAX_RECHARGE_FEN = 5_000_000
MAX_ADJUSTMENT_FEN = 1_000_000


def wallet_settings_for(merchant_id: int) -> WalletSettings:
    return WalletSettings.objects.filter(merchant_id=merchant_id).first() or WalletSettings(
        merchant_id=merchant_id
    )


def _account(member: Member) -> WalletAccount:
    WalletAccount.objects.get_or_create(merchant_id=member.merchant_id, member=member)
    return WalletAccount.objects.select_for_update().get(member=member)


def _write(
    account: WalletAccount,
    member: Member,
    *,
    kind: str,
    principal_fen: int,
    bonus_fen: int,
    reference: str,
    store_id: int | None = None,
    order_id: int | None = None,
    tender_id: int | None = None,
    note: str = "",
    actor: User | None = None,
) -> WalletEntry:
    entry = WalletEntry.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        kind=kind,
        principal_fen=principal_fen,
        bonus_fen=bonus_fen,
        store_id=store_id,
        order_id=order_id,
        tender_id=tender_id,
        reference=reference,
        note=note[:200],
        created_by=actor,
    )
    WalletAccount.objects.filter(pk=account.pk).update(
        principal_fen=F("principal_fen") + principal_fen, bonus_fen=F("bonus_fen") + bonus_fen
    )
    account.principal_fen += principal_fen
    account.bonus_fen += bonus_fen
    return entry


def _done(member: Member, reference: str) -> bool:
    return WalletEntry.objects.filter(merchant_id=member.merchant_id, reference=reference).exists()


# --- recharges -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RechargeTerms:
    principal_fen: int
    bonus_fen: int
    plan: RechargePlan | None


def recharge_terms(
    *, merchant_id: int, plan_id: int | None = None, amount_fen: int | None = None
) -> RechargeTerms:
    """What a recharge pays and adds: a plan on sale, or a free amount when the shop allows one."""
    if plan_id is not None:
        plan = RechargePlan.objects.filter(merchant_id=merchant_id, pk=plan_id, is_active=True).first()
        if plan is None:
            raise DomainError(MemberError.RECHARGE_PLAN_UNAVAILABLE)
        return RechargeTerms(principal_fen=plan.pay_fen, bonus_fen=plan.bonus_fen, plan=plan)
    minimum = wallet_settings_for(merchant_id).custom_recharge_min_fen
    if not minimum:
        raise DomainError(MemberError.RECHARGE_PLANS_ONLY)
    if (
        isinstance(amount_fen, bool)
        or not isinstance(amount_fen, int)
        or not minimum <= amount_fen <= MAX_RECHARGE_FEN
    ):
        raise DomainError(
            MemberError.RECHARGE_AMOUNT_INVALID,
            minimum=format_fen(minimum),
            maximum=format_fen(MAX_RECHARGE_FEN),
        )
    return RechargeTerms(principal_fen=amount_fen, bonus_fen=0, plan=None)


def record_recharge(*, member: Member, order_id: int, terms: RechargeTerms) -> WalletRecharge:
    """Inside the transaction that creates the recharge order: what paying it will add."""
    return WalletRecharge.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        order_id=order_id,
        plan=terms.plan,
        principal_fen=terms.principal_fen,
        bonus_fen=terms.bonus_fen,
    )


@transaction.atomic
def credit_recharge(*, order_id: int, store_id: int | None, paid_at) -> WalletEntry | None:
    """The recharge order was paid (inside its payment transaction): add principal and bonus once."""
    recharge = WalletRecharge.objects.select_related("member").get(order_id=order_id)
    member = recharge.member
    account = _account(member)
    reference = f"recharge:{order_id}"
    if _done(member, reference):
        return None
    WalletRecharge.objects.filter(pk=recharge.pk).update(credited_at=paid_at)
    return _write(
        account,
        member,
        kind=K.RECHARGE,
        principal_fen=recharge.principal_fen,
        bonus_fen=recharge.bonus_fen,
        reference=reference,
        store_id=store_id,
        order_id=order_id,
    )


# --- paying and refunds ----------------------------------------------------------------------


def split_payment(amount_fen: int, principal_fen: int, bonus_fen: int) -> tuple[int, int]:
    """(principal, bonus) a payment of ``amount_fen`` takes: in proportion to the balances, the
    bonus part rounded down (so principal is never short: ceil(amount × principal ÷ total) ≤ principal)."""
    total = principal_fen + bonus_fen
    bonus = amount_fen * bonus_fen // total if total else 0
    return amount_fen - bonus, bonus


@transaction.atomic
def pay_from_wallet(
    *, member: Member, amount_fen: int, reference: str, order_id: int, tender_id: int, store_id: int | None
) -> WalletEntry:
    """Take ``amount_fen`` from the wallet for an order's tender, with the account row locked: two
    tills spending the same wallet at once are served one after the other, and the second is
    refused if the first left too little (``members.wallet_not_enough``)."""
    account = _account(member)
    if account.balance_fen < amount_fen:
        raise DomainError(
            MemberError.WALLET_NOT_ENOUGH,
            balance=format_fen(account.balance_fen),
            amount=format_fen(amount_fen),
        )
    principal, bonus = split_payment(amount_fen, account.principal_fen, account.bonus_fen)
    return _write(
        account,
        member,
        kind=K.SPEND,
        principal_fen=-principal,
        bonus_fen=-bonus,
        reference=reference,
        store_id=store_id,
        order_id=order_id,
        tender_id=tender_id,
    )


@transaction.atomic
def refund_to_wallet(
    *, tender_id: int, amount_fen: int, reference: str, note: str = ""
) -> WalletEntry | None:
    """Give ``amount_fen`` of a wallet payment back, in the proportion it was taken (cumulative
    over the payment's refunds: the last one takes what is left)."""
    spend = WalletEntry.objects.select_related("member").get(tender_id=tender_id, kind=K.SPEND)
    member = spend.member
    account = _account(member)
    if _done(member, reference):
        return None
    back = WalletEntry.objects.filter(tender_id=tender_id, kind=K.REFUND).aggregate(
        principal=Sum("principal_fen"), bonus=Sum("bonus_fen")
    )
    back_principal, back_bonus = back["principal"] or 0, back["bonus"] or 0
    spent_principal, spent_bonus = -spend.principal_fen, -spend.bonus_fen
    spent = spent_principal + spent_bonus
    total_back = back_principal + back_bonus + amount_fen
    if amount_fen <= 0 or total_back > spent:
        raise ValueError(f"refund of {amount_fen} fen exceeds wallet payment {tender_id}")
    bonus = spent_bonus * total_back // spent - back_bonus
    return _write(
        account,
        member,
        kind=K.REFUND,
        principal_fen=amount_fen - bonus,
        bonus_fen=bonus,
        reference=reference,
        store_id=spend.store_id,
        order_id=spend.order_id,
        tender_id=tender_id,
        note=note,
    )


def bonus_paid_for_order(order_id: int) -> int:
    """Bonus the wallet paid for an order, net of what refunds gave back (points skip it)."""
    total = WalletEntry.objects.filter(order_id=order_id, kind__in=[K.SPEND, K.REFUND]).aggregate(
        bonus=Sum("bonus_fen")
    )["bonus"]
    return -(total or 0)


# --- withdrawal ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WithdrawalPart:
    recharge: WalletRecharge
    principal_fen: int  # principal leaving the wallet
    bonus_fen: int  # bonus forfeited with it
    paid_back_fen: int  # money back through the recharge's tenders (principal − bonus already spent)


def withdrawable_fen(member: Member) -> int:
    """Principal that can be paid back: what the wallet holds, at most what recharges still back."""
    account = WalletAccount.objects.filter(member=member).first()
    if account is None:
        return 0
    backed = (
        WalletRecharge.objects.filter(member=member, credited_at__isnull=False).aggregate(
            left=Sum(F("principal_fen") - F("withdrawn_fen"))
        )["left"]
        or 0
    )
    return min(account.principal_fen, backed)


@transaction.atomic
def take_for_withdrawal(
    *, member: Member, amount_fen: int, reference: str, actor: User | None, note: str
) -> list[WithdrawalPart]:
    """Take ``amount_fen`` of principal out of the wallet for withdrawal, newest recharge first
    (its payment is the most recent, so the provider still refunds it). Each recharge forfeits its
    bonus in proportion (cumulative: bonus × withdrawn ÷ principal); what the wallet's bonus can no
    longer cover was spent, and is deducted from the money paid back. Returns one part per recharge
    for the caller to refund; writes nothing when the amount is not available."""
    if not wallet_settings_for(member.merchant_id).withdrawal_allowed:
        raise DomainError(MemberError.WITHDRAWAL_NOT_ALLOWED)
    account = _account(member)
    available = withdrawable_fen(member)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or not 0 < amount_fen <= available:
        raise DomainError(MemberError.WITHDRAWAL_TOO_LARGE, available=format_fen(available))
    parts: list[WithdrawalPart] = []
    left = amount_fen
    recharges = WalletRecharge.objects.select_for_update().filter(
        member=member, credited_at__isnull=False, withdrawn_fen__lt=F("principal_fen")
    )
    for recharge in recharges.order_by("-credited_at", "-id"):
        if left == 0:
            break
        part = min(left, recharge.principal_fen - recharge.withdrawn_fen)
        forfeit_due = (
            recharge.bonus_fen * (recharge.withdrawn_fen + part) // recharge.principal_fen
            - recharge.forfeited_bonus_fen
        )
        bonus = min(forfeit_due, account.bonus_fen)
        short = forfeit_due - bonus
        WalletRecharge.objects.filter(pk=recharge.pk).update(
            withdrawn_fen=F("withdrawn_fen") + part,
            forfeited_bonus_fen=F("forfeited_bonus_fen") + forfeit_due,
        )
        _write(
            account,
            member,
            kind=K.WITHDRAW,
            principal_fen=-part,
            bonus_fen=-bonus,
            reference=f"{reference}:{recharge.order_id}",
            order_id=recharge.order_id,
            note=note,
            actor=actor,
        )
        parts.append(
            WithdrawalPart(recharge=recharge, principal_fen=part, bonus_fen=bonus, paid_back_fen=part - short)
        )
        left -= part
    return parts


# --- staff adjustments -----------------------------------------------------------------------


@transaction.atomic
def adjust_wallet(
    *, actor: User, member: Member, principal_fen: int, bonus_fen: int, reason: str
) -> WalletEntry:
    """A manual correction (调账), audited: needs ``members.manage`` and a reason, and may not take
    either part below zero."""
    require_perm(actor, Perm.MEMBERS_MANAGE)
    reason = (reason or "").strip()
    values = (principal_fen, bonus_fen)
    if (
        not reason
        or any(isinstance(v, bool) or not isinstance(v, int) or abs(v) > MAX_ADJUSTMENT_FEN for v in values)
        or values == (0, 0)
    ):
        raise DomainError(MemberError.ADJUSTMENT_INVALID)
    member = Member.objects.get(pk=member.pk, merchant_id=actor.merchant_id)
    account = _account(member)
    if account.principal_fen + principal_fen < 0 or account.bonus_fen + bonus_fen < 0:
        raise DomainError(MemberError.ADJUSTMENT_INVALID)
    before = {"principal_fen": account.principal_fen, "bonus_fen": account.bonus_fen}
    count = WalletEntry.objects.filter(member=member, kind=K.ADJUST).count()
    entry = _write(
        account,
        member,
        kind=K.ADJUST,
        principal_fen=principal_fen,
        bonus_fen=bonus_fen,
        reference=f"adjust:{member.pk}:{count + 1}",
        note=reason,
        actor=actor,
    )
    record_audit(
        actor=actor,
        merchant_id=member.merchant_id,
        action="members.wallet_adjusted",
        obj=member,
        before=before,
        after={"principal_fen": account.principal_fen, "bonus_fen": account.bonus_fen},
        reason=reason,
    )
    return entry


# --- setup ----------------------------------------------------------------------------------


@transaction.atomic
def save_recharge_plan(
    *,
    actor: User,
    plan: RechargePlan | None,
    name: str,
    pay_fen: int,
    bonus_fen: int,
    position: int = 0,
    is_active: bool = True,
) -> RechargePlan:
    """Create or change a recharge plan (``members.manage``, audited). Orders already placed keep
    the terms they were created with (``WalletRecharge``)."""
    require_perm(actor, Perm.MEMBERS_MANAGE)
    if not 0 < pay_fen <= MAX_RECHARGE_FEN or not 0 <= bonus_fen <= MAX_RECHARGE_FEN:
        raise DomainError(
            MemberError.RECHARGE_AMOUNT_INVALID, minimum=format_fen(1), maximum=format_fen(MAX_RECHARGE_FEN)
        )
    before = None
    if plan is None:
        plan = RechargePlan(merchant_id=actor.merchant_id)
    else:
        before = {"pay_fen": plan.pay_fen, "bonus_fen": plan.bonus_fen, "is_active": plan.is_active}
    plan.name, plan.pay_fen, plan.bonus_fen = (name or "").strip()[:30], pay_fen, bonus_fen
    plan.position, plan.is_active = position, is_active
    plan.save()
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="members.recharge_plan_saved",
        obj=plan,
        before=before,
        after={"pay_fen": pay_fen, "bonus_fen": bonus_fen, "is_active": is_active},
    )
    return plan


@transaction.atomic
def update_wallet_settings(
    *, actor: User, custom_recharge_min_fen: int, withdrawal_allowed: bool
) -> WalletSettings:
    require_perm(actor, Perm.MEMBERS_MANAGE)
    if not 0 <= custom_recharge_min_fen <= MAX_RECHARGE_FEN:
        raise DomainError(
            MemberError.RECHARGE_AMOUNT_INVALID, minimum=format_fen(0), maximum=format_fen(MAX_RECHARGE_FEN)
        )
    settings, _created = WalletSettings.objects.get_or_create(merchant_id=actor.merchant_id)
    before = {
        "custom_recharge_min_fen": settings.custom_recharge_min_fen,
        "withdrawal_allowed": settings.withdrawal_allowed,
    }
    settings.custom_recharge_min_fen = custom_recharge_min_fen
    settings.withdrawal_allowed = withdrawal_allowed
    settings.save()
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="members.wallet_settings_changed",
        obj=settings,
        before=before,
        after={"custom_recharge_min_fen": custom_recharge_min_fen, "withdrawal_allowed": withdrawal_allowed},
    )
    return settings


# --- the wallet as a tender ------------------------------------------------------------------


class WalletTender:
    """Stored value as a payment method (``Tender.Kind.WALLET``), registered with payments when
    the members app is ready: the shopper online and the till both use it. It pays orders of a
    member only, never a recharge."""

    used_by = frozenset({"staff", "member"})

    def charge(self, tender) -> None:
        from newretail.orders.models import Order

        order = Order.objects.get(pk=tender.intent.order_id)
        if order.member_id is None:
            raise DomainError(MemberError.WALLET_NEEDS_MEMBER)
        if order.kind == Order.Kind.RECHARGE:
            raise DomainError(MemberError.WALLET_NOT_FOR_RECHARGE)
        member = Member.objects.get(pk=order.member_id)
        pay_from_wallet(
            member=member,
            amount_fen=tender.amount_fen,
            reference=f"tender:{tender.pk}",
            order_id=order.pk,
            tender_id=tender.pk,
            store_id=order.store_id,
        )

    def refund(self, tender_refund) -> None:
        refund_to_wallet(
            tender_id=tender_refund.tender_id,
            amount_fen=tender_refund.amount_fen,
            reference=f"tender_refund:{tender_refund.pk}",
        )
