"""Selling at the till through the actions: tickets become POS orders priced by the engine,
tenders (cash with rounding and change, payment codes with poll, stored value, mixed), manager
overrides, hold/resume/void, returns through the original tenders, and shifts whose Z report is
the sum of their tickets."""

from __future__ import annotations

import uuid

import pytest

from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry
from newretail.inventory.queries import available_quantity
from newretail.members.testing import make_member
from newretail.orders.models import Order
from newretail.payments.models import Tender
from newretail.pos import reports
from newretail.pos.actions import offline, returns, shifts, tickets
from newretail.pos.models import PosSettings, Shift, Ticket
from newretail.pos.scale import DEFAULT_FORMATS, make_label
from newretail.pos.scan import resolve_scan
from tests.pos.conftest import PASSWORD, lines

pytestmark = pytest.mark.django_db


def key() -> str:
    return uuid.uuid4().hex


def sell(cashier, terminal, items, **kwargs):
    return tickets.checkout_ticket(
        actor=cashier, terminal_id=terminal.pk, idempotency_key=key(), lines=items, **kwargs
    )


def test_cash_sale_with_change_completes_the_order(cashier, terminal, shift, water, cola, warehouse):
    ticket = sell(cashier, terminal, lines((water, 2), (cola, 1)))
    assert ticket.status == Ticket.Status.PENDING_PAYMENT and ticket.payable_fen == 350 * 2 + 450
    order = ticket.order
    assert order.channel == Order.Channel.POS and order.fulfilment == Order.Fulfilment.IN_STORE
    paid = tickets.pay_ticket(actor=cashier, ticket_id=ticket.pk, kind="cash", cash_received_fen=2000)
    assert paid.ticket.status == Ticket.Status.COMPLETED
    assert paid.ticket.tenders == {"cash": 1150} and paid.ticket.change_fen == 850
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert available_quantity(cashier.merchant_id, warehouse, water.pk) == 98


def test_cash_rounding_drops_the_fen_and_the_drawer_counts_it(merchant, cashier, terminal, shift, apples):
    PosSettings.objects.create(merchant=merchant, cash_rounding="jiao_down")
    ticket = sell(cashier, terminal, lines((apples, 1234)))  # 1.234 kg at ¥12.80 = ¥15.80 (1579.52)
    assert ticket.payable_fen == 1580
    ticket = sell(cashier, terminal, lines((apples, 1236)))  # 1582.08 -> ¥15.82
    assert ticket.payable_fen == 1582
    with pytest.raises(DomainError) as refused:
        tickets.pay_ticket(actor=cashier, ticket_id=ticket.pk, kind="cash", cash_received_fen=1570)
    assert refused.value.code == "pos.cash_too_little"
    paid = tickets.pay_ticket(actor=cashier, ticket_id=ticket.pk, kind="cash", cash_received_fen=2000)
    assert (paid.ticket.change_fen, paid.ticket.rounding_fen) == (420, -2)
    assert paid.ticket.tenders == {"cash": 1582}  # the order keeps its exact amount
    report = reports.shift_report(shift)
    assert report["expected_cash_fen"] == 20000 + 1580


def test_scale_labels_at_the_shelf_price(merchant, store, apples):
    by_weight = resolve_scan(merchant_id=merchant.pk, store_id=store.pk, code="2700101007509")
    assert by_weight.sku == apples and by_weight.quantity == 750
    by_price = resolve_scan(merchant_id=merchant.pk, store_id=store.pk, code="2200101012348")  # ¥12.34
    assert by_price.quantity == 964 and (1280 * 964 + 500) // 1000 == 1234
    with pytest.raises(DomainError) as unknown:
        resolve_scan(
            merchant_id=merchant.pk,
            store_id=store.pk,
            code=make_label(DEFAULT_FORMATS[1], plu=999, value=750),
        )
    assert unknown.value.code == "pos.scale_label_unknown_plu"
    typed = resolve_scan(merchant_id=merchant.pk, store_id=store.pk, code="101")
    assert typed.sku == apples and typed.quantity is None  # the cashier enters the weight


