"""Refunds: money back through the tenders that paid, line by line.

Rules:
- a line's refund for ``q`` more units is its share by cumulative rounding,
  ``final × (done + q) // quantity − final × done // quantity``, so refunding a line unit by unit
  adds up exactly to its final amount and a line can never return more than was paid for it
  (conditional UPDATEs on ``OrderLine.refunded_*`` enforce it under concurrency);
- the amount is split over the order's succeeded tenders in proportion to what each can still
  refund (largest remainder), so a mixed cash + WeChat order is refunded in the same mix;
- instant tenders (cash, stored value, points) are refunded inside the transaction; provider
  refunds are sent after commit (never inside a transaction) and settle by answer, notification
  or the periodic reconciler; a retry sends the same refund number, so a provider never pays twice;
- ``order.refunded`` (with the line amounts) is recorded when the whole refund has succeeded;
  an order refunded in full is closed (交易关闭) unless it was cancelled;
- every refund takes an idempotency key; replaying it returns the first refund.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError, not_found
from newretail.core.events import record_event
from newretail.core.money import allocate, format_fen
from newretail.core.tenancy import get_owned
from newretail.inventory.actions.numbers import next_document_number
from newretail.orders.access import staff_order
from newretail.orders.actions.aftersales import mark_after_sale_refunded
from newretail.orders.models import Order, OrderLine
from newretail.orders.payloads import order_payload
from newretail.orders.state import PAID_STATUSES, refuse, transition
from newretail.payments.accounts import gateway_for, notify_url
from newretail.payments.errors import PaymentError
from newretail.payments.gateways import base
from newretail.payments.gateways.base import GatewayError, RefundRequest, RefundStatus
from newretail.payments.instant import INSTANT_TENDERS
from newretail.payments.models import Refund, RefundLine, Tender, TenderRefund
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

logger = logging.getLogger(__name__)

REFUND = "RF"  # RF20261123-0001
MAX_PROVIDER_ATTEMPTS = 8
RS = Refund.Status
TRS = TenderRefund.Status


def line_refund_amount(line: OrderLine, quantity: int) -> int:
    """What refunding ``quantity`` more units of ``line`` pays back (cumulative rounding: the last
    unit takes what is left, so a line's refunds add up to its final amount exactly)."""
    done = line.refunded_quantity
    if quantity <= 0 or done + quantity > line.quantity:
        raise DomainError(
            PaymentError.REFUND_TOO_LARGE,
            available=line.quantity - done,
            item=line.product_name,
        )
    return line.refund_for(quantity)


def _refund_number(order: Order) -> str:
    return next_document_number(merchant=order.merchant, prefix=REFUND)


def _split(refund: Refund, tenders: Sequence[Tender], amount_fen: int) -> list[TenderRefund]:
    """TenderRefund rows for ``amount_fen`` over ``tenders`` (locked), proportional to what each
    can still refund; tender ``refunded_fen`` moves by conditional UPDATE."""
    weights = [t.refundable_fen for t in tenders]
    if sum(weights) < amount_fen:
        raise DomainError(PaymentError.NOTHING_TO_REFUND)
    shares = allocate(amount_fen, weights)
    rows = []
    for index, (tender, share) in enumerate(zip(tenders, shares, strict=True), start=1):
        if share <= 0:
            continue
        updated = Tender.objects.filter(
            pk=tender.pk, status=Tender.Status.SUCCEEDED, refunded_fen__lte=F("amount_fen") - share
        ).update(refunded_fen=F("refunded_fen") + share)
        if updated != 1:
            raise DomainError(PaymentError.NOTHING_TO_REFUND)
        rows.append(
            TenderRefund(
                merchant_id=refund.merchant_id,
                refund=refund,
                tender=tender,
                amount_fen=share,
                out_refund_no=f"{refund.number.replace('-', '')}T{index}",
            )
        )
    TenderRefund.objects.bulk_create(rows)
    return list(TenderRefund.objects.filter(refund=refund).select_related("tender").order_by("pk"))


def _settle_instant(refund: Refund, tender_refunds: Sequence[TenderRefund]) -> None:
    now = clock.now()
    for tender_refund in tender_refunds:
        handler = INSTANT_TENDERS.get(tender_refund.tender.kind)
        if handler is None or tender_refund.status != TRS.PENDING:
            continue
        # Claim first, then pay back: the handler runs once per part even if two callers race
        # (its writes and the claim commit or roll back together).
        if TenderRefund.objects.filter(pk=tender_refund.pk, status=TRS.PENDING).update(
            status=TRS.SUCCEEDED, succeeded_at=now
        ):
            handler.refund(tender_refund)
    _check_done(refund)
    transaction.on_commit(partial(_execute_later, refund.pk))


def _execute_later(refund_id: int) -> None:
    from newretail.payments.tasks import execute_refund_task

    if TenderRefund.objects.filter(refund_id=refund_id, status=TRS.PENDING).exists():
        execute_refund_task(refund_id)


@transaction.atomic
def create_refund(
    *,
    order: Order,
    kind: str,
    lines: Sequence[tuple[int, int]],
    include_shipping: bool,
    reason: str,
    actor: User | None,
    idempotency_key: str | None = None,
    after_sale=None,
) -> Refund:
    """Refund ``lines`` [(order line id, quantity)] of a paid order, plus the shipping still
    unrefunded when ``include_shipping``. Checks no permission (the calling action does). Writes
    nothing when any line would exceed what was paid for it."""
    if idempotency_key:
        existing = Refund.objects.filter(
            merchant_id=order.merchant_id, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in PAID_STATUSES and order.status != Order.Status.CANCELLED:
        if order.refunded_fen:  # closed by a full refund (or a refund that won the race)
            raise DomainError(PaymentError.NOTHING_TO_REFUND)
        raise refuse(order, order.status, Order.Status.CLOSED)
    order_lines = {line.pk: line for line in OrderLine.objects.select_for_update().filter(order=order)}
    amounts = []
    for line_id, quantity in sorted(lines):
        line = order_lines.get(line_id)
        if line is None:
            raise not_found()
        amounts.append((line, quantity, line_refund_amount(line, quantity)))
    shipping = order.shipping_fen - order.shipping_refunded_fen if include_shipping else 0
    total = sum(amount for _line, _q, amount in amounts) + shipping
    if total <= 0 or order.refunded_fen + total > order.payable_fen:
        raise DomainError(PaymentError.NOTHING_TO_REFUND)

    for line, quantity, amount in amounts:
        updated = OrderLine.objects.filter(
            pk=line.pk,
            refunded_quantity__lte=F("quantity") - quantity,
            refunded_fen__lte=F("final_amount_fen") - amount,
        ).update(refunded_quantity=F("refunded_quantity") + quantity, refunded_fen=F("refunded_fen") + amount)
        if updated != 1:
            raise DomainError(
                PaymentError.REFUND_TOO_LARGE,
                available=line.quantity - line.refunded_quantity,
                item=line.product_name,
            )
    updated = Order.objects.filter(
        pk=order.pk,
        refunded_fen__lte=F("payable_fen") - total,
        shipping_refunded_fen__lte=F("shipping_fen") - shipping,
    ).update(
        refunded_fen=F("refunded_fen") + total, shipping_refunded_fen=F("shipping_refunded_fen") + shipping
    )
    if updated != 1:
        raise DomainError(PaymentError.NOTHING_TO_REFUND)

    refund = Refund.objects.create(
        merchant_id=order.merchant_id,
        number=_refund_number(order),
        order=order,
        kind=kind,
        after_sale=after_sale,
        amount_fen=total,
        shipping_fen=shipping,
        reason=reason[:200],
        idempotency_key=idempotency_key,
        created_by=actor,
    )
    RefundLine.objects.bulk_create(
        RefundLine(
            merchant_id=order.merchant_id,
            refund=refund,
            order_line=line,
            quantity=quantity,
            amount_fen=amount,
        )
        for line, quantity, amount in amounts
    )
    _pay_back(
        refund,
        order,
        actor=actor,
        audit={
            "shipping_fen": shipping,
            "lines": [{"line_id": line.pk, "quantity": q, "amount_fen": a} for line, q, a in amounts],
        },
    )
    return refund


def _pay_back(refund: Refund, order: Order, *, actor: User | None, audit: dict) -> None:
    """Split a new refund over the order's succeeded tenders (locked), audit it, and pay back the
    instant parts now (provider parts after commit)."""
    tenders = list(
        Tender.objects.select_for_update()
        .filter(intent__order=order, status=Tender.Status.SUCCEEDED)
        .order_by("pk")
    )
    tender_refunds = _split(refund, tenders, refund.amount_fen)
    record_audit(
        actor=actor,
        merchant_id=order.merchant_id,
        action="payments.refund_created",
        obj=refund,
        after={"order": order.number, "kind": refund.kind, "amount_fen": refund.amount_fen, **audit},
        reason=refund.reason,
    )
    _settle_instant(refund, tender_refunds)


@transaction.atomic
def refund_surplus_tender(*, tender: Tender, order: Order) -> Refund:
    """Give back a tender the order did not need (paid twice, or after the order closed). The
    order's amounts are untouched: this money was never part of its payment."""
    existing = Refund.objects.filter(
        merchant_id=tender.merchant_id, idempotency_key=f"surplus:{tender.out_trade_no}"
    ).first()
    if existing is not None:
        return existing
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    refund = Refund.objects.create(
        merchant_id=tender.merchant_id,
        number=_refund_number(order),
        order=order,
        kind=Refund.Kind.SURPLUS_PAYMENT,
        amount_fen=tender.amount_fen - tender.refunded_fen,
        reason=_("Payment %(reference)s was not needed: order %(number)s is %(status)s")
        % {"reference": tender.out_trade_no, "number": order.number, "status": order.get_status_display()},
        idempotency_key=f"surplus:{tender.out_trade_no}",
    )
    tender_refunds = _split(refund, [tender], refund.amount_fen)
    logger.warning("refunding surplus payment %s of order %s", tender.out_trade_no, order.number)
    _settle_instant(refund, tender_refunds)
    return refund


@transaction.atomic
def refund_recharge(
    *, order: Order, amount_fen: int, reason: str, actor: User | None, idempotency_key: str
) -> Refund:
    """Pay back ``amount_fen`` of a recharge order (stored value withdrawn) through the tenders that
    paid it. The wallet side (principal out, bonus forfeited) is written by the caller in the same
    transaction; this checks only that the order is a paid recharge with that much unrefunded."""
    existing = Refund.objects.filter(merchant_id=order.merchant_id, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.kind != Order.Kind.RECHARGE or order.status != Order.Status.COMPLETED:
        raise DomainError(PaymentError.NOTHING_TO_REFUND)
    updated = Order.objects.filter(pk=order.pk, refunded_fen__lte=F("payable_fen") - amount_fen).update(
        refunded_fen=F("refunded_fen") + amount_fen
    )
    if amount_fen <= 0 or updated != 1:
        raise DomainError(PaymentError.NOTHING_TO_REFUND)
    refund = Refund.objects.create(
        merchant_id=order.merchant_id,
        number=_refund_number(order),
        order=order,
        kind=Refund.Kind.WALLET_WITHDRAWAL,
        amount_fen=amount_fen,
        reason=reason[:200],
        idempotency_key=idempotency_key,
        created_by=actor,
    )
    _pay_back(refund, order, actor=actor, audit={})
    return refund


# --- settling refunds ------------------------------------------------------------------------


def _check_done(refund: Refund) -> None:
    """If every tender refund succeeded, the refund has: record ``order.refunded`` once."""
    statuses = set(TenderRefund.objects.filter(refund=refund).values_list("status", flat=True))
    if statuses != {TRS.SUCCEEDED}:
        if TRS.FAILED in statuses:
            Refund.objects.filter(pk=refund.pk, status=RS.PENDING).update(status=RS.FAILED)
        return
    now = clock.now()
    if (
        not Refund.objects.filter(pk=refund.pk)
        .exclude(status=RS.SUCCEEDED)
        .update(status=RS.SUCCEEDED, succeeded_at=now)
    ):
        return
    refund.refresh_from_db()
    order = Order.objects.select_for_update().get(pk=refund.order_id)
    lines = list(refund.lines.select_related("order_line").order_by("order_line__sku_id"))
    record_event(
        merchant_id=order.merchant_id,
        # Money the order never needed is not a refund of the order: points, commissions and
        # reports follow order.refunded only.
        name="payment.surplus_refunded" if refund.kind == Refund.Kind.SURPLUS_PAYMENT else "order.refunded",
        aggregate=order,
        payload=order_payload(
            order,
            refund_id=refund.pk,
            refund_number=refund.number,
            kind=refund.kind,
            amount_fen=refund.amount_fen,
            shipping_fen=refund.shipping_fen,
            order_refunded_fen=order.refunded_fen,
            fully_refunded=order.refunded_fen == order.payable_fen,
            after_sale_id=refund.after_sale_id,
            lines=[
                {
                    "line_id": line.order_line_id,
                    "sku_id": line.order_line.sku_id,
                    "quantity": line.quantity,
                    "amount_fen": line.amount_fen,
                }
                for line in lines
            ],
            tenders=[
                {"kind": tr.tender.kind, "amount_fen": tr.amount_fen}
                for tr in refund.tender_refunds.select_related("tender").order_by("pk")
            ],
        ),
    )
    mark_after_sale_refunded(refund=refund)
    # A cancelled order ends cancelled; a surplus refund never counted toward the order.
    if (
        refund.kind == Refund.Kind.AFTER_SALE
        and order.refunded_fen == order.payable_fen
        and order.status in PAID_STATUSES
    ):
        transition(order, Order.Status.CLOSED, note=_("Refunded in full")[:200])


def _provider_request(tender_refund: TenderRefund) -> RefundRequest:
    tender = tender_refund.tender
    return RefundRequest(
        out_trade_no=tender.out_trade_no,
        out_refund_no=tender_refund.out_refund_no,
        amount_fen=tender_refund.amount_fen,
        charge_amount_fen=tender.amount_fen,
        reason=tender_refund.refund.reason[:80],
        notify_url=notify_url(tender.account),
    )


def execute_refund(refund_id: int) -> None:
    """Send every pending provider refund of ``refund`` (outside a transaction) and apply the
    answers. A provider that cannot be reached leaves it pending for the reconciler; after
    ``MAX_PROVIDER_ATTEMPTS`` it is marked failed for a person to look at."""
    for tender_refund in TenderRefund.objects.select_related("tender__account", "refund").filter(
        refund_id=refund_id, status=TRS.PENDING
    ):
        _send(tender_refund)


def _send(tender_refund: TenderRefund) -> None:
    tender = tender_refund.tender
    if tender.kind in INSTANT_TENDERS or tender.account is None:
        return
    TenderRefund.objects.filter(pk=tender_refund.pk).update(attempts=F("attempts") + 1)
    try:
        status = gateway_for(tender.account).refund(_provider_request(tender_refund))
    except GatewayError as error:
        logger.warning("refund %s failed at the provider: %s", tender_refund.out_refund_no, error)
        _note_attempt_failure(tender_refund.pk, str(error))
        return
    confirm_tender_refund(merchant_id=tender_refund.merchant_id, status=status)


@transaction.atomic
def _note_attempt_failure(tender_refund_id: int, reason: str) -> None:
    tender_refund = TenderRefund.objects.select_for_update().select_related("refund").get(pk=tender_refund_id)
    TenderRefund.objects.filter(pk=tender_refund.pk).update(failure_reason=reason[:200])
    if tender_refund.attempts >= MAX_PROVIDER_ATTEMPTS and tender_refund.status == TRS.PENDING:
        TenderRefund.objects.filter(pk=tender_refund.pk).update(status=TRS.FAILED)
        _check_done(tender_refund.refund)


@transaction.atomic
def confirm_tender_refund(*, merchant_id: int, status: RefundStatus) -> str:
    """Apply the provider's word on a refund (its answer, a notification or a query); idempotent."""
    tender_refund = (
        TenderRefund.objects.select_for_update()
        .select_related("refund")
        .filter(merchant_id=merchant_id, out_refund_no=status.out_refund_no)
        .first()
    )
    if tender_refund is None:
        return "unknown_reference"
    if tender_refund.status == TRS.SUCCEEDED:
        return "duplicate"
    if status.status == base.SUCCEEDED:
        TenderRefund.objects.filter(pk=tender_refund.pk).update(
            status=TRS.SUCCEEDED,
            succeeded_at=clock.now(),
            provider_refund_no=status.provider_refund_no[:64],
            failure_reason="",
        )
        _check_done(tender_refund.refund)
        return "accepted"
    if status.status == base.FAILED:
        TenderRefund.objects.filter(pk=tender_refund.pk).update(
            status=TRS.FAILED,
            failure_reason=str(status.raw.get("reason", "")) or _("refused by the provider"),
        )
        _check_done(tender_refund.refund)
        return "failed"
    if status.provider_refund_no:
        TenderRefund.objects.filter(pk=tender_refund.pk).update(
            provider_refund_no=status.provider_refund_no[:64]
        )
    return "pending"


def reconcile_pending_refunds(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Periodic: ask the provider about refunds pending for over a minute; resend those it never
    received (the same refund number, so it cannot pay twice). Returns how many settled."""
    now = now or clock.now()
    settled = 0
    for tender_refund in (
        TenderRefund.objects.select_related("tender__account", "refund")
        .filter(
            status=TRS.PENDING, created_at__lte=now - dt.timedelta(minutes=1), tender__account__isnull=False
        )
        .order_by("created_at")[:limit]
    ):
        account = tender_refund.tender.account
        try:
            status = gateway_for(account).query_refund(
                tender_refund.out_refund_no, out_trade_no=tender_refund.tender.out_trade_no
            )
        except GatewayError:
            _send(tender_refund)
            continue
        # Never received: the provider does not hold it (FAILED, or PENDING without a refund
        # number) and never gave us one. Send it again under the same number.
        never_received = not (status.provider_refund_no or tender_refund.provider_refund_no)
        if status.status != base.SUCCEEDED and never_received:
            _send(tender_refund)
            continue
        if confirm_tender_refund(merchant_id=tender_refund.merchant_id, status=status) in (
            "accepted",
            "failed",
        ):
            settled += 1
    return settled


@transaction.atomic
def retry_refund(*, actor: User, refund_id: int) -> Refund:
    """Send a failed refund again (same refund numbers). Needs ``orders.refund``; audited."""
    require_perm(actor, Perm.ORDERS_REFUND)
    refund = get_owned(Refund.objects.select_for_update(), actor.merchant_id, pk=refund_id)
    staff_order(actor, refund.order_id, Perm.ORDERS_REFUND)
    if refund.status != RS.FAILED:
        raise DomainError(PaymentError.REFUND_NOT_FAILED, number=refund.number)
    TenderRefund.objects.filter(refund=refund, status=TRS.FAILED).update(status=TRS.PENDING, attempts=0)
    Refund.objects.filter(pk=refund.pk).update(status=RS.PENDING)
    refund.status = RS.PENDING
    # Instant parts (cash, stored value) are paid back here; provider parts after commit.
    _settle_instant(refund, list(TenderRefund.objects.filter(refund=refund).select_related("tender")))
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="payments.refund_retried",
        obj=refund,
        after={"amount": format_fen(refund.amount_fen)},
    )
    refund.refresh_from_db()
    return refund
