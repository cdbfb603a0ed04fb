"""Opening and closing a shift.

Guarantees: a terminal has at most one open shift (a partial unique constraint picks the winner
of two openings); a ticket joins a shift only while it is open, under the shift's row lock
(``lock_open_shift``), and closing takes the same lock, so no ticket can slip in between the Z
report and the closing; a shift with an open ticket (held or awaiting payment) does not close."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.inventory.actions.numbers import next_document_number
from newretail.pos import reports
from newretail.pos.errors import PosError
from newretail.pos.models import OPEN_STATUSES, Shift, Terminal, Ticket
from newretail.pos.queries import shift_for, terminal_for
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

SHIFT = "SH"  # SH20261123-0001
MAX_FLOAT_FEN = 10_000_000


def _amount(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FLOAT_FEN:
        raise DomainError(PosError.INVALID_AMOUNT)
    return value


def open_shift(*, actor: User, terminal_id: int, opening_float_fen: int) -> Shift:
    """Open a shift on the terminal with the cash float counted into the drawer."""
    terminal = terminal_for(actor, terminal_id)
    if not terminal.is_active:
        raise DomainError(PosError.TERMINAL_INACTIVE)
    opening = _amount(opening_float_fen)
    try:
        with transaction.atomic():
            shift = Shift.objects.create(
                merchant_id=terminal.merchant_id,
                number=next_document_number(merchant=actor.merchant, prefix=SHIFT),
                terminal=terminal,
                store=terminal.store,
                cashier=actor,
                opening_float_fen=opening,
                opened_at=clock.now(),
            )
    except IntegrityError:
        raise DomainError(PosError.SHIFT_ALREADY_OPEN) from None
    return shift


def lock_open_shift(terminal: Terminal) -> Shift:
    """Inside a transaction: the terminal's open shift, row-locked so it cannot close meanwhile."""
    shift = Shift.objects.select_for_update().filter(terminal=terminal, status=Shift.Status.OPEN).first()
    if shift is None:
        raise DomainError(PosError.NO_OPEN_SHIFT)
    return shift


def close_shift(*, actor: User, shift_id: int, counted_cash_fen: int, note: str = "") -> Shift:
    """Close the shift with the cash counted in the drawer: the Z report (by tender) is computed
    under the shift's lock and stored, with the expected cash and the difference (over > 0,
    short < 0). The cashier of the shift or a manager (``pos.manage``) may close it."""
    from newretail.pos.actions.tickets import refresh_pending_tickets

    shift = shift_for(actor, shift_id)
    if shift.cashier_id != actor.pk and not actor.has_perm_code(Perm.POS_MANAGE):
        raise DomainError(PosError.NOT_YOUR_SHIFT)
    counted = _amount(counted_cash_fen)
    # A payment-code charge may have settled since the till last asked: settle what can be.
    refresh_pending_tickets(shift)
    with transaction.atomic():
        shift = Shift.objects.select_for_update().get(pk=shift.pk)
        if shift.status != Shift.Status.OPEN:
            raise DomainError(PosError.SHIFT_CLOSED, number=shift.number)
        open_count = Ticket.objects.filter(shift=shift, status__in=OPEN_STATUSES).count()
        if open_count:
            raise DomainError(PosError.SHIFT_HAS_OPEN_TICKETS, count=open_count)
        report = reports.summarise(shift, Ticket.objects.filter(shift=shift))
        now = clock.now()
        report.update(counted_cash_fen=counted, over_short_fen=counted - report["expected_cash_fen"])
        Shift.objects.filter(pk=shift.pk, status=Shift.Status.OPEN).update(
            status=Shift.Status.CLOSED,
            closed_at=now,
            closed_by=actor,
            expected_cash_fen=report["expected_cash_fen"],
            counted_cash_fen=counted,
            over_short_fen=report["over_short_fen"],
            z_report=report,
            note=(note or "")[:200],
        )
        record_audit(
            actor=actor,
            merchant_id=shift.merchant_id,
            action="pos.shift_closed",
            obj=shift,
            after={k: report[k] for k in ("expected_cash_fen", "counted_cash_fen", "over_short_fen")},
            reason=note or "",
        )
        shift.refresh_from_db()
    return shift
