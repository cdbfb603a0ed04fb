"""Tenders that settle at once inside our own transaction, with no provider: cash at the till
today; stored value and points register here from the members domain
(``register_instant_tender("wallet", WalletTender())``), so payments never imports members.

A handler's ``charge`` runs inside the payment transaction and raises a ``DomainError`` to refuse
(e.g. not enough balance); ``refund`` runs inside the refund transaction."""

from __future__ import annotations

from typing import Protocol

from newretail.payments.models import Tender, TenderRefund


class InstantTender(Protocol):
    # Who may use it: "staff" (the till) or "member" (online, the shopper themself).
    used_by: frozenset[str]

    def charge(self, tender: Tender) -> None: ...

    def refund(self, tender_refund: TenderRefund) -> None: ...


class CashTender:
    """Cash taken at the till; a refund is cash paid back there. The till's drawer (POS shifts)
    accounts for it."""

    used_by = frozenset({"staff"})

    def charge(self, tender: Tender) -> None:
        return None

    def refund(self, tender_refund: TenderRefund) -> None:
        return None


INSTANT_TENDERS: dict[str, InstantTender] = {Tender.Kind.CASH: CashTender()}


def register_instant_tender(kind: str, handler: InstantTender) -> None:
    if kind not in Tender.Kind.values:
        raise ValueError(f"unknown tender kind {kind!r}")
    INSTANT_TENDERS[kind] = handler
