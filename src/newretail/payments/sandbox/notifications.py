"""Outgoing notifications of the sandbox, delivered like the providers deliver theirs.

- Recorded in the transaction that changed the trade or refund; after commit a Huey task
  delivers it, and the minute sweep (``deliver_due``) retries.
- Done only when the receiver gives the provider's success acknowledgement: WeChat, HTTP 200 or
  204; Alipay, HTTP 200 with the body "success".
- Retries follow the providers' published schedules, cut to eight attempts: WeChat
  15 s/15 s/30 s/3 min/10 min/20 min/30 min, Alipay 4 min/10 min/10 min/1 h/2 h/6 h/15 h.
  After the eighth failure ``next_attempt_at`` becomes null (given up).
- WeChat signs each attempt afresh (new timestamp and nonce, same body), so a receiver that
  refuses stale timestamps still accepts a late retry; Alipay resends the same signed form.
- An attempt is claimed with a conditional UPDATE and a lease, so the task and the sweep never
  send the same attempt twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q

from newretail.core import clock
from newretail.payments.sandbox import transport, wechat_protocol
from newretail.payments.sandbox.models import (
    SandboxMerchant,
    SandboxNotification,
    SandboxRefund,
    SandboxTrade,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=1)
_s, _m, _h = dt.timedelta(seconds=1), dt.timedelta(minutes=1), dt.timedelta(hours=1)
RETRY_DELAYS: dict[str, tuple[dt.timedelta, ...]] = {
    SandboxMerchant.Provider.WECHAT: (15 * _s, 15 * _s, 30 * _s, 3 * _m, 10 * _m, 20 * _m, 30 * _m),
    SandboxMerchant.Provider.ALIPAY: (4 * _m, 10 * _m, 10 * _m, 1 * _h, 2 * _h, 6 * _h, 15 * _h),
}
# How long each provider waits for the receiver's answer.
TIMEOUTS: dict[str, float] = {SandboxMerchant.Provider.WECHAT: 5.0, SandboxMerchant.Provider.ALIPAY: 10.0}


def record(
    *,
    merchant: SandboxMerchant,
    event: str,
    url: str,
    headers: dict[str, str],
    body: str,
    trade: SandboxTrade | None = None,
    refund: SandboxRefund | None = None,
) -> SandboxNotification:
    """Store a notification, due now, in the caller's transaction; deliver it after commit."""
    notification = SandboxNotification.objects.create(
        merchant=merchant,
        trade=trade,
        refund=refund,
        event=event,
        url=url,
        headers=headers,
        body=body,
        next_attempt_at=clock.now(),
    )
    from newretail.payments.sandbox.tasks import deliver_notification_task

    transaction.on_commit(lambda: deliver_notification_task(notification.pk))
    return notification


def accepted(provider: str, status: int | None, answer: bytes) -> bool:
    """The provider's rule for "the merchant has it"."""
    if provider == SandboxMerchant.Provider.WECHAT:
        return status in (200, 204)
    return status == 200 and answer.strip() == b"success"


def _claim(notification_id: int, now: dt.datetime) -> bool:
    due = Q(pk=notification_id, delivered_at__isnull=True, next_attempt_at__lte=now) & (
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )
    return SandboxNotification.objects.filter(due).update(locked_until=now + LEASE) == 1


def deliver(notification_id: int) -> str:
    """Make one attempt at a due notification. Returns "delivered", "retry", "gave_up", or
    "skipped" (not due, already delivered, or being sent by another worker)."""
    now = clock.now()
    if not _claim(notification_id, now):
        return "skipped"
    notification = SandboxNotification.objects.select_related("merchant").get(pk=notification_id)
    provider = notification.merchant.provider
    headers = dict(notification.headers)
    if provider == SandboxMerchant.Provider.WECHAT:
        headers.update(wechat_protocol.signed_headers(notification.merchant, notification.body))
    try:
        status, answer, error = transport.post(
            notification.url, headers=headers, body=notification.body.encode(), timeout=TIMEOUTS[provider]
        )
    except Exception as failure:  # an in-process receiver that crashed is a failed attempt, as over HTTP
        logger.warning("sandbox notification %s: receiver raised %s", notification_id, type(failure).__name__)
        status, answer, error = None, b"", f"{type(failure).__name__}: {failure}"[:500]
    attempts = notification.attempts + 1
    finished = clock.now()
    if accepted(provider, status, answer):
        SandboxNotification.objects.filter(pk=notification_id).update(
            attempts=attempts,
            headers=headers,
            delivered_at=finished,
            next_attempt_at=None,
            locked_until=None,
            last_status=status,
            last_error="",
        )
        return "delivered"
    delays = RETRY_DELAYS[provider]
    next_attempt = finished + delays[attempts - 1] if attempts < MAX_ATTEMPTS else None
    SandboxNotification.objects.filter(pk=notification_id).update(
        attempts=attempts,
        headers=headers,
        next_attempt_at=next_attempt,
        locked_until=None,
        last_status=status,
        last_error=error or answer[:500].decode("utf-8", "replace"),
    )
    return "retry" if next_attempt else "gave_up"


def deliver_due(limit: int = 200) -> int:
    """The sweep (every minute): one attempt at each notification whose time has come.
    Returns how many were delivered."""
    now = clock.now()
    ids = list(
        SandboxNotification.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if deliver(pk) == "delivered")
