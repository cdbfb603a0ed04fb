"""Buying a seckill item, and giving the pieces back.

A purchase runs in steps, never one long transaction:

1. **Take**: the stock path takes the pieces. On the database path a short transaction writes a
   ``reserved`` purchase that carries the order request; on the Redis path one Lua script takes
   the pieces and queues the order request in Redis, and nothing touches the database yet.
2. **Write** (Redis path only): the queued request becomes the ``reserved`` purchase row, through
   the database path, which stays the source of truth and a second guard.
3. **Place**: the order is created through the order core (``orders.create_order``: the
   warehouse's stock held, the campaign price weighed by the pricing engine's step 1, the order
   expiring after the campaign's ``unpaid_minutes``) and the purchase marked ``ordered`` in the
   same transaction.

The shopper API and the mall (``queue_seckill``) answer after step 1, which is what a flood of
shoppers waits on, and leave steps 2–3 to the Huey worker (``marketing.tasks``); the shopper's
page polls ``purchase_state`` (queued → writing → ordered, or failed with the reason) and opens
the pay page. ``buy_seckill`` runs all three in the request (staff tools, tests, the demo).
Keeping step 1 short means the item's row (or its Redis keys) is held for a moment per winner,
not for the length of an order. If the order is refused (no store in range, the warehouse is out
of the SKU…), the pieces go back at once and the purchase row keeps the reason; if a process dies
between steps, or the worker's task is lost, ``reconcile`` finishes or gives back.

The way back: a closed (unpaid past its deadline) or cancelled order releases its purchase
(``marketing.seckill.handlers``); the pieces return to the campaign and the member may buy again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import HUEY as huey

from newretail.core import clock
from newretail.core.errors import CoreError, DomainError
from newretail.core.idempotency import clean_idempotency_key
from newretail.marketing.models import SeckillItem, SeckillPurchase
from newretail.marketing.seckill.errors import SeckillError
from newretail.marketing.seckill.queries import LIVE, SeckillOffer, offer_for, offer_of
from newretail.marketing.seckill.stock import RedisStock, stock_for
from newretail.members.actions.cards import pricing_level_id
from newretail.members.models import Member, MemberLevel
from newretail.orders.actions.cart import address_snapshot
from newretail.orders.actions.checkout import create_order
from newretail.orders.errors import OrderError
from newretail.orders.models import Order

P = SeckillPurchase.Status
logger = logging.getLogger(__name__)
FULFILMENTS = ("express", "delivery", "pickup")


def check_rules(offer: SeckillOffer, member: Member | None, quantity: int, now: dt.datetime) -> None:
    """The campaign's rules for this member, before any stock is touched (``member`` is needed
    only when the campaign is for some levels)."""
    if offer.status != "active":
        raise DomainError(SeckillError.PAUSED)
    if now < offer.starts_at:
        starts = timezone.localtime(offer.starts_at).strftime("%m-%d %H:%M")
        raise DomainError(SeckillError.NOT_STARTED, starts=starts)
    if now >= offer.ends_at:
        raise DomainError(SeckillError.ENDED)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise DomainError(SeckillError.INVALID, field="quantity", problem="1+")
    if quantity > offer.per_member_limit:
        raise DomainError(SeckillError.LIMIT_EXCEEDED, limit=offer.per_member_limit)
    if offer.level_ids is not None and (
        member is None or pricing_level_id(member, now) not in offer.level_ids
    ):
        names = MemberLevel.objects.filter(merchant_id=offer.merchant_id, pk__in=offer.level_ids)
        raise DomainError(
            SeckillError.LEVEL_REQUIRED,
            levels="、".join(names.order_by("rank").values_list("name", flat=True)),
        )


def _order_request(
    fulfilment: str, store_id: int | None, address: Mapping[str, object] | None, buyer_note: str
) -> dict:
    """What the order is to be, checked as far as it can be before the pieces are taken (the
    order core checks the rest when it places the order)."""
    if fulfilment not in FULFILMENTS:
        raise DomainError(SeckillError.INVALID, field="fulfilment", problem="/".join(FULFILMENTS))
    if fulfilment == "pickup" and not store_id:
        raise DomainError(SeckillError.INVALID, field="store_id", problem="pickup")
    if fulfilment == "express" and not address:
        raise DomainError(SeckillError.INVALID, field="address_id", problem="express")
    return {
        "fulfilment": fulfilment,
        "store_id": store_id,
        "address": dict(address) if address else None,
        "buyer_note": buyer_note[:200],
    }


@dataclass(frozen=True)
class PurchaseState:
    """Where a member's purchase of an item stands, for the page that waits on it:
    ``queued`` (the pieces are theirs, the order is being written), ``writing`` (the purchase row
    exists, the order is next), ``ordered`` (``order`` to pay), ``failed`` (the pieces went back;
    ``error_code``/``error_message`` say why) or ``none`` (nothing live: never bought, or the
    order closed)."""

    status: str
    order: Order | None = None
    error_code: str = ""
    error_message: str = ""
    request_key: str = ""

    @property
    def settled(self) -> bool:
        return self.status in ("ordered", "failed", "none")


def purchase_state(offer: SeckillOffer, member_id: int) -> PurchaseState:
    if offer.uses_redis:
        queued = RedisStock().queued_request(offer, member_id=member_id)
        if queued is not None:
            return PurchaseState("queued", request_key=str(queued.get("key", "")))
    purchase = (
        SeckillPurchase.objects.filter(item_id=offer.item_id, member_id=member_id)
        .select_related("order")
        .order_by("-id")
        .first()
    )
    if purchase is None:
        return PurchaseState("none")
    if purchase.status == P.ORDERED and purchase.order is not None:
        return PurchaseState("ordered", order=purchase.order, request_key=purchase.request_key)
    if purchase.status == P.RESERVED:
        return PurchaseState("writing", request_key=purchase.request_key)
    if purchase.failure_code:
        return PurchaseState(
            "failed",
            error_code=purchase.failure_code,
            error_message=purchase.failure_message,
            request_key=purchase.request_key,
        )
    return PurchaseState("none")


@dataclass(frozen=True)
class _Taken:
    offer: SeckillOffer
    key: str
    request: dict
    member_id: int
    purchase_id: int | None  # None: Redis queued the request
    queued: int  # Redis: the item's queue length after this request joined it
    replay: bool  # the member already holds the pieces (under this idempotency key, or not)


def _member_for_token(token: str, merchant_id: int) -> Member:
    from newretail.members.actions.tokens import member_for_token

    member = member_for_token(token)
    if member is None or member.merchant_id != merchant_id:
        raise DomainError(CoreError.UNAUTHENTICATED)
    return member


def _take(
    *,
    merchant_id: int,
    item_id: int,
    member: Member | None,
    token: str,
    quantity: int,
    fulfilment: str,
    store_id: int | None,
    address: Mapping[str, object] | None,
    buyer_note: str,
    idempotency_key: str | None,
    address_id: int | None = None,
    for_worker: bool = True,
) -> _Taken:
    """Step 1 for both entry points: the rules, then the stock path. The buyer is ``member``, or
    the member of ``token``: loaded only when something needs it (a level restriction, a saved
    address), otherwise resolved by the stock path in the same round trip that takes the
    pieces."""
    offer = offer_for(merchant_id, item_id)
    key = clean_idempotency_key(idempotency_key, error=OrderError.INVALID_IDEMPOTENCY_KEY) or ""
    if member is None and (offer.level_ids is not None or address_id is not None):
        member = _member_for_token(token, merchant_id)
    if address_id is not None:
        address = address_snapshot(member, address_id)
    check_rules(offer, member, quantity, clock.now())
    request = _order_request(fulfilment, store_id, address, buyer_note)
    taken = stock_for(offer).take(
        offer,
        member_id=member.pk if member is not None else None,
        token=token,
        quantity=quantity,
        request_key=key,
        order_request=request,
        for_worker=for_worker,
    )
    if taken.already_bought and not key:
        raise DomainError(SeckillError.ALREADY_BOUGHT)
    return _Taken(
        offer, key, request, taken.member_id, taken.purchase_id, taken.queued, replay=taken.already_bought
    )


# Both paths ask the worker to drain an item's queue when a purchase makes it non-empty, and again
# every DRAIN_EVERY purchases, so that under a flood several worker threads drain it.
DRAIN_EVERY = 50


def queue_seckill(
    *,
    member: Member | None = None,
    member_token: str = "",
    merchant_id: int | None = None,
    item_id: int,
    quantity: int = 1,
    fulfilment: str,
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
    address_id: int | None = None,
    buyer_note: str = "",
    idempotency_key: str | None = None,
) -> PurchaseState:
    """Take ``quantity`` pieces for the buyer and leave the order to the worker: answered as soon
    as the pieces are the buyer's (``queued`` or ``writing``; whatever the worker made of it when
    tasks run inline, as in tests), or a domain error that took nothing. The buyer is ``member``,
    or the member of the shopper's ``member_token`` at ``merchant_id`` (the shopper API: the token
    is checked by the stock path, in the round trip that takes the pieces). The address is
    ``address``, or the buyer's saved address ``address_id``. Same rules and guarantees as
    ``buy_seckill``; replaying ``idempotency_key`` returns the first purchase's state."""
    from newretail.marketing.tasks import drain_seckill_queue_task

    taken = _take(
        merchant_id=member.merchant_id if member is not None else merchant_id,
        item_id=item_id,
        member=member,
        token=member_token,
        quantity=quantity,
        fulfilment=fulfilment,
        store_id=store_id,
        address=address,
        address_id=address_id,
        buyer_note=buyer_note,
        idempotency_key=idempotency_key,
    )
    if taken.replay:
        state = purchase_state(taken.offer, taken.member_id)
        if state.request_key == taken.key:
            return state  # a replay (a second tap, a retried request)
        raise DomainError(SeckillError.ALREADY_BOUGHT)
    # A worker is asked for when this purchase made the item's queue non-empty (nobody is
    # draining it) and every DRAIN_EVERY purchases after, so that under a flood several worker
    # threads drain it. The database path's purchase row committed with the stock step already
    # (a caller inside its own transaction delays that; a worker that then finds no row leaves
    # the purchase to reconcile, which places it after STRANDED_AFTER).
    if taken.queued == 1 or taken.queued % DRAIN_EVERY == 0:
        drain_seckill_queue_task(taken.offer.item_id)
    state = PurchaseState("queued" if taken.purchase_id is None else "writing", request_key=taken.key)
    if huey.immediate:  # the task ran inline (tests, a dev server without worker): say what it did
        return purchase_state(taken.offer, taken.member_id)
    return state


