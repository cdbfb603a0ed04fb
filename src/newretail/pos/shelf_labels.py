"""The price feed for electronic shelf labels (电子价签): every SKU whose label may have changed
since a version (its list price, the store's price, its name, or whether it is on sale), with
the prices a label shows, and the version to ask from next time.

The version is the till's catalog change version (``pos.sync``: the SKU's ``updated_at``,
bumped by the catalog for every change a till or a label sees, with the id as tie-break), so a
label gateway polling every minute fetches only what changed. The first page of a poll steps
back ``sync.OVERLAP`` so that a transaction that committed late is not missed; a label that
gets the same price twice simply shows it again."""

from __future__ import annotations

from dataclasses import dataclass

from newretail.catalog.models import Product, Sku, StorePrice
from newretail.core import clock
from newretail.pos import sync

PAGE_SIZE = 1000


@dataclass(frozen=True)
class PriceChange:
    sku_id: int
    code: str
    barcode: str
    plu: str
    name: str
    unit: str
    list_price_fen: int
    store_price_fen: int | None
    shelf_price_fen: int
    on_sale: bool


@dataclass(frozen=True)
class PriceFeed:
    changes: list[PriceChange]
    next_version: str | None
    done: bool


def price_changes(
    *, merchant_id: int, store_id: int, since: str | None, start: bool = True, limit: int = PAGE_SIZE
) -> PriceFeed:
    """One page of the store's label changes after ``since`` (see the module docstring)."""
    decoded = sync.decode_version(since)
    skus = Sku.objects.filter(merchant_id=merchant_id)
    if decoded is not None:
        at, after_id = decoded
        if start:
            skus = skus.filter(updated_at__gte=at - sync.OVERLAP)
        else:
            skus = skus.filter(updated_at__gt=at) | skus.filter(updated_at=at, pk__gt=after_id)
    rows = list(
        skus.order_by("updated_at", "id")
        .select_related("product")
        .only(
            "pk",
            "updated_at",
            "code",
            "barcode",
            "plu",
            "price_fen",
            "spec_values",
            "is_active",
            "is_deleted",
            "product__name",
            "product__unit",
            "product__is_deleted",
            "product__status",
            "product__available_in_pos",
            "product__on_sale_from",
            "product__on_sale_until",
        )[:limit]
    )
    if not rows:
        return PriceFeed(changes=[], next_version=since or None, done=True)
    store_prices = dict(
        StorePrice.objects.filter(store_id=store_id, sku_id__in=[s.pk for s in rows]).values_list(
            "sku_id", "price_fen"
        )
    )
    now = clock.now()
    changes = []
    for sku in rows:
        product = sku.product
        on_sale = (
            sku.is_active
            and not sku.is_deleted
            and not product.is_deleted
            and product.available_in_pos
            and product.status == Product.Status.ON_SALE
            and (product.on_sale_from is None or product.on_sale_from <= now)
            and (product.on_sale_until is None or now < product.on_sale_until)
        )
        store_price = store_prices.get(sku.pk)
        spec = " ".join(str(v) for v in (sku.spec_values or {}).values())
        changes.append(
            PriceChange(
                sku_id=sku.pk,
                code=sku.code,
                barcode=sku.barcode,
                plu=sku.plu,
                name=f"{product.name} {spec}".strip(),
                unit=product.unit,
                list_price_fen=sku.price_fen,
                store_price_fen=store_price,
                shelf_price_fen=sku.price_fen if store_price is None else store_price,
                on_sale=bool(on_sale),
            )
        )
    last = rows[-1]
    return PriceFeed(
        changes=changes, next_version=sync.encode_version(last.updated_at, last.pk), done=len(rows) < limit
    )
