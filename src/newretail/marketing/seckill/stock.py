"""The two stock paths behind one interface (``SeckillStock``): ``take`` gives the member the
pieces or refuses (sold out, over the limit), or says the member already holds them;
``write`` turns what ``take`` queued into the purchase row; ``give_back`` returns the pieces of a
purchase that was released. The buyer is a member id, or a member token that the stock path
resolves itself (the shopper API's purchase, where every round trip counts).

- **Database** (every profile): ``UPDATE … SET sold = sold + n WHERE sold + n <= stock`` and the
  purchase row, all or nothing: on PostgreSQL one prepared statement that also finds the
  token's member (``TAKE_BY_TOKEN_SQL``: the request's only round trip, the item's row locked
  from the UPDATE to the commit), elsewhere a short transaction. The purchase's partial unique
  constraint allows one live purchase per member and item. Correct on SQLite and PostgreSQL.
  ``take`` returns the purchase, which waits as ``reserved`` for a draining worker (the item's
  ``queued`` says when to ask for one); nothing touches Redis.
- **Redis** (scale profile): one Lua script reads the buyer from the token mirror, checks the
  stock and the member's counter, decrements both and queues the member's order request,
  atomically; the shopper is answered from that alone (the pieces are the member's, the purchase
  row is still to come). The worker drains the item's queue (``marketing.tasks``): ``write``
  runs the database path above, which stays the source of truth and a second guard: if Redis
  ever says yes wrongly, the conditional UPDATE still says no, and the shopper is told so on the
  purchase row. A request left queued (the worker's task lost, a process that died) is written
  by ``reconcile``; a pending note without a request is how ``reconcile`` knows what to give
  back.

Keys carry the merchant in a hash tag (``nr:{m7}:seckill:42:stock``), as the token mirror does, so
a merchant's seckill keys and member tokens live on one Redis Cluster slot, as the multi-key
purchase script needs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from newretail.core import redis as core_redis
from newretail.core.errors import CoreError, DomainError
from newretail.core.prepared import execute_prepared
from newretail.core.tokens import hash_token
from newretail.marketing.models import SeckillItem, SeckillPurchase
from newretail.marketing.seckill.errors import SeckillError
from newretail.marketing.seckill.queries import LIVE, SeckillOffer
from newretail.members.actions.token_mirror import mirror_key
from newretail.members.actions.tokens import plausible_token

logger = logging.getLogger(__name__)

# Keys outlive the campaign by a day (reports and late releases still find them), then expire.
KEY_GRACE_SECONDS = 86_400


class SeckillStock(Protocol):
    # ``for_worker``: the purchase waits for a draining worker (``queue_seckill``); False when
    # the caller writes and places it itself (``buy_seckill``), so nothing is queued or counted.
    def take(
        self,
        offer: SeckillOffer,
        *,
        member_id: int | None,
        token: str = "",
        quantity: int,
        request_key: str,
        order_request: dict,
        for_worker: bool = True,
    ) -> Taken: ...

    def write(self, offer: SeckillOffer, *, member_id: int) -> SeckillPurchase | None: ...

    def give_back(self, offer: SeckillOffer, *, member_id: int) -> None: ...


@dataclass(frozen=True)
class Taken:
    """What ``take`` did: the buyer's member id, and either the purchase row's id (database path) or
    the length of the item's queue of requests after this one joined it (Redis path); or nothing,
    because the member already holds a live purchase (``already_bought``: a replay, or a second
    purchase to refuse)."""

    member_id: int
    purchase_id: int | None = None
    queued: int = 0
    already_bought: bool = False


# One statement, so one round trip and the item's row locked from the UPDATE to the commit only:
# the buyer (``{buyer}``: the member id given, or the member of a live token, looked up here so
# that the database path needs no other round trip), then the UPDATE takes the pieces when enough
# are left and a buyer was found, and the INSERT records the purchase only if it did. A member's
# second live purchase breaks the partial unique constraint and the whole statement, the UPDATE
# included, is undone. Answers (buyer or NULL, purchase id or NULL, the item's ``queued`` after).
# Every parameter is cast: the statement is prepared (server-side binding, ``core.prepared``).
_TAKE_SQL = """
WITH buyer AS ({buyer}),
taken AS (
    UPDATE marketing_seckillitem
    SET sold = sold + %(quantity)s::integer, queued = queued + %(queue)s::integer
    WHERE id = %(item_id)s::bigint AND sold + %(quantity)s::integer <= stock AND EXISTS (SELECT FROM buyer)
    RETURNING id, queued
),
made AS (
    INSERT INTO marketing_seckillpurchase (
        merchant_id, campaign_id, item_id, member_id, quantity, status, request_key, order_request,
        failure_code, failure_message, created_at
    )
    SELECT %(merchant_id)s::bigint, %(campaign_id)s::bigint, taken.id, buyer.member_id,
           %(quantity)s::integer, 'reserved', %(request_key)s::varchar, %(order_request)s::jsonb, '', '',
           %(now)s::timestamptz
    FROM taken, buyer
    RETURNING id
)
SELECT (SELECT member_id FROM buyer), (SELECT id FROM made), (SELECT queued FROM taken)
"""
TAKE_SQL = _TAKE_SQL.format(buyer="SELECT %(member_id)s::bigint AS member_id")
# The same rule as ``members.actions.tokens.token_for_raw``: a live token of an active member of
# an active merchant.
TAKE_BY_TOKEN_SQL = _TAKE_SQL.format(
    buyer="""
    SELECT token.member_id FROM members_membertoken token
    JOIN members_member member ON member.id = token.member_id
    JOIN tenancy_merchant merchant ON merchant.id = token.merchant_id
    WHERE token.token_hash = %(token_hash)s::varchar AND token.merchant_id = %(merchant_id)s::bigint
      AND member.merchant_id = token.merchant_id AND token.revoked_at IS NULL
      AND token.expires_at > %(now)s::timestamptz AND member.is_active AND merchant.is_active"""
)


# At most TAKES_AT_ONCE takes per item at a time in each process: the others wait their turn
# here, not on the item's row in PostgreSQL, where the takes are one after another anyway (each
# UPDATE waits for the commit before it). A transaction waiting there is a backend that sleeps,
# wakes at that commit and evaluates its UPDATE again, which costs the database and the web
# server CPU and buys nothing (bench/bench_seckill.py, 2 processes of 4 threads: PostgreSQL's
# CPU per purchase 600 µs with 8 takes at once, 370–440 with 2–4). One at a time leaves the
# process idle while its take's commit is flushed; two keep the row busy.
TAKES_AT_ONCE = 2
_turns: dict[int, threading.BoundedSemaphore] = {}
_turns_lock = threading.Lock()


def _turn(item_id: int) -> threading.BoundedSemaphore:
    turn = _turns.get(item_id)
    if turn is None:
        with _turns_lock:
            turn = _turns.setdefault(item_id, threading.BoundedSemaphore(TAKES_AT_ONCE))
    return turn


def take_in_database(
    offer: SeckillOffer,
    *,
    member_id: int | None,
    token: str = "",
    quantity: int,
    request_key: str,
    order_request: dict,
    queue: bool = False,
) -> Taken:
    """The conditional UPDATE and the purchase row, all or nothing, for ``member_id`` or the
    member of ``token``; ``queue``: count the purchase in the item's ``queued`` (the database
    path; the Redis path's writes are counted by its queue). On PostgreSQL one statement
    (``TAKE_SQL``); elsewhere a short transaction, the insert first so that the item's row is
    locked only from the UPDATE to the commit. Returns the buyer, the purchase and the item's
    ``queued`` after it (0 unless ``queue``); raises UNAUTHENTICATED (a token that is nobody's),
    ALREADY_BOUGHT (a live purchase exists) or SOLD_OUT."""
    if connection.vendor == "postgresql":
        return _take_in_one_statement(
            offer, member_id, token, quantity, request_key[:64], order_request, queue
        )
    member_id = buyer_id(offer.merchant_id, member_id, token)
    with transaction.atomic():
        try:
            with transaction.atomic():
                purchase = SeckillPurchase.objects.create(
                    merchant_id=offer.merchant_id,
                    campaign_id=offer.campaign_id,
                    item_id=offer.item_id,
                    member_id=member_id,
                    quantity=quantity,
                    request_key=request_key[:64],
                    order_request=order_request,
                )
        except IntegrityError:  # the member's live purchase
            raise DomainError(SeckillError.ALREADY_BOUGHT) from None
        moved = SeckillItem.objects.filter(pk=offer.item_id, sold__lte=F("stock") - quantity).update(
            sold=F("sold") + quantity, queued=F("queued") + int(queue)
        )
        if not moved:
            raise DomainError(SeckillError.SOLD_OUT)  # the insert rolls back with it
        queued = (
            SeckillItem.objects.filter(pk=offer.item_id).values_list("queued", flat=True).get()
            if queue
            else 0
        )
        return Taken(member_id, purchase_id=purchase.pk, queued=queued)


def _take_in_one_statement(
    offer: SeckillOffer,
    member_id: int | None,
    token: str,
    quantity: int,
    request_key: str,
    order_request: dict,
    queue: bool,
) -> Taken:
    params = {
        "quantity": quantity,
        "queue": int(queue),
        "item_id": offer.item_id,
        "merchant_id": offer.merchant_id,
        "campaign_id": offer.campaign_id,
        "member_id": member_id,
        "token_hash": hash_token(token) if member_id is None and plausible_token(token) else "",
        "request_key": request_key,
        "order_request": json.dumps(order_request, ensure_ascii=False),
        "now": timezone.now(),
    }
    sql = TAKE_SQL if member_id is not None else TAKE_BY_TOKEN_SQL
    try:
        if connection.in_atomic_block:
            # Inside a caller's transaction: a savepoint, so that the statement fails alone.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
        else:
            # Outside one (the shopper's request): prepared, in autocommit. A second run after a
            # broken connection cannot take twice: the member's first purchase breaks the
            # partial unique constraint, and ALREADY_BOUGHT is how a replay is found.
            with _turn(offer.item_id):
                row = execute_prepared(sql, params)
    except IntegrityError:  # the member's live purchase
        raise DomainError(SeckillError.ALREADY_BOUGHT) from None
    buyer, purchase_id, queued = row
    if buyer is None:
        raise DomainError(CoreError.UNAUTHENTICATED)
    if purchase_id is None:
        # Not enough left, which the statement learns before the member's purchase: a member who
        # already holds one is told that instead (a replay finds its purchase).
        if SeckillPurchase.objects.filter(item_id=offer.item_id, member_id=buyer, status__in=LIVE).exists():
            raise DomainError(SeckillError.ALREADY_BOUGHT)
        raise DomainError(SeckillError.SOLD_OUT)
    return Taken(buyer, purchase_id=purchase_id, queued=queued or 0)


def refused_purchase(
    offer: SeckillOffer, *, member_id: int, quantity: int, request_key: str, error: DomainError
) -> SeckillPurchase:
    """A queued request the database refused: a released row that tells the shopper why."""
    return SeckillPurchase.objects.create(
        merchant_id=offer.merchant_id,
        campaign_id=offer.campaign_id,
        item_id=offer.item_id,
        member_id=member_id,
        quantity=quantity,
        request_key=request_key[:64],
        status=SeckillPurchase.Status.RELEASED,
        failure_code=error.code,
        failure_message=error.message[:200],
        released_at=timezone.now(),
    )


def buyer_id(merchant_id: int, member_id: int | None, token: str) -> int:
    """The member buying: ``member_id`` when the caller knows it, else the member of ``token``
    (through the token mirror: one Redis read, the database when the mirror misses)."""
    from newretail.members.actions.token_mirror import member_id_for

    if member_id is not None:
        return member_id
    found = member_id_for(token, merchant_id)
    if found is None:
        raise DomainError(CoreError.UNAUTHENTICATED)
    return found


class DatabaseStock:
    """The campaign stock is the item row's ``sold`` column; the purchase rows waiting for their
    order are the queue (counted in ``queued``)."""

    def take(
        self,
        offer: SeckillOffer,
        *,
        member_id: int | None,
        token: str = "",
        quantity: int,
        request_key: str,
        order_request: dict,
        for_worker: bool = True,
    ) -> Taken:
        """One statement on PostgreSQL: the buyer (by ``member_id`` or ``token``), the pieces and
        the purchase row."""
        try:
            return take_in_database(
                offer,
                member_id=member_id,
                token=token,
                quantity=quantity,
                request_key=request_key,
                order_request=order_request,
                queue=for_worker,
            )
        except DomainError as error:
            if error.error is SeckillError.ALREADY_BOUGHT:
                return Taken(buyer_id(offer.merchant_id, member_id, token), already_bought=True)
            raise

    def write(self, offer: SeckillOffer, *, member_id: int) -> SeckillPurchase | None:
        """Nothing is ever queued on this path."""
        return None

    def give_back(self, offer: SeckillOffer, *, member_id: int) -> None:
        """Nothing: releasing the purchase moved ``sold`` back in the same transaction."""


# --- Redis -----------------------------------------------------------------------------------

# KEYS: stock, bought (hash member -> pieces), pending (zset member -> ms), requests (hash
# member -> the queued order request, JSON), queue (list of members whose request waits for the
# worker), the buyer's token mirror (members.actions.token_mirror; read only when ARGV[1] is '').
# ARGV: member ('' : the token's), quantity, limit, now in ms, the order request, '1' to queue the
# member for the worker ('0': the caller writes the request itself).
# Returns {what is left, or -1 sold out, -2 already bought, -3 not loaded, -4 over the limit,
# -5 unknown token; the member; the queue's length after this request joined it}.
TAKE = """
local member = ARGV[1]
if member == '' then
  member = redis.call('GET', KEYS[6])
  if not member then return {-5, 0, 0} end
end
local left = redis.call('GET', KEYS[1])
if not left then return {-3, tonumber(member), 0} end
local had = tonumber(redis.call('HGET', KEYS[2], member) or '0')
local quantity = tonumber(ARGV[2])
if had > 0 then return {-2, tonumber(member), 0} end
if had + quantity > tonumber(ARGV[3]) then return {-4, tonumber(member), 0} end
left = tonumber(left)
if left < quantity then return {-1, tonumber(member), 0} end
redis.call('DECRBY', KEYS[1], quantity)
redis.call('HSET', KEYS[2], member, quantity)
redis.call('ZADD', KEYS[3], ARGV[4], member)
redis.call('HSET', KEYS[4], member, ARGV[5])
local queued = 0
if ARGV[6] == '1' then queued = redis.call('RPUSH', KEYS[5], member) end
if queued <= 1 then  -- the keys made or refilled since the queue was last empty expire with the stock
  local ttl = redis.call('TTL', KEYS[1])
  if ttl > 0 then
    for i = 2, 5 do redis.call('EXPIRE', KEYS[i], ttl) end
  end
end
return {left - quantity, tonumber(member), queued}
"""

# KEYS as above. ARGV: member. Returns the pieces given back (0 when Redis held none).
GIVE_BACK = """
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
local had = redis.call('HGET', KEYS[2], ARGV[1])
if not had then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCRBY', KEYS[1], had) end
return tonumber(had)
"""

# KEYS as above. ARGV: campaign stock, cutoff in ms, ttl in s, then member, pieces pairs of the
# database's live purchases. A member Redis counts but the database does not is dropped unless
# a request of theirs is queued or their pending note is younger than the cutoff (a purchase in
# flight); every live purchase is counted; the stock is set to campaign stock minus what Redis
# now counts.
# Returns {dropped, added, left, left before (-1: not loaded)}.
RECONCILE = """
local live = {}
for i = 4, #ARGV, 2 do live[ARGV[i]] = tonumber(ARGV[i + 1]) end
local cutoff = tonumber(ARGV[2])
local dropped, added = 0, 0
local bought = redis.call('HGETALL', KEYS[2])
for i = 1, #bought, 2 do
  local member = bought[i]
  if not live[member] and redis.call('HEXISTS', KEYS[4], member) == 0 then
    local at = redis.call('ZSCORE', KEYS[3], member)
    if (not at) or tonumber(at) < cutoff then
      redis.call('HDEL', KEYS[2], member)
      redis.call('ZREM', KEYS[3], member)
      dropped = dropped + 1
    end
  end
end
for member, pieces in pairs(live) do
  if tonumber(redis.call('HGET', KEYS[2], member) or '0') ~= pieces then
    redis.call('HSET', KEYS[2], member, pieces)
    added = added + 1
  end
  redis.call('ZREM', KEYS[3], member)
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[2])
local held = 0
for _, pieces in ipairs(redis.call('HVALS', KEYS[2])) do held = held + tonumber(pieces) end
local left = tonumber(ARGV[1]) - held
if left < 0 then left = 0 end
local before = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], left, 'EX', ARGV[3])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[3]) end
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], ARGV[3]) end
return {dropped, added, left, tonumber(before or '-1')}
"""


def keys(merchant_id: int, item_id: int) -> list[str]:
    """stock, bought, pending, requests, queue. The merchant's hash tag puts all of a merchant's
    seckill keys and its member token mirrors on one Redis Cluster slot, as the purchase script
    (which reads both) needs."""
    tag = f"nr:{{m{merchant_id}}}:seckill:{item_id}"
    return [f"{tag}:stock", f"{tag}:bought", f"{tag}:pending", f"{tag}:requests", f"{tag}:queue"]


def item_keys(offer: SeckillOffer) -> list[str]:
    return keys(offer.merchant_id, offer.item_id)


class _Redis:
    """The registered scripts, on the process's Redis client (``core.redis``; a flushed Redis is
    reloaded from the database by ``reconcile``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client = None

    def location(self) -> str | None:
        return core_redis.location()

    def client(self):
        client = core_redis.client()
        if client is None:
            raise DomainError(SeckillError.BUSY)  # a Redis campaign on a server without Redis
        if self._client is not client:
            with self._lock:
                self.take = client.register_script(TAKE)
                self.give_back = client.register_script(GIVE_BACK)
                self.reconcile = client.register_script(RECONCILE)
                self._client = client
        return client


