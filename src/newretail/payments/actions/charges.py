"""Paying an order: ``pay_order`` opens a tender and asks the provider for a charge;
``confirm_charge`` applies what the provider says (a notification, a query, a micropay answer).

Guarantees:
- a provider is never called inside a database transaction: the tender is written first
  (pending), the provider is asked, and its answer is applied in a second transaction;
- ``confirm_charge`` is idempotent and race-safe: the tender row is locked, a succeeded tender is
  never applied twice, so twenty copies of one notification arriving together mark the order
  paid once and record one ``order.paid``;
- an amount that differs from the tender's changes nothing (logged and rejected);
- money that arrives for an order that no longer needs it (paid twice, or paid after the order
  closed) is refunded automatically, and the order is left as it is;
- an online charge the shopper abandoned (they chose another method) is cancelled and closed at
  the provider; if it is paid anyway, the rule above refunds it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from newretail.core import clock
from newretail.core.errors import DomainError, not_found
from newretail.core.idempotency import clean_idempotency_key
from newretail.core.money import format_fen
from newretail.inventory.errors import InventoryError
from newretail.members.models import Member
from newretail.orders.access import member_order, staff_order
from newretail.orders.actions.lifecycle import close_unpaid_order, mark_order_paid
from newretail.orders.errors import OrderError
from newretail.orders.models import Order, OrderLine
from newretail.orders.state import PAID_STATUSES
from newretail.payments.accounts import enabled_account, gateway_for, notify_url
from newretail.payments.actions.refunds import refund_surplus_tender
from newretail.payments.errors import PaymentError
from newretail.payments.gateways import base
from newretail.payments.gateways.base import ChargeRequest, ChargeStart, ChargeStatus, GatewayError
from newretail.payments.instant import INSTANT_TENDERS
from newretail.payments.models import PaymentAccount, PaymentIntent, Tender, provider_of
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

logger = logging.getLogger(__name__)

K = Tender.Kind
TS = Tender.Status
MAX_TENDERS = 20
# Charges the shopper drives in a browser or WeChat: they may abandon one and pick another.
ONLINE_KINDS = frozenset({K.WECHAT_JSAPI, K.WECHAT_NATIVE, K.ALIPAY_PAGE, K.ALIPAY_WAP})
GATEWAY_KINDS = ONLINE_KINDS | base.MICROPAY_KINDS
# Who may start which kind (instant tenders say so themselves).
MEMBER_GATEWAY_KINDS = ONLINE_KINDS
STAFF_GATEWAY_KINDS = base.MICROPAY_KINDS | {K.WECHAT_NATIVE}
AUTH_CODE_RULES = {
    K.WECHAT_MICROPAY: re.compile(r"^1[0-5]\d{16}$"),
    K.ALIPAY_MICROPAY: re.compile(r"^(2[5-9]|30)\d{14,22}$"),
}
# How old a pending charge must be before the reconciler asks about it, and how long it keeps asking.
RECONCILE_AFTER_SECONDS = 30
RECONCILE_FOR_DAYS = 2


class Outcome:
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    PENDING = "pending"
    AMOUNT_MISMATCH = "amount_mismatch"
    UNKNOWN_REFERENCE = "unknown_reference"


def _provider_label(kind: str) -> str:
    return str(PaymentAccount.Provider(provider_of(kind)).label)


# --- opening a tender ------------------------------------------------------------------------


@dataclass
class _Opened:
    tender: Tender
    reused: bool
    superseded: list[int]


def _check_kind(kind: str, *, by_member: bool) -> None:
    if kind not in K.values:
        raise DomainError(PaymentError.INVALID_KIND, kind=kind)
    who = "member" if by_member else "staff"
    if kind in INSTANT_TENDERS:
        if who not in INSTANT_TENDERS[kind].used_by:
            raise DomainError(PaymentError.INVALID_KIND, kind=K(kind).label)
        return
    allowed = MEMBER_GATEWAY_KINDS if by_member else STAFF_GATEWAY_KINDS
    if kind not in allowed:
        raise DomainError(PaymentError.INVALID_KIND, kind=K(kind).label)


def _payable_order(order: Order) -> None:
    if order.status in PAID_STATUSES:
        raise DomainError(PaymentError.ALREADY_PAID, number=order.number)
    if order.status != Order.Status.PENDING_PAYMENT:
        raise DomainError(PaymentError.NOT_PAYABLE, number=order.number, status=order.get_status_display())
    if order.expires_at is not None and clock.now() >= order.expires_at:
        raise DomainError(OrderError.PAYMENT_DEADLINE_PASSED, number=order.number)


@transaction.atomic
def _open_tender(
    *,
    order_id: int,
    kind: str,
    amount_fen: int | None,
    member: Member | None,
    actor: User | None,
    payer_openid: str,
    auth_code: str,
    key: str | None,
) -> _Opened:
    order = (
        member_order(member, order_id, lock=True)
        if member
        else staff_order(actor, order_id, Perm.ORDERS_FULFIL, lock=True)
    )
    _payable_order(order)
    intent, _created = PaymentIntent.objects.get_or_create(
        order=order, defaults={"merchant_id": order.merchant_id, "amount_fen": order.payable_fen}
    )
    intent = PaymentIntent.objects.select_for_update().get(pk=intent.pk)
    tenders = list(intent.tenders.select_for_update().order_by("pk"))
    if len(tenders) >= MAX_TENDERS:
        raise DomainError(PaymentError.TOO_MANY_TENDERS, maximum=MAX_TENDERS)

    superseded = []
    for tender in tenders:
        if tender.status != TS.PENDING or tender.kind not in ONLINE_KINDS:
            continue
        same = tender.kind == kind and tender.action and (amount_fen in (None, tender.amount_fen))
        if same and (kind != K.WECHAT_JSAPI or tender.action.get("openid") == payer_openid):
            return _Opened(tender=tender, reused=True, superseded=[])  # the shopper pressed pay again
        if Tender.objects.filter(pk=tender.pk, status=TS.PENDING).update(status=TS.CANCELLED):
            superseded.append(tender.pk)
    pending = sum(t.amount_fen for t in tenders if t.status == TS.PENDING and t.pk not in superseded)
    outstanding = intent.amount_fen - intent.paid_fen - pending
    amount = outstanding if amount_fen is None else amount_fen
    # Shoppers pay all that is left with one method; only an instant tender (the wallet) may pay
    # a part, leaving the rest for an online method.
    if member is not None and amount != outstanding and kind not in INSTANT_TENDERS:
        raise DomainError(PaymentError.INVALID_AMOUNT, outstanding=format_fen(outstanding))
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= outstanding:
        raise DomainError(PaymentError.INVALID_AMOUNT, outstanding=format_fen(max(outstanding, 0)))

    account = None
    if kind in GATEWAY_KINDS:
        account = enabled_account(order.merchant_id, provider_of(kind))
        if account is None:
            raise DomainError(PaymentError.PROVIDER_NOT_CONFIGURED, provider=_provider_label(kind))
        if kind in AUTH_CODE_RULES and not AUTH_CODE_RULES[kind].match(auth_code):
            raise DomainError(PaymentError.AUTH_CODE_INVALID)
        if kind == K.WECHAT_JSAPI and not payer_openid:
            raise DomainError(PaymentError.OPENID_REQUIRED)
    tender = Tender.objects.create(
        merchant_id=order.merchant_id,
        intent=intent,
        kind=kind,
        account=account,
        amount_fen=amount,
        out_trade_no=f"{order.number.replace('-', '')}P{len(tenders) + 1:02d}",
        idempotency_key=key,
        created_by=actor,
    )
    if kind in INSTANT_TENDERS:
        INSTANT_TENDERS[kind].charge(tender)
        _apply_success(tender, provider_trade_no="", paid_at=clock.now())
    if superseded:
        transaction.on_commit(partial(_close_later, superseded))
    return _Opened(tender=tender, reused=False, superseded=superseded)


def _close_later(tender_ids: Sequence[int]) -> None:
    from newretail.payments.tasks import close_charge_task

    for tender_id in tender_ids:
        close_charge_task(tender_id)


def pay_order(
    *,
    order_id: int,
    kind: str,
    member: Member | None = None,
    actor: User | None = None,
    amount_fen: int | None = None,
    payer_openid: str = "",
    auth_code: str = "",
    client_ip: str = "",
    return_url: str = "",
    idempotency_key: str | None = None,
) -> Tender:
    """Pay (part of) an order with one tender, as the shopper (``member``: the whole amount still
    to pay, online kinds) or as staff (``actor``: a part is allowed, for mixed tenders at the
    till; cash, payment codes, a QR). Returns the tender: succeeded (cash, an accepted payment
    code), pending with ``action`` saying what the client does next, or failed with a reason.
    A replayed ``idempotency_key`` returns the first tender; pressing pay again for the same kind
    returns the open charge instead of starting another."""
    if (member is None) == (actor is None):
        raise ValueError("pay_order needs exactly one of member and actor")
    key = clean_idempotency_key(idempotency_key, error=PaymentError.INVALID_IDEMPOTENCY_KEY)
    merchant_id = member.merchant_id if member else actor.merchant_id
    if key is not None:
        existing = Tender.objects.filter(merchant_id=merchant_id, idempotency_key=key).first()
        if existing is not None:
            return existing
    _check_kind(kind, by_member=member is not None)
    auth_code = "".join((auth_code or "").split())
    opened = _open_tender(
        order_id=order_id,
        kind=kind,
        amount_fen=amount_fen,
        member=member,
        actor=actor,
        payer_openid=(payer_openid or "").strip()[:128],
        auth_code=auth_code,
        key=key,
    )
    tender = opened.tender
    if opened.reused or tender.status != TS.PENDING:
        return tender
    order = tender.intent.order
    request = ChargeRequest(
        out_trade_no=tender.out_trade_no,
        amount_fen=tender.amount_fen,
        description=_description(order),
        notify_url=notify_url(tender.account),
        return_url=return_url[:500],
        client_ip=(client_ip or "")[:45],
        payer_openid=payer_openid,
        auth_code=auth_code,
        expires_at=order.expires_at,
    )
    try:
        start = gateway_for(tender.account).charge(kind, request)
    except GatewayError as error:
        logger.warning("charge %s failed at the provider: %s", tender.out_trade_no, error)
        if kind in base.MICROPAY_KINDS:
            # A payment code may have been charged even though the answer was lost: the tender
            # stays pending (the till cannot take a second code for the same amount) and the poll
            # or the reconciler asks the provider what happened.
            return _record_start(tender.pk, ChargeStart(status=base.PENDING, action={"type": "poll"}))
        _record_failure(tender.pk, str(error)[:200] or "gateway error")
        raise DomainError(PaymentError.PROVIDER_UNAVAILABLE, provider=_provider_label(kind)) from None
    if kind == K.WECHAT_JSAPI:
        start = ChargeStart(
            status=start.status,
            action={**start.action, "openid": payer_openid},
            provider_trade_no=start.provider_trade_no,
            amount_fen=start.amount_fen,
            failure_reason=start.failure_reason,
        )
    return _record_start(tender.pk, start)


def _description(order: Order) -> str:
    names = list(
        OrderLine.objects.filter(order=order).order_by("sku_id").values_list("product_name", flat=True)
    )
    text = names[0] if names else order.number
    if len(names) > 1:
        text = _("%(name)s and %(count)s more") % {"name": text, "count": len(names) - 1}
    return text[:127]


@transaction.atomic
def _record_failure(tender_id: int, reason: str) -> None:
    Tender.objects.filter(pk=tender_id, status=TS.PENDING).update(
        status=TS.FAILED, failure_reason=reason[:200]
    )


@transaction.atomic
def _record_start(tender_id: int, start: ChargeStart) -> Tender:
    tender = Tender.objects.select_for_update().select_related("intent").get(pk=tender_id)
    if tender.status == TS.PENDING:
        Tender.objects.filter(pk=tender.pk).update(
            action=dict(start.action), provider_trade_no=start.provider_trade_no[:64]
        )
        tender.action = dict(start.action)
        tender.provider_trade_no = start.provider_trade_no[:64]
    if start.status == base.SUCCEEDED:
        status = ChargeStatus(
            out_trade_no=tender.out_trade_no,
            status=base.SUCCEEDED,
            amount_fen=start.amount_fen if start.amount_fen is not None else tender.amount_fen,
            provider_trade_no=start.provider_trade_no,
            paid_at=clock.now(),
        )
        _confirm_locked(tender, status)
    elif start.status == base.FAILED:
        _mark_failed(tender, start.failure_reason or _("refused by the provider"))
    tender.refresh_from_db()
    return tender


# --- applying what the provider says ---------------------------------------------------------


def _mark_failed(tender: Tender, reason: str) -> None:
    Tender.objects.filter(pk=tender.pk, status=TS.PENDING).update(
        status=TS.FAILED, failure_reason=reason[:200]
    )


def _apply_success(tender: Tender, *, provider_trade_no: str, paid_at) -> None:
    """Inside the caller's transaction with the tender locked and not yet succeeded: mark it
    succeeded and settle its intent."""
    Tender.objects.filter(pk=tender.pk).exclude(status=TS.SUCCEEDED).update(
        status=TS.SUCCEEDED,
        provider_trade_no=provider_trade_no[:64] or tender.provider_trade_no,
        succeeded_at=paid_at,
        failure_reason="",
    )
    tender.status = TS.SUCCEEDED
    tender.succeeded_at = paid_at
    _settle(tender)


def _settle(tender: Tender) -> None:
    """A tender just succeeded: count it toward its intent; when the intent is covered, the
    order is paid. Money the order does not need is refunded."""
    intent = PaymentIntent.objects.select_for_update().get(pk=tender.intent_id)
    order = Order.objects.select_for_update().get(pk=intent.order_id)
    needed = (
        order.status == Order.Status.PENDING_PAYMENT
        and intent.paid_fen + tender.amount_fen <= intent.amount_fen
    )
    if not needed:
        refund_surplus_tender(tender=tender, order=order)
        return
    PaymentIntent.objects.filter(pk=intent.pk).update(paid_fen=F("paid_fen") + tender.amount_fen)
    intent.paid_fen += tender.amount_fen
    if intent.paid_fen < intent.amount_fen:
        return
    now = clock.now()
    PaymentIntent.objects.filter(pk=intent.pk).update(status=PaymentIntent.Status.SUCCEEDED, succeeded_at=now)
    paid = [
        {"kind": t.kind, "amount_fen": t.amount_fen}
        for t in intent.tenders.filter(status=TS.SUCCEEDED).order_by("pk")
    ]
    try:
        with transaction.atomic():
            # The staff member who took the last payment (at the till) is on the timeline.
            mark_order_paid(order=order, tenders=paid, paid_at=now, actor=tender.created_by)
    except DomainError as error:
        if error.error is not InventoryError.INSUFFICIENT_STOCK:
            raise
        _close_without_stock(order, intent)


def _close_without_stock(order: Order, intent: PaymentIntent) -> None:
    """The payment came after the order's stock hold lapsed and the goods were sold meanwhile:
    close the order and give every tender back."""
    order.refresh_from_db()
    close_unpaid_order(
        order, reason="out_of_stock_at_payment", note=_("Out of stock when the payment arrived; refunded")
    )
    PaymentIntent.objects.filter(pk=intent.pk).update(status=PaymentIntent.Status.CANCELLED, paid_fen=0)
    for tender in intent.tenders.select_for_update().filter(status=TS.SUCCEEDED).order_by("pk"):
        refund_surplus_tender(tender=tender, order=order)


def _confirm_locked(tender: Tender, status: ChargeStatus) -> str:
    if status.status == base.SUCCEEDED:
        if status.amount_fen != tender.amount_fen:
            logger.error(
                "charge %s: provider says %s fen, tender is %s fen; ignored",
                tender.out_trade_no,
                status.amount_fen,
                tender.amount_fen,
            )
            return Outcome.AMOUNT_MISMATCH
        if tender.status == TS.SUCCEEDED:
            return Outcome.DUPLICATE
        _apply_success(
            tender, provider_trade_no=status.provider_trade_no, paid_at=status.paid_at or clock.now()
        )
        return Outcome.ACCEPTED
    if status.status == base.FAILED:
        if tender.status == TS.PENDING:
            _mark_failed(tender, str(status.raw.get("reason", "")) or _("closed or refused by the provider"))
            return Outcome.FAILED
        return Outcome.DUPLICATE
    return Outcome.PENDING


@transaction.atomic
def confirm_charge(*, merchant_id: int, status: ChargeStatus) -> str:
    """Apply the provider's word on a charge (notification, query, micropay poll). Returns an
    ``Outcome`` value; never raises for a charge it does not know or an amount that differs."""
    tender = (
        Tender.objects.select_for_update()
        .select_related("intent")
        .filter(merchant_id=merchant_id, out_trade_no=status.out_trade_no)
        .first()
    )
    if tender is None:
        logger.warning("charge notification for unknown reference %s", status.out_trade_no)
        return Outcome.UNKNOWN_REFERENCE
    return _confirm_locked(tender, status)


def query_tender(tender: Tender) -> str:
    """Ask the provider about one pending charge and apply the answer (outside a transaction)."""
    if tender.kind not in GATEWAY_KINDS or tender.account_id is None:
        return Outcome.DUPLICATE
    try:
        status = gateway_for(tender.account).query(tender.out_trade_no)
    except GatewayError as error:
        logger.warning("query of charge %s failed: %s", tender.out_trade_no, error)
        return Outcome.PENDING
    return confirm_charge(merchant_id=tender.merchant_id, status=status)


def poll_tender(*, tender_id: int, member: Member | None = None, actor: User | None = None) -> Tender:
    """The till (or the shopper's page) asks whether a pending charge settled: the provider is
    queried and the answer applied. The tender must belong to an order the caller may see."""
    tender = Tender.objects.select_related("intent", "account").filter(pk=tender_id).first()
    if tender is None:
        raise not_found()
    if member is not None:
        member_order(member, tender.intent.order_id)
    else:
        staff_order(actor, tender.intent.order_id, Perm.ORDERS_VIEW)
    if tender.status == TS.PENDING:
        query_tender(tender)
        tender.refresh_from_db()
    return tender


def settle_pending_tenders(*, order_id: int) -> None:
    """Before an unpaid order is closed: ask the provider about each charge still pending, so a
    payment made in the last moment pays the order instead of being refunded."""
    for tender in Tender.objects.select_related("account").filter(
        intent__order_id=order_id, status=TS.PENDING, kind__in=GATEWAY_KINDS
    ):
        query_tender(tender)


def cancel_pending_tenders(order: Order) -> None:
    """Inside the transaction that cancels or closes an unpaid order: its pending charges are
    cancelled here and closed at the provider after commit, and what was already paid of it (a
    part paid by the wallet, or cash at the till before the shopper walked away) is refunded."""
    for paid in (
        Tender.objects.select_for_update().filter(intent__order=order, status=TS.SUCCEEDED).order_by("pk")
    ):
        if paid.refundable_fen > 0:
            refund_surplus_tender(tender=paid, order=order)
    ids = list(Tender.objects.filter(intent__order=order, status=TS.PENDING).values_list("pk", flat=True))
    if not ids:
        PaymentIntent.objects.filter(order=order, status=PaymentIntent.Status.PENDING).update(
            status=PaymentIntent.Status.CANCELLED
        )
        return
    Tender.objects.filter(pk__in=ids, status=TS.PENDING).update(status=TS.CANCELLED)
    PaymentIntent.objects.filter(order=order, status=PaymentIntent.Status.PENDING).update(
        status=PaymentIntent.Status.CANCELLED
    )
    transaction.on_commit(partial(_close_later, [pk for pk in ids]))


def close_charge(tender_id: int) -> None:
    """Close a cancelled charge at the provider so it can no longer be paid (best effort: a
    payment that still arrives is refunded by ``confirm_charge``)."""
    tender = Tender.objects.select_related("account").filter(pk=tender_id, status=TS.CANCELLED).first()
    if tender is None or tender.kind not in GATEWAY_KINDS or tender.account is None:
        return
    try:
        gateway_for(tender.account).close(tender.out_trade_no)
    except GatewayError as error:
        logger.info("closing charge %s at the provider failed: %s", tender.out_trade_no, error)


def reconcile_pending_charges(*, now=None, limit: int = 200) -> int:
    """The periodic safety net for lost notifications: ask the provider about every gateway
    charge pending for more than 30 seconds (and less than two days). Returns how many settled."""
    now = now or clock.now()
    tenders = (
        Tender.objects.select_related("account")
        .filter(
            status=TS.PENDING,
            kind__in=GATEWAY_KINDS,
            created_at__lte=now - dt.timedelta(seconds=RECONCILE_AFTER_SECONDS),
            created_at__gte=now - dt.timedelta(days=RECONCILE_FOR_DAYS),
        )
        .order_by("created_at")[:limit]
    )
    return sum(1 for tender in tenders if query_tender(tender) in (Outcome.ACCEPTED, Outcome.FAILED))
