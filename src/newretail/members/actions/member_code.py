"""The member code (会员码): a number the member shows in the mall as a QR code and a barcode, and
the till scans to find them. It changes every minute and is good once, so a screenshot or a
photographed code cannot be used again.

Format: 18 digits, ``66`` + the member id (10 digits) + a 6-digit one-time password over
(merchant, member, minute) keyed by the server's secret (HMAC-SHA256, like TOTP). ``66`` keeps it
apart from payment codes (WeChat 10–15, Alipay 25–30) that the same scanner reads. The code of the
current and the previous minute are accepted (a member who opened it just before the minute
turned); a code is taken once (a cache entry per member and minute); wrong codes are rate-limited
per till so the 6 digits cannot be guessed."""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.crypto import salted_hmac

from newretail.core import clock, ratelimit
from newretail.core.errors import DomainError
from newretail.members.errors import MemberError
from newretail.members.models import Member

PREFIX = "66"
STEP_SECONDS = 60
CODE_RE = re.compile(r"^66(\d{10})(\d{6})$")
WRONG_CODES_PER_MINUTE = 20


@dataclass(frozen=True)
class MemberCode:
    code: str
    expires_at: dt.datetime


def _step(now: dt.datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _password(merchant_id: int, member_id: int, step: int) -> str:
    digest = salted_hmac("newretail.member-code", f"{merchant_id}:{member_id}:{step}", algorithm="sha256")
    return f"{int(digest.hexdigest()[:15], 16) % 1_000_000:06d}"


def current_member_code(member: Member, *, now: dt.datetime | None = None) -> MemberCode:
    """The member's code for this minute and when it stops being shown."""
    now = now or clock.now()
    step = _step(now)
    code = f"{PREFIX}{member.pk:010d}{_password(member.merchant_id, member.pk, step)}"
    return MemberCode(code=code, expires_at=dt.datetime.fromtimestamp((step + 1) * STEP_SECONDS, tz=dt.UTC))


def resolve_member_code(
    merchant_id: int, code: str, *, till: str = "", now: dt.datetime | None = None
) -> Member:
    """The member a scanned code belongs to (once). ``till`` names who scans (a terminal or staff
    id) for the rate limit on wrong codes."""
    now = now or clock.now()
    limit_key = f"member-code:{merchant_id}:{till}"
    ratelimit.check(limit_key, limit=WRONG_CODES_PER_MINUTE, window_seconds=60)
    match = CODE_RE.match("".join((code or "").split()))
    if match is None:
        raise DomainError(MemberError.MEMBER_CODE_INVALID)
    member_id, password = int(match[1]), match[2]
    member = Member.objects.filter(merchant_id=merchant_id, pk=member_id, is_active=True).first()
    step = _step(now)
    matched = None
    if member is not None:
        for candidate in (step, step - 1):
            if hmac.compare_digest(password, _password(merchant_id, member_id, candidate)):
                matched = candidate
                break
    if matched is None:
        ratelimit.hit(limit_key, limit=WRONG_CODES_PER_MINUTE, window_seconds=60)
        older = member is not None and any(
            hmac.compare_digest(password, _password(merchant_id, member_id, step - back))
            for back in range(2, 31)
        )
        raise DomainError(MemberError.MEMBER_CODE_EXPIRED if older else MemberError.MEMBER_CODE_INVALID)
    if not cache.add(f"member-code:used:{member_id}:{matched}", 1, timeout=3 * STEP_SECONDS):
        raise DomainError(MemberError.MEMBER_CODE_USED)
    return member
