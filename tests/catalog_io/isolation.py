"""Product import/export's part of the tenant isolation walk (tests/test_isolation.py): a
finished catalog job with a result file, addressed by ``job_id`` in the API. The console's
import/export pages take no ids (job pages are core's ``job_detail``).

Wire it in tests/test_isolation.py with:

    from tests.catalog_io import isolation as catalog_io_isolation
    WORLD_EXTENSIONS.append(catalog_io_isolation.build)
    CONSOLE_OBJECTS.update(catalog_io_isolation.CONSOLE_OBJECTS)
    API_PARAMS.update(catalog_io_isolation.API_PARAMS)
    API_BODIES.update(catalog_io_isolation.API_BODIES)

(Until then ``register()``, called from this package's conftest, does the same.)
"""

from __future__ import annotations

from django.core.files.base import ContentFile

from newretail.catalog.exports import KIND as EXPORT_KIND
from newretail.core.models import Job


def build(owner, world: dict) -> dict:
    """A succeeded export job of ``owner``'s merchant with its file (the world's core ``job`` has
    another kind, which the catalog job routes do not serve)."""
    job = Job.objects.create(
        merchant_id=owner.merchant_id,
        kind=EXPORT_KIND,
        created_by=owner,
        status=Job.Status.SUCCEEDED,
        params={"format": "csv"},
        result={"summary": "isolation", "skus": 0},
        result_file=ContentFile("商品编号\n".encode("utf-8-sig"), name="products.csv"),
    )
    return {"catalog_io_job": job}


CONSOLE_OBJECTS: dict[str, str] = {}

API_PARAMS: dict[str, str] = {"job_id": "catalog_io_job"}

# Write routes with an id in the path need a valid body; the import/export POSTs have none.
API_BODIES: dict[tuple[str, str], dict] = {}
