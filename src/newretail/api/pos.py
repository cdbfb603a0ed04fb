"""Staff API for the store POS (/api/v1/pos/…), used by the till page (console session, CSRF)
and by other till software (bearer token): terminals, shifts with X/Z reports, the catalog sync
for the browser cache, scanning and search, members at the till, pricing a ticket, checkout,
tenders, hold/resume/void, offline uploads, returns and receipts. Views only parse and format;
every rule is in ``newretail.pos``. Another merchant's id is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Field, Header, Path, Query, Router, Schema

from newretail.api.base import ERRORS, actor_of
from newretail.catalog.queries import search_skus, skus_by_ids
from newretail.console.views.auth import client_ip
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.money import format_fen
from newretail.core.privacy import mask_name, mask_phone
from newretail.marketing.loading import running_promotions
from newretail.members.models import Member
from newretail.members.queries import points_balance, wallet_summary
from newretail.orders.actions.checkout import Quote
from newretail.payments.models import Tender
from newretail.pos import members as till_members
from newretail.pos import queries, receipts, reports, sync
from newretail.pos.actions import offline, returns, shifts, tickets
from newretail.pos.actions.scan_to_buy import verify_exit_code
from newretail.pos.errors import PosError
from newretail.pos.models import Shift, Terminal, Ticket
from newretail.pos.scan import resolve_scan, shelf_price_fen
from newretail.pos.shelf_labels import price_changes
from newretail.tenancy.roles import Perm

router = Router(tags=["pos"])

MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
Key = Annotated[str | None, Header(None, alias="Idempotency-Key", max_length=64)]


# --- schemas -----------------------------------------------------------------------------------


class ShiftOut(Schema):
    id: int
    number: str
    status: str
    cashier: str
    opening_float_fen: int
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    expected_cash_fen: int | None
    counted_cash_fen: int | None
    over_short_fen: int | None
    report: dict[str, Any]


class ScaleFormatOut(Schema):
    name: str
    pattern: str
    prefixes: list[str]
    kind: str


class TenderKindOut(Schema):
    kind: str
    label: str


class TerminalOut(Schema):
    id: int
    code: str
    name: str
    store_id: int
    store_name: str
    is_active: bool
    shift: ShiftOut | None = None
    tenders: list[TenderKindOut] = []
    cash_rounding: str = ""
    offline_ticket_limit_fen: int = 0
    scale_formats: list[ScaleFormatOut] = []


def _shift_out(shift: Shift, *, report: bool = True) -> ShiftOut:
    return ShiftOut(
        id=shift.pk,
        number=shift.number,
        status=shift.status,
        cashier=shift.cashier.get_full_name() or shift.cashier.username,
        opening_float_fen=shift.opening_float_fen,
        opened_at=shift.opened_at,
        closed_at=shift.closed_at,
        expected_cash_fen=shift.expected_cash_fen,
        counted_cash_fen=shift.counted_cash_fen,
        over_short_fen=shift.over_short_fen,
        report=(shift.z_report if shift.status == Shift.Status.CLOSED else reports.shift_report(shift))
        if report
        else {},
    )


def _terminal_out(terminal: Terminal, *, detail: bool = False) -> TerminalOut:
    out = TerminalOut(
        id=terminal.pk,
        code=terminal.code,
        name=terminal.name,
        store_id=terminal.store_id,
        store_name=terminal.store.name,
        is_active=terminal.is_active,
    )
    if detail:
        shift = queries.open_shift(terminal)
        settings = queries.pos_settings(terminal.merchant_id)
        out.shift = _shift_out(shift) if shift else None
        out.tenders = [
            TenderKindOut(kind=k, label=str(Tender.Kind(k).label))
            for k in queries.staff_tenders(terminal.merchant_id)
        ]
        out.cash_rounding = settings.cash_rounding
        out.offline_ticket_limit_fen = settings.offline_ticket_limit_fen
        out.scale_formats = [
            ScaleFormatOut(name=f.name, pattern=f.pattern, prefixes=list(f.prefixes), kind=f.kind)
            for f in queries.scale_formats(terminal.merchant_id)
        ]
    return out


class SkuOut(Schema):
    id: int
    name: str
    barcode: str
    plu: str
    price_fen: int = Field(
        ..., description="Shelf price: the store's price, else the list price (per kg when weighed)."
    )
    weighed: bool


def _sku_out(sku, store_id: int) -> SkuOut:
    return SkuOut(
        id=sku.pk,
        name=sku.display_name,
        barcode=sku.barcode,
        plu=sku.plu,
        price_fen=shelf_price_fen(sku, store_id),
        weighed=sku.product.sold_by_weight,
    )


# --- terminals and shifts ------------------------------------------------------------------------


@router.get("/pos/terminals", response={200: list[TerminalOut], **ERRORS})
def list_terminals(request):
    """The terminals the caller may sell at."""
    return [_terminal_out(t) for t in queries.usable_terminals(actor_of(request))]


@router.get("/pos/terminals/{terminal_id}", response={200: TerminalOut, **ERRORS})
def get_terminal(request, terminal_id: PathId):
    """The till's state: its open shift (with the X report), the tenders it takes, the cash
    rounding rule, the offline limit and the scale label formats."""
    return _terminal_out(queries.terminal_for(actor_of(request), terminal_id), detail=True)


class OpenShiftIn(Schema):
    opening_float_fen: int = Field(..., ge=0, le=10_000_000)


@router.post("/pos/terminals/{terminal_id}/shifts", response={201: ShiftOut, **ERRORS})
def open_shift(request, terminal_id: PathId, body: OpenShiftIn):
    shift = shifts.open_shift(
        actor=actor_of(request), terminal_id=terminal_id, opening_float_fen=body.opening_float_fen
    )
    return 201, _shift_out(shift)


@router.get("/pos/shifts/{shift_id}", response={200: ShiftOut, **ERRORS})
def get_shift(request, shift_id: PathId):
    """A shift with its report: the X report while open, the stored Z report once closed."""
    return _shift_out(queries.shift_for(actor_of(request), shift_id))


class CloseShiftIn(Schema):
    counted_cash_fen: int = Field(..., ge=0, le=10_000_000)
    note: str = Field("", max_length=200)


@router.post("/pos/shifts/{shift_id}/close", response={200: ShiftOut, **ERRORS})
def close_shift(request, shift_id: PathId, body: CloseShiftIn):
    """Close with the cash counted: the Z report by tender, expected cash and over/short."""
    shift = shifts.close_shift(
        actor=actor_of(request), shift_id=shift_id, counted_cash_fen=body.counted_cash_fen, note=body.note
    )
    return _shift_out(shift)


# --- catalog for the browser cache, scanning, search -----------------------------------------------


class CatalogPageOut(Schema):
    fields: list[str]
    rows: list[list[Any]]
    version: str | None = Field(..., description="Pass back as `since` (with start=false) for the next page.")
    done: bool


@router.get("/pos/terminals/{terminal_id}/catalog", response={200: CatalogPageOut, **ERRORS})
def catalog_changes(
    request,
    terminal_id: PathId,
    since: str = Query("", max_length=40, description="The version the till holds; empty for a full sync."),
    start: bool = Query(True, description="First page of a sync (steps back a little for late commits)."),
    limit: int = Query(sync.PAGE_SIZE, ge=1, le=sync.PAGE_SIZE),
):
    """SKUs changed since a version, for the till's offline cache (incremental by change version)."""
    terminal = queries.terminal_for(actor_of(request), terminal_id)
    page = sync.catalog_page(
        merchant_id=terminal.merchant_id,
        store_id=terminal.store_id,
        cursor=since or None,
        start=start,
        limit=limit,
    )
    return CatalogPageOut(fields=list(sync.FIELDS), rows=page.rows, version=page.next_version, done=page.done)


