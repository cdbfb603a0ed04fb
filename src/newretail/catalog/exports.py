"""Product export (a background job, ``catalog.export_products``) and the import template.

The export writes every live SKU of the merchant's live products (optionally one category
subtree and/or one status) in the import format, one row per SKU, products in id order with
商品编号 ``P<product id>``. Importing the exported file again changes nothing. Cost prices are
left blank for staff without ``catalog.price`` (a blank cell leaves the cost as it is on import).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newretail.catalog.io_format import (
    BLANK_CELL_HELP,
    FORMATS,
    SPEC_COUNT,
    TableWriter,
    column_notes,
    status_label,
    unit_label,
    yes_no_label,
)
from newretail.catalog.models import Category, Product, Sku
from newretail.catalog.search import category_subtree_ids
from newretail.core import clock
from newretail.core.errors import CoreError, DomainError
from newretail.core.jobs import Progress, job_handler, start_job
from newretail.core.models import Job
from newretail.core.money import fen_to_yuan
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

KIND = "catalog.export_products"
CHUNK_PRODUCTS = 500


def category_paths(merchant_id: int) -> dict[int, str]:
    """{category id: "饮料/碳酸饮料"} for every category of the merchant, from one query."""
    nodes = dict(
        (pk, (name, parent_id))
        for pk, name, parent_id in Category.objects.for_merchant(merchant_id).values_list(
            "pk", "name", "parent_id"
        )
    )
    paths: dict[int, str] = {}
    for pk in nodes:
        names, node, seen = [], pk, set()
        while node is not None and node in nodes and node not in seen:
            seen.add(node)
            name, parent = nodes[node]
            names.append(name)
            node = parent
        paths[pk] = "/".join(reversed(names))
    return paths


def product_key(product: Product) -> str:
    return f"P{product.pk}"


def sku_values(product: Product, sku: Sku, category_path: str, *, include_cost: bool) -> dict[str, Any]:
    """One SKU as a row of the product file."""
    values: dict[str, Any] = {
        "product_key": product_key(product),
        "name": product.name,
        "category": category_path,
        "brand": product.brand.name if product.brand_id else "",
        "unit": unit_label(product.unit),
        "code": sku.code,
        "barcode": sku.barcode,
        "plu": sku.plu,
        "price": fen_to_yuan(sku.price_fen),
        "cost": fen_to_yuan(sku.cost_fen) if include_cost else None,
        "weight_g": sku.weight_g,
        "mall": yes_no_label(product.available_in_mall),
        "pos": yes_no_label(product.available_in_pos),
        "status": status_label(product.status),
        "subtitle": product.subtitle,
    }
    spec = sku.spec_values or {}
    for n, name in enumerate((product.spec_names or [])[:SPEC_COUNT], start=1):
        values[f"spec{n}_name"] = name
        values[f"spec{n}_value"] = spec.get(name, "")
    return values


def export_rows(
    actor: User, *, category_id: int | None = None, status: str | None = None
) -> tuple[int, Iterator[dict[str, Any]]]:
    """(number of SKUs, rows) of the merchant's live products, in product id order."""
    merchant_id = actor.merchant_id
    products = Product.objects.for_merchant(merchant_id).filter(is_deleted=False)
    if category_id:
        get_owned(Category, merchant_id, pk=category_id)
        products = products.filter(category_id__in=category_subtree_ids(merchant_id, category_id))
    if status:
        if status not in Product.Status.values:
            raise DomainError(CoreError.INVALID_INPUT, detail=f"status {status[:20]}")
        products = products.filter(status=status)
    ids = list(products.order_by("pk").values_list("pk", flat=True))
    total = Sku.objects.filter(product_id__in=ids, is_deleted=False).count() if ids else 0
    include_cost = actor.has_perm_code(Perm.CATALOG_PRICE)

    def rows() -> Iterator[dict[str, Any]]:
        paths = category_paths(merchant_id)
        for start in range(0, len(ids), CHUNK_PRODUCTS):
            batch = ids[start : start + CHUNK_PRODUCTS]
            by_id = {p.pk: p for p in Product.objects.filter(pk__in=batch).select_related("brand")}
            skus = Sku.objects.filter(product_id__in=batch, is_deleted=False).order_by("product_id", "pk")
            for sku in skus:
                product = by_id[sku.product_id]
                yield sku_values(product, sku, paths.get(product.category_id, ""), include_cost=include_cost)

    return total, rows()


