from __future__ import annotations

import datetime as dt
from functools import cache

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection, transaction

from newretail.core import clock, ratelimit
from newretail.core.errors import DomainError
from newretail.core.prepared import read_prepared
from newretail.core.rows import from_row, select_list, width
from newretail.core.tokens import hash_token, new_raw_token, record_use
from newretail.tenancy.access import require_staff
from newretail.tenancy.errors import TenancyError
from newretail.tenancy.models import ApiToken, Merchant, User

TOKEN_PREFIX = "nr_"
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def authenticate_staff(*, username: str, password: str, ip: str) -> User:
    """Check a console/POS login. Attempts are rate-limited per (username, ip) and per ip in the
    shared cache, so guessing a password is slow even across web processes. A successful login
    clears the per-username counter."""
    username = (username or "").strip()[:150]
    user_key = f"login:{username.lower()}:{ip}"
    ratelimit.hit(user_key, limit=settings.LOGIN_RATE_LIMIT, window_seconds=settings.LOGIN_RATE_WINDOW)
    ratelimit.hit(
        f"login-ip:{ip}", limit=settings.LOGIN_RATE_LIMIT_PER_IP, window_seconds=settings.LOGIN_RATE_WINDOW
    )
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        raise DomainError(TenancyError.LOGIN_FAILED)
    ratelimit.reset(user_key, window_seconds=settings.LOGIN_RATE_WINDOW)
    return user


@transaction.atomic
def issue_api_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a bearer token for the actor. The raw token is returned once and never stored."""
    require_staff(actor)
    raw = new_raw_token(TOKEN_PREFIX)
    token = ApiToken.objects.create(
        merchant_id=actor.merchant_id,
        user=actor,
        name=name[:64] or "api",
        prefix=raw[:10],
        token_hash=hash_token(raw),
    )
    return token, raw


def user_for_token(raw: str) -> User | None:
    """The staff account of a live API token, with its merchant and its stores
    (``User.store_ids``) loaded: every staff API call asks, in one query."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    if connection.vendor == "postgresql":
        token = _live_token_in_one_read(hash_token(raw))
    else:
        token = (
            ApiToken.objects.select_related("user", "user__merchant")
            .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
            .first()
        )
    if token is None or not token.user.is_merchant_staff or token.user.merchant_id != token.merchant_id:
        return None
    # "Last used" to the minute is enough, and it spares every API call a write.
    record_use(token, now=clock.now(), every=LAST_USED_PRECISION)
    return token.user


@cache
def _token_sql() -> str:
    q = connection.ops.quote_name
    stores = User.stores.through._meta
    return (
        f"SELECT {select_list(ApiToken, 't')}, {select_list(User, 'u')}, {select_list(Merchant, 'm')}, "  # noqa: S608 (names from the models)
        f"ARRAY(SELECT s.store_id FROM {q(stores.db_table)} s WHERE s.user_id = u.id) "
        f"FROM {q(ApiToken._meta.db_table)} t JOIN {q(User._meta.db_table)} u ON u.id = t.user_id "
        f"LEFT JOIN {q(Merchant._meta.db_table)} m ON m.id = u.merchant_id "
        "WHERE t.token_hash = %(hash)s::varchar AND t.revoked_at IS NULL LIMIT 1"
    )


def _live_token_in_one_read(token_hash: str) -> ApiToken | None:
    """``select_related("user", "user__merchant")`` and the user's store ids as one prepared read
    (through the ORM these are two queries and most of a staff API call's own cost)."""
    rows = read_prepared(_token_sql(), {"hash": token_hash})
    if not rows:
        return None
    row = rows[0]
    token = from_row(ApiToken, row)
    user = from_row(User, row, width(ApiToken))
    merchant = from_row(Merchant, row, width(ApiToken) + width(User))
    user._state.fields_cache["merchant"] = merchant
    user._store_ids_cache = set(row[-1])
    token._state.fields_cache["user"] = user
    return token
