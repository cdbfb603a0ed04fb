"""POS part of the tenant isolation test (tests/test_isolation.py): each world gets a terminal
with an open shift and a held ticket; the tables map the POS routes' ids to them and give write
routes a valid body (the body's own ids point at the caller's world)."""

from __future__ import annotations

import datetime as dt
import uuid

from newretail.core.testing import make_staff
from newretail.pos.actions.devices import register_device
from newretail.pos.actions.roster import add_roster_shift
from newretail.pos.actions.setup import add_scale_format, register_terminal
from newretail.pos.actions.shifts import open_shift
from newretail.pos.actions.tickets import checkout_ticket, pay_ticket
from newretail.tenancy.roles import Role
from tests.inventory.conftest import make_sku, receive


def build(owner, world: dict) -> dict:
    store = world["store"]
    terminal = register_terminal(actor=owner, store_id=store.pk, code=f"ISO{owner.merchant_id}")
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    shift = open_shift(actor=owner, terminal_id=terminal.pk, opening_float_fen=0)
    sku = make_sku(owner.merchant_id, name="隔离水", price_fen=100)
    receive(store.warehouses.get(), sku, 10)
    # A sale awaiting payment with a part paid in cash: every ticket route finds something to act on.
    ticket = checkout_ticket(
        actor=owner,
        terminal_id=terminal.pk,
        idempotency_key=uuid.uuid4().hex,
        lines=[{"sku_id": sku.pk, "quantity": 2}],
    )
    part = pay_ticket(
        actor=owner, ticket_id=ticket.pk, kind="cash", amount_fen=50, cash_received_fen=50
    ).tender
    device, _key = register_device(actor=owner, store_id=store.pk, kind="door_counter")
    return {
        "pos_terminal": terminal,
        "pos_scale_format": add_scale_format(
            actor=owner, name="称重", pattern="FFPPPPPVVVVVC", prefixes="28", kind="weight"
        ),
        "pos_device": device,
        "pos_roster_shift": add_roster_shift(
            actor=owner,
            store_id=store.pk,
            staff_id=cashier.pk,
            day=dt.date(2026, 12, 7),
            starts_at=dt.time(8),
            ends_at=dt.time(16),
        ),
        "pos_shift": shift,
        "pos_ticket": ticket,
        "pos_tender": part,
        "pos_sku": sku,
        "pos_cashier": cashier,
    }


API_PARAMS: dict[str, str] = {
    "terminal_id": "pos_terminal",
    "shift_id": "pos_shift",
    "ticket_id": "pos_ticket",
}


def _lines(world):
    return {"lines": [{"sku_id": world["pos_sku"].pk, "quantity": 1}]}


API_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/pos/terminals/{terminal_id}/shifts"): {"opening_float_fen": 0},
    ("POST", "/api/v1/pos/shifts/{shift_id}/close"): {"counted_cash_fen": 0},
    ("POST", "/api/v1/pos/terminals/{terminal_id}/member"): {"phone": "13800138000"},
    ("POST", "/api/v1/pos/terminals/{terminal_id}/quote"): _lines,
    ("POST", "/api/v1/pos/terminals/{terminal_id}/tickets"): lambda w: {**_lines(w), "hold": True},
    ("POST", "/api/v1/pos/tickets/{ticket_id}/pay"): {
        "kind": "cash",
        "amount_fen": 10,
        "cash_received_fen": 10,
    },
    ("POST", "/api/v1/pos/tickets/{ticket_id}/poll"): lambda w: {"tender_id": w["pos_tender"].pk},
    ("POST", "/api/v1/pos/tickets/{ticket_id}/resume"): {},
    ("POST", "/api/v1/pos/tickets/{ticket_id}/void"): {},
    ("POST", "/api/v1/pos/terminals/{terminal_id}/authorise-override"): lambda w: {
        "username": "nobody",
        "password": "x",
        "sku_id": w["pos_sku"].pk,
        "unit_fen": 50,
    },
    ("POST", "/api/v1/pos/terminals/{terminal_id}/offline-tickets"): lambda w: {
        **_lines(w),
        "offline_payable_fen": 100,
        "cash_received_fen": 100,
    },
    ("POST", "/api/v1/pos/terminals/{terminal_id}/returns"): lambda w: {
        "original_ticket_id": w["pos_ticket"].pk,
        "lines": [{"order_line_id": 1, "quantity": 1}],
    },
}
API_BODIES[("POST", "/api/v1/pos/stores/{store_id}/exit-passes/verify")] = {"code": "00000000"}
CONSOLE_OBJECTS: dict[str, str] = {
    "pos_terminal_toggle": "pos_terminal",
    "pos_scale_format_toggle": "pos_scale_format",
    "pos_device_revoke": "pos_device",
    "pos_shift_detail": "pos_shift",
    "pos_roster_remove": "pos_roster_shift",
}
