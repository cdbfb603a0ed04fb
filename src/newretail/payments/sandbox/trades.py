"""State changes of sandbox trades and refunds, the same for both fake providers. Each change is
a conditional UPDATE from the states it may leave, and records the notification the provider
would send in the same transaction. The views translate requests and answers; this module
decides what happens.

Payment-code (micropay) outcomes are chosen by the code the cashier scans, so a POS can be
tested for every branch (the format checks live in each protocol module):

- a code ending in ``0000``: the payer must enter a password; the charge answers "paying", the
  first query still says so, and the second query finds it paid (Alipay then notifies);
- a code ending in ``9999``: refused for insufficient balance (余额不足);
- any other well-formed code: paid at once.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F

from newretail.core import clock
from newretail.payments.sandbox import alipay_protocol, crypto, notifications, wechat_protocol
from newretail.payments.sandbox.models import SandboxMerchant, SandboxRefund, SandboxTrade

Status = SandboxTrade.Status
Outcome = SandboxTrade.MicropayOutcome
# A WeChat refund is answered PROCESSING and settled by a task just after; the minute sweep
# settles any whose task was lost once they are this old.
REFUND_SETTLE_AFTER = dt.timedelta(seconds=10)
QUERIES_TO_FINISH_PASSWORD = 2


class RefundRefused(Exception):
    """``reason`` is "not_paid", "exceeds" (more than what is left) or "mismatch" (the refund
    number exists with another trade or amount)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def micropay_outcome(auth_code: str) -> str:
    if auth_code.endswith("0000"):
        return Outcome.PASSWORD
    if auth_code.endswith("9999"):
        return Outcome.REFUSED
    return Outcome.PAID


def find_trade(merchant: SandboxMerchant, out_trade_no: str) -> SandboxTrade | None:
    """The merchant's trade, closed first if its deadline has passed (``expire_if_due``)."""
    trade = SandboxTrade.objects.filter(merchant=merchant, out_trade_no=out_trade_no).first()
    return expire_if_due(trade) if trade else None


def expire_if_due(trade: SandboxTrade) -> SandboxTrade:
    """``trade``, closed first if it is unpaid and its deadline has passed (providers close
    unpaid trades when ``time_expire`` comes)."""
    if trade.status == Status.UNPAID and trade.expires_at and trade.expires_at <= clock.now():
        close_trade(trade)
    return trade


def _new_trade_no(provider: str) -> str:
    today = clock.local_now().strftime("%Y%m%d")
    if provider == SandboxMerchant.Provider.WECHAT:
        return f"4200{crypto.random_digits(6)}{today}{crypto.random_digits(10)}"  # 28 digits, like WeChat
    return f"{today}22001{crypto.random_digits(15)}"  # 28 digits, like Alipay


def open_trade(
    *,
    merchant: SandboxMerchant,
    kind: str,
    out_trade_no: str,
    amount_fen: int,
    description: str,
    notify_url: str = "",
    return_url: str = "",
    payer_id: str = "",
    expires_at: dt.datetime | None = None,
    auth_code: str = "",
) -> tuple[SandboxTrade, bool]:
    """The trade under ``out_trade_no``, created unpaid if there is none. Returns (trade,
    created); the caller compares an existing trade with the request (each provider words a
    mismatch differently)."""
    existing = find_trade(merchant, out_trade_no)
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            trade = SandboxTrade.objects.create(
                merchant=merchant,
                kind=kind,
                out_trade_no=out_trade_no,
                amount_fen=amount_fen,
                description=description[:256],
                notify_url=notify_url,
                return_url=return_url,
                payer_id=payer_id,
                expires_at=expires_at,
                auth_code=auth_code,
                micropay_outcome=micropay_outcome(auth_code) if auth_code else "",
                provider_trade_no=_new_trade_no(merchant.provider),
                page_token=secrets.token_urlsafe(16),
                prepay_id=f"wx{clock.local_now():%d%H%M%S}{secrets.token_hex(12)}"
                if merchant.provider == SandboxMerchant.Provider.WECHAT
                else "",
            )
    except IntegrityError:  # the same reference at the same moment: the first one wins
        return SandboxTrade.objects.get(merchant=merchant, out_trade_no=out_trade_no), False
    return trade, True


