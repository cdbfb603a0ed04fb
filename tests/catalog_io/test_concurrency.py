"""Two imports of the same file at once (PostgreSQL, real threads): one creates the products,
the other finds them or reports its rows as taken; nothing is created twice, nothing half-written."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from newretail.catalog.imports import ProductImport
from newretail.catalog.models import Brand, Category, Product, Sku

from .conftest import GOOD_ROWS, csv_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_imports_of_one_file_at_once_create_each_product_once(owner):
    data = csv_bytes(GOOD_ROWS)
    barrier = threading.Barrier(2)
    results: list[dict] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(ProductImport(owner).run(data, "products.csv")[0])
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert sum(r["created"] for r in results) == 3
    assert sorted(r["created"] + r["unchanged"] + r["rejected"] for r in results) == [3, 3]
    merchant_id = owner.merchant_id
    assert Product.objects.filter(merchant_id=merchant_id).count() == 2
    assert Sku.objects.filter(merchant_id=merchant_id).count() == 3
    assert Brand.objects.filter(merchant_id=merchant_id).count() == 1
    assert Category.objects.filter(merchant_id=merchant_id, parent=None, name="饮料").count() == 1
    again = ProductImport(owner).run(data, "products.csv")[0]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