def test_price_override_needs_a_manager_and_is_audited(cashier, manager, terminal, shift, water):
    with pytest.raises(DomainError) as refused:
        tickets.authorise_override(
            actor=cashier,
            terminal_id=terminal.pk,
            username=cashier.username,
            password=PASSWORD,
            ip="127.0.0.1",
            sku_id=water.pk,
            unit_fen=300,
        )
    assert refused.value.code == "pos.authorisation_required"
    with pytest.raises(DomainError) as dearer:
        tickets.authorise_override(
            actor=cashier,
            terminal_id=terminal.pk,
            username=manager.username,
            password=PASSWORD,
            ip="127.0.0.1",
            sku_id=water.pk,
            unit_fen=400,
        )
    assert dearer.value.code == "pos.override_invalid"
    token = tickets.authorise_override(
        actor=cashier,
        terminal_id=terminal.pk,
        username=manager.username,
        password=PASSWORD,
        ip="127.0.0.1",
        sku_id=water.pk,
        unit_fen=300,
    )
    forged = [{"sku_id": water.pk, "quantity": 2, "override_unit_fen": 100, "override_token": token}]
    with pytest.raises(DomainError) as bad:
        sell(cashier, terminal, forged)
    assert bad.value.code == "pos.authorisation_invalid"
    ticket = sell(
        cashier,
        terminal,
        [{"sku_id": water.pk, "quantity": 2, "override_unit_fen": 300, "override_token": token}],
    )
    assert ticket.payable_fen == 600
    entry = AuditEntry.objects.get(action="pos.price_override", object_id=str(ticket.pk))
    assert (
        entry.actor == manager
        and entry.before["unit_price_fen"] == 350
        and entry.after["unit_price_fen"] == 300
    )


def test_member_by_phone_gets_the_engine_price_and_a_replayed_key_sells_once(cashier, terminal, shift, water):
    from newretail.pos.members import member_by_phone

    assert member_by_phone(terminal, "13812340001", sign_up=False) == (None, False)
    member, created = member_by_phone(terminal, "138 1234 0001", sign_up=True)
    assert created and member.registered_store_id == terminal.store_id
    same = key()
    first = tickets.checkout_ticket(
        actor=cashier,
        terminal_id=terminal.pk,
        idempotency_key=same,
        lines=lines((water, 1)),
        member_id=member.pk,
    )
    again = tickets.checkout_ticket(
        actor=cashier,
        terminal_id=terminal.pk,
        idempotency_key=same,
        lines=lines((water, 5)),
        member_id=member.pk,
    )
    assert again.pk == first.pk and Order.objects.filter(channel="pos").count() == 1
    assert first.order.member_id == member.pk


def test_payment_code_pending_then_polled_and_refused_codes(cashier, terminal, shift, water, accounts):
    ticket = sell(cashier, terminal, lines((water, 3)))
    refused = tickets.pay_ticket(actor=cashier, ticket_id=ticket.pk, auth_code="134567890123459999")
    assert (
        refused.tender.status == Tender.Status.FAILED
        and refused.ticket.status == Ticket.Status.PENDING_PAYMENT
    )
    waiting = tickets.pay_ticket(actor=cashier, ticket_id=ticket.pk, auth_code="284567890123450000")  # Alipay
    assert waiting.tender.kind == "alipay_micropay" and waiting.tender.status == Tender.Status.PENDING
    polled = tickets.poll_ticket(actor=cashier, ticket_id=ticket.pk, tender_id=waiting.tender.pk)
    assert polled.tender.status == Tender.Status.PENDING  # the shopper is typing their password
    polled = tickets.poll_ticket(actor=cashier, ticket_id=ticket.pk, tender_id=waiting.tender.pk)
    assert polled.tender.status == Tender.Status.SUCCEEDED
    assert polled.ticket.status == Ticket.Status.COMPLETED and polled.ticket.tenders == {
        "alipay_micropay": 1050
    }