class PromotionOut(Schema):
    id: int
    name: str
    kind: str
    ends_at: dt.datetime


@router.get("/pos/terminals/{terminal_id}/promotions", response={200: list[PromotionOut], **ERRORS})
def store_promotions(request, terminal_id: PathId):
    """Promotions running now at this store's tills (shown at the till, cached for offline)."""
    terminal = queries.terminal_for(actor_of(request), terminal_id)
    now = clock.now()
    return [
        PromotionOut(id=p.id, name=p.name, kind=p.kind, ends_at=p.ends_at)
        for p in running_promotions(terminal.merchant_id, now).offers.promotions
        if p.starts_at <= now
        and (p.stores is None or terminal.store_id in p.stores)
        and (p.channels is None or "pos" in p.channels)
    ]


class ScanOut(Schema):
    sku: SkuOut
    quantity: int | None = Field(
        ..., description="Pieces, or grams from a scale label; null: enter the weight."
    )
    label: str = ""


@router.get("/pos/terminals/{terminal_id}/scan", response={200: ScanOut, **ERRORS})
def scan(request, terminal_id: PathId, code: str = Query("", max_length=40)):
    """What a scanned barcode, scale label or typed PLU is."""
    terminal = queries.terminal_for(actor_of(request), terminal_id)
    found = resolve_scan(merchant_id=terminal.merchant_id, store_id=terminal.store_id, code=code)
    label = ""
    if found.label is not None:
        label = f"PLU {found.label.plu} " + (
            format_fen(found.label.value) if found.label.kind == "price" else f"{found.label.value} g"
        )
    return ScanOut(sku=_sku_out(found.sku, terminal.store_id), quantity=found.quantity, label=label)


