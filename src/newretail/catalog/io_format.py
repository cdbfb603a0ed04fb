"""The product file that merchants import and export: one row per SKU, Chinese column headers
(English aliases accepted), as .csv or .xlsx. The columns are defined once here and used by the
import, the export and the template download.

Reading
    ``read_table(data, filename)`` yields ``(line, {column key: text})`` for every non-blank row
    under the header, ``line`` being the row number the merchant sees in Excel (header = line 1
    when it is the first row). CSV may be UTF-8 (with or without BOM) or GBK/GB18030, which is
    what Chinese Excel writes; .xlsx is read with openpyxl in read-only mode. Cells come back as
    stripped text: numbers stored by Excel become "3.5" / "6901939621257", never "6.9e12".

Writing
    ``TableWriter`` writes the same columns to .xlsx (openpyxl write-only) or .csv (UTF-8 with
    BOM so that Excel opens Chinese correctly); codes and barcodes are written as text so
    leading zeros survive a round trip.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from newretail.catalog import limits
from newretail.core.errors import DomainError, ErrorCode

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
FORMATS = ("xlsx", "csv")
SHEET_TITLE = "商品"


class CatalogIOError(ErrorCode):
    """Why a whole file is refused (a bad row is reported on its line and does not stop the rest)."""

    FILE_TYPE = ("catalog_io.file_type", _("Upload a .csv or .xlsx file."), 400)
    FILE_TOO_LARGE = ("catalog_io.file_too_large", _("The file is larger than {max_mb} MB."), 400)
    FILE_UNREADABLE = (
        "catalog_io.file_unreadable",
        _("The file cannot be read as {kind}. Save it from Excel as .xlsx or CSV and try again."),
        400,
    )
    NO_HEADER = (
        "catalog_io.no_header",
        _("The file is empty: the first row must hold the column headers."),
        400,
    )
    COLUMNS_MISSING = (
        "catalog_io.columns_missing",
        _("The file has no column {columns}. Download the template to see the expected headers."),
        400,
    )
    DUPLICATE_COLUMN = ("catalog_io.duplicate_column", _("The column {column} appears twice."), 400)
    NO_ROWS = ("catalog_io.no_rows", _("The file has headers but no product rows."), 400)
    TOO_MANY_ROWS = ("catalog_io.too_many_rows", _("A file may hold at most {max} rows; split it."), 400)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    text: bool = False  # written as a text cell in .xlsx (codes: keep leading zeros)
    width: int = 12


def _spec_columns() -> list[Column]:
    columns = []
    for n in range(1, limits.MAX_SPEC_NAMES + 1):
        columns.append(Column(f"spec{n}_name", f"规格{n}名", (f"spec {n} name", f"spec{n} name"), width=9))
        columns.append(
            Column(f"spec{n}_value", f"规格{n}值", (f"spec {n} value", f"spec{n} value"), width=10)
        )
    return columns


COLUMNS: tuple[Column, ...] = (
    Column("product_key", "商品编号", ("product key", "product code", "spu"), text=True, width=12),
    Column("name", "商品名称", ("name", "product name", "商品名"), required=True, width=24),
    Column("category", "分类", ("category", "分类路径", "category path"), required=True, width=16),
    Column("brand", "品牌", ("brand",), width=10),
    Column("unit", "单位", ("unit",), width=6),
    *_spec_columns(),
    Column("code", "SKU编码", ("sku code", "code", "sku", "商品编码"), text=True, width=14),
    Column("barcode", "条码", ("barcode", "条形码", "ean"), text=True, width=16),
    Column("plu", "PLU", ("plu code", "plu码"), text=True, width=7),
    Column("price", "标价(元)", ("price", "list price", "标价", "售价"), required=True, width=10),
    Column("cost", "成本价(元)", ("cost", "cost price", "成本价", "成本"), width=10),
    Column("weight_g", "重量(g)", ("weight", "weight (g)", "weight g", "重量"), width=8),
    Column("mall", "商城可售", ("mall", "sold in mall", "available in mall"), width=8),
    Column("pos", "门店可售", ("pos", "sold at pos", "available in pos"), width=8),
    Column("status", "状态", ("status",), width=6),
    Column("subtitle", "副标题", ("subtitle",), width=20),
)
BY_KEY = {column.key: column for column in COLUMNS}

# What each column means, for the console page and the template's notes sheet.
COLUMN_HELP = {
    "product_key": _(
        "Rows with the same product key are the SKUs of one product; leave it blank for a product "
        "with a single SKU. Only groups rows, it is not stored."
    ),
    "name": _("Product name. Required for a new product."),
    "category": _(
        "Category path such as 饮料/碳酸饮料, at most 3 levels; missing categories are created. "
        "Required for a new product."
    ),
    "brand": _("Brand name; a missing brand is created."),
    "unit": _("件 (piece) or 千克 (kg, sold by weight). Default 件."),
    "spec1_name": _(
        "Spec names and values, e.g. 规格 = 500ml, 口味 = 原味. A product with several SKUs needs at least one spec."
    ),
    "code": _(
        "SKU code (letters, digits, - _ .). With the barcode and the PLU it identifies the SKU: "
        "importing again updates the SKU with this code, else this barcode, else this PLU."
    ),
    "barcode": _("EAN-13, EAN-8, UPC-A or GTIN-14; the check digit is verified."),
    "plu": _("1 to 5 digits, for the scale; only products sold by weight (千克)."),
    "price": _("List price in yuan, at most two decimals; per kg for products sold by weight."),
    "cost": _("Cost in yuan. Changing the price or cost of an existing SKU needs the price permission."),
    "weight_g": _("Shipping weight in grams (whole number)."),
    "mall": _("是 or 否: sold in the online mall. Default 是."),
    "pos": _("是 or 否: sold at the store POS. Default 是."),
    "status": _("上架 (on sale) or 下架 (off sale). Default 上架."),
    "subtitle": _("Short selling line shown under the name."),
}


def column_notes() -> list[tuple[str, str, bool]]:
    """(header, meaning, required for a new product) per column, the spec columns as one entry;
    shown on the import page and in the template's notes sheet."""
    notes = []
    for column in COLUMNS:
        if column.key == "spec1_name":
            headers = f"规格1名 / 规格1值 … 规格{limits.MAX_SPEC_NAMES}名 / 规格{limits.MAX_SPEC_NAMES}值"
            notes.append((headers, str(COLUMN_HELP["spec1_name"]), False))
        elif column.key in COLUMN_HELP:
            notes.append((column.header, str(COLUMN_HELP[column.key]), column.required))
    return notes


