"""Provider notifications (支付/退款结果通知): verified with the account's keys, applied
idempotently, logged whatever happens, and answered the way the provider expects (it retries
until it gets success). A notification that fails verification, names an amount that differs,
or a reference we never issued changes nothing."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping

from newretail.payments import secrets as sealed
from newretail.payments.accounts import gateway_for
from newretail.payments.actions.charges import Outcome, confirm_charge
from newretail.payments.actions.refunds import confirm_tender_refund
from newretail.payments.gateways.base import Acknowledgement, InvalidNotification
from newretail.payments.models import PaymentAccount, PaymentNotification

logger = logging.getLogger(__name__)

N = PaymentNotification.Outcome
_LOGGED = {
    Outcome.ACCEPTED: N.ACCEPTED,
    Outcome.FAILED: N.ACCEPTED,
    Outcome.PENDING: N.ACCEPTED,
    Outcome.DUPLICATE: N.DUPLICATE,
    Outcome.AMOUNT_MISMATCH: N.AMOUNT_MISMATCH,
    Outcome.UNKNOWN_REFERENCE: N.UNKNOWN_REFERENCE,
}
REJECTED = frozenset({N.BAD_SIGNATURE, N.AMOUNT_MISMATCH, N.UNKNOWN_REFERENCE})
UNKNOWN_ACCOUNT = Acknowledgement(status=404, content_type="text/plain", body=b"unknown account")


def handle_notification(
    *, provider: str, account_id: int, headers: Mapping[str, str], body: bytes
) -> Acknowledgement:
    """Verify, apply and log one notification for ``account_id``; return the answer to send."""
    account = PaymentAccount.objects.filter(pk=account_id, provider=provider).first()
    if account is None:
        logger.warning("%s notification for unknown account %s", provider, account_id)
        return UNKNOWN_ACCOUNT
    digest = hashlib.sha256(body).hexdigest()
    try:
        gateway = gateway_for(account)
    except sealed.SecretsUnreadable:
        logger.error("payment account %s: stored secrets cannot be read (key changed?)", account.pk)
        return UNKNOWN_ACCOUNT
    try:
        notification = gateway.parse_notification(headers, body)
    except InvalidNotification as error:
        logger.warning("rejected %s notification for account %s: %s", provider, account.pk, error)
        _log(account, N.BAD_SIGNATURE, "", str(error), digest)
        return gateway.acknowledge(False)
    if notification.charge is not None:
        reference = notification.charge.out_trade_no
        outcome = confirm_charge(merchant_id=account.merchant_id, status=notification.charge)
    elif notification.refund is not None:
        reference = notification.refund.out_refund_no
        outcome = confirm_tender_refund(merchant_id=account.merchant_id, status=notification.refund)
    else:  # pragma: no cover - parse_notification returns one of the two
        reference, outcome = "", Outcome.UNKNOWN_REFERENCE
    logged = _LOGGED.get(outcome, N.ACCEPTED)
    _log(account, logged, reference, outcome, digest)
    return gateway.acknowledge(logged not in REJECTED)


def _log(account: PaymentAccount, outcome: str, reference: str, detail: str, digest: str) -> None:
    PaymentNotification.objects.create(
        merchant_id=account.merchant_id,
        account=account,
        outcome=outcome,
        reference=reference[:64],
        detail=detail[:300],
        body_sha256=digest,
    )