def pay_trade(trade: SandboxTrade) -> bool:
    """Unpaid or paying → paid, and the provider's payment notification recorded. False when the
    trade was no longer payable (paid, closed or refused meanwhile)."""
    with transaction.atomic():
        paid = SandboxTrade.objects.filter(pk=trade.pk, status__in=[Status.UNPAID, Status.PAYING]).update(
            status=Status.PAID, paid_at=clock.now(), payer_id=trade.payer_id or _payer_id(trade.merchant)
        )
        trade.refresh_from_db()
        if paid:
            _notify_trade(trade)
    return bool(paid)


def refuse_trade(trade: SandboxTrade, *, code: str, message: str) -> bool:
    """Unpaid or paying → refused (a payment code with too little balance)."""
    refused = SandboxTrade.objects.filter(pk=trade.pk, status__in=[Status.UNPAID, Status.PAYING]).update(
        status=Status.FAILED, failure_code=code, failure_message=message, closed_at=clock.now()
    )
    trade.refresh_from_db()
    return bool(refused)


def scan_payment_code(trade: SandboxTrade, *, refusal_code: str, refusal_message: str) -> str:
    """What a new payment-code trade does at once, by its code (see the module docstring):
    paid, refused with the provider's ``refusal_code``, or waiting for the payer's password.
    Returns the outcome."""
    outcome = micropay_outcome(trade.auth_code)
    if outcome == Outcome.REFUSED:
        refuse_trade(trade, code=refusal_code, message=refusal_message)
    elif outcome == Outcome.PASSWORD:
        start_password_wait(trade)
    else:
        pay_trade(trade)
    return outcome


def start_password_wait(trade: SandboxTrade) -> bool:
    """Unpaid → paying (the payer is asked for a password on the phone)."""
    waiting = SandboxTrade.objects.filter(pk=trade.pk, status=Status.UNPAID).update(status=Status.PAYING)
    trade.refresh_from_db()
    return bool(waiting)


def close_trade(trade: SandboxTrade) -> bool:
    """Unpaid or paying → closed; Alipay notifies TRADE_CLOSED. False if it was not open."""
    with transaction.atomic():
        closed = SandboxTrade.objects.filter(pk=trade.pk, status__in=[Status.UNPAID, Status.PAYING]).update(
            status=Status.CLOSED, closed_at=clock.now()
        )
        trade.refresh_from_db()
        if closed and trade.merchant.provider == SandboxMerchant.Provider.ALIPAY:
            _notify_trade(trade)
    return bool(closed)


def note_query(trade: SandboxTrade) -> SandboxTrade:
    """A query of a trade waiting for the payer's password: the second one finds it paid."""
    if trade.status != Status.PAYING:
        return trade
    SandboxTrade.objects.filter(pk=trade.pk, status=Status.PAYING).update(
        queries_while_paying=F("queries_while_paying") + 1
    )
    trade.refresh_from_db()
    if trade.status == Status.PAYING and trade.queries_while_paying >= QUERIES_TO_FINISH_PASSWORD:
        pay_trade(trade)
    return trade


