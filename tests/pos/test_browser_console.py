"""The console's POS pages in a real browser: setup (a device key shown once), a shift's Z report,
the store dashboard with a day of footfall and the roster's week, on screen and as printed
(print media: the navigation goes, the week fits a landscape page). Screenshots go to
var/screenshots/pos2-console-*.png."""

from __future__ import annotations

import pytest

from newretail.core.testing import PASSWORD
from newretail.demo.pos_step import build_pos
from newretail.pos.actions.shifts import close_shift, open_shift
from newretail.pos.models import Terminal
from tests.browser_support import DESKTOP, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_console_pos_pages(open_page, owner, store, manager, cashier):
    build_pos(owner, {"stores": {store.code: store}})
    terminal = Terminal.objects.filter(store=store).first()
    shift = open_shift(actor=cashier, terminal_id=terminal.pk, opening_float_fen=20000)
    close_shift(actor=cashier, shift_id=shift.pk, counted_cash_fen=19950, note="少了五毛")

    page, _errors = open_page(viewport=DESKTOP)
    page.context.set_default_timeout(30_000)
    login(page, owner.username, PASSWORD)
    page.goto("/console/pos/setup/")
    page.select_option("#device-form select[name=kind]", "door_scanner")
    page.fill("#device-form input[name=name]", "后门扫码枪")
    page.click("#device-form button[type=submit]")
    page.wait_for_selector("[data-test=device-key]")
    screenshot(page, "pos2-console-setup")

    login(page, manager.username, PASSWORD)
    page.goto("/console/pos/shifts/")
    page.click(f"text={shift.number}")
    page.wait_for_selector("#over-short:has-text('-¥0.50')")
    screenshot(page, "pos2-console-z-report")
    page.goto(f"/console/pos/dashboard/?store={store.pk}")
    page.wait_for_selector("#hour-bars .row")
    screenshot(page, "pos2-console-dashboard")
    page.goto(f"/console/pos/roster/?store={store.pk}")
    page.wait_for_selector("#roster-table .slot")
    screenshot(page, "pos2-console-roster")
    page.emulate_media(media="print")
    assert not page.is_visible(".shell-nav") and not page.is_visible("#roster-form")
    screenshot(page, "pos2-console-roster-print")
