#!/usr/bin/env python
"""Product import speed: a 10,000-row file through the import job, next to a bulk_create baseline.

    .venv/bin/python bench/bench_import.py              # 10,000 rows, SQLite in a temp dir
    .venv/bin/python bench/bench_import.py --rows 2000

Runs on a throwaway SQLite database (NEWRETAIL_VAR_DIR and SQLITE_PATH point at a temp dir
before Django starts; migrated from scratch). It generates N SKU rows with realistic names
(brands, products, specs from ``catalog.scale.LINES``; weighed fresh goods with PLUs) and valid
EAN-13 barcodes, writes them as CSV (UTF-8) and as XLSX, and times:

* the CSV import and the XLSX import, each into a fresh merchant, through ``run_job`` (read the
  file, validate every row with the catalog's rules, write, audit, reindex search per chunk);
* the CSV import again on the same merchant (re-run: every row unchanged);
* the baseline: the same categories, brands, products and SKUs inserted with ``bulk_create``
  (no validation, no search index) into a third merchant; then, for scale, the time
  ``index_products`` alone takes to index those products (the import does the same work).
  Each new catalog starts from an empty search index.

Prints a markdown table. Goal: 10,000 rows in under 60 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ".venv/bin/python bench/bench_import.py"


def setup_django(workdir: str) -> None:
    os.environ["NEWRETAIL_VAR_DIR"] = workdir
    os.environ["SQLITE_PATH"] = str(Path(workdir) / "bench.sqlite3")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "newretail.config.settings"
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def generate_rows(n_rows: int, seed: int = 11) -> list[dict]:
    """Rows in the import format ({column key: value}), products of 1-4 SKUs."""
    from newretail.catalog.barcodes import with_check_digit
    from newretail.catalog.scale import LINES

    rng = random.Random(seed)
    combos = []
    for root, leaves in LINES.items():
        for leaf, (brands, bases, variants, specs, prices) in leaves.items():
            for brand in brands:
                for base in bases:
                    for variant in variants:
                        combos.append(
                            (f"{root}/{leaf}", brand, f"{brand} {variant}{base}".strip(), specs, prices)
                        )
    fruits = ["红富士苹果", "砂糖橘", "香蕉", "阳光玫瑰葡萄", "猕猴桃", "西瓜", "芒果", "水蜜桃"]
    rng.shuffle(combos)
    rows: list[dict] = []
    product_no = 0
    while len(rows) < n_rows:
        product_no += 1
        key = f"K{product_no:06d}"
        if product_no % 20 == 0:  # a weighed fresh product: one SKU with a PLU
            rows.append(
                {
                    "product_key": key,
                    "name": f"{rng.choice(fruits)} {product_no}号",
                    "category": "生鲜/水果",
                    "unit": "千克",
                    "code": f"F{product_no:06d}",
                    "plu": str(product_no // 20 % 99_999 + 1),
                    "price": f"{rng.randrange(400, 6000) / 100:.2f}",
                    "cost": f"{rng.randrange(200, 3000) / 100:.2f}",
                    "mall": "否",
                    "pos": "是",
                    "status": "上架",
                }
            )
            continue
        category, brand, name, specs, (low, high) = combos[product_no % len(combos)]
        chosen = rng.sample(specs, k=min(len(specs), rng.randint(1, 4))) if specs else [""]
        chosen = chosen[: n_rows - len(rows)]
        base = rng.randrange(low, high + 1, 10)
        status = "上架" if rng.random() > 0.05 else "下架"
        subtitle = rng.choice(["", "新品上市", "家庭装更划算", "冷藏更好喝"])
        for i, spec in enumerate(chosen):
            price = base * (1 + i)
            row = {
                "product_key": key,
                "name": f"{name} {product_no}",
                "category": category,
                "brand": brand,
                "unit": "件",
                "code": f"B{len(rows) + 1:07d}",
                "barcode": with_check_digit(f"690{len(rows) + 1:09d}"),
                "price": f"{price / 100:.2f}",
                "cost": f"{price * rng.randint(55, 80) // 100 / 100:.2f}",
                "weight_g": rng.choice([100, 250, 500, 1000]),
                "mall": "是",
                "pos": "是",
                "status": status,
                "subtitle": subtitle,
            }
            if spec:
                row.update({"spec1_name": "规格", "spec1_value": spec})
            rows.append(row)
    return rows


def write_file(rows: list[dict], fmt: str) -> bytes:
    import io

    from newretail.catalog.io_format import TableWriter

    buffer = io.BytesIO()
    writer = TableWriter(fmt, buffer)
    for row in rows:
        writer.write(row)
    writer.close()
    return buffer.getvalue()


def run_import(owner, data: bytes, name: str) -> tuple[float, dict]:
    from django.core.files.base import ContentFile

    from newretail.catalog import jobs  # noqa: F401
    from newretail.catalog.imports import KIND
    from newretail.core.jobs import run_job
    from newretail.core.models import Job

    job = Job(merchant_id=owner.merchant_id, kind=KIND, created_by=owner, params={"filename": name})
    job.input_file.save(name, ContentFile(data), save=False)
    job.save()
    started = time.perf_counter()
    job = run_job(job.pk)
    seconds = time.perf_counter() - started
    if job.status != Job.Status.SUCCEEDED:
        raise SystemExit(f"import failed: {job.error}")
    for error in job.result["errors"][:5]:
        print(f"  rejected line {error['line']}: {error['reason']}", file=sys.stderr)
    return seconds, job.result


def baseline(owner, rows: list[dict]) -> float:
    """The same rows inserted with bulk_create: categories, brands, products, SKUs."""
    from django.db import transaction

    from newretail.catalog.models import Brand, Category, Product, Sku, Unit
    from newretail.core.money import yuan_to_fen

    merchant_id = owner.merchant_id
    started = time.perf_counter()
    with transaction.atomic():
        categories: dict[tuple, Category] = {}
        for path in sorted({tuple(r["category"].split("/")) for r in rows}):
            parent = None
            for depth in range(1, len(path) + 1):
                key = path[:depth]
                if key not in categories:
                    categories[key] = Category.objects.create(
                        merchant_id=merchant_id, name=key[-1], parent=parent
                    )
                parent = categories[key]
        brands = {
            b.name: b
            for b in Brand.objects.bulk_create(
                [
                    Brand(merchant_id=merchant_id, name=n)
                    for n in sorted({r.get("brand") for r in rows} - {None, ""})
                ]
            )
        }
        products: dict[str, Product] = {}
        for r in rows:
            if r["product_key"] not in products:
                products[r["product_key"]] = Product(
                    merchant_id=merchant_id,
                    name=r["name"],
                    category=categories[tuple(r["category"].split("/"))],
                    brand=brands.get(r.get("brand", "")),
                    unit=Unit.KG if r["unit"] == "千克" else Unit.PIECE,
                    spec_names=["规格"] if r.get("spec1_name") else [],
                    subtitle=r.get("subtitle", ""),
                    available_in_mall=r["mall"] == "是",
                )
        Product.objects.bulk_create(list(products.values()), batch_size=1000)
        Sku.objects.bulk_create(
            [
                Sku(
                    merchant_id=merchant_id,
                    product=products[r["product_key"]],
                    code=r["code"],
                    barcode=r.get("barcode", ""),
                    plu=r.get("plu", ""),
                    spec_values={"规格": r["spec1_value"]} if r.get("spec1_value") else {},
                    price_fen=yuan_to_fen(r["price"]),
                    cost_fen=yuan_to_fen(r["cost"]),
                    weight_g=int(r.get("weight_g") or 0),
                )
                for r in rows
            ],
            batch_size=1000,
        )
    return time.perf_counter() - started


def index_all(owner) -> float:
    """The search index the import also builds, for the baseline's products, in the import's
    chunk size: how much of the import's time is the index."""
    from django.db import transaction

    from newretail.catalog.models import Product
    from newretail.catalog.search import index_products

    ids = list(
        Product.objects.filter(merchant_id=owner.merchant_id).order_by("pk").values_list("pk", flat=True)
    )
    started = time.perf_counter()
    for start in range(0, len(ids), 200):
        with transaction.atomic():
            index_products(ids[start : start + 200])
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newretail-bench-import-") as workdir:
        setup_django(workdir)
        import sqlite3

        from newretail.catalog.models import SearchToken, Sku
        from newretail.core.testing import make_merchant

        rows = generate_rows(args.rows)
        files = {fmt: write_file(rows, fmt) for fmt in ("csv", "xlsx")}
        results = []
        # Each new catalog starts from an empty search index, so that no case pays for the
        # index size the previous one left behind.
        _merchant, csv_owner = make_merchant(slug="bench-csv")
        seconds, result = run_import(csv_owner, files["csv"], "products.csv")
        results.append((f"import CSV ({len(files['csv']) // 1024} KB), new catalog", seconds, result))
        seconds, result = run_import(csv_owner, files["csv"], "products.csv")
        results.append(("import CSV again (re-run, all unchanged)", seconds, result))
        tokens = SearchToken.objects.filter(merchant_id=csv_owner.merchant_id).count()
        skus = Sku.objects.filter(merchant_id=csv_owner.merchant_id).count()
        SearchToken.objects.all().delete()
        _merchant, xlsx_owner = make_merchant(slug="bench-xlsx")
        seconds, result = run_import(xlsx_owner, files["xlsx"], "products.xlsx")
        results.insert(1, (f"import XLSX ({len(files['xlsx']) // 1024} KB), new catalog", seconds, result))
        SearchToken.objects.all().delete()
        _merchant, base_owner = make_merchant(slug="bench-baseline")
        base_seconds = baseline(base_owner, rows)
        index_seconds = index_all(base_owner)

        n = len(rows)
        print(f"\nProduct import, {n:,} SKU rows, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs\n")
        print("| case | seconds | rows/s | vs baseline | created / updated / unchanged / rejected |")
        print("|---|---:|---:|---:|---|")
        for label, seconds, result in results:
            counts = (
                f"{result['created']} / {result['updated']} / {result['unchanged']} / {result['rejected']}"
            )
            print(
                f"| {label} | {seconds:.1f} | {n / seconds:,.0f} | {seconds / base_seconds:.1f}× | {counts} |"
            )
        print(
            f"| baseline: bulk_create, no validation, no search index | {base_seconds:.1f} | "
            f"{n / base_seconds:,.0f} | 1.0× | — |"
        )
        print(
            f"| (for scale) index_products alone on the baseline's products, 200 at a time | {index_seconds:.1f} | "
            f"{n / index_seconds:,.0f} | {index_seconds / base_seconds:.1f}× | — |"
        )
        print(f"\nImported catalog: {skus:,} SKUs, {tokens:,} search tokens. Command: `{COMMAND}`")
        failed = [label for label, seconds, _r in results if seconds > 60 and "again" not in label]
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
