"""Shop decoration in a real browser: the owner opens the home page's editor, drags a search bar
in and adds a banner, a notice bar, a coupon block and a product grid, edits the notice's text and
the banner's title, previews the unsaved page in the phone frame, publishes, and the mall's home
on a phone shows the five blocks. Screenshots: var/screenshots/decoration-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image

from newretail.core import clock
from newretail.core.testing import PASSWORD
from newretail.marketing.actions.coupons import create_coupon_template
from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyItem
from newretail.storefront.decoration.starters import STARTERS
from newretail.storefront.models import MallPage
from tests.browser_support import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    login,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(owner, store, cola, water):
    now = clock.now()
    create_coupon_template(
        actor=owner,
        name="满59减10",
        kind="cash_off",
        threshold_fen=5900,
        off_fen=1000,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
    )
    return {"cola": cola, "water": water}


def test_decorate_the_home_page_with_five_blocks_and_publish(open_page, owner, merchant, shop):
    page, _errors = open_page(viewport=DESKTOP)
    login(page, owner.username, PASSWORD)
    page.click("nav a[href='/console/mall/pages/']")
    page.wait_for_selector("#dc-pages")
    page.click("#dc-pages tr[data-page=home] a.btn-primary")
    page.wait_for_selector("#dc-palette button[data-add=search]")

    # A search bar dragged from the palette into the (empty) page; four more added by clicking.
    page.drag_and_drop("#dc-palette button[data-add=search]", "#dc-blocks")
    page.wait_for_selector("#dc-blocks li[data-type=search]")
    for block in ("banner", "notice", "coupons", "product_grid"):
        page.click(f"#dc-palette button[data-add={block}]")
    types = page.eval_on_selector_all("#dc-blocks li[data-type]", "els => els.map(e => e.dataset.type)")
    assert types == ["search", "banner", "notice", "coupons", "product_grid"]
    # The banner dragged to the top.
    page.drag_and_drop("#dc-blocks li[data-type=banner]", "#dc-blocks li[data-type=search]")
    types = page.eval_on_selector_all("#dc-blocks li[data-type]", "els => els.map(e => e.dataset.type)")
    assert types == ["banner", "search", "notice", "coupons", "product_grid"]

    page.click("#dc-blocks li[data-type=notice]")
    page.fill("#dc-settings [data-field=text] input", "本周会员日，全场满59减10")
    page.click("#dc-blocks li[data-type=banner]")
    page.fill("#dc-settings [data-list=slides] [data-item='0'] [data-field=title] input", "开业大促")
    page.fill("#dc-settings [data-list=slides] [data-item='0'] [data-field=subtitle] input", "新人领券立减")
    page.click("#dc-blocks li[data-type=product_grid]")
    page.fill("#dc-settings [data-field=title] input", "店长推荐")

    # The unsaved page in the phone frame.
    page.click("#dc-preview-refresh")
    frame = page.frame_locator("#dc-preview-frame")
    frame.locator(".blk-notice-text").wait_for()
    assert frame.locator(".blk-notice-text").inner_text() == "本周会员日，全场满59减10"
    assert frame.locator("[data-block]").count() == 5
    screenshot(page, "decoration-editor-1366")
    assert MallPage.objects.get(merchant=merchant, key="home").published_version is None

    page.fill("input[name=note]", "开业版")
    page.click("#dc-publish")
    page.wait_for_selector("#dc-published.badge-ok")
    home = MallPage.objects.select_related("published_version").get(merchant=merchant, key="home")
    assert home.published_version.number == 1 and home.published_version.note == "开业版"
    assert [b["type"] for b in home.published_version.content["blocks"]] == [
        "banner", "search", "notice", "coupons", "product_grid"
    ]  # fmt: skip
    screenshot(page, "decoration-published-1366")

    phone, _ = open_page(viewport=PHONE)
    phone.goto(f"/m/{merchant.slug}/")
    phone.wait_for_selector("[data-block=product_grid]")
    shown = phone.eval_on_selector_all("[data-block]", "els => els.map(e => e.dataset.block)")
    assert shown == ["banner", "search", "notice", "coupons", "product_grid"]
    assert phone.locator(".blk-slide-text b").first.inner_text() == "开业大促"
    assert "本周会员日" in phone.locator(".blk-notice").inner_text()
    assert "满59减10" in phone.locator("[data-block=coupons]").inner_text()
    assert "可口可乐" in phone.locator("[data-block=product_grid]").inner_text()
    screenshot(phone, "decoration-mall-phone")


@pytest.mark.parametrize("starter", ["convenience", "fresh", "live_fashion"])
def test_templates_render_on_a_phone_without_script_errors(open_page, owner, merchant, shop, starter):
    """A template's page in the phone preview: every block with data shows, the carousel and the
    seckill countdown run (no JavaScript errors), nothing overflows a 360 px screen."""
    from newretail.marketing.actions.promotions import create_promotion
    from newretail.storefront.decoration import actions

    now = clock.now()
    create_promotion(
        actor=owner,
        name="饮料限时8.8折",
        kind="flash_discount",
        rules={"rate_percent": 88},
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=2, minutes=5),
    )
    groupbuy = GroupBuyCampaign.objects.create(
        merchant=merchant, name="三人团", group_size=3, starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=2),
    )
    GroupBuyItem.objects.create(merchant=merchant, campaign=groupbuy, sku=shop["cola"], group_price_fen=299)
    home = actions.home_page(actor=owner)
    actions.apply_starter(actor=owner, page_id=home.pk, starter=starter, with_theme=True)
    page, _errors = open_page(viewport={"width": 360, "height": 740})
    login(page, owner.username, PASSWORD)
    page.goto(f"/console/mall/pages/{home.pk}/preview/")
    page.wait_for_selector(".blk-page")
    shown = page.eval_on_selector_all("[data-block]", "els => els.map(e => e.dataset.block)")
    assert len(shown) >= 5
    has_group_buy = any(b["type"] == "group_buy" for b in STARTERS[starter].blocks)
    assert ("group_buy" in shown) == has_group_buy  # the fresh starter's 邻里拼团 lists the running one
    if has_group_buy:
        block = page.locator("[data-block=group_buy]")
        assert "3人团" in block.inner_text()
        block.screenshot(path=str(SCREENSHOTS / "decoration-group-buy-block.png"))
    if "seckill" in shown:
        first = page.locator(".blk-countdown").inner_text()
        page.wait_for_timeout(1100)
        assert page.locator(".blk-countdown").inner_text() != first  # the countdown ticks
        assert "02:0" in first
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide"
    screenshot(page, f"decoration-starter-{starter}-360")


def test_upload_a_banner_to_the_image_library(open_page, owner, tmp_path):
    banner = tmp_path / "banner.png"
    Image.new("RGB", (750, 300), (228, 57, 60)).save(banner)
    page, _errors = open_page(viewport=DESKTOP)
    login(page, owner.username, PASSWORD)
    page.goto("/console/mall/images/")
    page.set_input_files("input[name=image]", str(banner))
    page.click("#dc-image-upload button[type=submit]")
    page.wait_for_selector("#dc-images img")
    address = page.locator("#dc-images input[readonly]").first.input_value()
    assert address.startswith("/media/mall/") and address.endswith(".png")
    screenshot(page, "decoration-image-library-1366")
