"""Member bearer tokens for the mall, mini-programs and apps.

A token is ``nrm_`` + 32 random bytes (URL-safe); the database keeps only its SHA-256
(``core.tokens``), so a leaked table cannot be replayed. Tokens live ``TOKEN_LIFETIME`` from issue
(not sliding: a stolen token dies on schedule), are revoked by logging out, and stop working as
soon as the member is deactivated. Staff tokens start with ``nr_`` and are never accepted here,
nor these there. Live tokens are also mirrored in Redis for the seckill purchase
(``token_mirror``); every change here keeps the mirror in step.
"""

from __future__ import annotations

import datetime as dt

from newretail.core import clock
from newretail.core.tokens import hash_token, new_raw_token, record_use
from newretail.members.actions import token_mirror
from newretail.members.models import Member, MemberToken

TOKEN_PREFIX = "nrm_"
TOKEN_LIFETIME = dt.timedelta(days=30)
# last_used_at is informative; writing it on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
# Issued tokens are 47 characters; anything much longer is not worth hashing.
MAX_TOKEN_LENGTH = 100


def plausible_token(raw: str) -> bool:
    return bool(raw) and raw.startswith(TOKEN_PREFIX) and len(raw) <= MAX_TOKEN_LENGTH


def issue_member_token(*, member: Member) -> tuple[MemberToken, str]:
    """Create a token for ``member``, valid for TOKEN_LIFETIME. The raw token is returned once and
    never stored."""
    raw = new_raw_token(TOKEN_PREFIX)
    token = MemberToken.objects.create(
        merchant_id=member.merchant_id,
        member=member,
        prefix=raw[:12],
        token_hash=hash_token(raw),
        expires_at=clock.now() + TOKEN_LIFETIME,
    )
    token_mirror.mirror_on_commit(token)
    return token, raw


def token_for_raw(raw: str) -> MemberToken | None:
    """The live token row for ``raw`` (with its member and merchant), or None when it is unknown,
    expired, revoked, or its member or merchant is inactive. One query, plus a write of
    ``last_used_at`` at most every LAST_USED_RESOLUTION: this runs on every shopper request."""
    if not plausible_token(raw):
        return None
    now = clock.now()
    token = (
        MemberToken.objects.select_related("member", "member__merchant")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None:
        return None
    member = token.member
    if not member.is_active or not member.merchant.is_active or member.merchant_id != token.merchant_id:
        return None
    used_before = token.last_used_at
    record_use(token, now=now, every=LAST_USED_RESOLUTION)
    if token.last_used_at != used_before:  # on the same schedule: an active shopper stays mirrored
        token_mirror.mirror([token])
    return token


def member_for_token(raw: str) -> Member | None:
    """The active member a live token belongs to, or None."""
    token = token_for_raw(raw)
    return token.member if token is not None else None


def revoke_member_token(*, raw: str) -> bool:
    """Revoke one token (logout). Revoking twice or an unknown token is harmless; returns whether
    a live token was revoked."""
    if not plausible_token(raw):
        return False
    live = MemberToken.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True)
    token_mirror.forget(live.values_list("merchant_id", "token_hash"))
    return bool(live.update(revoked_at=clock.now()))


def revoke_member_tokens(*, member: Member) -> int:
    """Revoke every live token of ``member`` (log out everywhere); returns how many."""
    token_mirror.forget_member(member.pk)
    return MemberToken.objects.filter(member=member, revoked_at__isnull=True).update(revoked_at=clock.now())


def token_expires_at(raw: str) -> dt.datetime | None:
    """When the token ``raw`` expires (None for an unknown token), without touching it."""
    if not plausible_token(raw):
        return None
    return MemberToken.objects.filter(token_hash=hash_token(raw)).values_list("expires_at", flat=True).first()
