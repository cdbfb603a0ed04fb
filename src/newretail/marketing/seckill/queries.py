"""Seckill reads: the snapshot a purchase checks (``offer_for``, memoised per process for a second
so that a flood of buyers does not read the campaign row once each) and what the mall shows
(live and upcoming items, the item a product page counts down to)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from newretail.core.errors import not_found
from newretail.marketing.models import SeckillCampaign, SeckillItem, SeckillPurchase

# How long a process trusts its copy of an item: a pause or an edit reaches every web process
# within this (the process that made the change forgets at once). The stock is never read from
# the copy: the stock paths decide.
OFFER_SECONDS = 1.0
MAX_ID = 2**63 - 1
LIVE = (SeckillPurchase.Status.RESERVED, SeckillPurchase.Status.ORDERED)


@dataclass(frozen=True)
class SeckillOffer:
    """One seckill item with its campaign's rules, as plain values."""

    item_id: int
    campaign_id: int
    merchant_id: int
    sku_id: int
    price_fen: int
    stock: int
    campaign_name: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    per_member_limit: int
    level_ids: frozenset[int] | None
    unpaid_minutes: int
    stock_path: str

    @property
    def uses_redis(self) -> bool:
        return self.stock_path == SeckillCampaign.StockPath.REDIS


def offer_of(item: SeckillItem) -> SeckillOffer:
    campaign = item.campaign
    return SeckillOffer(
        item_id=item.pk,
        campaign_id=campaign.pk,
        merchant_id=item.merchant_id,
        sku_id=item.sku_id,
        price_fen=item.price_fen,
        stock=item.stock,
        campaign_name=campaign.name,
        status=campaign.status,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        per_member_limit=campaign.per_member_limit,
        level_ids=None if campaign.level_ids is None else frozenset(campaign.level_ids),
        unpaid_minutes=campaign.unpaid_minutes,
        stock_path=campaign.stock_path,
    )


_memo: dict[int, tuple[float, SeckillOffer]] = {}
_memo_lock = threading.Lock()


def forget_offers() -> None:
    """Drop this process's copies (after a campaign changes; tests)."""
    with _memo_lock:
        _memo.clear()


def offer_for(merchant_id: int, item_id: int) -> SeckillOffer:
    """The item ``item_id`` of ``merchant_id`` (404 for another merchant's or an unknown id)."""
    if not 0 < item_id <= MAX_ID:
        raise not_found()
    found = _memo.get(item_id)
    if found is None or found[0] < time.monotonic():
        item = SeckillItem.objects.select_related("campaign").filter(pk=item_id).first()
        if item is None:
            raise not_found()
        found = (time.monotonic() + OFFER_SECONDS, offer_of(item))
        with _memo_lock:
            _memo[item_id] = found
    if found[1].merchant_id != merchant_id:
        raise not_found()  # ids don't leak
    return found[1]