@router.get("/pos/terminals/{terminal_id}/search", response={200: list[SkuOut], **ERRORS})
def search(request, terminal_id: PathId, q: str = Query("", max_length=50)):
    """Search by name, pinyin initials (kkl), barcode or PLU."""
    terminal = queries.terminal_for(actor_of(request), terminal_id)
    if not q.strip():
        return []
    found = search_skus(terminal.merchant_id, q, limit=20)
    skus = [s for s in skus_by_ids(terminal.merchant_id, found.ids) if not s.is_deleted and s.is_active]
    return [_sku_out(sku, terminal.store_id) for sku in skus]


# --- members at the till ---------------------------------------------------------------------------


class MemberIn(Schema):
    phone: str = Field("", max_length=20)
    code: str = Field("", max_length=40, description="The member code (会员码) as scanned.")
    sign_up: bool = Field(False, description="With a phone: make the shopper a member if they are not.")


class TillMemberOut(Schema):
    id: int | None
    phone: str = Field(..., description="Masked.")
    name: str
    level_name: str
    points: int
    wallet_fen: int
    created: bool = False


@router.post("/pos/terminals/{terminal_id}/member", response={200: TillMemberOut, **ERRORS})
def identify_member(request, terminal_id: PathId, body: MemberIn):
    """The shopper by their member code or phone (a new phone signs up with ``sign_up``); a
    phone that is no member yet answers with ``id`` null."""
    terminal = queries.terminal_for(actor_of(request), terminal_id)
    created = False
    if body.code:
        member = till_members.member_by_code(terminal, body.code)
    else:
        member, created = till_members.member_by_phone(terminal, body.phone, sign_up=body.sign_up)
    if member is None:
        return TillMemberOut(id=None, phone="", name="", level_name="", points=0, wallet_fen=0)
    member = Member.objects.select_related("level").get(pk=member.pk)
    wallet = wallet_summary(member, last=0)
    return TillMemberOut(
        id=member.pk,
        phone=mask_phone(member.phone),
        name=mask_name(member.name),
        level_name=member.level.name if member.level_id else "",
        points=points_balance(member),
        wallet_fen=wallet.principal_fen + wallet.bonus_fen,
        created=created,
    )


# --- tickets ---------------------------------------------------------------------------------------


