"""The scan route is the till's hot path (a code not yet in the browser's cache, or other till
software scanning through the API): it must stay a handful of indexed queries whatever the
catalog's size (bench/bench_pos_scan.py measures its latency on 100k SKUs)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newretail.core.testing import bearer

pytestmark = pytest.mark.django_db


def test_a_scan_is_a_handful_of_queries(client, owner, terminal, cola):
    headers = bearer(owner)
    url = f"/api/v1/pos/terminals/{terminal.pk}/scan?code=6902538004045"
    assert client.get(url, **headers).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, **headers)
    assert answer.status_code == 200 and answer.json()["sku"]["price_fen"] == 450
    # The token, the terminal, the cashier's stores, the SKU by barcode (with its product), the
    # store price.
    assert len(captured.captured_queries) <= 6, [q["sql"][:120] for q in captured.captured_queries]
