"""Barcodes and PLU codes (pure: no database).

Retail barcodes are GS1 numbers whose last digit is a check digit: EAN-13 (most Chinese goods,
prefix 690-699), EAN-8, UPC-A (12 digits, North American goods) and GTIN-14 (cases). The check
digit is verified with python-stdnum, so a mistyped digit is refused when the SKU is saved
rather than found at the till.

A PLU is the 1-5 digit code a weighing scale prints into its 18/13-digit price label; only
products sold by weight carry one. PLUs are stored without leading zeros ("00123" -> "123") so
that the POS can look up the number it reads from a label.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumValidationError

from newretail.catalog.errors import CatalogError
from newretail.core.errors import DomainError

BARCODE_LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}
PLU_MAX_DIGITS = 5
_SEPARATORS = re.compile(r"[\s\-]+")


def normalize_barcode(raw: str | None) -> str:
    """Full-width digits become ASCII and spaces or hyphens go: " 690 1939-621257 " -> "6901939621257"."""
    if not raw:
        return ""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw)))


def barcode_kind(code: str) -> str | None:
    """ "EAN-13", "EAN-8", "UPC-A", "GTIN-14" for a well-formed code, else None (check digit not checked)."""
    code = normalize_barcode(code)
    if not code.isascii() or not code.isdigit():
        return None
    return BARCODE_LENGTHS.get(len(code))


def is_valid_barcode(raw: str | None) -> bool:
    code = normalize_barcode(raw)
    return barcode_kind(code) is not None and ean.is_valid(code)


def validate_barcode(raw: str | None, **error_params) -> str:
    """Return the normalised barcode ("" for none) or raise BARCODE_MALFORMED / BARCODE_INVALID.

    ``error_params`` (e.g. ``sku_index=2``) are carried on the error so a form can show it on
    the right row."""
    code = normalize_barcode(raw)
    if not code:
        return ""
    if barcode_kind(code) is None:
        raise DomainError(CatalogError.BARCODE_MALFORMED, barcode=code, field="barcode", **error_params)
    try:
        return ean.validate(code)
    except StdnumValidationError:
        raise DomainError(
            CatalogError.BARCODE_INVALID, barcode=code, field="barcode", **error_params
        ) from None


def with_check_digit(body: str) -> str:
    """Append the GS1 check digit: with_check_digit("690193962125") -> "6901939621257"."""
    if not body.isascii() or not body.isdigit() or len(body) + 1 not in BARCODE_LENGTHS:
        raise ValueError(f"not a barcode body: {body!r}")
    return body + ean.calc_check_digit(body)


def barcode_variants(code: str) -> list[str]:
    """The spellings a scanner may send for one item: a UPC-A read as EAN-13 gets a leading 0."""
    code = normalize_barcode(code)
    variants = [code]
    if len(code) == 12:
        variants.append("0" + code)
    elif len(code) == 13 and code.startswith("0"):
        variants.append(code[1:])
    return variants


def looks_like_barcode(text: str) -> bool:
    """A search query that is worth trying as an exact barcode first (8/12/13/14 digits)."""
    return barcode_kind(text) is not None


def normalize_plu(raw: str | int | None) -> str:
    if raw is None:
        return ""
    text = "".join(unicodedata.normalize("NFKC", str(raw)).split())
    if not text:
        return ""
    if not text.isascii() or not text.isdigit() or len(text) > PLU_MAX_DIGITS or int(text) == 0:
        raise DomainError(CatalogError.PLU_INVALID, plu=text, field="plu")
    return str(int(text))


def validate_plu(raw: str | int | None, *, sold_by_weight: bool, **error_params) -> str:
    """Return the normalised PLU ("" for none). PLUs are 1-5 digits and only on weighed goods."""
    try:
        plu = normalize_plu(raw)
    except DomainError as error:
        raise DomainError(error.error, **error.params, **error_params) from None
    if plu and not sold_by_weight:
        raise DomainError(CatalogError.PLU_NOT_WEIGHED, plu=plu, field="plu", **error_params)
    return plu
