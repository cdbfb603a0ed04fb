"""The till in a real browser (headless chromium): open a shift, scan a bottle, a scale label and
a search by pinyin initials, sign a member up by phone, pay cash with change, print the receipt;
go offline, sell two tickets for cash, come back online and see them uploaded once; return an
item against the first receipt with a manager's login; close the shift with a Z report whose
figures add up. Screenshots go to var/screenshots/pos-*.png."""

from __future__ import annotations

import pytest

from newretail.core.testing import PASSWORD
from newretail.orders.models import Order
from newretail.pos.actions.setup import register_terminal
from newretail.pos.models import Shift, Ticket
from tests.browser_support import DESKTOP, login, screenshot
from tests.pos.conftest import apples, cashier, manager, water  # noqa: F401 -- fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scan(page, code: str) -> None:
    # A keyboard-wedge scanner types the digits and presses Enter (and nothing else: no
    # clearing keystrokes, which the till would read as Del = remove the line).
    page.type("#pos-scan", code, delay=5)
    page.press("#pos-scan", "Enter")


def test_a_shift_at_the_till(open_page, owner, store, cashier, manager, water, apples):  # noqa: F811
    terminal = register_terminal(actor=owner, store_id=store.pk, code="T01", name="1号收银台")
    page, _errors = open_page(viewport=DESKTOP)
    login(page, cashier.username, PASSWORD)
    page.goto("/pos/")
    screenshot(page, "pos-choose")
    page.click("[data-terminal=T01]")
    page.wait_for_selector("text=开班")
    page.fill("input[name=float]", "200")
    page.click("[data-test=dialog-ok]")
    page.wait_for_selector("body[data-synced='1']")
    page.wait_for_function("document.querySelector('#pos-shift').textContent.includes('SH')")

    scan(page, "6901234567892")  # 农夫山泉 ¥3.50
    scan(page, "2700101007509")  # 750 g of apples at ¥12.80/kg = ¥9.60
    page.type("#pos-scan", "nfsq")  # pinyin initials of 农夫山泉
    page.press("#pos-scan", "Enter")
    page.wait_for_selector("#pos-results button")
    page.keyboard.press("1")
    page.wait_for_selector("[data-test=payable]:has-text('¥16.60')")
    page.keyboard.press("F5")
    page.fill("input[name=q]", "13812345678")
    page.click("[data-test=dialog-ok]")
    page.click("[data-test=sign-up]")
    page.wait_for_selector("[data-test=member]:has-text('138****5678')")
    screenshot(page, "pos-ticket")

    page.press("#pos-scan", "Enter")  # Enter on an empty scan box takes payment
    page.wait_for_selector("[data-test=due]:has-text('¥16.60')")
    page.fill("input[name=received]", "50")
    page.wait_for_selector("[data-test=change]:has-text('¥33.40')")
    screenshot(page, "pos-pay-cash")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-test=done-change]:has-text('¥33.40')")
    screenshot(page, "pos-done")
    first = Ticket.objects.get(status=Ticket.Status.COMPLETED)
    assert first.order.status == Order.Status.COMPLETED and first.order.member.phone == "13812345678"
    with page.expect_popup() as popup:
        page.click("[data-test=print-80]")
    receipt = popup.value
    receipt.wait_for_selector(".receipt svg")
    screenshot(receipt, "pos-receipt-80")
    receipt.goto(f"/pos/tickets/{first.pk}/receipt/?paper=58&reprint=1")
    screenshot(receipt, "pos-receipt-58-reprint")
    receipt.close()
    page.click("[data-test=dialog-ok]")  # next ticket

    # The link drops: two cash sales at shelf prices, queued in the browser.
    page.context.set_offline(True)
    page.wait_for_selector("[data-test=link]:has-text('离线')")
    for _ in range(2):
        scan(page, "6901234567892")
        page.wait_for_selector("[data-test=payable]:has-text('¥3.50')")
        page.press("#pos-scan", "Enter")
        page.fill("input[name=received]", "10")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-test=done-change]:has-text('¥6.50')")
        page.click("[data-test=dialog-ok]")
    page.wait_for_selector("[data-test=link]:has-text('2')")
    screenshot(page, "pos-offline")
    assert Ticket.objects.filter(offline=True).count() == 0
    page.context.set_offline(False)
    page.wait_for_function(
        "!document.querySelector('[data-test=link]').textContent.includes('·')", timeout=15_000
    )
    assert Ticket.objects.filter(offline=True, status=Ticket.Status.COMPLETED).count() == 2
    assert Order.objects.filter(channel="pos").count() == 3

    # A return against the first receipt: one bottle, authorised by the manager.
    scan(page, first.number)
    page.wait_for_selector(f"[data-test=return-qty-{water.pk}]")
    page.fill(f"[data-test=return-qty-{water.pk}]", "1")
    page.fill("input[name=username]", manager.username)
    page.fill("input[name=password]", PASSWORD)
    screenshot(page, "pos-return")
    page.click("[data-test=dialog-ok]")
    page.wait_for_selector("text=已退款")  # the return done dialog
    page.click("[data-test=dialog-ok]")

    page.keyboard.press("F10")
    page.wait_for_selector("[data-test=expected-cash]")
    expected = 20000 + 1660 + 350 * 2 - 350
    assert page.inner_text("[data-test=expected-cash]") == f"¥{expected / 100:.2f}"
    page.fill("[data-test=counted]", f"{expected / 100:.2f}")
    page.click("[data-test=dialog-ok]")
    page.wait_for_selector("[data-test=z-report]")
    screenshot(page, "pos-z-report")
    shift = Shift.objects.get(terminal=terminal)
    assert shift.status == Shift.Status.CLOSED and shift.over_short_fen == 0
    total = {}
    for ticket in Ticket.objects.filter(shift=shift):
        for kind, fen in ticket.tenders.items():
            total[kind] = total.get(kind, 0) + fen
    assert shift.z_report["by_tender"] == total == {"cash": 1660 + 700 - 350}