def create_refund(
    *,
    trade: SandboxTrade,
    out_refund_no: str,
    amount_fen: int,
    reason: str = "",
    notify_url: str = "",
    synchronous: bool,
) -> tuple[SandboxRefund, bool]:
    """Refund part of a paid trade. A replay (same number, trade and amount) returns the first
    refund with created=False. ``synchronous`` (Alipay) makes it succeed now and notify the
    trade's notify_url; otherwise (WeChat) it is PROCESSING and a task settles it after commit.
    Raises ``RefundRefused``."""
    existing = SandboxRefund.objects.filter(
        trade__merchant_id=trade.merchant_id, out_refund_no=out_refund_no
    ).first()
    if existing:
        if existing.trade_id != trade.pk or existing.amount_fen != amount_fen:
            raise RefundRefused("mismatch")
        return existing, False
    if trade.status != Status.PAID:
        raise RefundRefused("not_paid")
    with transaction.atomic():
        grown = SandboxTrade.objects.filter(
            pk=trade.pk, status=Status.PAID, refunded_fen__lte=F("amount_fen") - amount_fen
        ).update(refunded_fen=F("refunded_fen") + amount_fen)
        if not grown:
            raise RefundRefused("exceeds")
        refund = SandboxRefund.objects.create(
            trade=trade,
            out_refund_no=out_refund_no,
            provider_refund_no=f"5030{crypto.random_digits(6)}{clock.local_now():%Y%m%d}{crypto.random_digits(9)}",
            amount_fen=amount_fen,
            reason=reason[:256],
            notify_url=notify_url,
            status=SandboxRefund.Status.SUCCEEDED if synchronous else SandboxRefund.Status.PROCESSING,
            succeeded_at=clock.now() if synchronous else None,
        )
        trade.refresh_from_db()
        if synchronous:
            _notify_refund(refund)
        else:
            from newretail.payments.sandbox.tasks import settle_refund_task

            transaction.on_commit(lambda: settle_refund_task(refund.pk))
    return refund, True


def settle_refund(refund_id: int) -> bool:
    """Processing → succeeded, with the provider's refund notification. False if already settled."""
    with transaction.atomic():
        settled = SandboxRefund.objects.filter(pk=refund_id, status=SandboxRefund.Status.PROCESSING).update(
            status=SandboxRefund.Status.SUCCEEDED, succeeded_at=clock.now()
        )
        if settled:
            _notify_refund(SandboxRefund.objects.select_related("trade__merchant").get(pk=refund_id))
    return bool(settled)


def settle_due_refunds() -> int:
    ids = SandboxRefund.objects.filter(
        status=SandboxRefund.Status.PROCESSING, created_at__lte=clock.now() - REFUND_SETTLE_AFTER
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(ids) if settle_refund(pk))


def _payer_id(merchant: SandboxMerchant) -> str:
    if merchant.provider == SandboxMerchant.Provider.WECHAT:
        return "o" + crypto.random_string(27)  # an openid under the merchant's appid
    return "2088" + crypto.random_digits(12)  # an Alipay buyer_id


def _notify_trade(trade: SandboxTrade) -> None:
    if not trade.notify_url:
        return  # WeChat v2 payment codes have none; Alipay ones may omit it
    merchant = trade.merchant
    if merchant.provider == SandboxMerchant.Provider.WECHAT:
        if trade.status != Status.PAID:
            return  # WeChat only notifies payments
        event, headers, body = wechat_protocol.transaction_notification(trade)
    else:
        event, headers, body = alipay_protocol.trade_notification(trade)
    notifications.record(
        merchant=merchant, trade=trade, event=event, url=trade.notify_url, headers=headers, body=body
    )


def _notify_refund(refund: SandboxRefund) -> None:
    trade = refund.trade
    merchant = trade.merchant
    wechat = merchant.provider == SandboxMerchant.Provider.WECHAT
    # WeChat: the refund request's own notify_url; Alipay: the payment's, trade_status_sync with
    # out_biz_no.
    url = refund.notify_url if wechat else trade.notify_url
    if not url:
        return
    if wechat:
        event, headers, body = wechat_protocol.refund_notification(refund)
    else:
        event, headers, body = alipay_protocol.trade_notification(trade, refund=refund)
    notifications.record(
        merchant=merchant, trade=trade, refund=refund, event=event, url=url, headers=headers, body=body
    )
