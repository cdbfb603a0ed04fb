"""Product import (a background job, ``catalog.import_products``).

What it guarantees
    * Each row is one SKU; rows with the same 商品编号 form one product (blank: one product per
      row). A bad row is reported with its line number and reason and never stops the others;
      a bad row inside a multi-row product rejects that product's other rows too, each with a
      reason naming the bad line, because a product and its SKUs are validated together.
    * Re-runnable: a row finds its SKU by SKU编码, then 条码, then PLU, among the merchant's
      live SKUs. A found SKU (and its product) is updated, otherwise created. A blank cell
      leaves an existing value as it is and gives a new item the default, so running the same
      file twice changes nothing the second time ("0 created, 0 updated, N unchanged").
    * The catalog's own rules apply: rows are cleaned with ``clean_sku_row``, products checked
      with ``check_product_rows``, codes/barcodes/PLUs must be free in the merchant, categories
      and brands are created through their actions, SKUs are written with ``write_sku`` (so list
      price and cost changes need ``catalog.price`` and are audited).

How it is fast
    Rows are parsed and checked without the database first. Products are then written in
    chunks of about CHUNK_ROWS rows, one transaction per chunk and a savepoint per product; the
    existing SKUs a chunk mentions are looked up in one query, and the search index is rebuilt
    once per chunk for the products that changed. Unchanged products are not written at all.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newretail.catalog import limits
from newretail.catalog.actions.brands import create_brand
from newretail.catalog.actions.categories import create_category
from newretail.catalog.actions.skus import write_sku
from newretail.catalog.actions.validation import (
    SkuRow,
    check_product_rows,
    clean_code,
    clean_name,
    clean_sku_row,
    clean_spec_names,
    clean_text,
)
from newretail.catalog.barcodes import normalize_plu, validate_barcode
from newretail.catalog.errors import CatalogError
from newretail.catalog.io_format import (
    BY_KEY,
    COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    SPEC_COUNT,
    CatalogIOError,
    Table,
    file_kind,
    parse_status,
    parse_unit,
    parse_yes_no,
    read_table,
)
from newretail.catalog.models import Brand, Category, Product, Sku
from newretail.catalog.search import index_products
from newretail.core import clock
from newretail.core.errors import CoreError, DomainError
from newretail.core.jobs import Progress, job_handler, start_job
from newretail.core.models import Job
from newretail.core.money import MoneyFormatError, format_fen, yuan_to_fen
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

KIND = "catalog.import_products"
CHUNK_ROWS = 500
MAX_REPORTED_ERRORS = 200
KEPT_BASE = -1000
PRODUCT_KEYS = ("name", "category", "brand", "unit", "status", "mall", "pos", "subtitle") + tuple(
    f"spec{n}_name" for n in range(1, SPEC_COUNT + 1)
)
PRODUCT_SNAPSHOT = (
    "name",
    "subtitle",
    "category_id",
    "brand_id",
    "unit",
    "spec_names",
    "status",
    "available_in_mall",
    "available_in_pos",
)
SKU_SNAPSHOT = ("spec_values", "code", "barcode", "plu", "price_fen", "cost_fen", "weight_g", "is_active")


class RowProblem(Exception):
    """A row (``index`` in its product, -1: the product as a whole) cannot be imported."""

    def __init__(self, message: str, index: int = -1) -> None:
        super().__init__(message)
        self.message, self.index = message, index


def header(key: str) -> str:
    return BY_KEY[key].header


# --- parsing (no database) -----------------------------------------------------------------------


@dataclass
class Row:
    line: int
    values: dict[str, str]
    error: str = ""
    outcome: str = ""
    code: str = ""
    barcode: str = ""
    plu: str = ""
    product: dict[str, Any] = field(default_factory=dict)  # parsed non-blank product cells
    sku: dict[str, Any] = field(default_factory=dict)  # clean_sku_row input (non-blank cells)
    spec_values: dict[int, str] = field(default_factory=dict)  # position (1-based) -> value


@dataclass
class Group:
    """The rows of one product (same 商品编号, or a lone row)."""

    key: str
    rows: list[Row]
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def rejected(self) -> bool:
        return any(row.error for row in self.rows)


def _money(key: str, text: str) -> int:
    try:
        return yuan_to_fen(text)
    except MoneyFormatError:
        message = DomainError(CoreError.INVALID_AMOUNT, value=text[:30]).message
        raise RowProblem(_("%(column)s: %(message)s") % {"column": header(key), "message": message}) from None


def _grams(text: str) -> int:
    try:
        number = Decimal(unicodedata.normalize("NFKC", text).replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise RowProblem(
            _("%(column)s: “%(value)s” is not a whole number of grams.")
            % {"column": header("weight_g"), "value": text[:30]}
        )
    return int(number)


def _domain(error: DomainError) -> RowProblem:
    return RowProblem(error.message)


def _category_path(text: str) -> tuple[str, ...]:
    parts = [
        clean_text(p, limits.CATEGORY_NAME_MAX_LEN) for p in unicodedata.normalize("NFKC", text).split("/")
    ]
    path = tuple(p for p in parts if p)
    if len(path) > limits.CATEGORY_MAX_DEPTH:
        raise _domain(DomainError(CatalogError.CATEGORY_TOO_DEEP, max=limits.CATEGORY_MAX_DEPTH))
    return path


def _choice(key: str, text: str, parse: Callable[[str], Any], hint: str) -> Any:
    value = parse(text)
    if value is None:
        raise RowProblem(
            _("%(column)s: “%(value)s” is not understood; use %(hint)s.")
            % {"column": header(key), "value": text[:30], "hint": hint}
        )
    return value


def parse_row(line: int, values: dict[str, str]) -> Row:
    """Parse the cells of one row; the first problem becomes ``row.error``."""
    row = Row(line=line, values=values)
    try:
        _parse_cells(row, values)
    except RowProblem as problem:
        row.error = problem.message
    except DomainError as error:
        row.error = error.message
    return row


def _parse_cells(row: Row, values: dict[str, str]) -> None:
    get = values.get
    product = row.product
    if get("name"):
        product["name"] = clean_text(get("name"), limits.NAME_MAX_LEN)
    if get("category"):
        path = _category_path(get("category", ""))
        if path:
            product["category"] = path
    if get("brand"):
        product["brand"] = clean_text(get("brand"), limits.BRAND_NAME_MAX_LEN)
    if get("subtitle"):
        product["subtitle"] = clean_text(get("subtitle"), limits.SUBTITLE_MAX_LEN)
    if get("unit"):
        product["unit"] = _choice("unit", get("unit", ""), parse_unit, "件 / 千克")
    if get("status"):
        product["status"] = _choice("status", get("status", ""), parse_status, "上架 / 下架")
    for key in ("mall", "pos"):
        if get(key):
            product[key] = _choice(key, get(key, ""), parse_yes_no, "是 / 否")
    for n in range(1, SPEC_COUNT + 1):
        name = clean_text(get(f"spec{n}_name"))
        value = clean_text(get(f"spec{n}_value"))
        if name:
            product[f"spec{n}_name"] = name
        if value:
            row.spec_values[n] = value
    row.code = clean_code(get("code"))
    row.barcode = validate_barcode(get("barcode"))
    row.plu = normalize_plu(get("plu"))
    if not (row.code or row.barcode or row.plu):
        raise RowProblem(
            _(
                "A row needs a SKU code, a barcode or a PLU, so that importing the file again finds the same SKU."
            )
        )
    sku = row.sku
    if row.code:
        sku["code"] = row.code
    if row.barcode:
        sku["barcode"] = row.barcode
    if row.plu:
        sku["plu"] = row.plu
    if get("price"):
        sku["price_fen"] = _money("price", get("price", ""))
    if get("cost"):
        sku["cost_fen"] = _money("cost", get("cost", ""))
    if get("weight_g"):
        sku["weight_g"] = _grams(get("weight_g", ""))


def group_rows(rows: Iterable[Row]) -> list[Group]:
    """Rows by 商品编号 in file order; product cells merged (a blank cell takes the product's
    value from an earlier row; a different value is an error); each SKU code, barcode and PLU
    at most once in the file; a group with a bad row is rejected as a whole."""
    groups: dict[str, Group] = {}
    seen: dict[str, dict[str, int]] = {"code": {}, "barcode": {}, "plu": {}}
    for row in rows:
        key = clean_text(row.values.get("product_key"), 64)
        group_id = key or f"\x00{row.line}"
        groups.setdefault(group_id, Group(key=key, rows=[])).rows.append(row)
        if row.error:
            continue
        for attr, column in (("code", "code"), ("barcode", "barcode"), ("plu", "plu")):
            value = getattr(row, attr)
            if not value:
                continue
            first = seen[attr].setdefault(value, row.line)
            if first != row.line and not row.error:
                row.error = _("%(column)s %(value)s already appears on line %(line)s.") % {
                    "column": header(column),
                    "value": value,
                    "line": first,
                }
    for group in groups.values():
        first_line: dict[str, int] = {}
        for row in group.rows:
            if row.error:
                continue
            for name, value in row.product.items():
                if name not in group.fields:
                    group.fields[name], first_line[name] = value, row.line
                elif group.fields[name] != value:
                    shown = "/".join(value) if isinstance(value, tuple) else value
                    row.error = _(
                        "%(column)s “%(value)s” differs from line %(line)s of the same product (%(key_column)s %(key)s)."
                    ) % {
                        "column": header(name),
                        "value": shown,
                        "line": first_line[name],
                        "key_column": header("product_key"),
                        "key": group.key,
                    }
                    break
        reject_group(group)
    return list(groups.values())


def reject_group(group: Group) -> None:
    """Give every good row of a group with a bad row the reason it was not imported."""
    bad = next((row for row in group.rows if row.error), None)
    if bad is None:
        return
    for row in group.rows:
        if not row.error:
            row.error = _(
                "Not imported: line %(line)s of the same product (%(key_column)s %(key)s) has an error."
            ) % {"line": bad.line, "key_column": header("product_key"), "key": group.key}
    for row in group.rows:
        row.outcome = "rejected"


# --- writing (per chunk) -----------------------------------------------------------------------


@dataclass
class ChunkState:
    """What one chunk knows about the database: live SKUs holding the chunk's codes, barcodes
    and PLUs, and the products those SKUs belong to (locked) with all their live SKUs."""

    holders: dict[str, dict[str, int]]
    products: dict[int, Product]
    skus: dict[int, Sku]
    product_skus: dict[int, list[Sku]]


def _snapshot(obj: Any, names: Iterable[str]) -> tuple:
    return tuple(list(getattr(obj, name)) if name == "spec_names" else getattr(obj, name) for name in names)


def _sku_snapshot(row: SkuRow | Sku) -> tuple:
    return tuple(dict(row.spec_values or {}) if n == "spec_values" else getattr(row, n) for n in SKU_SNAPSHOT)


class ProductImport:
    """One run of an import for ``actor``'s merchant. ``run(data, filename, progress)`` returns
    the job result: counts, summary and errors."""

    def __init__(self, actor: User, *, reason: str = "") -> None:
        self.actor = actor
        self.merchant_id = actor.merchant_id
        self.can_price = actor.has_perm_code(Perm.CATALOG_PRICE)
        self.reason = reason
        self.counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        self.products_created = 0
        self.categories = {
            (parent_id, name): pk
            for pk, parent_id, name in Category.objects.for_merchant(self.merchant_id).values_list(
                "pk", "parent_id", "name"
            )
        }
        self.brands = dict(Brand.objects.for_merchant(self.merchant_id).values_list("name", "pk"))
        self.claimed: dict[int, int] = {}  # SKU id -> line that imported it
        self._created_here: list[tuple[str, Any]] = []  # categories/brands made by the current product
        self._claims_here: list[int] = []  # SKU ids claimed by the current product
        self._kept_codes: dict[int, str] = {}  # validation index of a SKU not in the file -> its code

    # --- the whole file --------------------------------------------------------------------

    def run(
        self, data: bytes, filename: str, progress: Progress | None = None
    ) -> tuple[dict, list[Row], Table]:
        table, records = read_table(data, filename)
        rows = []
        for line, values in records:
            if len(rows) >= MAX_ROWS:
                raise DomainError(CatalogIOError.TOO_MANY_ROWS, max=f"{MAX_ROWS:,}")
            rows.append(parse_row(line, values))
        if not rows:
            raise DomainError(CatalogIOError.NO_ROWS)
        groups = group_rows(rows)
        total = len(rows)
        if progress:
            progress.set(0, total)
        done = 0
        for chunk in self._chunks(groups):
            live = [g for g in chunk if not g.rejected]
            if live:
                self._write_chunk(live)
            done += sum(len(g.rows) for g in chunk)
            if progress:
                progress.set(done, total)
        for row in rows:
            self.counts[row.outcome or "rejected"] += 1
        return self._result(rows, table), rows, table

    @staticmethod
    def _chunks(groups: list[Group]) -> Iterator[list[Group]]:
        chunk: list[Group] = []
        size = 0
        for group in groups:
            chunk.append(group)
            size += len(group.rows)
            if size >= CHUNK_ROWS:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    def _result(self, rows: list[Row], table: Table) -> dict[str, Any]:
        errors = sorted(
            ({"line": r.line, "reason": r.error} for r in rows if r.error), key=lambda e: e["line"]
        )
        summary = (
            _(
                "%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rows not imported."
            )
            % self.counts
        )
        return {
            "summary": summary,
            **self.counts,
            "rows": len(rows),
            "products_created": self.products_created,
            "errors": errors[:MAX_REPORTED_ERRORS],
            "errors_truncated": max(0, len(errors) - MAX_REPORTED_ERRORS),
            "ignored_columns": table.ignored,
        }

    # --- one chunk -------------------------------------------------------------------------

    def _write_chunk(self, groups: list[Group]) -> None:
        with transaction.atomic():
            state = self._load(groups)
            changed: set[int] = set()
            for group in groups:
                self._created_here, self._claims_here, self._kept_codes = [], [], {}
                touched_products: set[int] = set()
                try:
                    with transaction.atomic():
                        product_id = self._apply(group, state, touched_products)
                except (DomainError, RowProblem) as problem:
                    self._forget_claims()
                    self._forget_created()
                    self._reload(state, touched_products)
                    self._reject(group, problem)
                else:
                    if product_id is not None:
                        changed.add(product_id)
            index_products(changed)

    def _load(self, groups: list[Group]) -> ChunkState:
        values: dict[str, set[str]] = {"code": set(), "barcode": set(), "plu": set()}
        for group in groups:
            for row in group.rows:
                for attr, found in values.items():
                    if getattr(row, attr):
                        found.add(getattr(row, attr))
        query = Q()
        for attr, found in values.items():
            if found:
                query |= Q(**{f"{attr}__in": sorted(found)})
        holders: dict[str, dict[str, int]] = {attr: {} for attr in values}
        state = ChunkState(holders=holders, products={}, skus={}, product_skus={})
        if not any(values.values()):
            return state
        product_ids: set[int] = set()
        for pk, product_id, code, barcode, plu in (
            Sku.objects.for_merchant(self.merchant_id)
            .filter(query, is_deleted=False)
            .values_list("pk", "product_id", "code", "barcode", "plu")
        ):
            for attr, value in (("code", code), ("barcode", barcode), ("plu", plu)):
                if value and value in values[attr]:
                    holders[attr][value] = pk
            product_ids.add(product_id)
        self._load_products(state, product_ids)
        return state

    def _load_products(self, state: ChunkState, product_ids: Iterable[int]) -> None:
        ids = sorted(set(product_ids))
        if not ids:
            return
        # Locked in pk order (no deadlocks between two imports of one merchant).
        for product in (
            Product.objects.select_for_update()
            .filter(merchant_id=self.merchant_id, pk__in=ids, is_deleted=False)
            .order_by("pk")
        ):
            state.products[product.pk] = product
            state.product_skus[product.pk] = []
        for sku in (
            Sku.objects.select_for_update()
            .filter(product_id__in=list(state.products), is_deleted=False)
            .order_by("pk")
        ):
            state.skus[sku.pk] = sku
            state.product_skus[sku.product_id].append(sku)

    def _reload(self, state: ChunkState, product_ids: set[int]) -> None:
        """After a rolled-back product, forget the in-memory changes made to its rows."""
        for pk in product_ids:
            for sku in state.product_skus.pop(pk, []):
                state.skus.pop(sku.pk, None)
            state.products.pop(pk, None)
        self._load_products(state, product_ids)

    def _forget_claims(self) -> None:
        for sku_id in self._claims_here:
            self.claimed.pop(sku_id, None)
        self._claims_here = []

    def _forget_created(self) -> None:
        for kind, key in self._created_here:
            (self.categories if kind == "category" else self.brands).pop(key, None)
        self._created_here = []

    def _reject(self, group: Group, problem: DomainError | RowProblem) -> None:
        index = problem.index if isinstance(problem, RowProblem) else problem.params.get("sku_index", -1)
        message = problem.message
        if isinstance(problem, DomainError) and problem.code == CoreError.PERMISSION_DENIED.code:
            message = _("You may not create categories or brands, or change these products.")
        if index in self._kept_codes:
            message = _("SKU %(code)s of this product is not in the file and no longer fits: %(reason)s") % {
                "code": self._kept_codes[index],
                "reason": message,
            }
        if not isinstance(index, int) or not 0 <= index < len(group.rows):
            index = 0
        group.rows[index].error = message
        reject_group(group)

    # --- one product -----------------------------------------------------------------------

    def _match(self, group: Group, state: ChunkState) -> tuple[list[Sku | None], dict[int, int]]:
        """The existing SKU of each row (or None) and {SKU id: line} of those found."""
        matched: list[Sku | None] = []
        claims: dict[int, int] = {}
        for index, row in enumerate(group.rows):
            sku_id = None
            for attr in ("code", "barcode", "plu"):
                value = getattr(row, attr)
                if value and state.holders[attr].get(value) in state.skus:
                    sku_id = state.holders[attr][value]
                    break
            if sku_id is not None:
                first = self.claimed.get(sku_id) or claims.get(sku_id)
                if first is not None:
                    raise RowProblem(
                        _("This row matches SKU %(code)s, which line %(line)s already imported.")
                        % {"code": state.skus[sku_id].code, "line": first},
                        index,
                    )
                claims[sku_id] = row.line
            matched.append(state.skus[sku_id] if sku_id is not None else None)
        products = {sku.product_id for sku in matched if sku is not None}
        if len(products) > 1:
            raise RowProblem(
                _(
                    "The rows of this product match SKUs of %(count)s different existing products; "
                    "give those rows different %(key_column)s values."
                )
                % {"count": len(products), "key_column": header("product_key")}
            )
        return matched, claims

    def _apply(self, group: Group, state: ChunkState, touched: set[int]) -> int | None:
        """Create or update the group's product; returns its id if anything was written."""
        matched, claims = self._match(group, state)
        existing = next((sku for sku in matched if sku is not None), None)
        is_new = existing is None
        product = Product(merchant_id=self.merchant_id) if is_new else state.products[existing.product_id]
        if not is_new:
            touched.add(product.pk)
        before = None if is_new else _snapshot(product, PRODUCT_SNAPSHOT)
        positions = self._set_product_fields(product, group, is_new)
        spec_names, by_weight = product.spec_names, product.sold_by_weight
        own = [] if is_new else state.product_skus[product.pk]
        updates: list[tuple[Row, SkuRow, Sku]] = []
        creates: list[tuple[Row, SkuRow]] = []
        for index, (row, sku) in enumerate(zip(group.rows, matched, strict=True)):
            data = dict(row.sku)
            if row.spec_values or sku is None:
                data["spec_values"] = self._spec_values(row, positions, index)
            if sku is None:
                if "price_fen" not in data:
                    raise RowProblem(
                        _("%(column)s is required for a new SKU.") % {"column": header("price")}, index
                    )
                creates.append(
                    (row, clean_sku_row(data, index, spec_names=spec_names, sold_by_weight=by_weight))
                )
            else:
                cleaned = clean_sku_row(
                    data, index, spec_names=spec_names, sold_by_weight=by_weight, base=SkuRow.of_sku(sku)
                )
                updates.append((row, cleaned, sku))
        updated_ids = {sku.pk for _row, _cleaned, sku in updates}
        # SKUs of the product that the file does not mention must still fit its (new) specs and
        # unit; their validation indexes (KEPT_BASE - n) let an error name them.
        kept_skus = [sku for sku in own if sku.pk not in updated_ids]
        self._kept_codes = {KEPT_BASE - n: sku.code for n, sku in enumerate(kept_skus)}
        kept = [
            clean_sku_row(
                {}, KEPT_BASE - n, spec_names=spec_names, sold_by_weight=by_weight, base=SkuRow.of_sku(sku)
            )
            for n, sku in enumerate(kept_skus)
        ]
        final = [
            *kept,
            *(cleaned for _row, cleaned, _sku in updates),
            *(cleaned for _row, cleaned in creates),
        ]
        check_product_rows(final, spec_names)
        self._check_unique(final, state)
        changed_skus = [
            (row, cleaned, sku)
            for row, cleaned, sku in updates
            if _sku_snapshot(cleaned) != _sku_snapshot(sku)
        ]
        if not self.can_price:
            for _row, cleaned, sku in changed_skus:
                if (cleaned.price_fen, cleaned.cost_fen) != (sku.price_fen, sku.cost_fen):
                    raise RowProblem(
                        _(
                            "SKU %(code)s: changing its list price or cost (now %(price)s / %(cost)s) "
                            "needs the “change list prices” permission."
                        )
                        % {
                            "code": sku.code,
                            "price": format_fen(sku.price_fen),
                            "cost": format_fen(sku.cost_fen),
                        },
                        cleaned.index,
                    )
        product_changed = is_new or _snapshot(product, PRODUCT_SNAPSHOT) != before
        self.claimed.update(claims)
        self._claims_here.extend(claims)
        if not (product_changed or changed_skus or creates):
            for row in group.rows:
                row.outcome = "unchanged"
            return None
        if product_changed:
            product.save()
        previous = {
            sku.pk: {attr: getattr(sku, attr) for attr in state.holders} for _r, _c, sku in changed_skus
        }
        for _row, cleaned, sku in changed_skus:
            write_sku(actor=self.actor, product=product, row=cleaned, sku=sku, reason=self.reason)
        new_skus = []
        for row, cleaned in creates:
            new_skus.append(write_sku(actor=self.actor, product=product, row=cleaned, sku=None))
            self.claimed[new_skus[-1].pk] = row.line
            self._claims_here.append(new_skus[-1].pk)
        if product_changed and not is_new:
            # POS terminals sync on the SKUs' updated_at (as update_product does).
            Sku.objects.filter(product_id=product.pk).update(updated_at=clock.now())
        self._remember(state, product, [sku for _r, _c, sku in changed_skus], previous, new_skus, is_new)
        changed_ids = {sku.pk for _r, _c, sku in changed_skus}
        for row, _cleaned, sku in updates:
            row.outcome = "updated" if product_changed or sku.pk in changed_ids else "unchanged"
        for row, _cleaned in creates:
            row.outcome = "created"
        if is_new:
            self.products_created += 1
        return product.pk

    def _remember(
        self,
        state: ChunkState,
        product: Product,
        changed: list[Sku],
        previous: dict[int, dict[str, str]],
        new: list[Sku],
        is_new: bool,
    ) -> None:
        """Keep the chunk's view of codes/barcodes/PLUs in step with what was just written: a
        value a changed SKU gave up is free for later rows of the chunk."""
        if is_new:
            state.products[product.pk] = product
            state.product_skus[product.pk] = []
        for sku in changed:
            for attr, holders in state.holders.items():
                old = previous[sku.pk][attr]
                if old and old != getattr(sku, attr) and holders.get(old) == sku.pk:
                    del holders[old]
        for sku in [*changed, *new]:
            for attr, holders in state.holders.items():
                if getattr(sku, attr):
                    holders[getattr(sku, attr)] = sku.pk
        for sku in new:
            state.skus[sku.pk] = sku
            state.product_skus[product.pk].append(sku)

    def _check_unique(self, rows: list[SkuRow], state: ChunkState) -> None:
        """No other live SKU of the merchant holds a row's code, barcode or PLU (what
        ``check_unique_in_merchant`` checks, from the chunk's lookup instead of a query per row)."""
        own = {row.id for row in rows if row.id}
        taken = {
            "code": CatalogError.CODE_TAKEN,
            "barcode": CatalogError.BARCODE_TAKEN,
            "plu": CatalogError.PLU_TAKEN,
        }
        for attr, error in taken.items():
            for row in rows:
                value = getattr(row, attr)
                holder = state.holders[attr].get(value) if value else None
                if holder is not None and holder not in own:
                    raise DomainError(error, **{attr: value}, field=attr, sku_index=row.index)

    def _spec_values(self, row: Row, positions: dict[int, str], index: int) -> dict[str, str]:
        values = {}
        for n, value in row.spec_values.items():
            name = positions.get(n)
            if not name:
                raise RowProblem(
                    _("%(value_column)s has a value but %(name_column)s is empty.")
                    % {"value_column": header(f"spec{n}_value"), "name_column": header(f"spec{n}_name")},
                    index,
                )
            values[name] = value
        return values

    def _set_product_fields(self, product: Product, group: Group, is_new: bool) -> dict[int, str]:
        """Apply the group's product cells (blank: keep, or the default for a new product) and
        return spec position -> spec name."""
        fields = group.fields
        if "name" in fields:
            product.name = clean_name(fields["name"], limits.NAME_MAX_LEN)
        elif is_new:
            raise RowProblem(_("%(column)s is required for a new product.") % {"column": header("name")})
        if "category" in fields:
            product.category_id = self._category_id(fields["category"])
        elif is_new:
            raise RowProblem(_("%(column)s is required for a new product.") % {"column": header("category")})
        if "brand" in fields:
            product.brand_id = self._brand_id(fields["brand"])
        if "subtitle" in fields:
            product.subtitle = fields["subtitle"]
        if "unit" in fields:
            product.unit = fields["unit"]
        if "status" in fields:
            product.status = fields["status"]
        if "mall" in fields:
            product.available_in_mall = fields["mall"]
        if "pos" in fields:
            product.available_in_pos = fields["pos"]
        names = {n: fields[f"spec{n}_name"] for n in range(1, SPEC_COUNT + 1) if f"spec{n}_name" in fields}
        if names:
            product.spec_names = clean_spec_names([names[n] for n in sorted(names)])
            return names
        return {n: name for n, name in enumerate(product.spec_names or [], start=1)}

    def _category_id(self, path: tuple[str, ...]) -> int:
        parent_id = None
        for name in path:
            key = (parent_id, name)
            pk = self.categories.get(key)
            if pk is None:
                pk = create_category(actor=self.actor, name=name, parent_id=parent_id).pk
                self.categories[key] = pk
                self._created_here.append(("category", key))
            parent_id = pk
        assert parent_id is not None
        return parent_id

    def _brand_id(self, name: str) -> int | None:
        if not name:
            return None
        pk = self.brands.get(name)
        if pk is None:
            pk = create_brand(actor=self.actor, name=name).pk
            self.brands[name] = pk
            self._created_here.append(("brand", name))
        return pk