BLANK_CELL_HELP = _(
    "A blank cell leaves an existing product's value as it is; a new product gets the default."
)
HEADERS = [column.header for column in COLUMNS]
REQUIRED = [column for column in COLUMNS if column.required]
SPEC_COUNT = limits.MAX_SPEC_NAMES

# Cell vocabularies: the first spelling of each is what the export writes.
UNIT_WORDS = {"piece": ("件", "piece", "pcs", "个", "pc"), "kg": ("千克", "kg", "公斤")}
STATUS_WORDS = {
    "on_sale": ("上架", "on_sale", "on sale", "在售"),
    "off_sale": ("下架", "off_sale", "off sale", "停售"),
}
YES_WORDS = ("是", "yes", "y", "true", "1", "可售", "√")
NO_WORDS = ("否", "no", "n", "false", "0", "不可售", "×")


def header_key(text: Any) -> str:
    """Normalised header for matching: full-width to ASCII, lower case, no spaces or underscores."""
    normalized = unicodedata.normalize("NFKC", str(text or "")).lower()
    return "".join(ch for ch in normalized if not ch.isspace() and ch != "_")


_HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _spelling in (_column.header, _column.key, *_column.aliases):
        _HEADER_LOOKUP.setdefault(header_key(_spelling), _column.key)


def word_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def parse_unit(text: str) -> str | None:
    key = word_key(text)
    return next((unit for unit, words in UNIT_WORDS.items() if key in words), None)


def parse_status(text: str) -> str | None:
    key = word_key(text)
    return next((status for status, words in STATUS_WORDS.items() if key in words), None)


def parse_yes_no(text: str) -> bool | None:
    key = word_key(text)
    if key in YES_WORDS:
        return True
    if key in NO_WORDS:
        return False
    return None


def unit_label(unit: str) -> str:
    return UNIT_WORDS.get(unit, (unit,))[0]


def status_label(status: str) -> str:
    return STATUS_WORDS.get(status, (status,))[0]


def yes_no_label(value: bool) -> str:
    return YES_WORDS[0] if value else NO_WORDS[0]


# --- reading -----------------------------------------------------------------------------------


def file_kind(filename: str) -> str:
    """ "csv" or "xlsx" from the file name, else the FILE_TYPE error."""
    name = (filename or "").lower().rsplit("/", 1)[-1]
    for kind in FORMATS:
        if name.endswith(f".{kind}"):
            return kind
    raise DomainError(CatalogIOError.FILE_TYPE)


