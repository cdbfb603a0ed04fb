"""The two stock paths behind one interface (``SeckillStock``): ``take`` gives the member the
pieces or refuses (sold out, already bought, over the limit); ``write`` turns what ``take``
queued into the purchase row; ``give_back`` returns the pieces of a purchase that was released.

- **Database** (every profile): one short transaction runs ``UPDATE … SET sold = sold + n WHERE
  sold + n <= stock`` (the row is locked only by the winners, for the length of one insert) and
  inserts the purchase, whose partial unique constraint allows one live purchase per member and
  item. Correct on SQLite and PostgreSQL. ``take`` returns the purchase; nothing is queued.
- **Redis** (scale profile): one Lua script checks the stock and the member's counter, decrements
  both and queues the member's order request, atomically; the shopper is answered from that
  alone (``take`` returns None: the pieces are the member's, the purchase row is still to come).
  ``write`` (a worker, or the request itself for ``buy_seckill``) then runs the database path
  above, which stays the source of truth and a second guard: if Redis ever says yes wrongly, the
  conditional UPDATE still says no, and the shopper is told so on the purchase row. A request
  left in the queue (the worker's task lost, a process that died) is written by ``reconcile``;
  a pending note without a request (a process that died before the old synchronous write) is
  how ``reconcile`` knows what to give back.

Keys carry the item id in a hash tag (``nr:seckill:{42}:stock``), so one item's keys live on one
Redis Cluster slot, as a multi-key script needs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Protocol

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from newretail.core.errors import DomainError
from newretail.marketing.models import SeckillItem, SeckillPurchase
from newretail.marketing.seckill.errors import SeckillError
from newretail.marketing.seckill.queries import LIVE, SeckillOffer

logger = logging.getLogger(__name__)

# Keys outlive the campaign by a day (reports and late releases still find them), then expire.
KEY_GRACE_SECONDS = 86_400


class SeckillStock(Protocol):
    def take(
        self, offer: SeckillOffer, *, member_id: int, quantity: int, request_key: str, order_request: dict
    ) -> SeckillPurchase | None: ...

    def write(self, offer: SeckillOffer, *, member_id: int) -> SeckillPurchase | None: ...

    def give_back(self, offer: SeckillOffer, *, member_id: int) -> None: ...


def take_in_database(
    offer: SeckillOffer, *, member_id: int, quantity: int, request_key: str, order_request: dict
) -> SeckillPurchase:
    """The purchase row and the conditional UPDATE, in one short transaction. The insert comes
    first so that the item's row is locked only from the UPDATE to the commit."""
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
            sold=F("sold") + quantity
        )
        if not moved:
            raise DomainError(SeckillError.SOLD_OUT)  # the insert rolls back with it
        return purchase


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


class DatabaseStock:
    """The campaign stock is the item row's ``sold`` column."""

    def take(
        self, offer: SeckillOffer, *, member_id: int, quantity: int, request_key: str, order_request: dict
    ) -> SeckillPurchase:
        return take_in_database(
            offer,
            member_id=member_id,
            quantity=quantity,
            request_key=request_key,
            order_request=order_request,
        )

    def write(self, offer: SeckillOffer, *, member_id: int) -> SeckillPurchase | None:
        """Nothing is ever queued on this path."""
        return None

    def give_back(self, offer: SeckillOffer, *, member_id: int) -> None:
        """Nothing: releasing the purchase moved ``sold`` back in the same transaction."""


# --- Redis -----------------------------------------------------------------------------------