def test_mixed_cash_and_stored_value(owner, cashier, terminal, shift, water):
    from newretail.members.actions.wallet import adjust_wallet

    member = make_member(owner.merchant_id, "13900001234")
    adjust_wallet(actor=owner, member=member, principal_fen=500, bonus_fen=0, reason="test")
    assert "wallet" in tickets.staff_tenders(owner.merchant_id)
    ticket = sell(cashier, terminal, lines((water, 4)), member_id=member.pk)  # ¥14.00
    part = tickets.pay_ticket(actor=cashier, ticket_id=ticket.pk, kind="wallet", amount_fen=500)
    assert part.ticket.status == Ticket.Status.PENDING_PAYMENT
    with pytest.raises(DomainError):
        tickets.pay_ticket(actor=cashier, ticket_id=ticket.pk, kind="wallet", amount_fen=900)  # balance is 0
    rest = tickets.pay_ticket(actor=cashier, ticket_id=ticket.pk, kind="cash", cash_received_fen=1000)
    assert rest.ticket.status == Ticket.Status.COMPLETED
    assert rest.ticket.tenders == {"wallet": 500, "cash": 900} and rest.ticket.change_fen == 100


def test_hold_resume_and_void(cashier, terminal, shift, water, warehouse):
    held = sell(cashier, terminal, lines((water, 2)), hold=True)
    assert held.status == Ticket.Status.HELD and held.order_id is None
    with pytest.raises(DomainError) as blocked:
        shifts.close_shift(actor=cashier, shift_id=shift.pk, counted_cash_fen=20000)
    assert blocked.value.code == "pos.shift_has_open_tickets"
    resumed = tickets.resume_ticket(actor=cashier, ticket_id=held.pk)
    assert resumed.status == Ticket.Status.RESUMED and resumed.lines == lines((water, 2))
    unpaid = sell(cashier, terminal, resumed.lines)
    assert available_quantity(cashier.merchant_id, warehouse, water.pk) == 98
    voided = tickets.void_ticket(actor=cashier, ticket_id=unpaid.pk)
    assert voided.status == Ticket.Status.VOIDED
    assert available_quantity(cashier.merchant_id, warehouse, water.pk) == 100
    closed = shifts.close_shift(actor=cashier, shift_id=shift.pk, counted_cash_fen=20000)
    assert closed.status == Shift.Status.CLOSED and closed.over_short_fen == 0


def test_return_through_the_original_tenders_needs_a_manager(
    owner, cashier, manager, terminal, shift, water, warehouse
):
    member = make_member(owner.merchant_id, "13900004321")
    from newretail.members.actions.wallet import adjust_wallet

    adjust_wallet(actor=owner, member=member, principal_fen=700, bonus_fen=0, reason="test")
    sale = sell(cashier, terminal, lines((water, 4)), member_id=member.pk)  # ¥14.00
    tickets.pay_ticket(actor=cashier, ticket_id=sale.pk, kind="wallet", amount_fen=700)
    sale = tickets.pay_ticket(actor=cashier, ticket_id=sale.pk, kind="cash", cash_received_fen=700).ticket
    line = sale.order.lines.get()
    arguments = {
        "actor": cashier,
        "terminal_id": terminal.pk,
        "original_ticket_id": sale.pk,
        "lines": [{"order_line_id": line.pk, "quantity": 2}],
        "idempotency_key": key(),
    }
    with pytest.raises(DomainError):
        returns.return_items(**arguments, username=cashier.username, password=PASSWORD)
    back = returns.return_items(**arguments, username=manager.username, password=PASSWORD)
    assert back.kind == Ticket.Kind.RETURN and back.tenders == {"wallet": -350, "cash": -350}
    assert returns.return_items(**arguments).pk == back.pk  # replayed key: the same return
    assert available_quantity(owner.merchant_id, warehouse, water.pk) == 98
    closed = shifts.close_shift(actor=cashier, shift_id=shift.pk, counted_cash_fen=20000 + 700 - 350 - 10)
    assert closed.z_report["by_tender"] == {"cash": 350, "wallet": 350}
    assert closed.z_report["returns_fen"] == 700 and closed.over_short_fen == -10


