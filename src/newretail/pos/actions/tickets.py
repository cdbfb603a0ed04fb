"""Selling at the till: a ticket becomes an order of channel ``pos`` (fulfilment ``in_store``)
through the order core, priced by the one pricing engine, and is paid with the tenders the till
offers; it completes when the order is fully paid (the order core completes a till sale in the
same transaction). Held tickets keep their lines on the server.

Guarantees:
- a ticket joins its terminal's open shift under the shift's row lock (see ``actions.shifts``);
- replaying a ticket's idempotency key returns the first ticket (its order is keyed too), so a
  double press or a retried request never sells twice;
- a price override needs a manager's authorisation for that terminal, SKU and price, and is
  audited with the manager as actor; the engine only lets an override lower a price;
- cash rounding (抹零) applies when cash pays everything still due; the ticket records the
  rounding so the drawer count adds it, while the order keeps its exact amounts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction

from newretail.catalog.models import Sku
from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError, not_found
from newretail.core.idempotency import clean_idempotency_key
from newretail.core.money import format_fen
from newretail.inventory.actions.numbers import next_document_number
from newretail.marketing.errors import MarketingError
from newretail.marketing.queries import coupon_by_code
from newretail.members.models import Member
from newretail.orders.actions.checkout import Quote, clean_lines, create_staff_order, quote_order
from newretail.orders.errors import OrderError
from newretail.orders.models import Order
from newretail.orders.state import PAID_STATUSES
from newretail.payments.actions.charges import pay_order, poll_tender, settle_pending_tenders
from newretail.payments.models import PaymentIntent, Tender
from newretail.pos import rounding
from newretail.pos.actions.shifts import lock_open_shift
from newretail.pos.errors import PosError
from newretail.pos.models import Shift, Terminal, Ticket
from newretail.pos.queries import code_tender_kind, pos_settings, staff_tenders, terminal_for, ticket_for
from newretail.pos.scan import shelf_price_fen
from newretail.tenancy.access import require_store_access
from newretail.tenancy.actions.auth import authenticate_staff
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

logger = logging.getLogger(__name__)

TICKET = "PT"  # PT20261123-0001, printed as the receipt's barcode
OVERRIDE_SALT = "newretail.pos.override"
OVERRIDE_MAX_AGE = 600  # seconds a manager's authorisation stays good for
MAX_COUPONS = 5
S = Ticket.Status


# --- the lines a cashier built -------------------------------------------------------------------


@dataclass(frozen=True)
class DraftLine:
    sku_id: int
    quantity: int
    override_unit_fen: int | None = None
    override_token: str = ""


def draft_lines(lines: Any) -> list[DraftLine]:
    """The cashier's lines, checked like an order's (``orders.clean_lines``); the same SKU
    scanned twice is one line (two labels of loose apples add their grams)."""
    if not isinstance(lines, (list, tuple)):
        raise DomainError(OrderError.EMPTY_ORDER)
    merged: dict[int, DraftLine] = {}
    for line in lines:
        if not isinstance(line, Mapping):
            clean_lines([line])  # raises the order core's error for a malformed line
        clean_lines([{"sku_id": line.get("sku_id"), "quantity": line.get("quantity")}])
        override = line.get("override_unit_fen")
        if override is not None and (
            isinstance(override, bool) or not isinstance(override, int) or override < 0
        ):
            raise DomainError(PosError.INVALID_AMOUNT)
        sku_id = line["sku_id"]
        previous = merged.get(sku_id)
        quantity = line["quantity"] + (previous.quantity if previous else 0)
        if previous and previous.override_unit_fen is not None and override is None:
            override, token = previous.override_unit_fen, previous.override_token
        else:
            token = str(line.get("override_token") or "")[:400]
        merged[sku_id] = DraftLine(sku_id, quantity, override, token)
    clean_lines([{"sku_id": d.sku_id, "quantity": d.quantity} for d in merged.values()])
    return sorted(merged.values(), key=lambda d: d.sku_id)


def _lines_json(lines: Sequence[DraftLine]) -> list[dict]:
    out = []
    for line in lines:
        item: dict[str, Any] = {"sku_id": line.sku_id, "quantity": line.quantity}
        if line.override_unit_fen is not None:
            item["override_unit_fen"] = line.override_unit_fen
        out.append(item)
    return out


# --- manager authorisation -----------------------------------------------------------------------


def authorise_manager(
    *, actor: User, terminal: Terminal, username: str, password: str, ip: str, perm: str
) -> User:
    """The manager whose login was typed at the till, if they may ``perm`` in this store (the
    login is rate-limited like the console's)."""
    manager = authenticate_staff(username=username, password=password, ip=ip)
    if (
        manager.merchant_id != actor.merchant_id
        or not manager.is_merchant_staff
        or not manager.has_perm_code(perm)
    ):
        raise DomainError(PosError.AUTHORISATION_REQUIRED)
    try:
        require_store_access(manager, terminal.store_id)
    except DomainError:
        raise DomainError(PosError.AUTHORISATION_REQUIRED) from None
    return manager


def authorise_override(
    *, actor: User, terminal_id: int, username: str, password: str, ip: str, sku_id: int, unit_fen: int
) -> str:
    """A token saying a manager allowed ``sku_id`` at ``unit_fen`` on this terminal (ten minutes);
    the ticket that uses it records the override in the audit log."""
    terminal = terminal_for(actor, terminal_id)
    manager = authorise_manager(
        actor=actor,
        terminal=terminal,
        username=username,
        password=password,
        ip=ip,
        perm=Perm.POS_OVERRIDE_PRICE,
    )
    sku = Sku.objects.for_merchant(actor.merchant_id).filter(pk=sku_id, is_deleted=False).first()
    if sku is None:
        raise not_found()
    _check_override_price(sku, terminal, unit_fen)
    return signing.dumps({"m": manager.pk, "t": terminal.pk, "s": sku_id, "u": unit_fen}, salt=OVERRIDE_SALT)


def _check_override_price(sku: Sku, terminal: Terminal, unit_fen: int) -> int:
    shelf = shelf_price_fen(sku, terminal.store_id)
    if isinstance(unit_fen, bool) or not isinstance(unit_fen, int) or not 0 <= unit_fen < shelf:
        raise DomainError(PosError.OVERRIDE_INVALID, price=format_fen(shelf))
    return shelf


def _overrides(terminal: Terminal, lines: Sequence[DraftLine]) -> dict[int, tuple[int, int]]:
    """{sku id: (unit price, manager id)} for the lines with an override, each token checked."""
    found = {}
    for line in lines:
        if line.override_unit_fen is None:
            continue
        try:
            grant = signing.loads(line.override_token, salt=OVERRIDE_SALT, max_age=OVERRIDE_MAX_AGE)
        except signing.BadSignature:
            raise DomainError(PosError.AUTHORISATION_INVALID) from None
        if grant != {"m": grant.get("m"), "t": terminal.pk, "s": line.sku_id, "u": line.override_unit_fen}:
            raise DomainError(PosError.AUTHORISATION_INVALID)
        found[line.sku_id] = (line.override_unit_fen, grant["m"])
    return found


# --- pricing -------------------------------------------------------------------------------------


def _coupon_ids(
    merchant_id: int, codes: Sequence[str], member_id: int | None
) -> tuple[list[int], int | None]:
    """The scanned coupons and the member they belong to (as ``create_staff_order`` rules)."""
    ids = []
    for code in list(codes)[:MAX_COUPONS]:
        coupon = coupon_by_code(merchant_id, code)
        if coupon is None or (member_id is not None and coupon.member_id != member_id):
            raise DomainError(MarketingError.COUPON_NOT_AVAILABLE, code=str(code)[:20])
        member_id = coupon.member_id
        ids.append(coupon.pk)
    return ids, member_id


def _member(merchant_id: int, member_id: int | None) -> Member | None:
    if member_id is None:
        return None
    member = Member.objects.filter(merchant_id=merchant_id, pk=member_id, is_active=True).first()
    if member is None:
        raise not_found()
    return member


def quote_ticket(
    *,
    actor: User,
    terminal_id: int,
    lines: Any,
    member_id: int | None = None,
    coupon_codes: Sequence[str] = (),
) -> Quote:
    """Price the ticket as it stands (member level price, promotions, scanned coupons and
    authorised overrides), exactly as paying would; writes nothing."""
    terminal = terminal_for(actor, terminal_id)
    drafts = draft_lines(lines)
    overrides = _overrides(terminal, drafts)
    coupon_ids, member_id = _coupon_ids(actor.merchant_id, coupon_codes, member_id)
    return quote_order(
        merchant=actor.merchant_id,
        channel=Order.Channel.POS,
        fulfilment=Order.Fulfilment.IN_STORE,
        lines=[(d.sku_id, d.quantity) for d in drafts],
        store_id=terminal.store_id,
        member=_member(actor.merchant_id, member_id),
        coupon_ids=coupon_ids,
        price_overrides={sku_id: unit for sku_id, (unit, _m) in overrides.items()},
    )


# --- checkout, hold, resume, void ------------------------------------------------------------------


def _key(key: str | None) -> str:
    cleaned = clean_idempotency_key(key, error=PosError.INVALID_IDEMPOTENCY_KEY)
    if cleaned is None:
        raise DomainError(PosError.INVALID_IDEMPOTENCY_KEY)
    return cleaned


def _order_key(key: str) -> str:
    return f"pos:{key}"[:64]


def _new_ticket(*, actor: User, terminal: Terminal, shift: Shift, key: str, **fields: Any) -> Ticket:
    return Ticket.objects.create(
        merchant_id=terminal.merchant_id,
        number=next_document_number(merchant=actor.merchant, prefix=TICKET),
        shift=shift,
        terminal=terminal,
        store_id=terminal.store_id,
        cashier=actor,
        idempotency_key=key,
        **fields,
    )


def _replayed(merchant_id: int, key: str) -> Ticket | None:
    return Ticket.objects.filter(merchant_id=merchant_id, idempotency_key=key).first()


def checkout_ticket(
    *,
    actor: User,
    terminal_id: int,
    idempotency_key: str,
    lines: Any,
    member_id: int | None = None,
    coupon_codes: Sequence[str] = (),
    hold: bool = False,
) -> Ticket:
    """Put the ticket on the server: held (``hold``: lines kept, no order) or ready to pay (the
    order is created, stock held, pending payment). A free ticket completes at once."""
    terminal = terminal_for(actor, terminal_id)
    key = _key(idempotency_key)
    if (existing := _replayed(actor.merchant_id, key)) is not None:
        return existing
    drafts = draft_lines(lines)
    codes = [str(c).strip()[:40] for c in coupon_codes if str(c).strip()][:MAX_COUPONS]
    try:
        with transaction.atomic():
            shift = lock_open_shift(terminal)
            member = _member(actor.merchant_id, member_id)
            if hold:
                return _new_ticket(
                    actor=actor,
                    terminal=terminal,
                    shift=shift,
                    key=key,
                    status=S.HELD,
                    lines=_lines_json(drafts),
                    coupon_codes=codes,
                    member=member,
                )
            overrides = _overrides(terminal, drafts)
            order = create_staff_order(
                actor=actor,
                channel=Order.Channel.POS,
                fulfilment=Order.Fulfilment.IN_STORE,
                lines=[{"sku_id": d.sku_id, "quantity": d.quantity} for d in drafts],
                store_id=terminal.store_id,
                member_id=member.pk if member else None,
                idempotency_key=_order_key(key),
                coupon_codes=codes,
                price_overrides={sku_id: unit for sku_id, (unit, _m) in overrides.items()},
            )
            ticket = _new_ticket(
                actor=actor,
                terminal=terminal,
                shift=shift,
                key=key,
                status=S.PENDING_PAYMENT,
                lines=_lines_json(drafts),
                coupon_codes=codes,
                member_id=order.member_id,
                order=order,
                payable_fen=order.payable_fen,
            )
            _audit_overrides(actor, ticket, terminal, drafts, overrides)
    except IntegrityError:
        # A concurrent replay of the same key won the unique constraint: return its ticket.
        existing = _replayed(actor.merchant_id, key)
        if existing is None:
            raise
        return existing
    return complete_if_paid(ticket)


def _audit_overrides(
    actor: User,
    ticket: Ticket,
    terminal: Terminal,
    drafts: Sequence[DraftLine],
    overrides: Mapping[int, tuple[int, int]],
) -> None:
    if not overrides:
        return
    skus = {sku.pk: sku for sku in Sku.objects.filter(pk__in=list(overrides))}
    managers = {user.pk: user for user in User.objects.filter(pk__in=[m for _u, m in overrides.values()])}
    for sku_id, (unit, manager_id) in overrides.items():
        record_audit(
            actor=managers.get(manager_id),
            merchant_id=ticket.merchant_id,
            action="pos.price_override",
            obj=ticket,
            before={"sku_id": sku_id, "unit_price_fen": shelf_price_fen(skus[sku_id], terminal.store_id)},
            after={"sku_id": sku_id, "unit_price_fen": unit, "cashier_id": actor.pk, "ticket": ticket.number},
            reason=f"POS {terminal.code}",
        )


def _open_ticket(actor: User, ticket_id: int, *statuses: str) -> Ticket:
    ticket = ticket_for(actor, ticket_id)
    if ticket.status not in statuses:
        raise DomainError(PosError.TICKET_NOT_OPEN, number=ticket.number, status=ticket.get_status_display())
    return ticket


def resume_ticket(*, actor: User, ticket_id: int) -> Ticket:
    """Take a held ticket back to the till (its lines go back on the screen; the held ticket is
    done with). Any terminal of the store may resume it."""
    ticket = _open_ticket(actor, ticket_id, S.HELD)
    if not Ticket.objects.filter(pk=ticket.pk, status=S.HELD).update(status=S.RESUMED):
        raise DomainError(PosError.TICKET_NOT_OPEN, number=ticket.number, status=S.RESUMED.label)
    ticket.status = S.RESUMED
    return ticket


def void_ticket(*, actor: User, ticket_id: int) -> Ticket:
    """Abandon a held ticket or an unpaid one (its order is cancelled, the stock released, and
    what was already paid of it goes back through its tenders)."""
    from newretail.orders.actions.lifecycle import cancel_order

    ticket = _open_ticket(actor, ticket_id, S.HELD, S.PENDING_PAYMENT)
    if ticket.order_id is not None:
        ticket = refresh_ticket(ticket)
        if ticket.status != S.PENDING_PAYMENT:
            return ticket
        cancel_order(
            order_id=ticket.order_id, merchant=actor.merchant_id, actor=actor, reason="voided at the till"
        )
    Ticket.objects.filter(pk=ticket.pk, status__in=[S.HELD, S.PENDING_PAYMENT]).update(
        status=S.VOIDED, completed_at=clock.now()
    )
    ticket.refresh_from_db()
    return ticket


# --- paying --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    ticket: Ticket
    tender: Tender


def outstanding_fen(order: Order) -> int:
    """What is still to pay on the order (pending charges count as taken)."""
    intent = PaymentIntent.objects.filter(order=order).first()
    if intent is None:
        return order.payable_fen
    pending = sum(t.amount_fen for t in intent.tenders.filter(status=Tender.Status.PENDING))
    return intent.amount_fen - intent.paid_fen - pending


def pay_ticket(
    *,
    actor: User,
    ticket_id: int,
    kind: str = "",
    amount_fen: int | None = None,
    auth_code: str = "",
    cash_received_fen: int | None = None,
    idempotency_key: str | None = None,
) -> Payment:
    """Take one tender for the ticket. Cash without an amount pays everything still due, rounded
    by the merchant's rule, and needs the cash received (change is computed); a scanned payment
    code picks its provider by the code (pending codes are polled); any instant tender the
    members app registered for staff (stored value) is offered too."""
    ticket = _open_ticket(actor, ticket_id, S.PENDING_PAYMENT)
    auth_code = "".join((auth_code or "").split())
    if auth_code and not kind:
        kind = code_tender_kind(auth_code) or ""
    if kind not in staff_tenders(actor.merchant_id):
        label = Tender.Kind(kind).label if kind in Tender.Kind.values else kind[:20]
        raise DomainError(PosError.TENDER_NOT_OFFERED, kind=label)
    order = ticket.order
    received, change, rounded_by = 0, 0, 0
    if kind == Tender.Kind.CASH:
        due = outstanding_fen(order)
        if (
            isinstance(cash_received_fen, bool)
            or not isinstance(cash_received_fen, int)
            or cash_received_fen < 0
        ):
            raise DomainError(PosError.INVALID_AMOUNT)
        if amount_fen is None or amount_fen == due:
            rule = pos_settings(actor.merchant_id).cash_rounding
            try:
                change, rounded_by = rounding.change_for(
                    due_fen=due, received_fen=cash_received_fen, rule=rule
                )
            except ValueError:
                raise DomainError(
                    PosError.CASH_TOO_LITTLE, due=format_fen(rounding.round_cash_due(due, rule))
                ) from None
            amount_fen = due
        else:
            if cash_received_fen < amount_fen:
                raise DomainError(PosError.CASH_TOO_LITTLE, due=format_fen(amount_fen))
            change = cash_received_fen - amount_fen
        received = cash_received_fen
    tender = pay_order(
        order_id=order.pk,
        kind=kind,
        actor=actor,
        amount_fen=amount_fen,
        auth_code=auth_code,
        idempotency_key=idempotency_key,
    )
    if kind == Tender.Kind.CASH and tender.status == Tender.Status.SUCCEEDED:
        _record_cash(ticket, tender, received=received, change=change, rounded_by=rounded_by)
    return Payment(ticket=complete_if_paid(ticket), tender=tender)


def _record_cash(ticket: Ticket, tender: Tender, *, received: int, change: int, rounded_by: int) -> None:
    # Once per cash tender: a replayed idempotency key returns the same tender and must not count
    # the cash twice (the ticket remembers the tenders it recorded).
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if tender.pk in locked.cash_tenders:
            return
        locked.cash_tenders = [*locked.cash_tenders, tender.pk]
        locked.cash_received_fen += received
        locked.change_fen += change
        locked.rounding_fen += rounded_by
        locked.save(update_fields=["cash_tenders", "cash_received_fen", "change_fen", "rounding_fen"])


def poll_ticket(*, actor: User, ticket_id: int, tender_id: int) -> Payment:
    """Ask the provider about a pending payment code of this ticket and apply the answer."""
    ticket = ticket_for(actor, ticket_id)
    if (
        ticket.order_id is None
        or not Tender.objects.filter(pk=tender_id, intent__order_id=ticket.order_id).exists()
    ):
        raise not_found()
    tender = poll_tender(tender_id=tender_id, actor=actor)
    return Payment(ticket=complete_if_paid(ticket), tender=tender)


def _tender_totals(order: Order) -> dict[str, int]:
    totals: dict[str, int] = {}
    for tender in Tender.objects.filter(intent__order=order, status=Tender.Status.SUCCEEDED).order_by("pk"):
        net = tender.amount_fen - tender.refunded_fen
        if net:
            totals[tender.kind] = totals.get(tender.kind, 0) + net
    return totals


def complete_if_paid(ticket: Ticket) -> Ticket:
    """Move a ticket awaiting payment on with its order: paid -> completed with what each tender
    took; cancelled or closed -> voided (what was paid went back). Idempotent."""
    if ticket.status != S.PENDING_PAYMENT or ticket.order_id is None:
        return ticket
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status != S.PENDING_PAYMENT:
            return locked
        order = Order.objects.get(pk=locked.order_id)
        if order.status in PAID_STATUSES or order.status == Order.Status.COMPLETED:
            locked.tenders = _tender_totals(order)
            locked.status = S.COMPLETED
        elif order.status in (Order.Status.CANCELLED, Order.Status.CLOSED):
            locked.tenders, locked.status = {}, S.VOIDED
            locked.rounding_fen = locked.cash_received_fen = locked.change_fen = 0
        else:
            return locked
        locked.completed_at = clock.now()
        locked.save(
            update_fields=[
                "tenders",
                "status",
                "completed_at",
                "rounding_fen",
                "cash_received_fen",
                "change_fen",
            ]
        )
        return locked


def refresh_ticket(ticket: Ticket) -> Ticket:
    """Ask the providers about the ticket's pending charges, then move it on."""
    if ticket.status == S.PENDING_PAYMENT and ticket.order_id:
        settle_pending_tenders(order_id=ticket.order_id)
    return complete_if_paid(ticket)


def refresh_pending_tickets(shift: Shift) -> None:
    for ticket in Ticket.objects.filter(shift=shift, status=S.PENDING_PAYMENT):
        refresh_ticket(ticket)
