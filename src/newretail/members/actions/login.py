"""Phone + SMS code login (短信验证码登录), the way shoppers sign in to a mall.

1. ``request_login_code`` sends a 6-digit code and keeps only its keyed hash (an HMAC under
   SECRET_KEY: a million possible codes would be brute-forced from a plain hash in a blink).
2. ``login_with_code`` checks it, creates the member on first login and returns a bearer token.

Rate limits live in the shared cache (``core.ratelimit``), keyed by the normalised phone across
the whole platform, so that nobody can flood one person's phone through many malls: per phone one
code per 60 s and ``CODE_DAILY_LIMIT`` per 24 h, per client IP ``CODE_IP_LIMIT`` per hour;
verification attempts per (merchant, phone, IP) ``VERIFY_LIMIT`` per ``VERIFY_WINDOW``. The IP is
what the web server gives as REMOTE_ADDR: behind a proxy or load balancer, the proxy must set it
(granian/nginx ``real_ip``), forwarded headers are not trusted here because anyone can send them.

Both functions must be called outside a transaction (the API does): the rate-limit counters and a
wrong try are written before the error is raised and must survive it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata

from django.db import transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare, salted_hmac

from newretail.core import clock, ratelimit
from newretail.core.errors import CoreError, DomainError, ErrorCode, not_found
from newretail.core.tenancy import merchant_id_of
from newretail.members.actions.members import find_or_create_member
from newretail.members.actions.tokens import issue_member_token
from newretail.members.errors import MemberError
from newretail.members.models import LoginCode, Member
from newretail.members.phones import normalise_mobile
from newretail.members.sms import SmsSendError, send_sms
from newretail.tenancy.models import Merchant, Store

CODE_DIGITS = 6
CODE_LIFETIME = dt.timedelta(minutes=5)
MAX_WRONG_TRIES = 5
CODE_INTERVAL_SECONDS = 60
CODE_DAILY_LIMIT = 10
CODE_IP_LIMIT = 20
VERIFY_LIMIT = 10
VERIFY_WINDOW = 600
DAY = 24 * 3600
HOUR = 3600

# The SMS itself is Chinese whatever the UI language: carriers require the 【sign】 and the
# providers' approved templates are written this way.
SMS_TEXT = "【{merchant}】验证码 {code}，{minutes}分钟内有效，请勿告诉他人。"


def _limit(key: str, *, limit: int, window_seconds: int, error: ErrorCode, **params: object) -> None:
    try:
        ratelimit.hit(key, limit=limit, window_seconds=window_seconds)
    except DomainError as exc:
        if exc.error is CoreError.RATE_LIMITED:
            raise DomainError(error, **params) from None
        raise


def _code_hash(*, merchant_id: int, phone: str, purpose: str, code: str) -> str:
    return salted_hmac(
        "newretail.members.login_code", f"{merchant_id}:{phone}:{purpose}:{code}", algorithm="sha256"
    ).hexdigest()


def request_login_code(*, merchant: Merchant, phone: str, ip: str) -> None:
    """Send a login code to ``phone`` for ``merchant``'s mall.

    Guarantees: the phone is normalised (``members.invalid_phone``); a refused request
    (``members.code_ip_limit``, ``members.code_too_soon``, ``members.code_daily_limit``, checked
    in that order) writes no code and sends nothing; the code is a uniformly random 6-digit
    number from ``secrets``, stored only as a keyed hash and valid for CODE_LIFETIME; it replaces
    any earlier code of the phone; if the backend fails the code is rolled back
    (``members.sms_failed``), so a stored code always is a sent one.
    """
    if not merchant.is_active:
        raise not_found()
    phone = normalise_mobile(phone)
    _limit(f"member-code-ip:{ip}", limit=CODE_IP_LIMIT, window_seconds=HOUR, error=MemberError.CODE_IP_LIMIT)
    _limit(
        f"member-code-phone:{phone}",
        limit=1,
        window_seconds=CODE_INTERVAL_SECONDS,
        error=MemberError.CODE_TOO_SOON,
    )
    _limit(
        f"member-code-phone-day:{phone}",
        limit=CODE_DAILY_LIMIT,
        window_seconds=DAY,
        error=MemberError.CODE_DAILY_LIMIT,
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    purpose = LoginCode.Purpose.LOGIN
    with transaction.atomic():
        LoginCode.objects.create(
            merchant_id=merchant.pk,
            phone=phone,
            purpose=purpose,
            code_hash=_code_hash(merchant_id=merchant.pk, phone=phone, purpose=purpose, code=code),
            expires_at=clock.now() + CODE_LIFETIME,
        )
        text = SMS_TEXT.format(
            merchant=merchant.name, code=code, minutes=int(CODE_LIFETIME.total_seconds() // 60)
        )
        try:
            send_sms(merchant_id=merchant.pk, phone=phone, text=text, purpose=str(purpose))
        except SmsSendError:
            raise DomainError(MemberError.SMS_FAILED) from None


def _normalise_code(code: str) -> str:
    return unicodedata.normalize("NFKC", code or "").strip()


def login_with_code(
    *,
    merchant: Merchant | int,
    phone: str,
    code: str,
    ip: str,
    source: str = Member.Source.MALL,
    store: Store | int | None = None,
) -> tuple[Member, str]:
    """Log a member in with the code sent to their phone; returns ``(member, raw bearer token)``.

    Guarantees: only the newest code of the phone counts; it works once (consumed by a
    conditional UPDATE, so of two concurrent logins with one code exactly one succeeds), until it
    expires (``members.code_expired``) and for at most MAX_WRONG_TRIES wrong tries, after which it
    is dead even for the right code (``members.code_attempts_exceeded``); a wrong, used or unknown
    code is ``members.code_invalid``. Attempts per (merchant, phone, IP) are rate-limited
    (``members.login_rate_limited``). Codes are compared in constant time. The first login creates
    the member (``source``, ``store``), as ``find_or_create_member`` does, so a member the POS
    created by phone logs in as themselves; a deactivated member is refused
    (``members.member_inactive``) and their code stays unused. ``last_login_at`` is set.
    """
    merchant_id = merchant_id_of(merchant)
    phone = normalise_mobile(phone)
    verify_key = f"member-login:{merchant_id}:{phone}:{ip}"
    _limit(
        verify_key,
        limit=VERIFY_LIMIT,
        window_seconds=VERIFY_WINDOW,
        error=MemberError.LOGIN_RATE_LIMITED,
        minutes=VERIFY_WINDOW // 60,
    )
    purpose = LoginCode.Purpose.LOGIN
    latest = (
        LoginCode.objects.filter(merchant_id=merchant_id, phone=phone, purpose=purpose)
        .order_by("-id")
        .first()
    )
    if latest is None or latest.used_at is not None:
        raise DomainError(MemberError.CODE_INVALID)
    if latest.failed_attempts >= MAX_WRONG_TRIES:
        raise DomainError(MemberError.CODE_ATTEMPTS_EXCEEDED)
    now = clock.now()
    if latest.expires_at <= now:
        raise DomainError(MemberError.CODE_EXPIRED)
    code = _normalise_code(code)
    expected = _code_hash(merchant_id=merchant_id, phone=phone, purpose=purpose, code=code)
    if not constant_time_compare(expected, latest.code_hash):
        counted = LoginCode.objects.filter(
            pk=latest.pk, used_at__isnull=True, failed_attempts__lt=MAX_WRONG_TRIES
        ).update(failed_attempts=F("failed_attempts") + 1)
        if counted and latest.failed_attempts + 1 >= MAX_WRONG_TRIES:
            raise DomainError(MemberError.CODE_ATTEMPTS_EXCEEDED)
        raise DomainError(MemberError.CODE_INVALID)
    with transaction.atomic():
        consumed = LoginCode.objects.filter(
            pk=latest.pk, used_at__isnull=True, failed_attempts__lt=MAX_WRONG_TRIES, expires_at__gt=now
        ).update(used_at=now)
        if not consumed:
            raise DomainError(MemberError.CODE_INVALID)
        member, _created = find_or_create_member(
            merchant=merchant_id, phone=phone, source=source, store=store
        )
        if member.merged_into_id is not None:  # the same person's other number: log in as the kept member
            member = Member.objects.get(pk=member.merged_into_id)
        if not member.is_active:
            raise DomainError(MemberError.MEMBER_INACTIVE)
        Member.objects.filter(pk=member.pk).update(last_login_at=now)
        member.last_login_at = now
        _token, raw = issue_member_token(member=member)
    ratelimit.reset(verify_key, window_seconds=VERIFY_WINDOW)
    return member, raw
