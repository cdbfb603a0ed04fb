"""The console's import/export page: upload -> job page with the result, bad uploads refused
inline, export -> job with a file, the template download, who may see it."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from newretail.catalog.models import Product
from newretail.core.models import Job
from newretail.core.testing import make_staff
from newretail.tenancy.roles import Role

from .conftest import GOOD_ROWS, csv_bytes

pytestmark = pytest.mark.django_db

BAD_ROW = ["", "价格错", "饮料", "", "", "", "", "BAD-1", "", "", "abc", "", "", "", "", "", ""]


@pytest.fixture
def console(client, owner):
    client.force_login(owner)
    return client


def test_the_page_explains_the_columns_and_links_the_template(console):
    page = console.get(reverse("console:product_import"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("console:product_import_template") in html
    assert 'enctype="multipart/form-data"' in html
    for header in ("商品编号", "分类", "SKU编码", "标价(元)"):
        assert header in html
    assert "还没有导入或导出记录" in html


def test_upload_redirects_to_the_job_page_which_shows_the_result(
    console, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(
            reverse("console:product_import"),
            {"file": SimpleUploadedFile("商品.csv", csv_bytes([*GOOD_ROWS, BAD_ROW]))},
        )
    job = Job.objects.get(kind="catalog.import_products")
    assert response.status_code == 302 and response["Location"] == reverse(
        "console:job_detail", args=[job.pk]
    )
    page = console.get(response["Location"]).content.decode()
    assert "新建 3 行，更新 0 行，未变 0 行，1 行未导入。" in page
    assert '<td class="num">5</td>' in page and "abc" in page
    assert Product.objects.filter(merchant_id=owner.merchant_id).count() == 2
    listing = console.get(reverse("console:product_import")).content.decode()
    assert "商品.csv" in listing and reverse("console:job_detail", args=[job.pk]) in listing


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("products.pdf", b"%PDF", "请上传 .csv 或 .xlsx 文件。"),
        ("products.csv", "商品名称,条码\n可乐,1\n".encode(), "文件缺少列：分类、标价(元)"),
        ("products.xlsx", b"not a workbook", "无法按 Excel (.xlsx) 读取该文件"),
    ],
)
def test_a_bad_upload_is_refused_on_the_page(console, name, data, message):
    response = console.post(reverse("console:product_import"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Job.objects.exists()


def test_export_starts_a_job_with_a_file(console, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        console.post(
            reverse("console:product_import"), {"file": SimpleUploadedFile("p.csv", csv_bytes(GOOD_ROWS))}
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(
            reverse("console:product_export"), {"format": "xlsx", "category": "", "status": ""}
        )
    job = Job.objects.get(kind="catalog.export_products")
    assert response["Location"] == reverse("console:job_detail", args=[job.pk])
    page = console.get(response["Location"]).content.decode()
    assert "已导出 2 个商品的 3 个 SKU。" in page
    download = console.get(reverse("console:job_result_file", args=[job.pk]))
    rows = list(
        load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).worksheets[0].values
    )
    assert len(rows) == 4


def test_export_form_errors_are_shown(console, other_owner):
    from newretail.catalog.actions.categories import create_category

    theirs = create_category(actor=other_owner, name="别人的")
    response = console.post(reverse("console:product_export"), {"format": "pdf", "category": theirs.pk})
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_template_download(console):
    response = console.get(reverse("console:product_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["商品", "填写说明"]


def test_staff_without_the_import_permission_are_refused(client, owner, store):
    client.force_login(make_staff(owner, Role.CASHIER, stores=[store]))
    for name in ("console:product_import", "console:product_import_template"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("console:product_export"), {"format": "xlsx"}).status_code == 403
    page = client.get(reverse("console:home")).content.decode()
    assert reverse("console:product_import") not in page  # not in the navigation either


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("console:product_import"))
    assert response.status_code == 302 and "login" in response["Location"]