# KEYS: stock, bought (hash member -> pieces), pending (zset member -> ms), requests (hash
# member -> the queued order request, JSON).
# ARGV: member, quantity, limit, now in ms, the order request.
# Returns what is left, or -1 sold out, -2 already bought, -3 not loaded, -4 over the limit.
TAKE = """
local left = redis.call('GET', KEYS[1])
if not left then return -3 end
local had = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local quantity = tonumber(ARGV[2])
if had > 0 then return -2 end
if had + quantity > tonumber(ARGV[3]) then return -4 end
left = tonumber(left)
if left < quantity then return -1 end
redis.call('DECRBY', KEYS[1], quantity)
redis.call('HSET', KEYS[2], ARGV[1], quantity)
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[5])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[4], ttl) end
return left - quantity
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


def keys(item_id: int) -> list[str]:
    tag = f"nr:seckill:{{{item_id}}}"
    return [f"{tag}:stock", f"{tag}:bought", f"{tag}:pending", f"{tag}:requests"]


class _Redis:
    """One client (connection pool) and the registered scripts per process, on the cache's Redis
    database (tests give each xdist worker its own; a flushed cache is reloaded from the database
    by ``reconcile``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client = None
        self._location = None

    def location(self) -> str | None:
        cache = settings.CACHES.get("default", {})
        if not cache.get("BACKEND", "").endswith("RedisCache"):
            return None
        location = cache.get("LOCATION")
        return location[0] if isinstance(location, (list, tuple)) else location

    def client(self):
        location = self.location()
        if location is None:
            raise DomainError(SeckillError.BUSY)  # a Redis campaign on a server without Redis
        if self._client is None or self._location != location:
            with self._lock:
                client = redis.Redis.from_url(location, socket_timeout=2, socket_connect_timeout=2)
                self.take = client.register_script(TAKE)
                self.give_back = client.register_script(GIVE_BACK)
                self.reconcile = client.register_script(RECONCILE)
                self._client, self._location = client, location
        return self._client


REDIS = _Redis()


def redis_available() -> bool:
    return REDIS.location() is not None


def now_ms() -> int:
    return int(time.time() * 1000)


class RedisStock:
    """The campaign stock, the members' counters and the queue of order requests in Redis; the
    database records the winners when ``write`` runs."""

    def take(
        self, offer: SeckillOffer, *, member_id: int, quantity: int, request_key: str, order_request: dict
    ) -> None:
        from newretail.marketing.seckill.reconcile import reconcile_item

        client = REDIS.client()
        request = json.dumps(
            {"quantity": quantity, "key": request_key[:64], "order": order_request, "at": now_ms()},
            ensure_ascii=False,
        )
        args = [member_id, quantity, offer.per_member_limit, now_ms(), request]
        try:
            answer = REDIS.take(keys=keys(offer.item_id), args=args, client=client)
            if answer == -3:  # not loaded yet, or the keys were lost (flush, restart): from the database
                reconcile_item(offer)
                answer = REDIS.take(keys=keys(offer.item_id), args=args, client=client)
        except redis.RedisError:
            logger.exception("seckill item %s: Redis unavailable", offer.item_id)
            raise DomainError(SeckillError.BUSY) from None
        if answer == -1:
            raise DomainError(SeckillError.SOLD_OUT)
        if answer == -2:
            raise DomainError(SeckillError.ALREADY_BOUGHT)
        if answer == -4:
            raise DomainError(SeckillError.LIMIT_EXCEEDED, limit=offer.per_member_limit)
        if answer < 0:
            raise DomainError(SeckillError.BUSY)
        return None

    def queued_request(self, offer: SeckillOffer, *, member_id: int) -> dict | None:
        """The member's order request still waiting in Redis, or None."""
        try:
            raw = REDIS.client().hget(keys(offer.item_id)[3], member_id)
        except redis.RedisError:
            return None
        return json.loads(raw) if raw else None

    def queued_members(self, offer: SeckillOffer, *, older_than_ms: int) -> list[int]:
        """Members whose request has waited since before ``older_than_ms`` (for ``reconcile``)."""
        try:
            queued = REDIS.client().hgetall(keys(offer.item_id)[3])
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
            purchase = take_in_database(
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
        return purchase

    def _written(self, offer: SeckillOffer, member_id: int) -> None:
        try:
            REDIS.client().pipeline().zrem(keys(offer.item_id)[2], member_id).hdel(
                keys(offer.item_id)[3], member_id
            ).execute()
        except redis.RedisError:
            pass  # reconcile sees the live purchase and tidies the request away

    def give_back(self, offer: SeckillOffer, *, member_id: int) -> None:
        try:
            client = REDIS.client()  # first: it registers the scripts in a fresh process
            REDIS.give_back(keys=keys(offer.item_id), args=[member_id], client=client)
        except (redis.RedisError, DomainError):
            logger.exception("seckill item %s: could not give back in Redis (reconcile will)", offer.item_id)


STOCK_PATHS: dict[str, SeckillStock] = {"database": DatabaseStock(), "redis": RedisStock()}


def stock_for(offer: SeckillOffer) -> SeckillStock:
    return STOCK_PATHS[offer.stock_path]