class LineIn(Schema):
    sku_id: int = Field(..., ge=1, le=MAX_ID)
    quantity: int = Field(..., ge=1, le=10_000_000)
    override_unit_fen: int | None = Field(None, ge=0, le=100_000_000)
    override_token: str = Field("", max_length=400)


class TicketIn(Schema):
    lines: list[LineIn] = Field(..., max_length=200)
    member_id: int | None = Field(None, ge=1, le=MAX_ID)
    coupon_codes: list[Annotated[str, Field(max_length=40)]] = Field([], max_length=5)


class CheckoutIn(TicketIn):
    hold: bool = Field(False, description="Hold the ticket (no order yet) instead of paying now.")


class QuoteLineOut(Schema):
    sku_id: int
    quantity: int
    unit_price_fen: int
    list_amount_fen: int
    final_amount_fen: int
    notes: list[str]


class QuoteOut(Schema):
    lines: list[QuoteLineOut]
    goods_list_fen: int
    discount_fen: int
    payable_fen: int
    adjustments: list[str]


def _quote_out(quote: Quote) -> QuoteOut:
    priced = quote.priced
    return QuoteOut(
        lines=[
            QuoteLineOut(
                sku_id=line.sku_id,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
                list_amount_fen=line.list_amount_fen,
                final_amount_fen=line.final_amount_fen,
                notes=[str(a.explanation) for a in line.adjustments],
            )
            for line in priced.lines
        ],
        goods_list_fen=priced.goods_list_fen,
        discount_fen=priced.discount_fen,
        payable_fen=priced.payable_fen,
        adjustments=[str(a.explanation) for a in priced.adjustments if a.amount_fen < 0],
    )


@router.post("/pos/terminals/{terminal_id}/quote", response={200: QuoteOut, **ERRORS})
def quote(request, terminal_id: PathId, body: TicketIn):
    """Price the ticket on the screen with the engine (member price, promotions, coupons, overrides)."""
    found = tickets.quote_ticket(
        actor=actor_of(request),
        terminal_id=terminal_id,
        lines=[line.dict() for line in body.lines],
        member_id=body.member_id,
        coupon_codes=body.coupon_codes,
    )
    return _quote_out(found)


class TicketOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    shift_id: int
    order_id: int | None
    order_number: str
    member_id: int | None
    lines: list[dict[str, Any]]
    coupon_codes: list[str]
    payable_fen: int
    outstanding_fen: int
    tenders: dict[str, int]
    rounding_fen: int
    cash_received_fen: int
    change_fen: int
    offline: bool
    offline_difference_fen: int
    error: str
    order_lines: list[dict[str, Any]] = []


def _ticket_out(ticket: Ticket, *, with_lines: bool = False) -> TicketOut:
    order = ticket.order
    order_lines: list[dict[str, Any]] = []
    if with_lines and order is not None:
        order_lines = [
            {
                "id": line.pk,
                "sku_id": line.sku_id,
                "name": line.product_name,
                "quantity": line.quantity,
                "refunded_quantity": line.refunded_quantity,
                "final_amount_fen": line.final_amount_fen,
                "weighed": line.sku.product.sold_by_weight,
            }
            for line in order.lines.select_related("sku__product").order_by("pk")
        ]
    return TicketOut(
        id=ticket.pk,
        number=ticket.number,
        kind=ticket.kind,
        status=ticket.status,
        shift_id=ticket.shift_id,
        order_id=ticket.order_id,
        order_number=order.number if order else "",
        member_id=ticket.member_id,
        lines=ticket.lines,
        coupon_codes=ticket.coupon_codes,
        payable_fen=ticket.payable_fen,
        outstanding_fen=tickets.outstanding_fen(order)
        if order and ticket.status == Ticket.Status.PENDING_PAYMENT
        else 0,
        tenders=ticket.tenders,
        rounding_fen=ticket.rounding_fen,
        cash_received_fen=ticket.cash_received_fen,
        change_fen=ticket.change_fen,
        offline=ticket.offline,
        offline_difference_fen=ticket.offline_difference_fen,
        error=ticket.error,
        order_lines=order_lines,
    )


