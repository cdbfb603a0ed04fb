"""Checks shared by the product and SKU actions: one SKU row, the SKUs of one product taken
together, and uniqueness of codes, barcodes and PLUs within the merchant."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from newretail.catalog import limits
from newretail.catalog.barcodes import validate_barcode, validate_plu
from newretail.catalog.errors import CatalogError
from newretail.catalog.models import Sku
from newretail.core.errors import DomainError

_CODE_RE = re.compile(limits.CODE_PATTERN)
SKU_ROW_KEYS = frozenset(
    {"id", "spec_values", "code", "barcode", "plu", "price_fen", "cost_fen", "weight_g", "is_active"}
)


@dataclass
class SkuRow:
    """One SKU as an action receives it, cleaned. ``index`` is its position in the request so
    that errors can point at the right row of a form."""

    index: int
    id: int | None = None
    spec_values: dict[str, str] = field(default_factory=dict)
    code: str = ""
    barcode: str = ""
    plu: str = ""
    price_fen: int = 0
    cost_fen: int = 0
    weight_g: int = 0
    is_active: bool = True

    @classmethod
    def of_sku(cls, sku: Sku, index: int = -1) -> SkuRow:
        return cls(
            index=index,
            id=sku.pk,
            spec_values=dict(sku.spec_values or {}),
            code=sku.code,
            barcode=sku.barcode,
            plu=sku.plu,
            price_fen=sku.price_fen,
            cost_fen=sku.cost_fen,
            weight_g=sku.weight_g,
            is_active=sku.is_active,
        )

    def spec_key(self, spec_names: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.spec_values.get(name, "") for name in spec_names)


def check_amount(value: Any, *, field_label: str, maximum: int = limits.MAX_FEN, **params) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise DomainError(CatalogError.AMOUNT_OUT_OF_RANGE, field=field_label, max=maximum, **params)
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any, max_len: int | None = None, *, one_line: bool = True) -> str:
    """Free text as stored: control characters (NUL breaks PostgreSQL) removed, whitespace
    collapsed to single spaces on one-line fields, cut to ``max_len``."""
    text = _CONTROL.sub("", str(value or ""))
    if one_line:
        text = " ".join(text.split())
    return text[:max_len] if max_len else text


def clean_name(value: Any, max_len: int) -> str:
    name = clean_text(value)
    if not name:
        raise DomainError(CatalogError.NAME_REQUIRED)
    return name[:max_len]


def clean_spec_names(names: Iterable[Any] | None) -> list[str]:
    cleaned = [clean_text(n) for n in (names or [])]
    if (
        len(cleaned) > limits.MAX_SPEC_NAMES
        or any(not n or len(n) > limits.SPEC_NAME_MAX_LEN for n in cleaned)
        or len(set(cleaned)) != len(cleaned)
    ):
        raise DomainError(CatalogError.SPEC_NAMES_INVALID, max=limits.MAX_SPEC_NAMES)
    return cleaned


def clean_code(raw: Any, **params) -> str:
    code = str(raw or "").strip()
    if code and not _CODE_RE.match(code):
        raise DomainError(CatalogError.CODE_INVALID, code=code[:50], field="code", **params)
    return code


def clean_sku_row(
    data: Mapping[str, Any],
    index: int,
    *,
    spec_names: Sequence[str],
    sold_by_weight: bool,
    base: SkuRow | None = None,
) -> SkuRow:
    """Clean one SKU mapping (keys as SKU_ROW_KEYS; missing keys keep ``base``'s values)."""
    unknown = set(data) - SKU_ROW_KEYS
    if unknown:
        raise ValueError(f"unknown SKU fields: {sorted(unknown)}")
    row = SkuRow(**{**(base.__dict__ if base else {}), "index": index})
    where = {"sku_index": index}
    if "id" in data:
        row.id = data["id"]
    if "spec_values" in data:
        values = data["spec_values"] or {}
        if not isinstance(values, Mapping):
            raise DomainError(CatalogError.SPEC_VALUES_MISMATCH, names=" / ".join(spec_names), **where)
        row.spec_values = {clean_text(k): clean_text(v) for k, v in values.items()}
    if "code" in data:
        row.code = clean_code(data["code"], **where)
    if "barcode" in data:
        row.barcode = validate_barcode(data["barcode"], **where)
    if "plu" in data:
        row.plu = validate_plu(data["plu"], sold_by_weight=sold_by_weight, **where)
    elif row.plu and not sold_by_weight:
        row.plu = validate_plu(row.plu, sold_by_weight=False, **where)
    if "price_fen" in data:
        row.price_fen = check_amount(data["price_fen"], field_label=_("List price"), **where)
    if "cost_fen" in data:
        row.cost_fen = check_amount(data["cost_fen"], field_label=_("Cost"), **where)
    if "weight_g" in data:
        row.weight_g = check_amount(
            data["weight_g"], field_label=_("Shipping weight (g)"), maximum=limits.MAX_WEIGHT_G, **where
        )
    if "is_active" in data:
        row.is_active = bool(data["is_active"])
    return row


def check_product_rows(rows: Sequence[SkuRow], spec_names: Sequence[str]) -> None:
    """The live SKUs of one product taken together: at least one, spec values complete and
    distinct, no code/barcode/PLU twice."""
    if not rows:
        raise DomainError(CatalogError.SKU_REQUIRED)
    if len(rows) > limits.MAX_SKUS_PER_PRODUCT:
        raise DomainError(CatalogError.TOO_MANY_SKUS, max=limits.MAX_SKUS_PER_PRODUCT)
    if not spec_names and len(rows) > 1:
        raise DomainError(CatalogError.SPEC_REQUIRED)
    seen_specs: dict[tuple[str, ...], int] = {}
    for row in rows:
        if set(row.spec_values) != set(spec_names) or any(
            not v or len(v) > limits.SPEC_VALUE_MAX_LEN for v in row.spec_values.values()
        ):
            raise DomainError(
                CatalogError.SPEC_VALUES_MISMATCH, names=" / ".join(spec_names), sku_index=row.index
            )
        key = row.spec_key(spec_names)
        if spec_names and key in seen_specs:
            raise DomainError(CatalogError.SPEC_DUPLICATE, values=" / ".join(key), sku_index=row.index)
        seen_specs[key] = row.index
    labels = {"code": _("SKU code"), "barcode": _("Barcode"), "plu": _("PLU")}
    for attr, label in labels.items():
        seen: set[str] = set()
        for row in rows:
            value = getattr(row, attr)
            if value and value in seen:
                raise DomainError(
                    CatalogError.DUPLICATE_IN_REQUEST, field=label, value=value, sku_index=row.index
                )
            seen.add(value)


_TAKEN = {
    "code": CatalogError.CODE_TAKEN,
    "barcode": CatalogError.BARCODE_TAKEN,
    "plu": CatalogError.PLU_TAKEN,
}


def check_unique_in_merchant(merchant_id: int, rows: Sequence[SkuRow]) -> None:
    """No other live SKU of the merchant uses a row's code, barcode or PLU (the partial unique
    constraints would refuse it; this says which one, in words)."""
    own_ids = [row.id for row in rows if row.id]
    for attr, error in _TAKEN.items():
        values = {getattr(row, attr): row for row in rows if getattr(row, attr)}
        if not values:
            continue
        taken = (
            Sku.objects.for_merchant(merchant_id)
            .filter(is_deleted=False, **{f"{attr}__in": list(values)})
            .exclude(pk__in=own_ids)
            .values_list(attr, flat=True)
            .first()
        )
        if taken is not None:
            raise DomainError(error, **{attr: taken}, field=attr, sku_index=values[taken].index)
