"""Reconciliation: the database's live purchases are the truth; Redis and the ``sold`` column are
brought back in line with them.

What it repairs, each a process that died (or a Redis that lost its keys) between two steps:

1. *Stock taken, no order*: a ``reserved`` purchase older than ``STRANDED_AFTER`` (the worker's
   task lost, or a queue that long) has its order placed here; one older than ``GIVE_UP_AFTER``,
   or without an order request (written before orders were queued), is released, its pieces
   back to the campaign. If a slow process wakes up later, its order is refused
   (``PURCHASE_LAPSED``) and rolls back. An item on the database path with purchases waiting
   gets a worker to drain it (a drain that died leaves the item's ``queued`` count above 0, and
   purchases then stop asking for one until it is counted again).
2. *Redis said yes, the database never heard*: a request Redis queued longer ago than
   ``IN_FLIGHT`` is written and placed here, and an item whose queue is not empty gets a worker
   to drain it; a member Redis counts without a live purchase or a
   queued request, whose pending note is older than ``IN_FLIGHT`` (or missing), is dropped and
   the pieces return.
3. *Redis lost or never had the keys* (restart, flush, eviction, a campaign just created):
   every live purchase is counted again and the stock is set to campaign stock − pieces counted.
4. *The ``sold`` column* differs from the live purchases' sum (never expected: both move in one
   transaction): corrected under the item's row lock, and logged.

Run every minute by the Huey task ``marketing.tasks.reconcile_seckill_task`` and by
``manage.py reconcile_seckill``; a Redis purchase that finds no keys runs step 3 for its item.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.marketing.models import SeckillCampaign, SeckillItem, SeckillPurchase
from newretail.marketing.seckill.queries import LIVE, SeckillOffer, live_purchases, offer_of
from newretail.marketing.seckill.stock import KEY_GRACE_SECONDS, REDIS, item_keys, now_ms

logger = logging.getLogger(__name__)

STRANDED_AFTER = dt.timedelta(minutes=2)
GIVE_UP_AFTER = dt.timedelta(minutes=30)
IN_FLIGHT = dt.timedelta(seconds=60)
# Orders placed per run at most: a flood's backlog is the worker's; this only picks up the lost.
PLACE_PER_RUN = 500
# Items of campaigns that ended longer ago than this are left alone (their orders have closed).
ENDED_LONG_AGO = dt.timedelta(days=1)


@dataclass(frozen=True)
class RedisRepair:
    dropped: int  # members Redis counted without a live purchase
    added: int  # live purchases Redis did not count
    left: int  # the stock Redis now holds
    left_before: int  # -1: the keys were missing


@dataclass
class Reconciliation:
    released: int = 0  # stranded reserved purchases given back
    placed: int = 0  # stranded purchases (or queued Redis requests) whose order was placed here
    sold_fixed: int = 0  # items whose sold column was corrected
    redis: dict[int, RedisRepair] = field(default_factory=dict)  # by item id

    @property
    def redis_changes(self) -> int:
        return sum(r.dropped + r.added + (r.left_before != r.left) for r in self.redis.values())


def reconcile_item(offer: SeckillOffer) -> RedisRepair:
    """Step 2 and 3 for one Redis item: one atomic script with the database's live purchases."""
    live = live_purchases(offer.item_id)
    ttl = max(60, int((offer.ends_at - clock.now()).total_seconds()) + KEY_GRACE_SECONDS)
    args: list[int | str] = [offer.stock, now_ms() - int(IN_FLIGHT.total_seconds() * 1000), ttl]
    for member_id, pieces in sorted(live.items()):
        args += [member_id, pieces]
    client = REDIS.client()  # first: it registers the scripts in a fresh process
    dropped, added, left, before = REDIS.reconcile(keys=item_keys(offer)[:4], args=args, client=client)
    repair = RedisRepair(int(dropped), int(added), int(left), int(before))
    if repair.dropped or repair.added or (repair.left_before not in (-1, repair.left)):
        logger.warning("seckill item %s: Redis repaired %s", offer.item_id, repair)
    return repair


def _fix_sold(item_id: int) -> bool:
    with transaction.atomic():
        item = SeckillItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            return False
        held = (
            SeckillPurchase.objects.filter(item_id=item_id, status__in=LIVE).aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        if held == item.sold:
            return False
        logger.error(
            "seckill item %s: sold %s but live purchases hold %s; corrected", item_id, item.sold, held
        )
        SeckillItem.objects.filter(pk=item_id).update(sold=min(held, item.stock))
        return True


def reconcile_seckill(now: dt.datetime | None = None, *, merchant_id: int | None = None) -> Reconciliation:
    """Run the four repairs over every item of campaigns that have not ended long ago."""
    from newretail.marketing.seckill.buying import place_purchase_order, release_purchase, write_and_place
    from newretail.marketing.seckill.errors import SeckillError
    from newretail.marketing.seckill.stock import RedisStock
    from newretail.marketing.tasks import drain_seckill_queue_task

    now = now or clock.now()
    result = Reconciliation()
    reserved = SeckillPurchase.objects.filter(status=SeckillPurchase.Status.RESERVED)
    if merchant_id is not None:
        reserved = reserved.filter(merchant_id=merchant_id)
    lapsed = DomainError(SeckillError.PURCHASE_LAPSED)
    given_up = reserved.filter(created_at__lt=now - GIVE_UP_AFTER) | reserved.filter(
        created_at__lt=now - STRANDED_AFTER, order_request={}
    )
    for pk in list(given_up.values_list("pk", flat=True)[:10_000]):
        result.released += release_purchase(pk, failure=lapsed)
    stranded = reserved.filter(created_at__lt=now - STRANDED_AFTER).order_by("pk")
    for pk in list(stranded.values_list("pk", flat=True)[:PLACE_PER_RUN]):
        placed = place_purchase_order(pk)
        result.placed += placed is not None and placed.status == SeckillPurchase.Status.ORDERED
    waiting = set(reserved.order_by().values_list("item_id", flat=True).distinct())  # one query, every item
    items = SeckillItem.objects.select_related("campaign").filter(campaign__ends_at__gt=now - ENDED_LONG_AGO)
    if merchant_id is not None:
        items = items.filter(merchant_id=merchant_id)
    for item in items.order_by("pk"):
        result.sold_fixed += _fix_sold(item.pk)
        if item.campaign.stock_path == SeckillCampaign.StockPath.REDIS and REDIS.location() is not None:
            offer = offer_of(item)
            cutoff = now_ms() - int(IN_FLIGHT.total_seconds() * 1000)
            for member_id in RedisStock().queued_members(offer, older_than_ms=cutoff)[:PLACE_PER_RUN]:
                placed = write_and_place(item.pk, member_id)
                result.placed += placed is not None and placed.status == SeckillPurchase.Status.ORDERED
            result.redis[item.pk] = reconcile_item(offer)
            if RedisStock().queue_length(offer):  # a drain that died, or one never asked for
                drain_seckill_queue_task(item.pk)
        elif item.campaign.stock_path == SeckillCampaign.StockPath.DATABASE and item.pk in waiting:
            drain_seckill_queue_task(item.pk)  # the same: the drain counts ``queued`` again
    return result
