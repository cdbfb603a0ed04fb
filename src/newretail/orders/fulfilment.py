"""Where an order is fulfilled from (ARCHITECTURE: stock is reserved in the warehouse that will
fulfil it):

- express: a central warehouse that has every line in stock (the first by code); a merchant
  without a central warehouse ships from an online store that has it all;
- store pickup: the store the shopper chose; when it lacks something, the error names the
  stores that have everything (nearest first when the shopper's location is known);
- same-city delivery: the nearest online store within the delivery radius that has every line
  in stock (or the store the shopper chose, if it is in range);
- in store (POS): the store's own warehouse.

Stock is read here only to choose; the reservation's conditional UPDATE is what guarantees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from newretail.catalog.models import Sku
from newretail.core.errors import DomainError
from newretail.core.prepared import read_prepared
from newretail.core.rows import from_row, select_list, width
from newretail.core.tenancy import get_owned
from newretail.inventory.models import StockLevel
from newretail.marketing.geo import distance_m
from newretail.marketing.pricing import format_distance
from newretail.marketing.queries import pricing_rules_for
from newretail.orders.errors import OrderError
from newretail.orders.models import Order
from newretail.tenancy.models import Store, Warehouse

F_ = Order.Fulfilment
ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail", "latitude", "longitude")
REQUIRED_ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "detail")
MAX_ALTERNATIVES = 3


@dataclass(frozen=True)
class Source:
    warehouse: Warehouse
    store: Store | None
    distance_m: int | None = None


def clean_address(address: Mapping[str, object] | None, *, fulfilment: str) -> dict[str, str]:
    """The address snapshot an order keeps, checked for the fulfilment: express and delivery need
    a recipient, phone, province, city and street; delivery also needs a map location."""
    if fulfilment not in (F_.EXPRESS, F_.DELIVERY):
        return {}
    if not isinstance(address, Mapping) or not address:
        raise DomainError(OrderError.ADDRESS_REQUIRED)
    cleaned = {name: str(address.get(name) or "").strip()[:200] for name in ADDRESS_FIELDS}
    for name in REQUIRED_ADDRESS_FIELDS:
        if not cleaned[name]:
            raise DomainError(OrderError.ADDRESS_INVALID, field=name)
    if fulfilment == F_.DELIVERY and location_of(cleaned) is None:
        raise DomainError(OrderError.ADDRESS_NEEDS_LOCATION)
    return cleaned


def location_of(address: Mapping[str, object] | None) -> tuple[Decimal, Decimal] | None:
    """(latitude, longitude) of an address snapshot, or None when it has no valid location."""
    if not address:
        return None
    try:
        lat, lng = Decimal(str(address.get("latitude") or "")), Decimal(str(address.get("longitude") or ""))
    except InvalidOperation:
        return None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return lat, lng


def _store_distance(store: Store, location: tuple[Decimal, Decimal] | None) -> int | None:
    if location is None or store.latitude is None or store.longitude is None:
        return None
    return distance_m(store.latitude, store.longitude, *location)


def _shortages(
    merchant_id: int, warehouse_ids: Sequence[int], lines: Sequence[tuple[int, int]]
) -> dict[int, list[int]]:
    """{warehouse id: SKU ids it cannot cover} for each candidate, in one query."""
    wanted = dict(lines)
    available: dict[tuple[int, int], int] = {
        (warehouse_id, sku_id): quantity
        for warehouse_id, sku_id, quantity in StockLevel.objects.filter(
            merchant_id=merchant_id, warehouse_id__in=warehouse_ids, sku_id__in=wanted
        )
        .annotate(free=F("on_hand") - F("reserved"))
        .values_list("warehouse_id", "sku_id", "free")
    }
    return {
        warehouse_id: [
            sku_id
            for sku_id, quantity in wanted.items()
            if available.get((warehouse_id, sku_id), 0) < quantity
        ]
        for warehouse_id in warehouse_ids
    }


@cache
def _store_warehouse_sql() -> str:
    q = connection.ops.quote_name
    return (
        f"SELECT {select_list(Warehouse, 'w')}, {select_list(Store, 's')}, "  # noqa: S608 (names from the models)
        "(SELECT json_agg(json_build_array(level.sku_id, level.on_hand - level.reserved)) "
        f"FROM {q(StockLevel._meta.db_table)} level WHERE level.merchant_id = %(merchant)s::bigint "
        "AND level.warehouse_id = w.id AND level.sku_id = ANY(%(skus)s::bigint[])) "
        f"FROM {q(Warehouse._meta.db_table)} w JOIN {q(Store._meta.db_table)} s ON s.id = w.store_id "
        "WHERE w.merchant_id = %(merchant)s::bigint AND w.store_id = %(store)s::bigint "
        "AND w.kind = %(kind)s::varchar AND w.is_active ORDER BY w.code LIMIT 1"
    )


def _store_warehouse_and_shortages(
    merchant_id: int, store_id: int, lines: Sequence[tuple[int, int]]
) -> tuple[Warehouse | None, list[int]]:
    """The store's sellable warehouse (its store loaded) and the SKU ids of ``lines`` it cannot
    cover: on PostgreSQL one prepared read, elsewhere the two queries."""
    if connection.vendor != "postgresql":
        warehouse = (
            Warehouse.objects.select_related("store")
            .filter(merchant_id=merchant_id, store_id=store_id, kind=Warehouse.Kind.STORE, is_active=True)
            .order_by("code")
            .first()
        )
        return warehouse, (_shortages(merchant_id, [warehouse.pk], lines)[warehouse.pk] if warehouse else [])
    params = {
        "merchant": merchant_id,
        "store": store_id,
        "kind": Warehouse.Kind.STORE,
        "skus": [s for s, _ in lines],
    }
    rows = read_prepared(_store_warehouse_sql(), params)
    if not rows:
        return None, []
    warehouse = from_row(Warehouse, rows[0])
    warehouse._state.fields_cache["store"] = from_row(Store, rows[0], width(Warehouse))
    free = dict(rows[0][-1] or [])
    return warehouse, [sku_id for sku_id, quantity in lines if free.get(sku_id, 0) < quantity]


def _sku_name(sku_id: int) -> str:
    sku = Sku.objects.select_related("product").filter(pk=sku_id).first()
    return sku.display_name if sku else str(sku_id)


def _store_warehouses(stores: Iterable[Store]) -> dict[int, Warehouse]:
    """{store id: its sellable warehouse} (the first active store warehouse by code)."""
    by_store: dict[int, Warehouse] = {}
    for warehouse in Warehouse.objects.filter(
        store__in=list(stores), kind=Warehouse.Kind.STORE, is_active=True
    ).order_by("code"):
        by_store.setdefault(warehouse.store_id, warehouse)
    return by_store


def _online_stores(merchant_id: int) -> list[Store]:
    return list(
        Store.objects.filter(merchant_id=merchant_id, is_online=True, is_active=True).order_by("code")
    )


def choose_source(
    *,
    merchant_id: int,
    fulfilment: str,
    lines: Sequence[tuple[int, int]],
    store_id: int | None = None,
    address: Mapping[str, object] | None = None,
) -> Source:
    """The warehouse (and store) that will fulfil ``lines`` [(sku id, quantity)], by the rules in
    the module docstring. Refusals are domain errors that say what to change."""
    if fulfilment == F_.IN_STORE:
        return _in_store(merchant_id, store_id)
    if fulfilment == F_.PICKUP:
        return _pickup(merchant_id, store_id, lines, location_of(address))
    if fulfilment == F_.DELIVERY:
        return _delivery(merchant_id, store_id, lines, location_of(address))
    return _express(merchant_id, lines)


def _in_store(merchant_id: int, store_id: int | None) -> Source:
    if store_id is None:
        raise DomainError(OrderError.STORE_REQUIRED)
    store = get_owned(Store.objects.filter(is_active=True), merchant_id, pk=store_id)
    warehouse = _store_warehouses([store]).get(store.pk)
    if warehouse is None:
        raise DomainError(OrderError.STORE_NOT_SELLING_ONLINE, store=store.name)
    return Source(warehouse=warehouse, store=store)


def _pickup(
    merchant_id: int,
    store_id: int | None,
    lines: Sequence[tuple[int, int]],
    location: tuple[Decimal, Decimal] | None,
) -> Source:
    if store_id is None:
        raise DomainError(OrderError.PICKUP_STORE_REQUIRED)
    warehouse, missing = _store_warehouse_and_shortages(merchant_id, store_id, lines)
    store = warehouse.store if warehouse is not None else get_owned(Store, merchant_id, pk=store_id)
    if warehouse is None or not (store.is_online and store.is_active):
        raise DomainError(OrderError.STORE_NOT_SELLING_ONLINE, store=store.name)
    if not missing:
        return Source(warehouse=warehouse, store=store, distance_m=_store_distance(store, location))
    raise DomainError(
        OrderError.NOT_IN_STOCK_AT_STORE,
        store=store.name,
        sku=_sku_name(missing[0]),
        alternatives=_alternatives(merchant_id, store, lines, location),
    )


def _alternatives(
    merchant_id: int,
    short_store: Store,
    lines: Sequence[tuple[int, int]],
    location: tuple[Decimal, Decimal] | None,
) -> str:
    """ "In stock at: 陆家嘴店（1.2 km）、…" — the other online stores that have every line, nearest
    first when the shopper's location is known."""
    stores = [s for s in _online_stores(merchant_id) if s.pk != short_store.pk]
    warehouses = _store_warehouses(stores)
    if not warehouses:
        return ""
    short = _shortages(merchant_id, [w.pk for w in warehouses.values()], lines)
    found = [
        (s, _store_distance(s, location))
        for s in stores
        if s.pk in warehouses and not short[warehouses[s.pk].pk]
    ]
    if not found:
        return ""
    found.sort(key=lambda pair: (pair[1] is None, pair[1] or 0, pair[0].code))
    names = "、".join(
        store.name if distance is None else f"{store.name}（{format_distance(distance)}）"
        for store, distance in found[:MAX_ALTERNATIVES]
    )
    return _("In stock at: %(stores)s.") % {"stores": names}


