"""A copy of the live member tokens in Redis, for the request that cannot afford a database
lookup: the seckill purchase, where a flood of shoppers taps "buy" in the same second.

Key ``nr:{m<merchant>}:mtoken:<sha256 of the token>`` → the member's id, expiring with the token
or after MIRROR_SECONDS, whichever comes first. The merchant is in the key's hash tag, so a token
only ever opens its own merchant's mall, and the seckill's Lua script reads the key on the same
Redis Cluster slot as the merchant's seckill keys.

Kept in step with the database:

- written when a token is issued, and again whenever the database lookup (``token_for_raw``)
  finds it live and records its use (at most every few minutes), so an active shopper's token
  stays mirrored;
- deleted when the token is revoked (logout), when all of a member's tokens are revoked, and
  when the member is deleted, merged or deactivated (``forget_member``).

A missing key is never a refusal: ``member_id_for`` falls back to the database and mirrors what
it finds. A key that outlived a change nobody forgot (a bug) lives MIRROR_SECONDS at most, and
the worker that writes a seckill order checks the member in the database again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis
from django.db import transaction

from newretail.core import clock
from newretail.core import redis as core_redis
from newretail.core.tokens import hash_token
from newretail.members.models import MemberToken

logger = logging.getLogger(__name__)

MIRROR_SECONDS = 30 * 60


def mirror_key(merchant_id: int, token_hash: str) -> str:
    return f"nr:{{m{merchant_id}}}:mtoken:{token_hash}"


def mirror(tokens: Iterable[MemberToken]) -> None:
    """Write the live ``tokens`` to Redis (nothing without Redis)."""
    client = core_redis.client()
    if client is None:
        return
    now = clock.now()
    pipe = client.pipeline(transaction=False)
    for token in tokens:
        seconds = min(MIRROR_SECONDS, int((token.expires_at - now).total_seconds()))
        if seconds > 0 and token.revoked_at is None:
            pipe.set(mirror_key(token.merchant_id, token.token_hash), token.member_id, ex=seconds)
    try:
        pipe.execute()
    except redis.RedisError:
        logger.warning("member tokens not mirrored to Redis (the database answers instead)")


def mirror_on_commit(token: MemberToken) -> None:
    transaction.on_commit(lambda: mirror([token]))


def forget(pairs: Iterable[tuple[int, str]]) -> None:
    """Delete the mirrors of (merchant id, token hash) pairs."""
    names = [mirror_key(merchant_id, token_hash) for merchant_id, token_hash in pairs]
    client = core_redis.client()
    if client is None or not names:
        return
    try:
        client.delete(*names)
    except redis.RedisError:
        # While Redis is down nothing reads the mirror (the seckill refuses as busy); a Redis
        # that comes back with the key keeps it MIRROR_SECONDS at most.
        logger.error("could not forget %d member token mirrors in Redis", len(names))


def forget_member(member_id: int) -> None:
    """Forget every token of the member (before its rows are revoked or deleted)."""
    forget(MemberToken.objects.filter(member_id=member_id).values_list("merchant_id", "token_hash"))


def member_id_for(raw: str, merchant_id: int) -> int | None:
    """The id of the active member of ``merchant_id`` whose live token is ``raw``, or None: from
    the mirror when it has the token, else from the database (and mirrored for next time)."""
    from newretail.members.actions.tokens import plausible_token, token_for_raw

    if not plausible_token(raw):
        return None
    client = core_redis.client()
    if client is not None:
        try:
            found = client.get(mirror_key(merchant_id, hash_token(raw)))
        except redis.RedisError:
            found = None
        if found is not None:
            return int(found)
    token = token_for_raw(raw)
    if token is None or token.merchant_id != merchant_id:
        return None
    mirror([token])
    return token.member_id
