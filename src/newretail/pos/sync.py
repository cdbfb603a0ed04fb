"""Incremental catalog sync for the till's browser cache (IndexedDB).

The change version of a SKU is its ``updated_at`` (the catalog bumps it on every change that a
till sees: the SKU, its product, its store prices), with the id breaking ties; a page is every
SKU after a cursor ``(updated_at, id)`` in that order, so a terminal that synced yesterday only
fetches what changed since. Writes whose transaction commits after a later one was synced would
hide behind the cursor, so each sync starts ``OVERLAP`` before the saved version (re-sending a
few rows is harmless: the browser overwrites by id). Rows are arrays, not objects, to keep a
100,000-SKU first sync small; deleted and no-longer-sellable SKUs are sent with ``live = 0`` so
the browser drops them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from newretail.catalog.models import Product, Sku, StorePrice
from newretail.core import clock

PAGE_SIZE = 5000
OVERLAP = dt.timedelta(minutes=2)
FIELDS = ("id", "name", "barcode", "plu", "price_fen", "weighed", "initials", "code", "live")


@lru_cache(maxsize=20000)
def _initial(char: str) -> str:
    if char.isascii():
        return char.lower() if char.isalnum() else ""
    letters = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1].lower() if letters else ""


def initials(text: str) -> str:
    """Pinyin initials of a name ("可口可乐 330ml" -> "kkkl330ml"), character by character: a
    cache per character makes 100,000 names take a fraction of a second (the catalog's search
    index does the phrase-aware version online)."""
    return "".join(_initial(char) for char in text)


def encode_version(at: dt.datetime, sku_id: int) -> str:
    return f"{int(at.timestamp() * 1_000_000)}.{sku_id}"


def decode_version(version: str | None) -> tuple[dt.datetime, int] | None:
    if not version:
        return None
    try:
        micros, _dot, sku_id = version.partition(".")
        return dt.datetime.fromtimestamp(int(micros) / 1_000_000, tz=dt.UTC), int(sku_id or 0)
    except (ValueError, OverflowError, OSError):
        return None


@dataclass(frozen=True)
class CatalogPage:
    rows: list[list]
    next_version: str | None  # None: nothing was newer than the cursor
    done: bool


def catalog_page(
    *, merchant_id: int, store_id: int, cursor: str | None, start: bool, limit: int = PAGE_SIZE
) -> CatalogPage:
    """One page of SKUs changed after ``cursor`` (``start``: the first page of a sync, which
    steps back by ``OVERLAP``). Prices are the store's shelf prices (store price, else list)."""
    decoded = decode_version(cursor)
    skus = Sku.objects.filter(merchant_id=merchant_id)
    if decoded is not None:
        at, after_id = decoded
        if start:
            skus = skus.filter(updated_at__gte=at - OVERLAP)
        else:
            skus = skus.filter(updated_at__gt=at) | skus.filter(updated_at=at, pk__gt=after_id)
    rows = list(
        skus.order_by("updated_at", "id").values_list(
            "pk",
            "updated_at",
            "product__name",
            "spec_values",
            "barcode",
            "plu",
            "price_fen",
            "code",
            "is_active",
            "is_deleted",
            "product__is_deleted",
            "product__status",
            "product__available_in_pos",
            "product__on_sale_from",
            "product__on_sale_until",
            "product__unit",
        )[:limit]
    )
    if not rows:
        return CatalogPage(rows=[], next_version=cursor, done=True)
    prices = dict(
        StorePrice.objects.filter(store_id=store_id, sku_id__in=[r[0] for r in rows]).values_list(
            "sku_id", "price_fen"
        )
    )
    now = clock.now()
    out = []
    for (
        pk,
        _at,
        name,
        spec,
        barcode,
        plu,
        price,
        code,
        active,
        deleted,
        p_deleted,
        status,
        in_pos,
        sale_from,
        sale_until,
        unit,
    ) in rows:
        live = (
            active
            and not deleted
            and not p_deleted
            and in_pos
            and status == Product.Status.ON_SALE
            and (sale_from is None or sale_from <= now)
            and (sale_until is None or now < sale_until)
        )
        full = f"{name} {' '.join(str(v) for v in (spec or {}).values())}".strip() if spec else name
        if not live:
            out.append([pk, "", "", "", 0, 0, "", "", 0])
            continue
        out.append(
            [pk, full, barcode, plu, prices.get(pk, price), int(unit == "kg"), initials(full), code, 1]
        )
    last = rows[-1]
    return CatalogPage(rows=out, next_version=encode_version(last[1], last[0]), done=len(rows) < limit)