def _delivery(
    merchant_id: int,
    store_id: int | None,
    lines: Sequence[tuple[int, int]],
    location: tuple[Decimal, Decimal] | None,
) -> Source:
    if location is None:
        raise DomainError(OrderError.ADDRESS_NEEDS_LOCATION)
    radius = pricing_rules_for(merchant_id).delivery_radius_m
    stores = _online_stores(merchant_id)
    if store_id is not None:
        chosen = get_owned(Store, merchant_id, pk=store_id)
        stores = [s for s in stores if s.pk == chosen.pk]
        if not stores:
            raise DomainError(OrderError.STORE_NOT_SELLING_ONLINE, store=chosen.name)
    distances = {s.pk: d for s in stores if (d := _store_distance(s, location)) is not None}
    warehouses = _store_warehouses(stores)
    in_range = sorted(
        (s for s in stores if s.pk in distances and distances[s.pk] <= radius and s.pk in warehouses),
        key=lambda s: (distances[s.pk], s.code),
    )
    if not in_range:
        nearest = min(distances.values(), default=None)
        raise DomainError(
            OrderError.NO_STORE_IN_RANGE,
            distance=format_distance(nearest) if nearest is not None else "—",
            radius=format_distance(radius),
        )
    short = _shortages(merchant_id, [warehouses[s.pk].pk for s in in_range], lines)
    for store in in_range:
        if not short[warehouses[store.pk].pk]:
            return Source(warehouse=warehouses[store.pk], store=store, distance_m=distances[store.pk])
    first_missing = short[warehouses[in_range[0].pk].pk][0]
    raise DomainError(OrderError.NO_STORE_WITH_STOCK, sku=_sku_name(first_missing))