# --- the job -----------------------------------------------------------------------------------


def error_report(rows: list[Row], table: Table) -> bytes:
    """The rows not imported, as CSV (UTF-8 with BOM): line, reason and the row's own cells, so
    that the merchant can fix them and import this file again (the two extra columns are
    ignored by the import)."""
    keys = [c.key for c in COLUMNS if c.key in table.positions]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["原行号", "错误原因", *(header(k) for k in keys)])
    for row in sorted((r for r in rows if r.error), key=lambda r: r.line):
        writer.writerow([row.line, row.error, *(row.values.get(k, "") for k in keys)])
    return buffer.getvalue().encode("utf-8-sig")


def import_actor(job: Job) -> User:
    actor = job.created_by
    require_perm(actor, Perm.CATALOG_IMPORT)
    return require_perm(actor, Perm.CATALOG_MANAGE)


@job_handler(KIND, label=gettext_lazy("Product import"))
def import_products(job: Job, progress: Progress) -> dict[str, Any]:
    """Import the job's input file for its creator (needs catalog.import and catalog.manage;
    price changes of existing SKUs also catalog.price). Saves the rows not imported as the
    job's result file."""
    actor = import_actor(job)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        with job.input_file.open("rb") as handle:
            data = handle.read()
        run = ProductImport(actor, reason=_("Product import, job #%(id)s") % {"id": job.pk})
        result, rows, table = run.run(data, job.params.get("filename") or job.input_file.name, progress)
        if result["rejected"]:
            job.result_file.save(
                f"import-errors-{job.pk}.csv", ContentFile(error_report(rows, table)), save=False
            )
    return result


def start_import(*, actor: User, upload: Any) -> Job:
    """Check the upload (type, size, header row) and queue its import. The file is refused
    here, before any job exists, if it cannot be read or lacks a required column."""
    require_perm(actor, Perm.CATALOG_IMPORT)
    require_perm(actor, Perm.CATALOG_MANAGE)
    name = getattr(upload, "name", "") or ""
    file_kind(name)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise DomainError(CatalogIOError.FILE_TOO_LARGE, max_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    read_table(data, name)  # the header is checked now, the rows by the job
    upload.seek(0)
    return start_job(
        actor=actor,
        kind=KIND,
        params={"filename": name.rsplit("/", 1)[-1][:200], "language": translation.get_language() or ""},
        input_file=upload,
    )