@router.post("/pos/terminals/{terminal_id}/tickets", response={200: TicketOut, 201: TicketOut, **ERRORS})
def checkout(request, terminal_id: PathId, body: CheckoutIn, idempotency_key: Key = None):
    """Pay now (the order is created, pending payment) or hold the ticket. Needs an
    ``Idempotency-Key``: a replay returns the first ticket."""
    ticket = tickets.checkout_ticket(
        actor=actor_of(request),
        terminal_id=terminal_id,
        idempotency_key=idempotency_key or "",
        lines=[line.dict() for line in body.lines],
        member_id=body.member_id,
        coupon_codes=body.coupon_codes,
        hold=body.hold,
    )
    return 201, _ticket_out(ticket)


@router.get("/pos/terminals/{terminal_id}/held", response={200: list[TicketOut], **ERRORS})
def held_tickets(request, terminal_id: PathId):
    """Tickets held at this terminal's store, newest first."""
    terminal = queries.terminal_for(actor_of(request), terminal_id)
    held = Ticket.objects.for_merchant(terminal.merchant_id).filter(
        store_id=terminal.store_id, status=Ticket.Status.HELD
    )
    return [_ticket_out(t) for t in held.select_related("order")[:50]]


@router.get("/pos/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def get_ticket(request, ticket_id: PathId):
    return _ticket_out(queries.ticket_for(actor_of(request), ticket_id), with_lines=True)


class PayIn(Schema):
    kind: str = Field(
        "", max_length=20, description="cash, wallet, …; empty with an auth_code: chosen by the code."
    )
    amount_fen: int | None = Field(
        None, ge=1, le=100_000_000, description="A part (mixed tenders); empty: all that is due."
    )
    auth_code: str = Field("", max_length=32, description="The shopper's payment code as scanned.")
    cash_received_fen: int | None = Field(None, ge=0, le=100_000_000)


class PaymentOut(Schema):
    ticket: TicketOut
    tender_id: int
    tender_kind: str
    tender_status: str
    failure_reason: str


def _payment_out(payment: tickets.Payment) -> PaymentOut:
    return PaymentOut(
        ticket=_ticket_out(payment.ticket),
        tender_id=payment.tender.pk,
        tender_kind=payment.tender.kind,
        tender_status=payment.tender.status,
        failure_reason=payment.tender.failure_reason,
    )


@router.post("/pos/tickets/{ticket_id}/pay", response={200: PaymentOut, **ERRORS})
def pay(request, ticket_id: PathId, body: PayIn, idempotency_key: Key = None):
    """Take one tender; the ticket completes when the order is fully paid."""
    payment = tickets.pay_ticket(
        actor=actor_of(request),
        ticket_id=ticket_id,
        kind=body.kind,
        amount_fen=body.amount_fen,
        auth_code=body.auth_code,
        cash_received_fen=body.cash_received_fen,
        idempotency_key=idempotency_key,
    )
    return _payment_out(payment)


class PollIn(Schema):
    tender_id: int = Field(..., ge=1, le=MAX_ID)


@router.post("/pos/tickets/{ticket_id}/poll", response={200: PaymentOut, **ERRORS})
def poll(request, ticket_id: PathId, body: PollIn):
    """Ask whether a pending payment code settled (the shopper may be typing a password)."""
    return _payment_out(
        tickets.poll_ticket(actor=actor_of(request), ticket_id=ticket_id, tender_id=body.tender_id)
    )


@router.post("/pos/tickets/{ticket_id}/resume", response={200: TicketOut, **ERRORS})
def resume(request, ticket_id: PathId):
    return _ticket_out(tickets.resume_ticket(actor=actor_of(request), ticket_id=ticket_id))


@router.post("/pos/tickets/{ticket_id}/void", response={200: TicketOut, **ERRORS})
def void(request, ticket_id: PathId):
    return _ticket_out(tickets.void_ticket(actor=actor_of(request), ticket_id=ticket_id))


class AuthoriseIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=128)
    sku_id: int = Field(..., ge=1, le=MAX_ID)
    unit_fen: int = Field(..., ge=0, le=100_000_000)


