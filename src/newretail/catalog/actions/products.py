"""Products (SPU) with their SKUs: create, update, soft delete, on/off sale, channels.

A product and its SKUs are written in one transaction: the SKUs are validated together (spec
values complete and distinct, codes/barcodes/PLUs unique in the request and in the merchant)
before anything is saved, so bad input changes nothing. Every write reindexes the product's
SKUs and bumps their ``updated_at`` so POS terminals pick the change up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from newretail.catalog import limits
from newretail.catalog.actions.skus import live_rows, soft_delete_skus, write_sku
from newretail.catalog.actions.validation import (
    SkuRow,
    check_product_rows,
    check_unique_in_merchant,
    clean_name,
    clean_sku_row,
    clean_spec_names,
    clean_text,
)
from newretail.catalog.errors import CatalogError
from newretail.catalog.models import Brand, Category, Product, Sku, Tag, Unit
from newretail.catalog.search import index_products
from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError, not_found
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

PRODUCT_FIELDS = frozenset(
    {
        "name",
        "subtitle",
        "category_id",
        "brand_id",
        "tag_ids",
        "unit",
        "spec_names",
        "description",
        "status",
        "available_in_mall",
        "available_in_pos",
        "on_sale_from",
        "on_sale_until",
    }
)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, clock.DEFAULT_ZONE)


def _apply_fields(product: Product, fields: Mapping[str, Any]) -> list[Tag] | None:
    """Validate and set product fields; returns the tags to set (None: leave them)."""
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise ValueError(f"unknown product fields: {sorted(unknown)}")
    merchant_id = product.merchant_id
    if "name" in fields:
        product.name = clean_name(fields["name"], limits.NAME_MAX_LEN)
    if "subtitle" in fields:
        product.subtitle = clean_text(fields["subtitle"], limits.SUBTITLE_MAX_LEN)
    if "description" in fields:
        product.description = clean_text(fields["description"], limits.DESCRIPTION_MAX_LEN, one_line=False)
    if "category_id" in fields:
        product.category = get_owned(Category, merchant_id, pk=fields["category_id"])
    if "brand_id" in fields:
        brand_id = fields["brand_id"]
        product.brand = get_owned(Brand, merchant_id, pk=brand_id) if brand_id else None
    if "unit" in fields:
        if fields["unit"] not in Unit.values:
            raise DomainError(CatalogError.UNIT_INVALID, unit=str(fields["unit"])[:20])
        product.unit = fields["unit"]
    if "spec_names" in fields:
        product.spec_names = clean_spec_names(fields["spec_names"])
    if "status" in fields:
        if fields["status"] not in Product.Status.values:
            raise DomainError(CatalogError.STATUS_INVALID, status=str(fields["status"])[:20])
        product.status = fields["status"]
    for flag in ("available_in_mall", "available_in_pos"):
        if flag in fields:
            setattr(product, flag, bool(fields[flag]))
    if "on_sale_from" in fields:
        product.on_sale_from = _aware(fields["on_sale_from"])
    if "on_sale_until" in fields:
        product.on_sale_until = _aware(fields["on_sale_until"])
    if product.on_sale_from and product.on_sale_until and product.on_sale_until <= product.on_sale_from:
        raise DomainError(CatalogError.SALE_WINDOW_INVALID)
    if "tag_ids" not in fields:
        return None
    ids = set(fields["tag_ids"] or [])
    tags = list(Tag.objects.for_merchant(merchant_id).filter(pk__in=ids))
    if len(tags) != len(ids):
        raise not_found()
    return tags


def _touch_skus(product_ids: Iterable[int]) -> None:
    Sku.objects.filter(product_id__in=list(product_ids)).update(updated_at=clock.now())


@transaction.atomic
def create_product(
    *,
    actor: User,
    name: str,
    category_id: int,
    skus: Sequence[Mapping[str, Any]],
    **fields: Any,
) -> Product:
    """Create a product with its SKUs (``skus``: mappings with spec_values, code, barcode, plu,
    price_fen, cost_fen, weight_g, is_active). All or nothing: a bad SKU row saves nothing.
    SKUs without a code get ``P<product id>-<n>``."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    product = Product(merchant_id=actor.merchant_id)
    tags = _apply_fields(product, {**fields, "name": name, "category_id": category_id})
    rows = [
        clean_sku_row(
            {k: v for k, v in data.items() if k != "id"},
            index,
            spec_names=product.spec_names,
            sold_by_weight=product.sold_by_weight,
        )
        for index, data in enumerate(skus)
    ]
    check_product_rows(rows, product.spec_names)
    check_unique_in_merchant(actor.merchant_id, rows)
    product.save()
    if tags:
        product.tags.set(tags)
    for row in rows:
        write_sku(actor=actor, product=product, row=row, sku=None)
    index_products([product.pk])
    return product


