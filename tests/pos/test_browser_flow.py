"""A full shift at the till in a real browser (headless chromium), as issue 8's "done when" says:
open a shift, scan three items (a bottle, a weighed scale label, a cola; an on-screen key leaves
the caret in the scan box), identify the member by their member code, apply a coupon, pay with
stored value and cash, print the receipt; go offline and sell two tickets for cash (the offline
receipt prints too), come back online and see them uploaded once; a new member signed up by
phone has no stored-value button (¥0); return an item against the first receipt (weighed lines
in kg) with a manager's login; close the shift with a Z report whose figures add up.
Screenshots go to var/screenshots/pos2-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.core.testing import PASSWORD
from newretail.marketing.actions.coupons import create_coupon_template, issue_coupons
from newretail.members.actions.member_code import current_member_code
from newretail.members.actions.members import find_or_create_member
from newretail.members.actions.wallet import adjust_wallet
from newretail.orders.models import Order
from newretail.pos.actions.setup import register_terminal
from newretail.pos.models import Shift, Ticket
from tests.browser_support import DESKTOP, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scan(page, code: str) -> None:
    # A keyboard-wedge scanner types the digits and presses Enter (and nothing else: no
    # clearing keystrokes, which the till would read as Del = remove the line).
    # It scans once the till is ready for it: no dialog open and the caret in the scan box
    # (right after a dialog or a receipt window closes, the first digits could go elsewhere).
    page.wait_for_function("!document.querySelector('#pos-dialog').open && document.activeElement?.id === 'pos-scan'")
    page.type("#pos-scan", code, delay=5)
    page.wait_for_function(f"document.querySelector('#pos-scan').value === '{code}'")
    page.press("#pos-scan", "Enter")


def scan_focused(page) -> bool:
    return page.evaluate("document.activeElement && document.activeElement.id === 'pos-scan'")


def test_a_full_shift_at_the_till(open_page, owner, merchant, store, cashier, manager, water, cola, apples):
    terminal = register_terminal(actor=owner, store_id=store.pk, code="T01", name="1号收银台")
    member = find_or_create_member(merchant=merchant, phone="13900001111", source="mall", store=store.pk)[0]
    adjust_wallet(actor=owner, member=member, principal_fen=1000, bonus_fen=0, reason="测试储值")
    now = clock.now()
    coupon_template = create_coupon_template(
        actor=owner,
        kind="cash_off",
        name="满10减2",
        threshold_fen=1000,
        off_fen=200,
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(days=30),
    )
    (coupon,) = issue_coupons(template=coupon_template, member=member, source="claim")

    page, errors = open_page(viewport=DESKTOP)
    page.context.set_default_timeout(30_000)  # a shared, busy CI machine
    login(page, cashier.username, PASSWORD)
    page.goto("/pos/")
    page.click("[data-terminal=T01]")
    page.wait_for_selector("text=开班")
    page.fill("input[name=float]", "200")
    page.click("[data-test=dialog-ok]")
    page.wait_for_selector("body[data-synced='1']")
    page.wait_for_function("(document.querySelector('#pos-shift')?.textContent || '').includes('SH')")

    scan(page, "6901234567892")  # 农夫山泉 ¥3.50
    scan(page, "2700101007509")  # a scale label: 750 g of apples at ¥12.80/kg = ¥9.60
    scan(page, "6902538004045")  # 可口可乐 at the store's ¥4.50
    page.wait_for_selector("[data-test=payable]:has-text('¥17.60')")
    page.click("#pos-keys [data-key=Del]")  # the on-screen key removes the cola…
    page.wait_for_selector("[data-test=payable]:has-text('¥13.10')")
    assert scan_focused(page)  # …and the scanner still types into the scan box
    scan(page, "6902538004045")
    page.wait_for_selector("[data-test=payable]:has-text('¥17.60')")

    page.keyboard.press("F5")  # a dialog the cashier leaves with Escape…
    page.wait_for_selector("#pos-dialog[open]")
    page.keyboard.press("Escape")
    scan(page, current_member_code(member).code)  # …the next scan lands: the member's rotating code
    page.wait_for_selector("[data-test=member]:has-text('139****1111')")
    page.keyboard.press("F6")
    page.fill("input[name=code]", coupon.code)
    page.click("[data-test=dialog-ok]")
    page.wait_for_selector("[data-test=payable]:has-text('¥15.60')")
    screenshot(page, "pos2-ticket")

    page.press("#pos-scan", "Enter")  # Enter on an empty scan box takes payment
    page.wait_for_selector("[data-test=due]:has-text('¥15.60')")
    page.click("[data-test=tender-wallet]")
    page.fill("input[name=part]", "10.00")
    screenshot(page, "pos2-pay-wallet")
    page.click("[data-test=dialog-ok]")
    page.wait_for_selector("[data-test=due]:has-text('¥5.60')")
    page.fill("input[name=received]", "10")
    page.wait_for_selector("[data-test=change]:has-text('¥4.40')")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-test=done-change]:has-text('¥4.40')")
    screenshot(page, "pos2-done")
    first = Ticket.objects.get(status=Ticket.Status.COMPLETED)
    assert first.tenders == {"wallet": 1000, "cash": 560}
    # ¥0.50 off the cola (the store price) and the coupon's ¥2.00
    assert first.order.member_id == member.pk and first.order.discount_fen == 50 + 200
    with page.expect_popup() as popup:
        page.click("[data-test=print-80]")
    receipt = popup.value
    receipt.wait_for_selector(".receipt svg")
    screenshot(receipt, "pos2-receipt-80")
    receipt.close()
    page.click("[data-test=dialog-ok]")  # next ticket
    assert scan_focused(page)

    # The link drops: two cash sales at shelf prices, queued in the browser, each with a receipt.
    page.context.set_offline(True)
    page.wait_for_selector("[data-test=link]:has-text('离线')")
    for n in range(2):
        scan(page, "6901234567892")
        page.wait_for_selector("[data-test=payable]:has-text('¥3.50')")
        page.press("#pos-scan", "Enter")
        page.fill("input[name=received]", "10")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-test=done-change]:has-text('¥6.50')")
        if n == 0:
            with page.expect_popup() as popup:
                page.click("[data-test=print-58]")
            offline_receipt = popup.value
            offline_receipt.wait_for_selector("[data-test=offline-receipt]")
            text = offline_receipt.inner_text("[data-test=offline-receipt]")
            assert "农夫山泉" in text and "¥3.50" in text and "¥6.50" in text
            screenshot(offline_receipt, "pos2-offline-receipt-58")
            offline_receipt.close()
        page.click("[data-test=dialog-ok]")
    page.wait_for_selector("[data-test=link]:has-text('2')")
    screenshot(page, "pos2-offline")
    assert Ticket.objects.filter(offline=True).count() == 0
    page.context.set_offline(False)
    page.wait_for_function(
        "!(document.querySelector('[data-test=link]')?.textContent || '·').includes('·')", timeout=60_000
    )
    assert Ticket.objects.filter(offline=True, status=Ticket.Status.COMPLETED).count() == 2
    assert Order.objects.filter(channel="pos").count() == 3

    # A shopper signs up by phone at the till: a ¥0 wallet shows no stored-value tender.
    scan(page, "6901234567892")
    page.keyboard.press("F5")
    page.fill("input[name=q]", "13812345678")
    page.click("[data-test=dialog-ok]")
    page.click("[data-test=sign-up]")
    page.wait_for_selector("[data-test=member]:has-text('138****5678')")
    page.press("#pos-scan", "Enter")
    page.wait_for_selector("[data-test=tender-cash]")
    assert page.locator("[data-test=tender-wallet]").count() == 0
    page.fill("input[name=received]", "5")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-test=done-change]:has-text('¥1.50')")
    page.click("[data-test=dialog-ok]")

    # A return against the first receipt: the weighed line reads in kg; one bottle goes back,
    # authorised by the manager, through the original tenders.
    scan(page, first.number)
    page.wait_for_selector(f"[data-test=return-qty-{water.pk}]")
    assert page.locator("#pos-dialog tr:has-text('红富士苹果') td.num").first.inner_text() == "0.750kg"
    assert page.get_attribute(f"[data-test=return-qty-{apples.pk}]", "step") == "0.001"
    page.fill(f"[data-test=return-qty-{water.pk}]", "1")
    page.fill("input[name=username]", manager.username)
    page.fill("input[name=password]", PASSWORD)
    screenshot(page, "pos2-return")
    page.click("[data-test=dialog-ok]")
    page.wait_for_selector("text=已退款")  # the return's done dialog
    page.click("[data-test=dialog-ok]")
    returned = Ticket.objects.get(kind=Ticket.Kind.RETURN)
    assert sum(returned.tenders.values()) < 0 and set(returned.tenders) <= {"cash", "wallet"}

    page.keyboard.press("F10")
    page.wait_for_selector("[data-test=expected-cash]")
    shift = Shift.objects.get(terminal=terminal)
    total: dict[str, int] = {}
    for ticket in Ticket.objects.filter(shift=shift):
        for kind, fen in ticket.tenders.items():
            total[kind] = total.get(kind, 0) + fen
    expected = 20000 + total["cash"]
    assert total["cash"] == 560 + 350 * 2 + 350 + returned.tenders.get("cash", 0)
    assert page.inner_text("[data-test=expected-cash]") == f"¥{expected / 100:.2f}"
    page.fill("[data-test=counted]", f"{expected / 100:.2f}")
    page.click("[data-test=dialog-ok]")
    page.wait_for_selector("[data-test=z-report]")
    screenshot(page, "pos2-z-report")
    shift.refresh_from_db()
    assert shift.status == Shift.Status.CLOSED and shift.over_short_fen == 0
    assert shift.z_report["by_tender"] == total
    assert shift.z_report["sales"] == 4 and shift.z_report["returns"] == 1
    # Chromium logs a request that met the dropped link (the test cuts it on purpose) as a
    # console error; the till's own code raised nothing.
    errors[:] = [e for e in errors if "net::ERR_INTERNET_DISCONNECTED" not in e]
