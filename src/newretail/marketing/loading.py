"""From models to the pricing engine's values: a merchant's running promotions as an ``Offers``
(cached per merchant, invalidated when a promotion changes), a member's coupons as
``CouponOffer``s, and the allowances that depend on who buys (usage limits, budgets, gifts left),
read fresh for every quote because they move with every order."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count

from newretail.marketing.models import Coupon, Promotion, PromotionUsage
from newretail.marketing.pricing import CouponOffer, Offers, Scope, Tier
from newretail.marketing.pricing import Promotion as PromotionOffer

CACHE_SECONDS = 3600  # bounded staleness even if an invalidation were lost


def _version_key(name: str, merchant_id: int) -> str:
    return f"marketing:{name}:version:{merchant_id}"


def cache_version(name: str, merchant_id: int, *, found: int | None = None) -> int:
    """A per-merchant version number for a cached read; bumping it makes old entries unreachable.
    ``found``: the value already read (``cache_versions``)."""
    key = _version_key(name, merchant_id)
    version = found if found is not None else cache.get(key)
    if version is None:
        # Start from the clock, not 1: after the key is evicted, an old version's data can't match.
        candidate = time.time_ns()
        cache.add(key, candidate, None)
        version = cache.get(key)
        if version is None:  # evicted again in between (flush, memory pressure): ours is as new
            version = candidate
    return int(version)


def cache_versions(names: Iterable[str], merchant_id: int) -> dict[str, int]:
    """``cache_version`` of each of ``names``, read in one round trip."""
    keys = {name: _version_key(name, merchant_id) for name in names}
    found = cache.get_many(list(keys.values()))
    return {name: cache_version(name, merchant_id, found=found.get(key)) for name, key in keys.items()}


def bump_cache_version(name: str, merchant_id: int) -> None:
    key = _version_key(name, merchant_id)
    try:
        cache.incr(key)
    except ValueError:  # no version yet: any fresh one is new
        cache.set(key, time.time_ns(), None)


def scope_of(data: Mapping | None) -> Scope:
    data = data or {}
    return Scope(
        all_items=bool(data.get("all", True)),
        sku_ids=frozenset(data.get("sku_ids", ())),
        category_ids=frozenset(data.get("category_ids", ())),
        excluded_sku_ids=frozenset(data.get("excluded_sku_ids", ())),
    )


def _optional_set(values: Iterable | None) -> frozenset | None:
    return None if values is None else frozenset(values)


def promotion_offer(row: Promotion) -> PromotionOffer:
    rules = row.rules or {}
    return PromotionOffer(
        id=row.pk,
        kind=row.kind,
        name=row.name,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        scope=scope_of(row.scope),
        priority=row.priority,
        exclusive=row.exclusive,
        coupons_allowed=row.coupons_allowed,
        stores=_optional_set(row.store_ids),
        channels=_optional_set(row.channels),
        level_ids=_optional_set(row.level_ids),
        members_only=row.members_only,
        max_discount_fen=row.max_discount_fen,
        rate_percent=int(rules.get("rate_percent", 100)),
        sku_prices={int(sku): int(fen) for sku, fen in (rules.get("sku_prices") or {}).items()},
        quantity=int(rules.get("quantity", 0)),
        price_fen=int(rules.get("price_fen", 0)),
        components=tuple((int(sku), int(q)) for sku, q in rules.get("components", ())),
        tiers=tuple(Tier(**tier) for tier in rules.get("tiers", ())),
        counts_pieces=bool(rules.get("counts_pieces", False)),
        repeat=bool(rules.get("repeat", False)),
        gift_stock_left=None if row.gift_stock is None else max(0, row.gift_stock - row.gifts_given),
    )


@dataclass(frozen=True)
class MerchantOffers:
    offers: Offers
    # Promotions whose use is limited: their allowance is read fresh per quote.
    limited: frozenset[int]


def offers_key(merchant_id: int, version: int) -> str:
    return f"marketing:offers:{merchant_id}:{version}"


def running_promotions(
    merchant_id: int, now: dt.datetime, *, key: str | None = None, found: MerchantOffers | None = None
) -> MerchantOffers:
    """The merchant's active promotions not yet over, as the engine's ``Offers`` (cached).
    ``key`` and ``found``: the cache entry already looked up (``queries.pricing_inputs``)."""
    if key is None:
        key = offers_key(merchant_id, cache_version("offers", merchant_id))
        found = cache.get(key)
    if found is None:
        rows = list(
            Promotion.objects.filter(merchant_id=merchant_id, status=Promotion.Status.ACTIVE, ends_at__gt=now)
        )
        limited = frozenset(
            row.pk
            for row in rows
            if row.usage_limit is not None
            or row.budget_fen is not None
            or row.per_member_limit is not None
            or row.gift_stock is not None
        )
        found = MerchantOffers(offers=Offers(promotion_offer(row) for row in rows), limited=limited)
        # Promotions that start later are in already (the engine checks each window against the
        # cart's time); one that ends stays until the next change or the hour is up, unused.
        cache.set(key, found, CACHE_SECONDS)
    return found


def promotion_allowances(merchant_id: int, limited: Iterable[int], member_id: int | None) -> dict[int, int]:
    """How much discount each limited promotion may still give this shopper's cart (0: none),
    from its counters now. A guest cannot use a promotion limited per member (nothing to count
    them by)."""
    ids = list(limited)
    if not ids:
        return {}
    rows = Promotion.objects.filter(merchant_id=merchant_id, pk__in=ids).values(
        "pk", "usage_limit", "used_count", "budget_fen", "spent_fen", "per_member_limit"
    )
    member_uses: dict[int, int] = {}
    if member_id is not None:
        member_uses = dict(
            PromotionUsage.objects.filter(promotion_id__in=ids, member_id=member_id)
            .values("promotion_id")
            .annotate(n=Count("id"))
            .values_list("promotion_id", "n")
        )
    allowances: dict[int, int] = {}
    for row in rows:
        exhausted = (row["usage_limit"] is not None and row["used_count"] >= row["usage_limit"]) or (
            row["per_member_limit"] is not None
            and (member_id is None or member_uses.get(row["pk"], 0) >= row["per_member_limit"])
        )
        if exhausted:
            allowances[row["pk"]] = 0
        elif row["budget_fen"] is not None:
            allowances[row["pk"]] = max(0, row["budget_fen"] - row["spent_fen"])
    return allowances


def coupon_offer(coupon: Coupon) -> CouponOffer:
    template = coupon.template
    return CouponOffer(
        id=coupon.pk,
        template_id=template.pk,
        kind=template.kind,
        name=template.name,
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        threshold_fen=template.threshold_fen,
        off_fen=template.off_fen,
        rate_percent=template.rate_percent,
        max_off_fen=template.max_off_fen,
        exchange_sku_id=template.exchange_sku_id,
        scope=scope_of(template.scope),
        stackable=template.stackable,
        channels=_optional_set(template.channels),
        stores=_optional_set(template.store_ids),
    )