class AuthoriseOut(Schema):
    token: str


@router.post("/pos/terminals/{terminal_id}/authorise-override", response={200: AuthoriseOut, **ERRORS})
def authorise_override(request, terminal_id: PathId, body: AuthoriseIn):
    """A manager types their login to allow a lower price for one SKU on this terminal."""
    token = tickets.authorise_override(
        actor=actor_of(request),
        terminal_id=terminal_id,
        username=body.username,
        password=body.password,
        ip=client_ip(request),
        sku_id=body.sku_id,
        unit_fen=body.unit_fen,
    )
    return AuthoriseOut(token=token)


class UploadIn(Schema):
    lines: list[LineIn] = Field(..., max_length=200)
    offline_payable_fen: int = Field(..., ge=0, le=100_000_000)
    cash_received_fen: int = Field(..., ge=0, le=100_000_000)
    sold_at: dt.datetime | None = None
    shift_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.post("/pos/terminals/{terminal_id}/offline-tickets", response={200: TicketOut, **ERRORS})
def upload(request, terminal_id: PathId, body: UploadIn, idempotency_key: Key = None):
    """A cash sale made offline, uploaded once the link is back (replays change nothing)."""
    ticket = offline.upload_offline_ticket(
        actor=actor_of(request),
        terminal_id=terminal_id,
        idempotency_key=idempotency_key or "",
        lines=[line.dict() for line in body.lines],
        offline_payable_fen=body.offline_payable_fen,
        cash_received_fen=body.cash_received_fen,
        sold_at=body.sold_at,
        shift_id=body.shift_id,
    )
    return _ticket_out(ticket)


@router.get("/pos/terminals/{terminal_id}/receipt-lookup", response={200: TicketOut, **ERRORS})
def receipt_lookup(request, terminal_id: PathId, number: str = Query("", max_length=40)):
    """The completed sale a scanned receipt number (ticket or order number) names, with its lines."""
    actor = actor_of(request)
    queries.terminal_for(actor, terminal_id)
    ticket = queries.ticket_by_receipt(actor, number)
    if ticket is None:
        raise DomainError(PosError.RECEIPT_NOT_FOUND, number=number[:40])
    return _ticket_out(ticket, with_lines=True)


class ReturnLineIn(Schema):
    order_line_id: int = Field(..., ge=1, le=MAX_ID)
    quantity: int = Field(..., ge=1, le=10_000_000)


class ReturnIn(Schema):
    original_ticket_id: int = Field(..., ge=1, le=MAX_ID)
    lines: list[ReturnLineIn] = Field(..., min_length=1, max_length=200)
    reason: str = Field("changed_mind", max_length=32)
    username: str = Field(
        "", max_length=150, description="A manager's login when the cashier may not refund."
    )
    password: str = Field("", max_length=128)


@router.post("/pos/terminals/{terminal_id}/returns", response={201: TicketOut, **ERRORS})
def return_items(request, terminal_id: PathId, body: ReturnIn, idempotency_key: Key = None):
    """Return items of a previous ticket; the money goes back through its original tenders."""
    ticket = returns.return_items(
        actor=actor_of(request),
        terminal_id=terminal_id,
        original_ticket_id=body.original_ticket_id,
        lines=[line.dict() for line in body.lines],
        idempotency_key=idempotency_key or "",
        reason=body.reason,
        username=body.username,
        password=body.password,
        ip=client_ip(request),
    )
    return 201, _ticket_out(ticket)