def test_offline_upload_is_idempotent_and_reprices(merchant, cashier, terminal, shift, water, cola):
    PosSettings.objects.create(merchant=merchant, cash_rounding="jiao_down", offline_ticket_limit_fen=10000)
    same = key()
    arguments = {
        "actor": cashier,
        "terminal_id": terminal.pk,
        "idempotency_key": same,
        # The till's cache still had cola at ¥5.00 (list); the store price is ¥4.50.
        "lines": lines((water, 1), (cola, 1)),
        "offline_payable_fen": 855 - 5 + 0,
        "cash_received_fen": 1000,
        "shift_id": shift.pk,
    }
    arguments["offline_payable_fen"] = 850
    first = offline.upload_offline_ticket(**arguments)
    again = offline.upload_offline_ticket(**arguments)
    assert first.pk == again.pk and first.status == Ticket.Status.COMPLETED
    assert Order.objects.filter(channel="pos").count() == 1 and Tender.objects.count() == 1
    assert first.tenders == {"cash": 800} and first.offline_difference_fen == 50
    report = reports.shift_report(shift)
    assert report["expected_cash_fen"] == 20000 + 850  # what the till took
    with pytest.raises(DomainError) as over:
        offline.upload_offline_ticket(
            **{
                **arguments,
                "idempotency_key": key(),
                "offline_payable_fen": 20000,
                "cash_received_fen": 20000,
            }
        )
    assert over.value.code == "pos.offline_limit"


def test_an_offline_sale_the_books_refuse_is_kept_with_its_cash(cashier, terminal, shift, water):
    ticket = offline.upload_offline_ticket(
        actor=cashier,
        terminal_id=terminal.pk,
        idempotency_key=key(),
        lines=lines((water, 500)),
        offline_payable_fen=500 * 350 % 50000 or 100,
        cash_received_fen=50000,
    )
    assert ticket.status == Ticket.Status.FAILED and ticket.order_id is None and ticket.error
    assert reports.shift_report(shift)["refused_uploads"] == 1


def test_z_report_is_the_sum_of_the_shifts_tickets(cashier, terminal, shift, water, cola, accounts):
    done = []
    for items, pay in [
        (lines((water, 1)), {"kind": "cash", "cash_received_fen": 500}),
        (lines((cola, 2)), {"auth_code": "134567890123456789"}),
        (lines((water, 2), (cola, 1)), {"kind": "cash", "cash_received_fen": 1150}),
    ]:
        ticket = sell(cashier, terminal, items)
        done.append(tickets.pay_ticket(actor=cashier, ticket_id=ticket.pk, **pay).ticket)
    closed = shifts.close_shift(actor=cashier, shift_id=shift.pk, counted_cash_fen=20000 + 350 + 1150)
    z = closed.z_report
    total: dict[str, int] = {}
    for ticket in Ticket.objects.filter(shift=shift):
        for kind, fen in ticket.tenders.items():
            total[kind] = total.get(kind, 0) + fen
    assert z["by_tender"] == total == {"cash": 1500, "wechat_micropay": 900}
    paid = {t.kind: 0 for t in Tender.objects.filter(status="succeeded")}
    for tender in Tender.objects.filter(status="succeeded"):
        paid[tender.kind] += tender.amount_fen
    assert paid == total and closed.over_short_fen == 0
    with pytest.raises(DomainError) as late:
        sell(cashier, terminal, lines((water, 1)))
    assert late.value.code == "pos.no_open_shift"
