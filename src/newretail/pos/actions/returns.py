"""Returns at the till against a previous ticket (scan the receipt): the order core's counter
refund (``refund_at_counter``: an after-sales request entered and approved at once, the goods
back on the shelf) pays back through the original tenders in proportion; the return is a ticket
of its own in the current shift with negative tender amounts, so the shift's reports net it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from newretail.core.errors import DomainError
from newretail.orders.actions.aftersales import refund_at_counter
from newretail.orders.models import AfterSale, OrderLine
from newretail.payments.models import Refund, TenderRefund
from newretail.pos.actions.shifts import lock_open_shift
from newretail.pos.actions.tickets import _key, _new_ticket, _replayed, authorise_manager
from newretail.pos.errors import PosError
from newretail.pos.models import Ticket
from newretail.pos.queries import terminal_for, ticket_for
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

REASONS = frozenset(AfterSale.Reason.values)


def return_items(
    *,
    actor: User,
    terminal_id: int,
    original_ticket_id: int,
    lines: Sequence[Mapping[str, Any]],
    idempotency_key: str,
    reason: str = AfterSale.Reason.CHANGED_MIND,
    username: str = "",
    password: str = "",
    ip: str = "",
) -> Ticket:
    """Return ``lines`` [{order_line_id, quantity}] of a completed sale. Refunds need
    ``orders.refund``: a cashier without it has a manager type their login. A replayed key
    returns the first return ticket."""
    terminal = terminal_for(actor, terminal_id)
    key = _key(idempotency_key)
    if (existing := _replayed(actor.merchant_id, key)) is not None:
        return existing
    original = ticket_for(actor, original_ticket_id)
    if (
        original.kind != Ticket.Kind.SALE
        or original.status != Ticket.Status.COMPLETED
        or original.order_id is None
    ):
        raise DomainError(PosError.RECEIPT_NOT_FOUND, number=original.number)
    wanted = [
        {"order_line_id": line.get("order_line_id"), "quantity": line.get("quantity")}
        for line in lines
        if isinstance(line, Mapping) and line.get("quantity")
    ]
    if not wanted:
        raise DomainError(PosError.NOTHING_TO_RETURN)
    refunder = actor
    if not actor.has_perm_code(Perm.ORDERS_REFUND):
        refunder = authorise_manager(
            actor=actor,
            terminal=terminal,
            username=username,
            password=password,
            ip=ip,
            perm=Perm.ORDERS_REFUND,
        )
    if reason not in REASONS:
        reason = AfterSale.Reason.OTHER
    try:
        with transaction.atomic():
            shift = lock_open_shift(terminal)
            after_sale = refund_at_counter(
                actor=refunder,
                order_id=original.order_id,
                kind=AfterSale.Kind.RETURN_REFUND,
                reason=reason,
                lines=wanted,
                description=f"POS {terminal.code} · {original.number}",
                idempotency_key=f"pos-return:{key}"[:64],
            )
            refund = Refund.objects.get(after_sale=after_sale)
            tenders: dict[str, int] = {}
            for part in TenderRefund.objects.filter(refund=refund).select_related("tender"):
                tenders[part.tender.kind] = tenders.get(part.tender.kind, 0) - part.amount_fen
            returned = {
                line.pk: line
                for line in OrderLine.objects.filter(pk__in=[w["order_line_id"] for w in wanted])
            }
            return _new_ticket(
                actor=actor,
                terminal=terminal,
                shift=shift,
                key=key,
                kind=Ticket.Kind.RETURN,
                status=Ticket.Status.COMPLETED,
                original=original,
                order_id=original.order_id,
                refund=refund,
                member_id=original.member_id,
                lines=[
                    {
                        "order_line_id": w["order_line_id"],
                        "sku_id": returned[w["order_line_id"]].sku_id,
                        "quantity": w["quantity"],
                    }
                    for w in wanted
                    if w["order_line_id"] in returned
                ],
                payable_fen=-refund.amount_fen,
                tenders=tenders,
                completed_at=refund.created_at,
            )
    except IntegrityError:
        existing = _replayed(actor.merchant_id, key)
        if existing is None:
            raise
        return existing