@router.get("/pos/tickets/{ticket_id}/receipt.bin", response={200: None, **ERRORS})
def receipt_escpos(request, ticket_id: PathId, paper: int = Query(80, description="58 or 80 (mm)")):
    """The receipt as ESC/POS bytes for a thermal printer (send them to the printer raw)."""
    ticket = queries.ticket_for(actor_of(request), ticket_id)
    data = receipts.escpos_bytes(receipts.build_receipt(ticket), paper_mm=58 if paper == 58 else 80)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{ticket.number}.bin"'
    return response


# --- store operations: exit codes, the shelf-label price feed, the store dashboard ----------------


class ExitCodeIn(Schema):
    code: str = Field(..., min_length=1, max_length=40, description="The shopper's exit code or its QR text.")


class ExitPassOut(Schema):
    code: str
    order_number: str
    store_id: int
    payable_fen: int
    paid_at: dt.datetime | None
    verified_at: dt.datetime
    lines: list[dict[str, Any]]


def exit_pass_out(exit_pass) -> ExitPassOut:
    order = exit_pass.order
    return ExitPassOut(
        code=exit_pass.code,
        order_number=order.number,
        store_id=exit_pass.store_id,
        payable_fen=order.payable_fen,
        paid_at=order.paid_at,
        verified_at=exit_pass.used_at,
        lines=[
            {"sku_id": line.sku_id, "name": line.product_name, "quantity": line.quantity}
            for line in order.lines.order_by("pk")
        ],
    )


@router.post("/pos/stores/{store_id}/exit-passes/verify", response={200: ExitPassOut, **ERRORS})
def verify_exit_pass(request, store_id: PathId, body: ExitCodeIn):
    """Staff at the store's door check a scan-to-buy exit code: good once, and only at the store
    where the goods were bought."""
    return exit_pass_out(verify_exit_code(actor=actor_of(request), store_id=store_id, code=body.code))


class PriceChangeOut(Schema):
    sku_id: int
    code: str
    barcode: str
    plu: str
    name: str
    unit: str
    list_price_fen: int
    store_price_fen: int | None = Field(..., description="The store's own price, if it has one.")
    shelf_price_fen: int = Field(
        ..., description="What the label shows: the store price, else the list price."
    )
    on_sale: bool


class PriceFeedOut(Schema):
    changes: list[PriceChangeOut]
    version: str | None = Field(
        ..., description="Ask again with since=<version>&start=false for the next page."
    )
    done: bool


def price_feed_out(feed) -> PriceFeedOut:
    return PriceFeedOut(
        changes=[PriceChangeOut(**vars(change)) for change in feed.changes],
        version=feed.next_version,
        done=feed.done,
    )


FeedSince = Query("", max_length=40, description="The version the labels hold; empty: every SKU.")
FeedStart = Query(True, description="First page of a poll (steps back a little for late commits).")


@router.get("/pos/stores/{store_id}/price-changes", response={200: PriceFeedOut, **ERRORS})
def store_price_changes(request, store_id: PathId, since: str = FeedSince, start: bool = FeedStart):
    """Price changes for the store's electronic shelf labels since a version (list and store
    price, the shelf price a label shows, on sale or not), with the next version to ask for."""
    store = queries.store_for(actor_of(request), store_id, perm=Perm.CATALOG_VIEW)
    return price_feed_out(
        price_changes(merchant_id=store.merchant_id, store_id=store.pk, since=since or None, start=start)
    )


class HourOut(Schema):
    hour: int
    visitors: int
    tickets: int
    scan_to_buy: int
    purchases: int
    conversion: float | None


class DashboardOut(Schema):
    day: dt.date
    visitors: int
    tickets: int
    scan_to_buy: int
    purchases: int
    conversion: float | None
    hours: list[HourOut]


@router.get("/pos/stores/{store_id}/dashboard", response={200: DashboardOut, **ERRORS})
def store_dashboard(request, store_id: PathId, day: dt.date | None = None):
    """Visitors (door counter), purchases (till tickets and scan-to-buy orders) and conversion by
    hour of one day (the merchant's time zone; today by default)."""
    return queries.dashboard_for(actor_of(request), store_id, day)