def buy_seckill(
    *,
    member: Member,
    item_id: int,
    quantity: int = 1,
    fulfilment: str,
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
    buyer_note: str = "",
    idempotency_key: str | None = None,
) -> Order:
    """Buy ``quantity`` pieces of a seckill item for ``member`` and place the order now: an order
    pending payment at the campaign price, or a domain error that took nothing (not started,
    ended, paused, over the limit, wrong level, sold out, already bought, or anything the order
    core refuses).

    Guarantees, also under concurrency (PostgreSQL + Redis tests): the pieces sold never exceed
    the campaign stock; a member holds at most one live purchase (one order) per item, of at most
    ``per_member_limit`` pieces; replaying ``idempotency_key`` returns the first order."""
    taken = _take(
        merchant_id=member.merchant_id,
        item_id=item_id,
        member=member,
        token="",
        quantity=quantity,
        fulfilment=fulfilment,
        store_id=store_id,
        address=address,
        buyer_note=buyer_note,
        idempotency_key=idempotency_key,
        for_worker=False,  # placed here, not by a worker
    )
    offer = taken.offer
    if taken.replay:
        replayed = _replayed(offer, member, taken.key)
        if replayed is None:
            raise DomainError(SeckillError.ALREADY_BOUGHT)
        return replayed
    purchase = SeckillPurchase.objects.get(pk=taken.purchase_id) if taken.purchase_id else None
    if purchase is None:  # Redis queued the request: write it now
        purchase = stock_for(offer).write(offer, member_id=member.pk)
        if purchase is None or purchase.status == P.RELEASED:
            raise DomainError(SeckillError.SOLD_OUT)  # the database refused what Redis took
    try:
        return _place_order(purchase, offer, member=member, request=taken.request)
    except BaseException:
        release_purchase(purchase.pk)  # the order was not written: the pieces go back at once
        raise