@transaction.atomic
def update_product(
    *,
    actor: User,
    product_id: int,
    skus: Sequence[Mapping[str, Any]] | None = None,
    remove_sku_ids: Iterable[int] = (),
    reason: str = "",
    **fields: Any,
) -> Product:
    """Change product fields and, optionally, its SKUs in one go: ``skus`` rows with an ``id``
    update that SKU, rows without one add a SKU, ``remove_sku_ids`` are soft-deleted. Untouched
    SKUs must still fit the (possibly new) spec names and unit. List price or cost changes need
    ``catalog.price`` and are audited."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    product = get_owned(
        Product.objects.select_for_update(), actor.merchant_id, pk=product_id, is_deleted=False
    )
    tags = _apply_fields(product, fields)
    existing = {sku.pk: sku for sku in live_rows(product)}
    removed = set(remove_sku_ids or [])
    if not removed <= set(existing):
        raise not_found()
    spec_names, by_weight = product.spec_names, product.sold_by_weight
    incoming = list(skus or [])
    touched: dict[int, SkuRow] = {}
    new_rows: list[SkuRow] = []
    for index, data in enumerate(incoming):
        sku_id = data.get("id")
        if sku_id:
            if sku_id not in existing or sku_id in removed or sku_id in touched:
                raise not_found()
            touched[sku_id] = clean_sku_row(
                data,
                index,
                spec_names=spec_names,
                sold_by_weight=by_weight,
                base=SkuRow.of_sku(existing[sku_id]),
            )
        else:
            row = clean_sku_row(
                {k: v for k, v in data.items() if k != "id"},
                index,
                spec_names=spec_names,
                sold_by_weight=by_weight,
            )
            new_rows.append(row)
    kept = [
        clean_sku_row({}, -1, spec_names=spec_names, sold_by_weight=by_weight, base=SkuRow.of_sku(sku))
        for pk, sku in existing.items()
        if pk not in removed and pk not in touched
    ]
    final = [*kept, *touched.values(), *new_rows]
    check_product_rows(final, spec_names)
    check_unique_in_merchant(actor.merchant_id, final)
    product.save()
    if tags is not None:
        product.tags.set(tags)
    soft_delete_skus([existing[pk] for pk in sorted(removed)])
    for pk, row in touched.items():
        write_sku(actor=actor, product=product, row=row, sku=existing[pk], reason=reason)
    for row in new_rows:
        write_sku(actor=actor, product=product, row=row, sku=None)
    _touch_skus([product.pk])
    index_products([product.pk])
    return product


@transaction.atomic
def delete_product(*, actor: User, product_id: int) -> Product:
    """Soft-delete a product and its SKUs. Rows stay for stock and order history; barcodes,
    codes and PLUs become free for new SKUs; the SKUs leave the search index."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    product = get_owned(
        Product.objects.select_for_update(), actor.merchant_id, pk=product_id, is_deleted=False
    )
    product.is_deleted, product.deleted_at = True, clock.now()
    product.status = Product.Status.OFF_SALE
    product.save(update_fields=["is_deleted", "deleted_at", "status", "updated_at"])
    soft_delete_skus(list(product.skus.filter(is_deleted=False).select_for_update()))
    index_products([product.pk])
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="catalog.product_deleted",
        obj=product,
        before={"name": product.name},
    )
    return product


def _owned_live_products(actor: User, product_ids: Iterable[int]):
    ids = sorted({int(pk) for pk in product_ids})[: limits.MAX_BULK_IDS]
    return Product.objects.for_merchant(actor.merchant_id).filter(pk__in=ids, is_deleted=False)


@transaction.atomic
def set_on_sale(*, actor: User, product_ids: Iterable[int], on_sale: bool) -> int:
    """Put products on sale (上架) or take them off (下架). Another merchant's ids and deleted
    products are ignored; returns how many products changed."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    status = Product.Status.ON_SALE if on_sale else Product.Status.OFF_SALE
    products = _owned_live_products(actor, product_ids).exclude(status=status)
    ids = list(products.values_list("pk", flat=True))
    changed = Product.objects.filter(pk__in=ids).update(status=status, updated_at=clock.now())
    _touch_skus(ids)
    return changed


@transaction.atomic
def set_channels(
    *,
    actor: User,
    product_ids: Iterable[int],
    available_in_mall: bool | None = None,
    available_in_pos: bool | None = None,
) -> int:
    """Choose where products are sold: the online mall, the POS, or both."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    changes: dict[str, Any] = {}
    if available_in_mall is not None:
        changes["available_in_mall"] = available_in_mall
    if available_in_pos is not None:
        changes["available_in_pos"] = available_in_pos
    if not changes:
        return 0
    ids = list(_owned_live_products(actor, product_ids).values_list("pk", flat=True))
    changed = Product.objects.filter(pk__in=ids).update(**changes, updated_at=clock.now())
    _touch_skus(ids)
    return changed