def write_export(
    actor: User,
    target: IO[bytes],
    fmt: str,
    *,
    category_id: int | None = None,
    status: str | None = None,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Write the export to ``target``; returns (SKU rows, products)."""
    total, rows = export_rows(actor, category_id=category_id, status=status)
    if progress:
        progress.set(0, total)
    writer = TableWriter(fmt, target)
    count, products, last_key = 0, 0, None
    for values in rows:
        writer.write(values)
        count += 1
        if values["product_key"] != last_key:
            products, last_key = products + 1, values["product_key"]
        if progress and count % 500 == 0:
            progress.set(count, total)
    writer.close()
    if progress:
        progress.set(count, total)
    return count, products


def export_actor(job: Job) -> User:
    return require_perm(job.created_by, Perm.CATALOG_IMPORT)


@job_handler(KIND, label=gettext_lazy("Product export"))
def export_products(job: Job, progress: Progress) -> dict[str, Any]:
    """Export for the job's creator (needs catalog.import); the file becomes the result file."""
    actor = export_actor(job)
    params = job.params
    fmt = params.get("format") if params.get("format") in FORMATS else "xlsx"
    with translation.override(params.get("language") or settings.LANGUAGE_CODE):
        with tempfile.TemporaryFile() as handle:
            count = write_export(
                actor,
                handle,
                fmt,
                category_id=params.get("category_id") or None,
                status=params.get("status") or None,
                progress=progress,
            )
            handle.seek(0)
            stamp = clock.now().astimezone(clock.DEFAULT_ZONE).strftime("%Y%m%d-%H%M")
            job.result_file.save(f"products-{stamp}.{fmt}", File(handle), save=False)
        skus, products = count
        summary = _("Exported %(skus)s SKUs of %(products)s products.") % {"skus": skus, "products": products}
        return {"summary": summary, "skus": skus, "products": products, "format": fmt}


def start_export(
    *, actor: User, fmt: str = "xlsx", category_id: int | None = None, status: str | None = None
) -> Job:
    """Check the choices and queue an export (needs catalog.import)."""
    require_perm(actor, Perm.CATALOG_IMPORT)
    if fmt not in FORMATS:
        raise DomainError(CoreError.INVALID_INPUT, detail=f"format {str(fmt)[:10]}")
    if category_id:
        get_owned(Category, actor.merchant_id, pk=category_id)
    if status and status not in Product.Status.values:
        raise DomainError(CoreError.INVALID_INPUT, detail=f"status {str(status)[:20]}")
    return start_job(
        actor=actor,
        kind=KIND,
        params={
            "format": fmt,
            "category_id": category_id,
            "status": status or "",
            "language": translation.get_language() or "",
        },
    )


# --- the template ------------------------------------------------------------------------------

TEMPLATE_ROWS: list[dict[str, Any]] = [
    {
        "product_key": "COLA",
        "name": "可口可乐 汽水",
        "category": "饮料/碳酸饮料",
        "brand": "可口可乐",
        "unit": "件",
        "spec1_name": "规格",
        "spec1_value": "330ml",
        "code": "COLA-330",
        "barcode": "6901939621264",
        "price": 3,
        "cost": 1.8,
        "weight_g": 350,
        "mall": "是",
        "pos": "是",
        "status": "上架",
        "subtitle": "经典口味 冰爽畅饮",
    },
    {
        "product_key": "COLA",
        "spec1_value": "500ml",
        "code": "COLA-500",
        "barcode": "6901939621257",
        "price": 3.5,
        "cost": 2.1,
        "weight_g": 520,
    },
    {
        "product_key": "APPLE",
        "name": "红富士苹果",
        "category": "生鲜/水果",
        "unit": "千克",
        "code": "APPLE-KG",
        "plu": "101",
        "price": 12.8,
        "cost": 8,
        "mall": "否",
        "pos": "是",
        "status": "上架",
        "subtitle": "按千克称重计价",
    },
]


def template_xlsx() -> bytes:
    """The import template: headers, a two-SKU drink (the second row inherits the product's
    cells from the first) and a weighed fruit with a PLU, plus a sheet explaining the columns."""
    buffer = io.BytesIO()
    writer = TableWriter("xlsx", buffer)
    for values in TEMPLATE_ROWS:
        writer.write(values)
    writer.write_sheet(
        _("Notes"),
        [[header, meaning] for header, meaning, _required in column_notes()] + [["", str(BLANK_CELL_HELP)]],
    )
    writer.close()
    return buffer.getvalue()