def _replayed(offer: SeckillOffer, member: Member, key: str) -> Order | None:
    purchase = (
        SeckillPurchase.objects.filter(
            item_id=offer.item_id, member=member, request_key=key, status=P.ORDERED
        )
        .select_related("order")
        .first()
    )
    return purchase.order if purchase is not None else None


@transaction.atomic
def _place_order(purchase: SeckillPurchase, offer: SeckillOffer, *, member: Member, request: dict) -> Order:
    order = create_order(
        merchant=member.merchant,
        channel=Order.Channel.MALL,
        fulfilment=request["fulfilment"],
        lines=[{"sku_id": offer.sku_id, "quantity": purchase.quantity}],
        store_id=request.get("store_id"),
        address=request.get("address"),
        member=member,
        buyer_note=request.get("buyer_note", ""),
        idempotency_key=f"seckill-{purchase.pk}",
        ttl=dt.timedelta(minutes=offer.unpaid_minutes),
        campaign_prices={offer.sku_id: (offer.price_fen, offer.campaign_name)},
    )
    moved = SeckillPurchase.objects.filter(pk=purchase.pk, status=P.RESERVED).update(
        status=P.ORDERED, order=order
    )
    if not moved:  # reconcile gave the pieces back meanwhile (this took minutes): the order rolls back
        raise DomainError(SeckillError.PURCHASE_LAPSED)
    purchase.status, purchase.order = P.ORDERED, order
    return order