def cell_text(value: Any) -> str:
    """A cell as stripped text. Whole floats lose their ".0" (Excel stores 6901939621257 and 500
    as floats); other floats use the shortest repr ("3.3", not "3.2999999999999998")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES_WORDS[0] if value else NO_WORDS[0]
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value).replace("\ufeff", "").strip()


@dataclass
class Table:
    """The header of an uploaded file: which column key sits at which position."""

    positions: dict[str, int]
    header_line: int
    ignored: list[str]

    @property
    def keys(self) -> set[str]:
        return set(self.positions)


def map_header(cells: Sequence[Any], line: int) -> Table:
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, raw in enumerate(cells):
        text = cell_text(raw)
        if not text:
            continue
        key = _HEADER_LOOKUP.get(header_key(text))
        if key is None:
            ignored.append(text[:40])
        elif key in positions:
            raise DomainError(CatalogIOError.DUPLICATE_COLUMN, column=BY_KEY[key].header)
        else:
            positions[key] = index
    missing = [column.header for column in REQUIRED if column.key not in positions]
    if missing:
        raise DomainError(CatalogIOError.COLUMNS_MISSING, columns="、".join(missing))
    return Table(positions=positions, header_line=line, ignored=ignored)


def _decode_csv(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312: what Chinese Excel's "CSV" option writes.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError(CatalogIOError.FILE_UNREADABLE, kind="CSV (UTF-8 / GBK)") from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode_csv(data)
    if "\x00" in text:
        raise DomainError(CatalogIOError.FILE_UNREADABLE, kind="CSV")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # The record number is the row number Excel shows (a quoted cell may span several lines).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error:
        raise DomainError(CatalogIOError.FILE_UNREADABLE, kind="CSV") from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl errors of a damaged or foreign file
        raise DomainError(CatalogIOError.FILE_UNREADABLE, kind="Excel (.xlsx)") from None
    try:
        if not workbook.worksheets:
            raise DomainError(CatalogIOError.NO_HEADER)
        sheet = workbook.worksheets[0]
        try:
            for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield line, list(row)
        except DomainError:
            raise
        except Exception:
            raise DomainError(CatalogIOError.FILE_UNREADABLE, kind="Excel (.xlsx)") from None
    finally:
        workbook.close()


def read_table(data: bytes, filename: str) -> tuple[Table, Iterator[tuple[int, dict[str, str]]]]:
    """The header of the file and an iterator over its non-blank data rows as
    ``(line, {column key: text})``. Refuses (CatalogIOError) a file of another type, one that
    cannot be decoded, or one whose first non-blank row lacks a required column."""
    kind = file_kind(filename)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(CatalogIOError.FILE_TOO_LARGE, max_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    table = None
    for line, cells in rows:
        if any(cell_text(c) for c in cells):
            table = map_header(cells, line)
            break
    if table is None:
        raise DomainError(CatalogIOError.NO_HEADER)

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        for line, cells in rows:
            values = {
                key: cell_text(cells[index]) if index < len(cells) else ""
                for key, index in table.positions.items()
            }
            if any(values.values()):
                yield line, values

    return table, records()


# --- writing -----------------------------------------------------------------------------------


class TableWriter:
    """Rows of the product file to .xlsx (write-only workbook) or .csv (UTF-8 with BOM).
    ``write(values)`` takes {column key: value}; money is written as a number with two decimals
    in .xlsx so that Excel can add it up."""

    MONEY = frozenset({"price", "cost"})

    def __init__(self, fmt: str, target: IO[bytes], columns: Sequence[Column] = COLUMNS) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt}")
        self.fmt, self.target, self.columns = fmt, target, list(columns)
        if fmt == "xlsx":
            from openpyxl import Workbook

            self.workbook = Workbook(write_only=True)
            self.sheet = self.workbook.create_sheet(SHEET_TITLE)
            for index, column in enumerate(self.columns, start=1):
                self.sheet.column_dimensions[_column_letter(index)].width = column.width + 2
            self.sheet.freeze_panes = "A2"
            self.sheet.append([self._header_cell(c.header) for c in self.columns])
        else:
            self.text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
            self.csv = csv.writer(self.text)
            self.csv.writerow([c.header for c in self.columns])

    def _header_cell(self, text: str):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill

        cell = WriteOnlyCell(self.sheet, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
        return cell

    def write(self, values: dict[str, Any]) -> None:
        if self.fmt == "csv":
            self.csv.writerow([_csv_value(values.get(c.key)) for c in self.columns])
            return
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for column in self.columns:
            value = values.get(column.key)
            if value is None or value == "":
                cells.append(None)
                continue
            cell = WriteOnlyCell(self.sheet, value=str(value) if column.text else value)
            if column.text:
                cell.number_format = "@"
            elif column.key in self.MONEY:
                cell.number_format = "0.00"
            cells.append(cell)
        self.sheet.append(cells)

    def write_sheet(self, title: str, rows: Iterable[Sequence[Any]]) -> None:
        """An extra sheet (xlsx only), e.g. the template's notes."""
        if self.fmt != "xlsx":
            return
        sheet = self.workbook.create_sheet(title)
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 90
        for row in rows:
            sheet.append(list(row))

    def close(self) -> None:
        if self.fmt == "xlsx":
            self.workbook.save(self.target)
        else:
            self.text.flush()
            self.text.detach()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
