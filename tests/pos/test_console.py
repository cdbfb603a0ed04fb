"""The console's POS pages: setup (till rules, terminals, scale formats, device keys) for
``pos.manage`` only; shift history with X/Z reports and over/short, scoped to a store-bound
manager's stores; the scan-to-buy exit-code check at the door."""

from __future__ import annotations

import uuid

import pytest

from newretail.core.models import AuditEntry
from newretail.core.testing import make_staff, make_store
from newretail.members.actions.members import find_or_create_member
from newretail.payments.actions.charges import pay_order
from newretail.pos.actions import scan_to_buy as stb
from newretail.pos.actions.setup import register_terminal
from newretail.pos.actions.shifts import close_shift, open_shift
from newretail.pos.actions.tickets import checkout_ticket, pay_ticket
from newretail.pos.models import ExitPass, PosSettings, ScaleLabelFormat, StoreDevice, Terminal
from newretail.tenancy.roles import Role
from tests.pos.conftest import lines

pytestmark = pytest.mark.django_db


def test_setup_needs_pos_manage(client, manager, cashier):
    for user in (manager, cashier):
        client.force_login(user)
        assert client.get("/console/pos/setup/").status_code == 403
        assert client.post("/console/pos/terminals/new/", {"code": "X1"}).status_code == 403


def test_setup_registers_terminals_and_saves_the_till_rules(client, owner, store):
    client.force_login(owner)
    page = client.get("/console/pos/setup/")
    assert page.status_code == 200 and "FFPPPPPVVVVVC" in page.content.decode()  # the default formats
    assert (
        client.post(
            "/console/pos/terminals/new/", {"store": store.pk, "code": "t9", "name": "9号台"}
        ).status_code
        == 302
    )
    terminal = Terminal.objects.get(code="T9")
    duplicate = client.post("/console/pos/terminals/new/", {"store": store.pk, "code": "T9"}, follow=True)
    assert "T9" in duplicate.content.decode() and Terminal.objects.filter(code="T9").count() == 1
    client.post(f"/console/pos/terminals/{terminal.pk}/toggle/")
    assert not Terminal.objects.get(pk=terminal.pk).is_active
    saved = client.post(
        "/console/pos/setup/",
        {
            "cash_rounding": "jiao_down",
            "offline_limit": "300.00",
            "receipt_header": "欢迎光临",
            "receipt_footer": "",
        },
    )
    assert saved.status_code == 302
    row = PosSettings.objects.get(merchant_id=owner.merchant_id)
    assert (row.cash_rounding, row.offline_ticket_limit_fen, row.receipt_header) == (
        "jiao_down",
        30000,
        "欢迎光临",
    )
    assert AuditEntry.objects.filter(action="pos.settings_changed").exists()
    refused = client.post("/console/pos/setup/", {"cash_rounding": "jiao_down", "offline_limit": "-1"})
    assert refused.status_code == 200 and PosSettings.objects.get(pk=row.pk).offline_ticket_limit_fen == 30000


def test_setup_adds_scale_formats_and_device_keys_shown_once(client, owner, store):
    client.force_login(owner)
    client.post(
        "/console/pos/scale-formats/new/",
        {"name": "称重码", "pattern": "FFPPPPPVVVVVC", "prefixes": "28", "kind": "weight"},
    )
    bad = client.post(
        "/console/pos/scale-formats/new/",
        {"name": "坏", "pattern": "FFPPPPPVVVVV", "prefixes": "28", "kind": "weight"},
        follow=True,
    )
    assert ScaleLabelFormat.objects.filter(merchant_id=owner.merchant_id).count() == 1
    assert "error" in bad.content.decode()
    client.post("/console/pos/devices/new/", {"store": store.pk, "kind": "door_counter", "name": "正门"})
    device = StoreDevice.objects.get(name="正门")
    shown = client.get("/console/pos/setup/").content.decode()
    assert 'data-test="device-key"' in shown and device.prefix in shown
    again = client.get("/console/pos/setup/").content.decode()
    assert 'data-test="device-key"' not in again  # once only
    client.post(f"/console/pos/devices/{device.pk}/revoke/")
    assert StoreDevice.objects.get(pk=device.pk).revoked_at is not None


def _shift_of_a_new_cashier(owner, store):
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    terminal = register_terminal(actor=owner, store_id=store.pk, code=f"C{uuid.uuid4().hex[:6]}")
    shift = open_shift(actor=cashier, terminal_id=terminal.pk, opening_float_fen=10000)
    return cashier, terminal, shift


def test_shift_history_shows_reports_and_over_short_for_the_managers_stores(
    client, owner, store, manager, water
):
    cashier, terminal, shift = _shift_of_a_new_cashier(owner, store)
    ticket = checkout_ticket(
        actor=cashier, terminal_id=terminal.pk, idempotency_key=uuid.uuid4().hex, lines=lines((water, 2))
    )
    pay_ticket(actor=cashier, ticket_id=ticket.pk, kind="cash", cash_received_fen=1000)
    closed = close_shift(actor=cashier, shift_id=shift.pk, counted_cash_fen=10000 + 700 - 50)
    other_store = make_store(owner)
    _c2, _t2, elsewhere = _shift_of_a_new_cashier(owner, other_store)

    client.force_login(manager)
    listing = client.get("/console/pos/shifts/").content.decode()
    assert closed.number in listing and elsewhere.number not in listing
    detail = client.get(f"/console/pos/shifts/{closed.pk}/").content.decode()
    assert 'id="expected-cash">¥107.00<' in detail and 'id="over-short">-¥0.50<' in detail
    assert client.get(f"/console/pos/shifts/{elsewhere.pk}/").status_code == 404
    open_page = client.get(f"/console/pos/shifts/{elsewhere.pk}/")
    assert open_page.status_code == 404
    client.force_login(owner)
    x_report = client.get(f"/console/pos/shifts/{elsewhere.pk}/").content.decode()
    assert 'id="expected-cash">¥100.00<' in x_report  # the X report of an open shift
    client.force_login(cashier)
    assert client.get("/console/pos/shifts/").status_code == 403


def test_the_door_page_verifies_an_exit_code_once(client, owner, merchant, store, water):
    member = find_or_create_member(merchant=merchant, phone="13800002222", source="mall", store=store.pk)[0]
    order = stb.place_scan_order(
        member=member, store_id=store.pk, lines=[stb.BasketLine(water.pk, 2)], idempotency_key="door-1"
    )
    pay_order(order_id=order.pk, kind="cash", actor=owner)
    order.refresh_from_db()
    code = stb.exit_pass_for(order).code
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    client.force_login(cashier)
    ok = client.post("/console/pos/exit/", {"store": store.pk, "code": code}).content.decode()
    assert 'id="exit-ok"' in ok and order.number in ok and "×2" in ok
    again = client.post("/console/pos/exit/", {"store": store.pk, "code": code}).content.decode()
    assert 'id="exit-error"' in again
    assert ExitPass.objects.get(code=code).used_by_id == cashier.pk
    other = make_store(owner)
    refused = client.post("/console/pos/exit/", {"store": other.pk, "code": code})
    assert (
        refused.status_code == 200 and 'id="exit-error"' in refused.content.decode()
    )  # not one of her stores