def _express(merchant_id: int, lines: Sequence[tuple[int, int]]) -> Source:
    central = list(
        Warehouse.objects.filter(
            merchant_id=merchant_id, kind=Warehouse.Kind.CENTRAL, is_active=True
        ).order_by("code")
    )
    if central:
        candidates = [(w, None) for w in central]
    else:
        stores = _online_stores(merchant_id)
        warehouses = _store_warehouses(stores)
        candidates = [(warehouses[s.pk], s) for s in stores if s.pk in warehouses]
    if not candidates:
        raise DomainError(OrderError.NO_WAREHOUSE_WITH_STOCK, sku=_sku_name(lines[0][0]))
    short = _shortages(merchant_id, [w.pk for w, _store in candidates], lines)
    for warehouse, store in candidates:
        if not short[warehouse.pk]:
            return Source(warehouse=warehouse, store=store)
    raise DomainError(OrderError.NO_WAREHOUSE_WITH_STOCK, sku=_sku_name(short[candidates[0][0].pk][0]))


def explicit_source(*, merchant_id: int, warehouse_id: int, store_id: int | None) -> Source:
    """A warehouse chosen by staff (console, POS, integrations): any active selling warehouse of the
    merchant; its store, or the given store, serves the order."""
    warehouse = get_owned(Warehouse.objects.filter(is_active=True), merchant_id, pk=warehouse_id)
    if warehouse.kind == Warehouse.Kind.DAMAGED:
        raise DomainError(OrderError.WAREHOUSE_NOT_SELLING, warehouse=warehouse.name)
    store = get_owned(Store, merchant_id, pk=store_id) if store_id is not None else None
    return Source(warehouse=warehouse, store=store)
