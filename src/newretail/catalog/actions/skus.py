"""SKU writes: add, update, remove, list price and cost changes. A change of list price or cost
needs ``catalog.price`` and writes an audit entry ``catalog.price_changed`` with before and
after; everything else needs ``catalog.manage``. Every write reindexes the SKU."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from newretail.catalog.actions.validation import (
    SkuRow,
    check_amount,
    check_product_rows,
    check_unique_in_merchant,
    clean_sku_row,
    clean_text,
)
from newretail.catalog.errors import CatalogError
from newretail.catalog.models import Product, Sku
from newretail.catalog.search import index_skus
from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import CoreError, DomainError
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

PRICE_ACTION = "catalog.price_changed"


def _price_snapshot(sku: Sku | SkuRow) -> dict[str, int]:
    return {"price_fen": sku.price_fen, "cost_fen": sku.cost_fen}


def audit_price_change(*, actor: User, sku: Sku, before: dict[str, int], reason: str = "") -> None:
    record_audit(
        actor=actor,
        merchant_id=sku.merchant_id,
        action=PRICE_ACTION,
        obj=sku,
        before=before,
        after=_price_snapshot(sku),
        reason=clean_text(reason, 255),
    )


def _next_free_code(product: Product, start: int) -> str:
    n = start
    while True:
        code = f"P{product.pk}-{n}"
        if not Sku.objects.filter(merchant_id=product.merchant_id, code=code, is_deleted=False).exists():
            return code
        n += 1


def live_rows(product: Product) -> list[Sku]:
    return list(product.skus.filter(is_deleted=False).select_for_update().order_by("pk"))


def write_sku(*, actor: User, product: Product, row: SkuRow, sku: Sku | None, reason: str = "") -> Sku:
    """Save one cleaned row onto ``sku`` (or a new SKU of ``product``). A changed list price or
    cost of an existing SKU needs ``catalog.price`` and is audited. The caller has validated
    the product's SKUs together and owns the transaction."""
    before = _price_snapshot(sku) if sku is not None else None
    if sku is None:
        sku = Sku(merchant_id=product.merchant_id, product=product)
    elif before != _price_snapshot(row):
        require_perm(actor, Perm.CATALOG_PRICE)
    sku.spec_values = row.spec_values
    sku.code = row.code or _next_free_code(product, max(row.index, 0) + 1)
    sku.barcode, sku.plu = row.barcode, row.plu
    sku.price_fen, sku.cost_fen, sku.weight_g = row.price_fen, row.cost_fen, row.weight_g
    sku.is_active = row.is_active
    try:
        with transaction.atomic():
            sku.save()
    except IntegrityError:
        # Another request took a code, barcode or PLU between our check and the write.
        check_unique_in_merchant(product.merchant_id, [row])
        raise DomainError(CoreError.CONFLICT) from None
    if before is not None and before != _price_snapshot(sku):
        audit_price_change(actor=actor, sku=sku, before=before, reason=reason)
    return sku


def _locked_product(actor: User, product_id: int) -> Product:
    return get_owned(Product.objects.select_for_update(), actor.merchant_id, pk=product_id, is_deleted=False)


def _locked_sku(actor: User, sku_id: int) -> Sku:
    return get_owned(
        Sku.objects.select_for_update().select_related("product"),
        actor.merchant_id,
        pk=sku_id,
        is_deleted=False,
        product__is_deleted=False,
    )


@transaction.atomic
def add_sku(*, actor: User, product_id: int, **data: Any) -> Sku:
    """Add a SKU to a product (spec values must complete the product's spec names)."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    product = _locked_product(actor, product_id)
    existing = live_rows(product)
    rows = [SkuRow.of_sku(s) for s in existing]
    row = clean_sku_row(data, len(rows), spec_names=product.spec_names, sold_by_weight=product.sold_by_weight)
    row.id = None
    check_product_rows([*rows, row], product.spec_names)
    check_unique_in_merchant(actor.merchant_id, [row])
    sku = write_sku(actor=actor, product=product, row=row, sku=None)
    index_skus([sku.pk])
    return sku


@transaction.atomic
def update_sku(*, actor: User, sku_id: int, reason: str = "", **data: Any) -> Sku:
    """Change a SKU's spec values, code, barcode, PLU, weight, active flag and (with
    ``catalog.price``, audited) its list price or cost."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    sku = _locked_sku(actor, sku_id)
    product = sku.product
    others = [SkuRow.of_sku(s) for s in live_rows(product) if s.pk != sku.pk]
    row = clean_sku_row(
        {k: v for k, v in data.items() if k != "id"},
        0,
        spec_names=product.spec_names,
        sold_by_weight=product.sold_by_weight,
        base=SkuRow.of_sku(sku),
    )
    check_product_rows([row, *others], product.spec_names)
    check_unique_in_merchant(actor.merchant_id, [row])
    write_sku(actor=actor, product=product, row=row, sku=sku, reason=reason)
    index_skus([sku.pk])
    return sku


@transaction.atomic
def change_sku_price(
    *, actor: User, sku_id: int, price_fen: int | None = None, cost_fen: int | None = None, reason: str = ""
) -> Sku:
    """Change the list price and/or cost of a SKU. Needs ``catalog.price`` (store managers set
    store prices instead); writes ``catalog.price_changed`` with before and after."""
    require_perm(actor, Perm.CATALOG_PRICE)
    sku = _locked_sku(actor, sku_id)
    before = _price_snapshot(sku)
    if price_fen is not None:
        sku.price_fen = check_amount(price_fen, field_label=_("List price"))
    if cost_fen is not None:
        sku.cost_fen = check_amount(cost_fen, field_label=_("Cost"))
    if _price_snapshot(sku) == before:
        return sku
    sku.save(update_fields=["price_fen", "cost_fen", "updated_at"])
    audit_price_change(actor=actor, sku=sku, before=before, reason=reason)
    return sku


def soft_delete_skus(skus: list[Sku]) -> None:
    now = clock.now()
    for sku in skus:
        sku.is_deleted, sku.deleted_at = True, now
        sku.save(update_fields=["is_deleted", "deleted_at", "updated_at"])


@transaction.atomic
def remove_sku(*, actor: User, sku_id: int) -> Sku:
    """Soft-delete a SKU (stock and order history keep pointing at it; its code, barcode and
    PLU become free). The last SKU of a product cannot go: delete the product instead."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    sku = _locked_sku(actor, sku_id)
    if not sku.product.skus.filter(is_deleted=False).exclude(pk=sku.pk).exists():
        raise DomainError(CatalogError.LAST_SKU)
    soft_delete_skus([sku])
    index_skus([sku.pk])
    return sku