def place_purchase_order(purchase_id: int) -> SeckillPurchase | None:
    """The worker's step 3: place the order of a ``reserved`` purchase. A refusal releases the
    purchase with the reason on it. Running twice (a retried task, reconcile) places one order:
    the purchase row is locked first, and a purchase no longer reserved is left as it is."""
    return _place_locked(SeckillPurchase.objects.filter(pk=purchase_id))


def place_next_reserved(item_id: int, *, skip: Collection[int] = ()) -> SeckillPurchase | None:
    """Step 3 for the item's oldest ``reserved`` purchase that no other worker holds (and not in
    ``skip``); None when there is none."""
    waiting = SeckillPurchase.objects.filter(item_id=item_id, status=P.RESERVED).exclude(pk__in=skip)
    return _place_locked(waiting.order_by("pk"), skip_locked=True)


class PlacingFailed(Exception):
    """Placing the order of ``purchase_id`` failed unexpectedly (not a refusal); the purchase is
    still reserved, for ``reconcile``."""

    def __init__(self, purchase_id: int) -> None:
        super().__init__(purchase_id)
        self.purchase_id = purchase_id


def _place_locked(purchases, *, skip_locked: bool = False) -> SeckillPurchase | None:
    with transaction.atomic():
        purchase = (
            purchases.select_for_update(of=("self",), skip_locked=skip_locked)
            .select_related("item__campaign", "member__merchant")
            .first()
        )
        if purchase is None or purchase.status != P.RESERVED:
            return purchase
        offer = offer_of(purchase.item)
        try:
            if not purchase.member.is_active:  # deactivated since the pieces were taken
                raise DomainError(CoreError.UNAUTHENTICATED)
            with transaction.atomic():
                _place_order(purchase, offer, member=purchase.member, request=purchase.order_request)
        except DomainError as error:
            failure = error
        except Exception as error:
            if not skip_locked:
                raise
            raise PlacingFailed(purchase.pk) from error
        else:
            return purchase
    if failure.error is not SeckillError.PURCHASE_LAPSED:  # lapsed: no longer reserved, leave it
        release_purchase(purchase.pk, failure=failure, statuses=(P.RESERVED,))
    purchase.refresh_from_db()
    return purchase


def write_and_place(item_id: int, member_id: int) -> SeckillPurchase | None:
    """The worker's steps 2 and 3 for a request Redis queued."""
    item = SeckillItem.objects.select_related("campaign").filter(pk=item_id).first()
    if item is None:
        return None
    purchase = RedisStock().write(offer_of(item), member_id=member_id)
    if purchase is None or purchase.status != P.RESERVED:
        return purchase
    return place_purchase_order(purchase.pk)


def drain_queue(item_id: int) -> int:
    """Place the orders of the purchases waiting on the item (its Redis queue, or its ``reserved``
    rows on the database path) until none is left; several workers may drain one item. Returns
    how many purchases it handled."""
    item = SeckillItem.objects.select_related("campaign").filter(pk=item_id).first()
    if item is None:
        return 0
    offer = offer_of(item)
    return _drain_redis(offer) if offer.uses_redis else _drain_reserved(offer)


