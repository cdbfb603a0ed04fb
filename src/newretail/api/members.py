"""Staff API for members (/api/v1/members…): find and register members (by phone, or the rotating
member code the till scans), their points, growth and stored value, adjustments, recharges and
withdrawals, recharge plans and the stored-value liability. Another merchant's member is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Header, Path, Query, Router, Schema, Status

from newretail.api.base import ERRORS, actor_of
from newretail.core.tenancy import get_owned
from newretail.members.actions import levels as level_actions
from newretail.members.actions import points as points_actions
from newretail.members.actions import wallet as wallet_actions
from newretail.members.actions.member_code import resolve_member_code
from newretail.members.actions.members import find_or_create_member
from newretail.members.models import Member, RechargePlan
from newretail.members.queries import name_for, phone_for, points_balance, wallet_liability, wallet_summary
from newretail.orders import queries as order_queries
from newretail.orders.actions.recharge import start_recharge, withdraw_stored_value
from newretail.tenancy.access import require_perm, require_store_access
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm

router = Router(tags=["members"])

MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
Key = Annotated[str | None, Header(None, alias="Idempotency-Key", max_length=64)]


class MemberOut(Schema):
    id: int
    phone: str = Field(..., description="Masked (138****1234) for staff without members.view.")
    name: str
    level_id: int | None
    level_name: str
    growth: int
    points: int
    wallet_principal_fen: int
    wallet_bonus_fen: int
    source: str
    registered_store_id: int | None
    created_at: dt.datetime


class MemberPage(Schema):
    count: int
    items: list[MemberOut]


def _out(actor: User, member: Member) -> MemberOut:
    wallet = wallet_summary(member, last=0)
    return MemberOut(
        id=member.pk,
        phone=phone_for(actor, member.phone),
        name=name_for(actor, member.name),
        level_id=member.level_id,
        level_name=member.level.name if member.level_id else "",
        growth=member.growth,
        points=points_balance(member),
        wallet_principal_fen=wallet.principal_fen,
        wallet_bonus_fen=wallet.bonus_fen,
        source=member.source,
        registered_store_id=member.registered_store_id,
        created_at=member.created_at,
    )


def _member(actor: User, member_id: int) -> Member:
    return get_owned(Member.objects.select_related("level"), actor.merchant_id, pk=member_id)


@router.get("/members", response={200: MemberPage, **ERRORS})
def list_members(
    request,
    q: str = Query("", max_length=30, description="A whole phone, its last 4 digits, or part of the name."),
    level_id: int | None = Query(None, ge=1, le=MAX_ID),
    store_id: int | None = Query(None, ge=1, le=MAX_ID, description="Store of registration."),
    min_spend_fen: int | None = Query(None, ge=0),
    ordered_within_days: int | None = Query(None, ge=1, le=3650),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    actor = require_perm(actor_of(request), Perm.MEMBERS_VIEW)
    members = order_queries.members_with_spend(
        actor.merchant_id,
        q=q,
        level=level_id,
        store=store_id,
        min_spend=min_spend_fen,
        ordered_within_days=ordered_within_days,
    )
    return MemberPage(count=members.count(), items=[_out(actor, m) for m in members[offset : offset + limit]])


class RegisterIn(Schema):
    phone: str = Field(..., max_length=20)
    name: str = Field("", max_length=50)
    store_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Where they signed up (the till's store)."
    )


@router.post("/members", response={200: MemberOut, 201: MemberOut, **ERRORS})
def register_member(request, body: RegisterIn):
    """Sign a shopper up by phone (at the till: 201), or find the member that phone already is (200)."""
    actor = require_perm(actor_of(request), Perm.MEMBERS_VIEW)
    if body.store_id is not None:
        require_store_access(actor, body.store_id)
        get_owned(Store.objects.filter(is_active=True), actor.merchant_id, pk=body.store_id)
    member, created = find_or_create_member(
        merchant=actor.merchant_id,
        phone=body.phone,
        source=Member.Source.POS if body.store_id else Member.Source.CONSOLE,
        store=body.store_id,
        name=body.name,
    )
    return Status(201 if created else 200, _out(actor, _member(actor, member.pk)))


class CodeIn(Schema):
    code: str = Field(..., max_length=40, description="The 18-digit member code (会员码) as scanned.")


@router.post("/members/resolve-code", response={200: MemberOut, **ERRORS})
def resolve_code(request, body: CodeIn):
    """The member a scanned member code belongs to; each code works once and for about a minute."""
    actor = require_perm(actor_of(request), Perm.MEMBERS_VIEW)
    member = resolve_member_code(actor.merchant_id, body.code, till=f"staff:{actor.pk}")
    return _out(actor, _member(actor, member.pk))


@router.get("/members/{member_id}", response={200: MemberOut, **ERRORS})
def get_member(request, member_id: PathId):
    actor = require_perm(actor_of(request), Perm.MEMBERS_VIEW)
    return _out(actor, _member(actor, member_id))


class WalletEntryOut(Schema):
    kind: str
    principal_fen: int
    bonus_fen: int
    store_id: int | None
    order_id: int | None
    note: str
    created_at: dt.datetime


class WalletOut(Schema):
    principal_fen: int
    bonus_fen: int
    withdrawable_fen: int
    entries: list[WalletEntryOut]


@router.get("/members/{member_id}/wallet", response={200: WalletOut, **ERRORS})
def member_wallet(request, member_id: PathId):
    actor = require_perm(actor_of(request), Perm.MEMBERS_VIEW)
    member = _member(actor, member_id)
    summary = wallet_summary(member, last=50)
    return WalletOut(
        principal_fen=summary.principal_fen,
        bonus_fen=summary.bonus_fen,
        withdrawable_fen=wallet_actions.withdrawable_fen(member),
        entries=[
            WalletEntryOut(
                kind=e.kind,
                principal_fen=e.principal_fen,
                bonus_fen=e.bonus_fen,
                store_id=e.store_id,
                order_id=e.order_id,
                note=e.note,
                created_at=e.created_at,
            )
            for e in summary.entries
        ],
    )


class PointsAdjustIn(Schema):
    points: int = Field(
        ..., ge=-1_000_000, le=1_000_000, description="+ adds a batch, − takes the oldest first."
    )
    reason: str = Field(..., max_length=200)


@router.post("/members/{member_id}/points/adjust", response={200: MemberOut, **ERRORS})
def adjust_points(request, member_id: PathId, body: PointsAdjustIn):
    actor = actor_of(request)
    member = _member(actor, member_id)
    points_actions.adjust_points(actor=actor, member=member, points=body.points, reason=body.reason)
    return _out(actor, _member(actor, member_id))


class GrowthAdjustIn(Schema):
    growth: int = Field(..., ge=-10_000_000, le=10_000_000)
    reason: str = Field(..., max_length=200)


@router.post("/members/{member_id}/growth/adjust", response={200: MemberOut, **ERRORS})
def adjust_growth(request, member_id: PathId, body: GrowthAdjustIn):
    actor = actor_of(request)
    level_actions.adjust_growth(
        actor=actor, member=_member(actor, member_id), growth=body.growth, reason=body.reason
    )
    return _out(actor, _member(actor, member_id))


class WalletAdjustIn(Schema):
    principal_fen: int = Field(0, ge=-1_000_000, le=1_000_000)
    bonus_fen: int = Field(0, ge=-1_000_000, le=1_000_000)
    reason: str = Field(..., max_length=200)


@router.post("/members/{member_id}/wallet/adjust", response={200: MemberOut, **ERRORS})
def adjust_wallet(request, member_id: PathId, body: WalletAdjustIn):
    actor = actor_of(request)
    wallet_actions.adjust_wallet(
        actor=actor,
        member=_member(actor, member_id),
        principal_fen=body.principal_fen,
        bonus_fen=body.bonus_fen,
        reason=body.reason,
    )
    return _out(actor, _member(actor, member_id))


class RechargeIn(Schema):
    store_id: int = Field(..., ge=1, le=MAX_ID)
    plan_id: int | None = Field(None, ge=1, le=MAX_ID)
    amount_fen: int | None = Field(None, ge=1, description="A free amount, where the shop allows one.")


class RechargeOut(Schema):
    order_id: int
    number: str
    payable_fen: int


@router.post("/members/{member_id}/wallet/recharge", response={201: RechargeOut, **ERRORS})
def recharge(request, member_id: PathId, body: RechargeIn, idempotency_key: Key = None):
    """A recharge order at a store, pending payment: take it with ``POST /orders/{id}/payments``
    (cash or the shopper's payment code); the wallet is credited when it is paid."""
    actor = actor_of(request)
    order = start_recharge(
        member=_member(actor, member_id),
        plan_id=body.plan_id,
        amount_fen=None if body.plan_id else body.amount_fen,
        actor=actor,
        store_id=body.store_id,
        idempotency_key=idempotency_key,
    )
    return Status(201, RechargeOut(order_id=order.pk, number=order.number, payable_fen=order.payable_fen))


class WithdrawIn(Schema):
    amount_fen: int = Field(..., ge=1)
    reason: str = Field("", max_length=200)


class WithdrawOut(Schema):
    refunds: list[dict]
    member: MemberOut


@router.post("/members/{member_id}/wallet/withdraw", response={200: WithdrawOut, **ERRORS})
def withdraw(request, member_id: PathId, body: WithdrawIn, idempotency_key: Key = None):
    """Pay unspent principal back through the recharges' own payments (newest first)."""
    actor = actor_of(request)
    refunds = withdraw_stored_value(
        actor=actor,
        member=_member(actor, member_id),
        amount_fen=body.amount_fen,
        reason=body.reason,
        idempotency_key=idempotency_key,
    )
    return WithdrawOut(
        refunds=[
            {"number": r.number, "order_id": r.order_id, "amount_fen": r.amount_fen, "status": r.status}
            for r in refunds
        ],
        member=_out(actor, _member(actor, member_id)),
    )


# --- recharge plans and liability -------------------------------------------------------------


class PlanOut(Schema):
    id: int
    name: str
    pay_fen: int
    bonus_fen: int
    position: int
    is_active: bool


class PlanIn(Schema):
    name: str = Field("", max_length=30)
    pay_fen: int = Field(..., ge=1)
    bonus_fen: int = Field(0, ge=0)
    position: int = Field(0, ge=0, le=999)
    is_active: bool = True


def _plan_out(plan: RechargePlan) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        name=plan.name,
        pay_fen=plan.pay_fen,
        bonus_fen=plan.bonus_fen,
        position=plan.position,
        is_active=plan.is_active,
    )