REDIS = _Redis()


def redis_available() -> bool:
    return REDIS.location() is not None


def now_ms() -> int:
    return int(time.time() * 1000)


class RedisStock:
    """The campaign stock, the members' counters and the queue of order requests in Redis; the
    database records the winners when ``write`` runs."""

    def take(
        self,
        offer: SeckillOffer,
        *,
        member_id: int | None,
        token: str = "",
        quantity: int,
        request_key: str,
        order_request: dict,
        for_worker: bool = True,
    ) -> Taken:
        """One script: the buyer (``member_id``, or the member of ``token`` in the mirror), the
        stock, the member's counter, and the request queued. A token the mirror does not know is
        looked up in the database once (and mirrored) before the script runs again."""
        from newretail.marketing.seckill.reconcile import reconcile_item

        client = REDIS.client()
        request = json.dumps(
            {"quantity": quantity, "key": request_key[:64], "order": order_request, "at": now_ms()},
            ensure_ascii=False,
        )
        names = [*item_keys(offer), mirror_key(offer.merchant_id, hash_token(token) if token else "-")]
        try:
            answer, member, queued = self._run(client, names, member_id, quantity, offer, request, for_worker)
            if answer == -5:  # the mirror does not know the token: ask the database
                member_id = buyer_id(offer.merchant_id, None, token)
                answer, member, queued = self._run(
                    client, names, member_id, quantity, offer, request, for_worker
                )
            if answer == -3:  # not loaded yet, or the keys were lost (flush, restart): from the database
                reconcile_item(offer)
                answer, member, queued = self._run(
                    client, names, member_id or member, quantity, offer, request, for_worker
                )
        except redis.RedisError:
            logger.exception("seckill item %s: Redis unavailable", offer.item_id)
            raise DomainError(SeckillError.BUSY) from None
        if answer == -1:
            raise DomainError(SeckillError.SOLD_OUT)
        if answer == -2:
            return Taken(int(member), already_bought=True)
        if answer == -4:
            raise DomainError(SeckillError.LIMIT_EXCEEDED, limit=offer.per_member_limit)
        if answer < 0:
            raise DomainError(SeckillError.BUSY)
        return Taken(int(member), queued=int(queued))

    def _run(self, client, names, member_id, quantity, offer, request, for_worker) -> tuple[int, int, int]:
        member = "" if member_id is None else member_id
        args = [member, quantity, offer.per_member_limit, now_ms(), request, "1" if for_worker else "0"]
        try:  # the flood's one round trip, on the thread's own connection
            answer = core_redis.evalsha(REDIS.take.sha, names, args)
        except redis.exceptions.NoScriptError:  # a restarted or flushed Redis forgot the script
            answer = REDIS.take(keys=names, args=args, client=client)
        return int(answer[0]), int(answer[1]), int(answer[2])

    def next_queued(self, offer: SeckillOffer) -> int | None:
        """The next member in the item's queue (taken off it), or None when it is empty."""
        try:
            member = REDIS.client().lpop(item_keys(offer)[4])
        except redis.RedisError:
            return None  # reconcile picks the requests up
        return int(member) if member is not None else None

    def queue_length(self, offer: SeckillOffer) -> int:
        try:
            return int(REDIS.client().llen(item_keys(offer)[4]))
        except redis.RedisError:
            return 0

    def queued_request(self, offer: SeckillOffer, *, member_id: int) -> dict | None:
        """The member's order request still waiting in Redis, or None."""
        try:
            raw = REDIS.client().hget(item_keys(offer)[3], member_id)
        except redis.RedisError:
            return None
        return json.loads(raw) if raw else None

    def queued_members(self, offer: SeckillOffer, *, older_than_ms: int) -> list[int]:
        """Members whose request has waited since before ``older_than_ms`` (for ``reconcile``)."""
        try:
            queued = REDIS.client().hgetall(item_keys(offer)[3])
        except redis.RedisError:
            return []
        return sorted(int(m) for m, raw in queued.items() if json.loads(raw).get("at", 0) < older_than_ms)

    def write(self, offer: SeckillOffer, *, member_id: int) -> SeckillPurchase | None:
        """The member's queued request becomes the purchase row (``reserved``: its order is next).
        None when nothing is queued (written already). If the database refuses (Redis was out of
        line), Redis gives the pieces back and a released row with the reason is returned. Safe
        to run twice: the second finds the member's live purchase and only tidies Redis."""
        request = self.queued_request(offer, member_id=member_id)
        if request is None:
            return None
        quantity, key = int(request["quantity"]), str(request.get("key", ""))
        try:
            took = take_in_database(
                offer, member_id=member_id, quantity=quantity, request_key=key, order_request=request["order"]
            )
        except DomainError as error:
            live = SeckillPurchase.objects.filter(
                item_id=offer.item_id, member_id=member_id, status__in=LIVE
            ).first()
            if error.error is SeckillError.ALREADY_BOUGHT and live is not None:
                self._written(offer, member_id)  # a second run (or a crash after the commit)
                return live
            logger.warning("seckill item %s: Redis and the database disagree (%s)", offer.item_id, error.code)
            self.give_back(offer, member_id=member_id)
            return refused_purchase(
                offer, member_id=member_id, quantity=quantity, request_key=key, error=error
            )
        self._written(offer, member_id)
        return SeckillPurchase.objects.get(pk=took.purchase_id)

    def _written(self, offer: SeckillOffer, member_id: int) -> None:
        try:
            REDIS.client().pipeline().zrem(item_keys(offer)[2], member_id).hdel(
                item_keys(offer)[3], member_id
            ).execute()
        except redis.RedisError:
            pass  # reconcile sees the live purchase and tidies the request away

    def give_back(self, offer: SeckillOffer, *, member_id: int) -> None:
        try:
            client = REDIS.client()  # first: it registers the scripts in a fresh process
            REDIS.give_back(keys=item_keys(offer), args=[member_id], client=client)
        except (redis.RedisError, DomainError):
            logger.exception("seckill item %s: could not give back in Redis (reconcile will)", offer.item_id)


STOCK_PATHS: dict[str, SeckillStock] = {"database": DatabaseStock(), "redis": RedisStock()}


def stock_for(offer: SeckillOffer) -> SeckillStock:
    return STOCK_PATHS[offer.stock_path]
