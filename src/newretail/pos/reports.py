"""Shift reports (pure over the shift's tickets): the X report mid-shift and the Z report at
closing are the same sum, so a closing can never drop a ticket the X report showed. Every figure
is a sum over the shift's counted tickets (``COUNTED_STATUSES``), by tender kind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from newretail.pos.models import COUNTED_STATUSES, Shift, Ticket


def summarise(shift: Shift, tickets: Iterable[Ticket]) -> dict:
    """The report of ``shift`` over ``tickets`` (all of its tickets; uncounted ones are skipped)."""
    by_tender: Counter[str] = Counter()
    sales = returns = refused = 0
    sales_fen = returns_fen = rounding_fen = offline_difference_fen = 0
    for ticket in tickets:
        if ticket.status not in COUNTED_STATUSES:
            continue
        for kind, fen in ticket.tenders.items():
            by_tender[kind] += int(fen)
        rounding_fen += ticket.rounding_fen
        offline_difference_fen += ticket.offline_difference_fen
        if ticket.status == Ticket.Status.FAILED:
            refused += 1
        if ticket.kind == Ticket.Kind.RETURN:
            returns += 1
            returns_fen += -sum(int(f) for f in ticket.tenders.values())
        else:
            sales += 1
            sales_fen += sum(int(f) for f in ticket.tenders.values())
    expected_cash = shift.opening_float_fen + by_tender.get("cash", 0) + rounding_fen + offline_difference_fen
    return {
        "shift": shift.number,
        "opening_float_fen": shift.opening_float_fen,
        "by_tender": dict(sorted(by_tender.items())),
        "sales": sales,
        "sales_fen": sales_fen,
        "returns": returns,
        "returns_fen": returns_fen,
        "net_fen": sales_fen - returns_fen,
        "rounding_fen": rounding_fen,
        "offline_difference_fen": offline_difference_fen,
        "refused_uploads": refused,
        "expected_cash_fen": expected_cash,
    }


def shift_report(shift: Shift) -> dict:
    """The X report: what the shift holds now (read; the Z report is this, taken under the lock)."""
    return summarise(shift, Ticket.objects.filter(shift=shift))
