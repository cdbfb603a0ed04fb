"""A member's rights over their data: marketing consent (with time and source), a copy of
everything the shop holds about them, and deleting the account.

Deletion rule (stated to the member on the page): it is refused while the stored value still holds
principal (their own money: the shop pays it back first, 退储值) or while an order can still move
(pending, on its way, or within its after-sales window); points and the stored-value bonus are
forfeited. Orders stay for the shop's accounts, with the name, phone and street address removed;
the member row stays (ledgers point at it) with its phone replaced, so the number can sign up
afresh."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.events import record_event
from newretail.core.money import format_fen
from newretail.members.actions import token_mirror
from newretail.members.errors import MemberError
from newretail.members.models import (
    ConsentRecord,
    Member,
    MemberAddress,
    MemberNote,
    MemberToken,
    PointsAccount,
    PointsEntry,
    WalletAccount,
    WalletEntry,
)


@transaction.atomic
def set_marketing_consent(*, member: Member, granted: bool, source: str) -> Member:
    """Record a yes or no to marketing messages (only a change writes a record)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.marketing_consent != granted or not ConsentRecord.objects.filter(member=member).exists():
        ConsentRecord.objects.create(
            merchant_id=member.merchant_id, member=member, granted=granted, source=source
        )
        Member.objects.filter(pk=member.pk).update(marketing_consent=granted)
        member.marketing_consent = granted
    return member


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_member_data(member: Member) -> dict[str, Any]:
    """Everything the shop holds about the member, as plain JSON (个人信息副本)."""
    from newretail.marketing.models import Coupon
    from newretail.orders.models import Order

    member = Member.objects.select_related("level").get(pk=member.pk)
    orders = Order.objects.filter(member=member).prefetch_related("lines").order_by("id")
    return {
        "member": {
            "phone": member.phone,
            "name": member.name,
            "birthday": member.birthday.isoformat() if member.birthday else None,
            "level": member.level.name if member.level_id else None,
            "growth": member.growth,
            "registered_at": _when(member.created_at),
            "registered_through": member.source,
            "marketing_consent": member.marketing_consent,
        },
        "consent_history": [
            {"granted": c.granted, "source": c.source, "at": _when(c.created_at)}
            for c in ConsentRecord.objects.filter(member=member).order_by("id")
        ],
        "addresses": [a.snapshot() for a in MemberAddress.objects.filter(member=member)],
        "orders": [
            {
                "number": o.number,
                "kind": o.kind,
                "channel": o.channel,
                "status": o.status,
                "payable_fen": o.payable_fen,
                "refunded_fen": o.refunded_fen,
                "created_at": _when(o.created_at),
                "lines": [
                    {
                        "product": line.product_name,
                        "spec": line.spec_text,
                        "quantity": line.quantity,
                        "final_fen": line.final_amount_fen,
                    }
                    for line in o.lines.all()
                ],
            }
            for o in orders
        ],
        "points": [
            {"kind": e.kind, "points": e.points, "at": _when(e.created_at), "note": e.note}
            for e in PointsEntry.objects.filter(member=member).order_by("id")
        ],
        "stored_value": [
            {
                "kind": e.kind,
                "principal_fen": e.principal_fen,
                "bonus_fen": e.bonus_fen,
                "at": _when(e.created_at),
            }
            for e in WalletEntry.objects.filter(member=member).order_by("id")
        ],
        "coupons": [
            {"name": c.template.name, "status": c.status, "valid_until": _when(c.valid_until)}
            for c in Coupon.objects.filter(member=member).select_related("template").order_by("id")
        ],
    }


@transaction.atomic
def delete_account(*, member: Member, source: str = ConsentRecord.Source.MALL) -> Member:
    """Delete the member's account by the rule in this module's docstring."""
    from newretail.orders.models import Order
    from newretail.orders.queries import order_rules_for
    from newretail.orders.state import NOT_YET_FULFILLED

    member = Member.objects.select_for_update().get(pk=member.pk)
    wallet = WalletAccount.objects.select_for_update().filter(member=member).first()
    if wallet is not None and wallet.principal_fen > 0:
        raise DomainError(MemberError.DELETE_PRINCIPAL_LEFT, amount=format_fen(wallet.principal_fen))
    now = clock.now()
    window = dt.timedelta(days=order_rules_for(member.merchant_id).after_sale_days)
    moving = Order.objects.filter(member=member).filter(
        status__in=[
            *NOT_YET_FULFILLED,
            Order.Status.PENDING_PAYMENT,
            Order.Status.SHIPPED,
            Order.Status.OUT_FOR_DELIVERY,
            Order.Status.READY_FOR_PICKUP,
        ]
    )
    recent = Order.objects.filter(member=member, kind=Order.Kind.GOODS, completed_at__gt=now - window)
    if moving.exists() or recent.exists():
        raise DomainError(MemberError.DELETE_ORDERS_OPEN)
    forfeited_points = (
        PointsAccount.objects.filter(member=member).values_list("balance", flat=True).first() or 0
    )
    # Forfeit what is left (written as entries, so the ledgers still add up).
    if forfeited_points:
        from newretail.members.actions.points import _account, _take

        _take(
            _account(member),
            member,
            forfeited_points,
            kind=PointsEntry.Kind.EXPIRE,
            reference=f"deleted:{member.pk}",
            order_id=None,
        )
    forfeited_bonus = wallet.bonus_fen if wallet is not None else 0
    if forfeited_bonus:
        from newretail.members.actions.wallet import _write

        _write(
            wallet,
            member,
            kind=WalletEntry.Kind.ADJUST,
            principal_fen=0,
            bonus_fen=-forfeited_bonus,
            reference=f"deleted:{member.pk}",
            note="account deleted",
        )
    for order in Order.objects.filter(member=member).exclude(shipping_address={}):
        address = dict(order.shipping_address)
        address.update({"recipient": "", "phone": "", "detail": "", "latitude": "", "longitude": ""})
        Order.objects.filter(pk=order.pk).update(shipping_address=address)
    MemberAddress.objects.filter(member=member).delete()
    token_mirror.forget_member(member.pk)
    MemberToken.objects.filter(member=member).delete()
    MemberNote.objects.filter(member=member).delete()
    if member.marketing_consent:
        ConsentRecord.objects.create(
            merchant_id=member.merchant_id, member=member, granted=False, source=source
        )
    Member.objects.filter(pk=member.pk).update(
        phone=f"D{member.pk:010d}"[-11:],
        name="",
        birthday=None,
        marketing_consent=False,
        is_active=False,
        deleted_at=now,
    )
    record_event(
        merchant_id=member.merchant_id,
        name="member.deleted",
        aggregate=member,
        payload={"member_id": member.pk},
    )
    record_audit(
        actor=None,
        merchant_id=member.merchant_id,
        action="members.account_deleted",
        obj=member,
        after={"points_forfeited": forfeited_points, "bonus_forfeited_fen": forfeited_bonus},
        reason="deleted by the member",
    )
    member.refresh_from_db()
    return member
