import pytest

from newretail.core.testing import PASSWORD, make_store
from tests.browser_support import NARROW, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_logs_in_and_sees_the_console_in_chinese(open_page, owner):
    make_store(owner, name="静安寺店")
    page, errors = open_page()
    login(page, owner.username, PASSWORD)
    assert page.locator("nav.shell-nav").is_visible()
    assert "门店" in page.locator("nav.shell-nav").inner_text()
    page.click('nav.shell-nav >> text="门店"')
    page.wait_for_url("**/console/stores/")
    assert "静安寺店" in page.content()
    screenshot(page, "console-stores")


def test_wrong_password_shows_a_chinese_error(open_page, owner):
    page, errors = open_page()
    page.goto("/console/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator(".alert-error").inner_text()


def test_console_at_360px_has_a_menu_button(open_page, owner):
    page, errors = open_page(viewport=NARROW)
    login(page, owner.username, PASSWORD)
    assert not page.locator("nav.shell-nav").is_visible()
    page.click(".nav-toggle")
    assert page.locator("nav.shell-nav").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "console-home-360")


def test_organisation_pages_fit_360px(open_page, owner):
    make_store(owner, name="静安寺店")
    page, errors = open_page(viewport=NARROW)
    login(page, owner.username, PASSWORD)
    for url in (
        "/console/stores/",
        "/console/stores/new/",
        "/console/warehouses/",
        "/console/staff/",
        "/console/staff/new/",
        "/console/audit/",
        "/console/jobs/",
        "/console/events/deliveries/",
        "/console/password/",
    ):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
    page.goto("/console/staff/new/")
    screenshot(page, "console-staff-new-360")