@router.get("/recharge-plans", response={200: list[PlanOut], **ERRORS})
def list_plans(request):
    actor = require_perm(actor_of(request), Perm.MEMBERS_VIEW)
    return [_plan_out(p) for p in RechargePlan.objects.for_merchant(actor.merchant_id)]


@router.post("/recharge-plans", response={201: PlanOut, **ERRORS})
def create_plan(request, body: PlanIn):
    actor = actor_of(request)
    plan = wallet_actions.save_recharge_plan(actor=actor, plan=None, **body.dict())
    return Status(201, _plan_out(plan))


@router.put("/recharge-plans/{plan_id}", response={200: PlanOut, **ERRORS})
def update_plan(request, plan_id: PathId, body: PlanIn):
    actor = actor_of(request)
    plan = get_owned(RechargePlan.objects.all(), actor.merchant_id, pk=plan_id)
    return _plan_out(wallet_actions.save_recharge_plan(actor=actor, plan=plan, **body.dict()))


class LiabilityRowOut(Schema):
    store_id: int | None = Field(..., description="None: money that moved online.")
    store_name: str
    principal_fen: int
    bonus_fen: int


class LiabilityOut(Schema):
    rows: list[LiabilityRowOut]
    principal_fen: int
    bonus_fen: int


@router.get("/stored-value/liability", response={200: LiabilityOut, **ERRORS})
def liability(request):
    """Stored value members still hold (储值负债), by the store where it moved, and in total."""
    actor = require_perm(actor_of(request), Perm.MEMBERS_MANAGE)
    rows, total = wallet_liability(actor.merchant_id, store_ids=actor.store_ids())
    return LiabilityOut(
        rows=[LiabilityRowOut(**row.__dict__) for row in rows],
        principal_fen=total.principal_fen,
        bonus_fen=total.bonus_fen,
    )