# --- the mall --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MallSeckillItem:
    """What the mall shows of an item: prices, what is left, and when it starts or ends."""

    item_id: int
    campaign_id: int
    campaign_name: str
    sku_id: int
    product_id: int
    product_name: str
    spec_text: str
    list_price_fen: int
    price_fen: int
    stock: int
    sold: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    per_member_limit: int
    live: bool  # running now (else upcoming)
    status: str = SeckillCampaign.Status.ACTIVE

    @property
    def paused(self) -> bool:
        return self.status != SeckillCampaign.Status.ACTIVE

    @property
    def left(self) -> int:
        return max(0, self.stock - self.sold)

    @property
    def sold_percent(self) -> int:
        return 100 if self.stock <= 0 else min(100, self.sold * 100 // self.stock)

    @property
    def countdown_to(self) -> dt.datetime:
        """The moment the mall counts down to: the end when live, the start when upcoming."""
        return self.ends_at if self.live else self.starts_at


def _mall_items(merchant_id: int, now: dt.datetime):
    return (
        SeckillItem.objects.filter(
            merchant_id=merchant_id,
            campaign__status=SeckillCampaign.Status.ACTIVE,
            campaign__ends_at__gt=now,
            sku__is_deleted=False,
            sku__is_active=True,
            sku__product__is_deleted=False,
        )
        .select_related("campaign", "sku__product")
        .order_by("campaign__starts_at", "campaign_id", "id")
    )


def _mall_item(item: SeckillItem, now: dt.datetime) -> MallSeckillItem:
    campaign, sku = item.campaign, item.sku
    return MallSeckillItem(
        item_id=item.pk,
        campaign_id=campaign.pk,
        campaign_name=campaign.name,
        sku_id=sku.pk,
        product_id=sku.product_id,
        product_name=sku.product.name,
        spec_text=sku.spec_text,
        list_price_fen=sku.price_fen,
        price_fen=item.price_fen,
        stock=item.stock,
        sold=item.sold,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        per_member_limit=campaign.per_member_limit,
        live=campaign.starts_at <= now,
        status=campaign.status,
    )


def mall_seckill_items(
    merchant_id: int, now: dt.datetime, *, campaign_id: int | None = None, limit: int = 50
) -> list[MallSeckillItem]:
    """Items of active campaigns that have not ended, live ones first (soonest end), then the
    upcoming ones (soonest start); ``campaign_id`` keeps one campaign."""
    items = _mall_items(merchant_id, now)
    if campaign_id is not None:
        items = items.filter(campaign_id=campaign_id)
    found = [_mall_item(item, now) for item in items[:500]]
    found.sort(key=lambda i: (not i.live, i.ends_at if i.live else i.starts_at, i.campaign_id, i.item_id))
    return found[:limit]


def mall_item(merchant_id: int, item_id: int, now: dt.datetime) -> MallSeckillItem:
    """One item as the mall's buy page shows it, whatever its campaign's state (the page says
    paused or ended); 404 for another merchant's, an unknown id or a product no longer sold."""
    if not 0 < item_id <= MAX_ID:
        raise not_found()
    item = (
        SeckillItem.objects.filter(
            merchant_id=merchant_id,
            pk=item_id,
            sku__is_deleted=False,
            sku__is_active=True,
            sku__product__is_deleted=False,
        )
        .select_related("campaign", "sku__product")
        .first()
    )
    if item is None:
        raise not_found()
    return _mall_item(item, now)


def member_purchase(member_id: int, item_id: int) -> SeckillPurchase | None:
    """The member's live purchase of an item (with its order), if any."""
    return (
        SeckillPurchase.objects.filter(member_id=member_id, item_id=item_id, status__in=LIVE)
        .select_related("order")
        .first()
    )


def seckill_for_skus(
    merchant_id: int, sku_ids: Iterable[int], now: dt.datetime
) -> dict[int, MallSeckillItem]:
    """For each SKU, the seckill item a product page shows: the live one, else the next upcoming."""
    ids = list(sku_ids)
    if not ids:
        return {}
    found: dict[int, MallSeckillItem] = {}
    for item in _mall_items(merchant_id, now).filter(sku_id__in=ids):
        offer = _mall_item(item, now)
        current = found.get(offer.sku_id)
        if current is None or (offer.live, -offer.starts_at.timestamp()) > (
            current.live,
            -current.starts_at.timestamp(),
        ):
            found[offer.sku_id] = offer
    return found


def campaigns_for(merchant_id: int, *, status: str = "", timing: str = "", now: dt.datetime):
    """The console's list: campaigns with their items, filtered by status and timing."""
    campaigns = SeckillCampaign.objects.filter(merchant_id=merchant_id).prefetch_related(
        "items__sku__product"
    )
    if status:
        campaigns = campaigns.filter(status=status)
    if timing == "running":
        campaigns = campaigns.filter(starts_at__lte=now, ends_at__gt=now)
    elif timing == "upcoming":
        campaigns = campaigns.filter(starts_at__gt=now)
    elif timing == "ended":
        campaigns = campaigns.filter(ends_at__lte=now)
    return campaigns.order_by("-starts_at", "-id")


def live_purchases(item_id: int) -> dict[int, int]:
    """{member id: pieces} of an item's live purchases (the database's truth for reconciliation)."""
    return dict(
        SeckillPurchase.objects.filter(item_id=item_id, status__in=LIVE).values_list("member_id", "quantity")
    )
