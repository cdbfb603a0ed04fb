"""Finding the mall's stores: nearest first from a position (great-circle distance), or those of
a district; every store with its hours and whether it is open now."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.utils import timezone

from newretail.core import clock
from newretail.marketing.geo import distance_m
from newretail.marketing.pricing.arithmetic import format_distance
from newretail.tenancy.models import Store


@dataclass(frozen=True)
class FoundStore:
    store: Store
    distance_m: int | None

    @property
    def distance_text(self) -> str:
        return format_distance(self.distance_m) if self.distance_m is not None else ""

    @property
    def open_now(self) -> bool | None:
        store = self.store
        if store.opens_at is None or store.closes_at is None:
            return None
        now = timezone.localtime(clock.now()).time()
        if store.opens_at <= store.closes_at:
            return store.opens_at <= now < store.closes_at
        return now >= store.opens_at or now < store.closes_at  # open past midnight

    @property
    def hours(self) -> str:
        store = self.store
        if store.business_hours:
            return store.business_hours
        if store.opens_at and store.closes_at:
            return f"{store.opens_at:%H:%M}–{store.closes_at:%H:%M}"
        return ""

    @property
    def map_url(self) -> str:
        """A map link phones open in their map app (Amap's public URI; no key needed)."""
        store = self.store
        name = quote(store.name)
        if store.latitude is not None and store.longitude is not None:
            return f"https://uri.amap.com/marker?position={store.longitude},{store.latitude}&name={name}"
        return f"https://uri.amap.com/search?keyword={quote(store.city + store.district + store.address)}"


def _mall_stores(merchant_id: int):
    return Store.objects.for_merchant(merchant_id).filter(is_active=True, is_online=True)


def nearest_stores(
    merchant_id: int, *, lat: Decimal | None = None, lng: Decimal | None = None, district: str = ""
) -> list[FoundStore]:
    stores = _mall_stores(merchant_id).order_by("code", "pk")
    if district:
        stores = stores.filter(district=district)
    found = []
    for store in stores[:500]:
        distance = None
        if lat is not None and lng is not None and store.latitude is not None and store.longitude is not None:
            distance = distance_m(lat, lng, store.latitude, store.longitude)
        found.append(FoundStore(store, distance))
    if lat is not None and lng is not None:
        found.sort(key=lambda f: (f.distance_m is None, f.distance_m or 0))
    return found


def districts(merchant_id: int) -> list[str]:
    return sorted(set(_mall_stores(merchant_id).exclude(district="").values_list("district", flat=True)))


def store_name(merchant_id: int, store_id: int | None) -> str:
    if store_id is None:
        return ""
    return _mall_stores(merchant_id).filter(pk=store_id).values_list("name", flat=True).first() or ""


def first_store_id(merchant_id: int) -> int | None:
    return _mall_stores(merchant_id).order_by("code", "pk").values_list("pk", flat=True).first()
