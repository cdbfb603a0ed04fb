"""POS reads: the terminals a cashier may open, the open shift, the tenders a till offers, the
merchant's till rules and scale formats, and finding a ticket by its receipt number."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from newretail.core import clock
from newretail.core.tenancy import get_owned
from newretail.payments.accounts import enabled_account
from newretail.payments.gateways import base
from newretail.payments.instant import INSTANT_TENDERS
from newretail.payments.models import Tender, provider_of
from newretail.pos import scale
from newretail.pos.models import PosSettings, ScaleLabelFormat, Shift, Terminal, Ticket
from newretail.pos.store_ops import hourly
from newretail.tenancy.access import require_perm, require_store_access
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm

# Payment codes the cashier scans from the shopper's phone, by provider.
CODE_TENDERS = (Tender.Kind.WECHAT_MICROPAY, Tender.Kind.ALIPAY_MICROPAY)


def usable_terminals(actor: User) -> QuerySet[Terminal]:
    """Active terminals of the stores the actor may sell in."""
    require_perm(actor, Perm.POS_SELL)
    terminals = (
        Terminal.objects.for_merchant(actor.merchant_id).filter(is_active=True).select_related("store")
    )
    ids = actor.store_ids()
    return terminals if ids is None else terminals.filter(store_id__in=ids)


def terminal_for(actor: User, terminal_id: int, *, perm: str = Perm.POS_SELL) -> Terminal:
    """The terminal ``actor`` may use: another merchant's is 404, another store's is refused."""
    require_perm(actor, perm)
    terminal = get_owned(Terminal.objects.select_related("store"), actor.merchant_id, pk=terminal_id)
    require_store_access(actor, terminal.store_id)
    return terminal


def open_shift(terminal: Terminal) -> Shift | None:
    return Shift.objects.filter(terminal=terminal, status=Shift.Status.OPEN).select_related("cashier").first()


def ticket_for(actor: User, ticket_id: int) -> Ticket:
    require_perm(actor, Perm.POS_SELL)
    ticket = get_owned(
        Ticket.objects.select_related("terminal", "order", "shift"), actor.merchant_id, pk=ticket_id
    )
    require_store_access(actor, ticket.store_id)
    return ticket


def shift_for(actor: User, shift_id: int) -> Shift:
    require_perm(actor, Perm.POS_SELL)
    shift = get_owned(Shift.objects.select_related("terminal", "cashier"), actor.merchant_id, pk=shift_id)
    require_store_access(actor, shift.store_id)
    return shift


def pos_settings(merchant_id: int) -> PosSettings:
    return PosSettings.objects.for_merchant(merchant_id).first() or PosSettings(merchant_id=merchant_id)


def scale_formats(merchant_id: int) -> tuple[scale.ScaleFormat, ...]:
    """The merchant's active label formats, or the common defaults (price 20–24, weight 25–29)."""
    rows = ScaleLabelFormat.objects.for_merchant(merchant_id).filter(is_active=True)
    found = tuple(row.as_format() for row in rows)
    return found or scale.DEFAULT_FORMATS


def staff_tenders(merchant_id: int) -> list[str]:
    """The tender kinds this merchant's tills offer: every instant tender registered for staff
    (cash; stored value once the members app registers it; points when it does), then payment
    codes of the providers the merchant has an enabled account with."""
    kinds = [kind for kind, handler in INSTANT_TENDERS.items() if "staff" in handler.used_by]
    kinds += [kind for kind in CODE_TENDERS if enabled_account(merchant_id, provider_of(kind)) is not None]
    return kinds


def code_tender_kind(auth_code: str) -> str | None:
    """Which provider's payment code the scanner read (WeChat 10–15…, Alipay 25–30…)."""
    from newretail.payments.actions.charges import AUTH_CODE_RULES

    for kind, rule in AUTH_CODE_RULES.items():
        if rule.match(auth_code) and kind in base.MICROPAY_KINDS:
            return kind
    return None


def ticket_by_receipt(actor: User, number: str) -> Ticket | None:
    """A completed sale by its ticket number (printed as the receipt's barcode) or its order number."""
    number = "".join((number or "").split()).upper()[:32]
    if not number:
        return None
    tickets = Ticket.objects.for_merchant(actor.merchant_id).filter(
        kind=Ticket.Kind.SALE, status=Ticket.Status.COMPLETED
    )
    ids = actor.store_ids()
    if ids is not None:
        tickets = tickets.filter(store_id__in=ids)
    return tickets.filter(number=number).first() or tickets.filter(order__number=number).first()


def store_for(actor: User, store_id: int, *, perm: str) -> Store:
    """A store ``actor`` may act on with ``perm``: another merchant's is 404, another store is refused."""
    require_perm(actor, perm)
    store = get_owned(Store, actor.merchant_id, pk=store_id)
    require_store_access(actor, store.pk)
    return store


def dashboard_for(actor: User, store_id: int, day: dt.date | None = None) -> dict:
    """The store dashboard's figures for ``day`` (today in the merchant's zone by default)."""
    store = store_for(actor, store_id, perm=Perm.POS_REPORTS)
    zone = actor.merchant.timezone or "Asia/Shanghai"
    return {
        "store": store,
        **hourly(
            merchant_id=store.merchant_id, store_id=store.pk, day=day or clock.local_today(zone), zone=zone
        ),
    }