def _drain_redis(offer: SeckillOffer) -> int:
    """Take members off the item's Redis queue one by one and write and place their requests.
    A member taken off the queue whose request was written already (by reconcile) is skipped by
    ``write``; a worker that dies between taking and writing leaves the request to
    ``reconcile``."""
    stock, taken = RedisStock(), 0
    while (member_id := stock.next_queued(offer)) is not None:
        taken += 1
        try:
            purchase = stock.write(offer, member_id=member_id)
            if purchase is not None and purchase.status == P.RESERVED:
                place_purchase_order(purchase.pk)
        except Exception:  # one bad request must not strand the rest of the queue
            logger.exception("seckill item %s: the request of member %s failed", offer.item_id, member_id)
    return taken


def _drain_reserved(offer: SeckillOffer) -> int:
    """Place the item's ``reserved`` purchases, oldest first, each locked by the worker placing it
    (others skip it), in passes; before each pass ``count_queued`` counts what is left to do. The
    worker stops when that is nothing: the next purchase then makes ``queued`` 1 and asks for a
    worker. A purchase whose order fails unexpectedly is left to ``reconcile``."""
    placed, failed = 0, set()
    while count_queued(offer.item_id, skip=failed):
        while True:
            try:
                purchase = place_next_reserved(offer.item_id, skip=failed)
            except PlacingFailed as error:  # one bad purchase must not strand the rest
                failed.add(error.purchase_id)
                logger.exception("seckill item %s: purchase %s failed", offer.item_id, error.purchase_id)
                continue
            if purchase is None:
                break
            placed += 1
    return placed


# A count past this is as good as exact: ``queued`` only has to say "empty" and pass multiples
# of DRAIN_EVERY.
COUNT_AT_MOST = 1000


def count_queued(item_id: int, *, skip: Collection[int] = ()) -> int:
    """Set the item's ``queued`` to its purchases waiting for a worker, and return it: the
    ``reserved`` ones that no other worker holds (that worker counts again after its pass) and
    not in ``skip``. Counted under the item's row lock, so that no purchase commits meanwhile
    unseen. A count too high would stop purchases asking for workers; too low only asks for one
    more."""
    with transaction.atomic():
        if SeckillItem.objects.select_for_update().filter(pk=item_id).values_list("pk").first() is None:
            return 0
        free = (
            SeckillPurchase.objects.filter(item_id=item_id, status=P.RESERVED)
            .exclude(pk__in=skip)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        waiting = len(free[:COUNT_AT_MOST])
        SeckillItem.objects.filter(pk=item_id).update(queued=waiting)
    return waiting


def release_purchase(
    purchase_id: int, *, failure: DomainError | None = None, statuses: tuple[str, ...] = LIVE
) -> bool:
    """Give a live purchase's pieces back to the campaign (and to Redis after commit), with the
    reason when its order could not be placed. Runs once per purchase whoever calls (the row is
    locked and moved from a live state); returns whether this call released it."""
    with transaction.atomic():
        purchase = (
            SeckillPurchase.objects.select_for_update(of=("self",))
            .select_related("item__campaign")
            .filter(pk=purchase_id, status__in=statuses)
            .first()
        )
        if purchase is None:
            return False
        SeckillPurchase.objects.filter(pk=purchase.pk).update(
            status=P.RELEASED,
            released_at=clock.now(),
            failure_code=failure.code if failure else "",
            failure_message=failure.message[:200] if failure else "",
        )
        SeckillItem.objects.filter(pk=purchase.item_id).update(sold=F("sold") - purchase.quantity)
        offer = offer_of(purchase.item)
        member_id = purchase.member_id
        transaction.on_commit(lambda: stock_for(offer).give_back(offer, member_id=member_id))
    return True


def release_for_order(order_id: int) -> int:
    """The order was closed or cancelled: its seckill pieces go back. Returns how many purchases."""
    ids = SeckillPurchase.objects.filter(order_id=order_id, status=P.ORDERED).values_list("pk", flat=True)
    return sum(release_purchase(pk) for pk in list(ids))
