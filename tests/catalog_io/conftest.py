"""Product import/export fixtures: files built in memory (CSV in any encoding, XLSX) and an
import run through the real job (Huey runs in immediate mode in tests; the job starts when the
transaction commits, which ``django_capture_on_commit_callbacks(execute=True)`` makes happen)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from newretail.catalog import jobs  # noqa: F401  (registers the job handlers)
from newretail.catalog.imports import ProductImport, start_import
from newretail.core.models import Job

HEADER = [
    "商品编号",
    "商品名称",
    "分类",
    "品牌",
    "单位",
    "规格1名",
    "规格1值",
    "SKU编码",
    "条码",
    "PLU",
    "标价(元)",
    "成本价(元)",
    "重量(g)",
    "商城可售",
    "门店可售",
    "状态",
    "副标题",
]

# A two-SKU drink and a weighed fruit (lines 2-4 of the file).
GOOD_ROWS = [
    [
        "COLA",
        "可口可乐",
        "饮料/碳酸饮料",
        "可口可乐",
        "件",
        "规格",
        "330ml",
        "COLA-330",
        "6901939621264",
        "",
        "3.00",
        "1.80",
        "350",
        "是",
        "是",
        "上架",
        "经典",
    ],
    [
        "COLA",
        "",
        "",
        "",
        "",
        "",
        "500ml",
        "COLA-500",
        "6901939621257",
        "",
        "3.50",
        "2.10",
        "520",
        "",
        "",
        "",
        "",
    ],
    [
        "",
        "红富士苹果",
        "生鲜/水果",
        "",
        "千克",
        "",
        "",
        "APPLE-KG",
        "",
        "101",
        "12.80",
        "8",
        "",
        "否",
        "是",
        "上架",
        "",
    ],
]


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_data(actor, data: bytes, name: str = "products.csv") -> dict:
    """Run an import synchronously (no job) and return its result dict."""
    result, _rows, _table = ProductImport(actor, reason="test").run(data, name)
    return result


def errors_by_line(result: dict) -> dict[int, str]:
    return {e["line"]: e["reason"] for e in result["errors"]}


@pytest.fixture
def run_import_job(django_capture_on_commit_callbacks):
    """run_import_job(actor, data, name) -> the finished Job (through start_import and the worker)."""

    def run(actor, data: bytes, name: str = "products.csv") -> Job:
        upload = SimpleUploadedFile(name, data)
        with django_capture_on_commit_callbacks(execute=True):
            job = start_import(actor=actor, upload=upload)
        job.refresh_from_db()
        return job

    return run
