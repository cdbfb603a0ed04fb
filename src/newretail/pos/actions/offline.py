"""Tickets sold while the till was offline, uploaded when the link returns.

The rule (docs/decisions.md, "Selling offline"): offline the till sells for cash only, at the
shelf prices it cached (store price, else list price; no member, coupon, override, stored value,
points or payment code: each needs the server), up to ``PosSettings.offline_ticket_limit_fen`` a
ticket, and queues the ticket with an idempotency key. On upload the order core prices and
records the sale (promotions included) and the cash pays it; what the till took beyond or short
of that is the ticket's ``offline_difference_fen`` and shows in the shift's cash count.

Guarantees: a replayed upload returns the first ticket and sells nothing again (the ticket's key
is unique and the order is keyed from it); an upload the order core refuses (sold out in the
books, an item no longer on sale) is kept as a ``failed`` ticket with its lines and its cash, so
the sale is never lost and the drawer still adds up."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.orders.actions.checkout import create_staff_order
from newretail.orders.models import Order
from newretail.payments.actions.charges import pay_order
from newretail.payments.errors import PaymentError
from newretail.payments.models import Tender
from newretail.pos import rounding
from newretail.pos.actions.shifts import lock_open_shift
from newretail.pos.actions.tickets import (
    _key,
    _lines_json,
    _new_ticket,
    _order_key,
    _replayed,
    complete_if_paid,
    draft_lines,
    outstanding_fen,
)
from newretail.pos.errors import PosError
from newretail.pos.models import Shift, Ticket
from newretail.pos.queries import pos_settings, terminal_for
from newretail.tenancy.models import User

logger = logging.getLogger(__name__)
S = Ticket.Status
MAX_CLOCK_SKEW = dt.timedelta(days=7)


def upload_offline_ticket(
    *,
    actor: User,
    terminal_id: int,
    idempotency_key: str,
    lines: Any,
    offline_payable_fen: int,
    cash_received_fen: int,
    sold_at: dt.datetime | None = None,
    shift_id: int | None = None,
) -> Ticket:
    """Record one offline cash sale (see the module's rule). Returns the ticket: completed, or
    failed with the order core's reason."""
    terminal = terminal_for(actor, terminal_id)
    key = _key(idempotency_key)
    existing = _replayed(actor.merchant_id, key)
    if existing is not None:
        return _finish(actor, existing)
    drafts = draft_lines(lines)
    if any(d.override_unit_fen is not None for d in drafts):
        raise DomainError(PosError.OFFLINE_MISMATCH)
    limit = pos_settings(actor.merchant_id).offline_ticket_limit_fen
    for value in (offline_payable_fen, cash_received_fen):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DomainError(PosError.INVALID_AMOUNT)
    if offline_payable_fen > limit:
        raise DomainError(PosError.OFFLINE_LIMIT, limit=f"¥{limit / 100:.2f}")
    rule = pos_settings(actor.merchant_id).cash_rounding
    collected = rounding.round_cash_due(offline_payable_fen, rule)
    if cash_received_fen < collected:
        raise DomainError(PosError.OFFLINE_MISMATCH)
    now = clock.now()
    if sold_at is None or abs(sold_at - now) > MAX_CLOCK_SKEW:
        sold_at = now
    cash = {
        "cash_received_fen": cash_received_fen,
        "change_fen": cash_received_fen - collected,
        "rounding_fen": collected - offline_payable_fen,
        "offline": True,
        "offline_payable_fen": offline_payable_fen,
        "sold_at": sold_at,
        "lines": _lines_json(drafts),
    }
    try:
        with transaction.atomic():
            shift = _shift_for_upload(terminal, shift_id)
            try:
                with transaction.atomic():
                    order = create_staff_order(
                        actor=actor,
                        channel=Order.Channel.POS,
                        fulfilment=Order.Fulfilment.IN_STORE,
                        lines=[{"sku_id": d.sku_id, "quantity": d.quantity} for d in drafts],
                        store_id=terminal.store_id,
                        idempotency_key=_order_key(key),
                    )
            except DomainError as error:
                # The cash is in the drawer whatever the books say: keep the sale for a manager.
                logger.warning("offline ticket %s refused on upload: %s", key, error.code)
                return _new_ticket(
                    actor=actor,
                    terminal=terminal,
                    shift=shift,
                    key=key,
                    status=S.FAILED,
                    tenders={"cash": offline_payable_fen},
                    error=error.message[:200],
                    completed_at=now,
                    **cash,
                )
            ticket = _new_ticket(
                actor=actor,
                terminal=terminal,
                shift=shift,
                key=key,
                status=S.PENDING_PAYMENT,
                order=order,
                payable_fen=order.payable_fen,
                offline_difference_fen=offline_payable_fen - order.payable_fen,
                **cash,
            )
    except IntegrityError:
        existing = _replayed(actor.merchant_id, key)
        if existing is None:
            raise
        return _finish(actor, existing)
    return _finish(actor, ticket)


def _shift_for_upload(terminal, shift_id: int | None) -> Shift:
    """The shift the ticket was sold in if it is still open, else the terminal's open shift (a
    closed shift's Z report is final; the ticket then counts where its cash is counted)."""
    if shift_id is not None:
        shift = (
            Shift.objects.select_for_update()
            .filter(pk=shift_id, terminal=terminal, status=Shift.Status.OPEN)
            .first()
        )
        if shift is not None:
            return shift
    return lock_open_shift(terminal)


def _finish(actor: User, ticket: Ticket) -> Ticket:
    """Pay an uploaded ticket's order with the cash (again safe: the cash tender is keyed by the
    ticket), then complete it."""
    if ticket.status != S.PENDING_PAYMENT or not ticket.offline:
        return ticket
    due = outstanding_fen(ticket.order)
    if due > 0:
        try:
            pay_order(
                order_id=ticket.order_id,
                kind=Tender.Kind.CASH,
                actor=actor,
                amount_fen=due,
                idempotency_key=f"pos-cash:{ticket.idempotency_key}"[:64],
            )
        except DomainError as error:
            # A concurrent replay of the same upload paid it first: nothing more to take.
            if error.error is not PaymentError.ALREADY_PAID:
                raise
        except IntegrityError:
            pass  # the replay's cash tender (same key) won the unique constraint
    return complete_if_paid(ticket)
