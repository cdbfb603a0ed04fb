"""The POS over HTTP: the till's API (session or bearer), the pages (terminal chooser, till,
receipts) and their tenant isolation (the pages are outside the console walk of
tests/test_isolation.py, so they are walked here)."""

from __future__ import annotations

import uuid

import pytest

from newretail.catalog.search import index_skus
from newretail.core.testing import bearer, make_merchant, make_store
from newretail.orders.models import Order
from newretail.pos.actions.setup import register_terminal
from newretail.pos.actions.tickets import checkout_ticket, pay_ticket
from newretail.pos.models import Ticket
from tests.pos.conftest import lines

pytestmark = pytest.mark.django_db


def test_scan_quote_checkout_pay_and_receipts_through_the_api(
    client, cashier, terminal, shift, water, apples
):
    headers = bearer(cashier)
    base = f"/api/v1/pos/terminals/{terminal.pk}"
    info = client.get(base, **headers).json()
    assert info["shift"]["id"] == shift.pk and [t["kind"] for t in info["tenders"]][0] == "cash"
    scanned = client.get(f"{base}/scan", {"code": "2700101007509"}, **headers).json()
    assert scanned["sku"]["id"] == apples.pk and scanned["quantity"] == 750
    assert (
        client.get(f"{base}/scan", {"code": "2700101007500"}, **headers).json()["code"] == "pos.unknown_code"
    )
    index_skus([water.pk, apples.pk])  # the test SKUs were made without the catalog actions
    assert [s["id"] for s in client.get(f"{base}/search", {"q": "nfsq"}, **headers).json()] == [water.pk]
    body = {"lines": lines((water, 2), (apples, 750))}
    quote = client.post(f"{base}/quote", body, content_type="application/json", **headers).json()
    assert quote["payable_fen"] == 700 + 960
    key = {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}
    first = client.post(f"{base}/tickets", body, content_type="application/json", **headers, **key)
    again = client.post(f"{base}/tickets", body, content_type="application/json", **headers, **key)
    assert first.status_code == 201 and first.json()["id"] == again.json()["id"]
    ticket = first.json()
    paid = client.post(
        f"/api/v1/pos/tickets/{ticket['id']}/pay",
        {"kind": "cash", "cash_received_fen": 2000},
        content_type="application/json",
        **headers,
    ).json()
    assert paid["ticket"]["status"] == "completed" and paid["ticket"]["change_fen"] == 340
    escpos = client.get(f"/api/v1/pos/tickets/{ticket['id']}/receipt.bin", {"paper": 58}, **headers)
    assert escpos.status_code == 200 and escpos.content.startswith(b"\x1b@\x1c&")
    assert "农夫山泉".encode("gb18030") in escpos.content and b"\x1dV" in escpos.content  # text, then cut
    found = client.get(f"{base}/receipt-lookup", {"number": ticket["number"]}, **headers).json()
    assert found["id"] == ticket["id"] and len(found["order_lines"]) == 2
    client.force_login(cashier)
    page = client.get(f"/pos/tickets/{ticket['id']}/receipt/", {"paper": "58"})
    assert page.status_code == 200 and "54mm" in page.content.decode() and "<svg" in page.content.decode()


def test_catalog_sync_is_incremental(client, owner, cashier, terminal, water, apples):
    from newretail.catalog.actions.prices import set_store_price

    headers = bearer(cashier)
    url = f"/api/v1/pos/terminals/{terminal.pk}/catalog"
    full = client.get(url, **headers).json()
    assert full["done"] and {row[0] for row in full["rows"]} == {water.pk, apples.pk}
    version = full["version"]
    later = client.get(url, {"since": version, "start": "false"}, **headers).json()
    assert later["rows"] == [] and later["done"]
    set_store_price(actor=owner, store_id=terminal.store_id, sku_id=water.pk, price_fen=300)
    changed = client.get(url, {"since": version, "start": "false"}, **headers).json()
    assert [(row[0], row[4]) for row in changed["rows"]] == [(water.pk, 300)]
    names = dict(zip(full["fields"], full["rows"][0], strict=True))
    assert names["initials"] in ("nfsq550ml", "hfspg")


def test_pages_need_a_till_login_and_refuse_other_merchants(client, owner, cashier, terminal, shift, water):
    assert client.get(f"/pos/{terminal.pk}/").status_code == 302  # to the login
    client.force_login(cashier)
    assert client.get("/pos/").status_code == 200
    till = client.get(f"/pos/{terminal.pk}/")
    assert till.status_code == 200 and "csrftoken" in till.cookies
    ticket = checkout_ticket(
        actor=cashier, terminal_id=terminal.pk, idempotency_key=uuid.uuid4().hex, lines=lines((water, 1))
    )
    pay_ticket(actor=cashier, ticket_id=ticket.pk, kind="cash", cash_received_fen=500)
    assert client.get(f"/pos/tickets/{ticket.pk}/receipt/").status_code == 200

    other_merchant, other_owner = make_merchant()
    other_store = make_store(other_owner)
    foreign = register_terminal(actor=other_owner, store_id=other_store.pk, code="X1")
    assert client.get(f"/pos/{foreign.pk}/").status_code == 404
    client.force_login(other_owner)
    assert client.get(f"/pos/tickets/{ticket.pk}/receipt/").status_code == 404
    assert client.get(f"/pos/{terminal.pk}/").status_code == 404


def test_a_cashier_of_another_store_cannot_open_the_till(client, owner, terminal):
    from newretail.core.testing import make_staff
    from newretail.tenancy.roles import Role

    elsewhere = make_staff(owner, Role.CASHIER, stores=[make_store(owner)])
    client.force_login(elsewhere)
    assert client.get(f"/pos/{terminal.pk}/").status_code == 403
    assert client.get(f"/api/v1/pos/terminals/{terminal.pk}").status_code == 403
    assert Ticket.objects.count() == 0 and Order.objects.count() == 0
