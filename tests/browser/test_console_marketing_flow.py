"""The marketing flow in a real browser, as the owner: a 满100减20 promotion created through the
one form (its kind's fields shown, the others hidden), a sample cart previewed before saving, the
promotion in the list and paused there; then a coupon valid 14 days after the claim, its page
with the claim link's QR code, and a bulk issue to two members typed by id and by phone. Every
page is checked at 360 px too. Screenshots go to /tmp/shots/marketing-*.png for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from newretail.core.testing import PASSWORD
from newretail.marketing.models import Coupon, CouponTemplate, Promotion
from newretail.members.testing import make_member
from tests.browser_support import NARROW, login
from tests.inventory.conftest import make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
WIDE = {"width": 1280, "height": 900}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"marketing-{name}.png"), full_page=True)


@pytest.fixture
def shop(owner, store):
    snack = make_sku(owner.merchant_id, name="乐事薯片 原味 70g", price_fen=1200)
    water = make_sku(owner.merchant_id, name="农夫山泉 550ml", price_fen=200)
    members = [make_member(owner.merchant_id, "13812345678", name="张三"), make_member(owner.merchant_id)]
    return {"snack": snack, "water": water, "members": members}


def test_create_preview_and_pause_a_promotion_then_issue_a_coupon(open_page, owner, shop):
    page, _ = open_page(viewport=WIDE)
    login(page, owner.username, PASSWORD)
    page.click("nav a[href='/console/marketing/promotions/']")
    page.wait_for_selector("#promotion-new")
    page.click("#promotion-new")
    page.wait_for_selector("#promotion-form")
    # 满减 is the default kind: its tiers show, the other kinds' inputs do not.
    assert page.locator("#tier-table").is_visible()
    assert page.locator("[data-field=rate_percent]").is_hidden()
    assert page.locator("#id_tier0_gift_sku").is_hidden()
    page.select_option("#id_kind", "nth_discount")
    assert page.locator("[data-field=rate_percent]").is_visible() and page.locator("#tier-table").is_hidden()
    page.select_option("#id_kind", "spend_off")
    page.fill("#id_name", "满100减20")
    page.fill("#id_tier0_threshold", "100")
    page.fill("#id_tier0_off", "20")

    # The preview prices a sample cart with the unsaved settings, in place (htmx).
    page.fill("#id_sample-sku0", shop["snack"].code)
    page.fill("#id_sample-qty0", "10")
    page.click("#preview-submit")
    page.wait_for_selector("#preview-payable")
    assert page.locator("#preview-payable").inner_text() == "¥100.00"
    assert "满¥100.00减¥20.00" in page.locator("#preview-adjustments").inner_text()
    assert "乐事薯片" in page.locator("#preview-lines").inner_text()
    shot(page, "promotion-preview-1280")
    # Below the threshold the preview says how much more is needed. Enter (a scanner's) previews.
    page.fill("#id_sample-qty0", "8")
    page.press("#id_sample-qty0", "Enter")
    page.wait_for_selector("#preview-hints")
    assert "再买¥4.00" in page.locator("#preview-hints").inner_text()
    assert not Promotion.objects.exists()

    page.click("#promotion-submit")
    page.wait_for_url("**/console/marketing/promotions/")
    promotion = Promotion.objects.get()
    assert promotion.rules["tiers"] == [{"threshold": 10000, "off_fen": 2000}]
    row = page.locator(f"#promotion-table tr[data-promotion='{promotion.pk}']")
    assert "满100减20" in row.inner_text() and "满减" in row.inner_text()
    assert row.locator("[data-timing=running]").count() == 1
    shot(page, "promotions-1280")
    # The action's refusal shows next to the field it names, and nothing changes.
    page.click(f"#promotion-table tr[data-promotion='{promotion.pk}'] a:text-is('满100减20')")
    page.fill("#id_tier0_off", "120")
    page.click("#promotion-submit")
    page.wait_for_selector("[data-error-for=tier0_off]")
    assert "减免金额必须低于门槛金额" in page.locator("[data-error-for=tier0_off]").inner_text()
    shot(page, "promotion-error-1280")
    promotion.refresh_from_db()
    assert promotion.rules["tiers"][0]["off_fen"] == 2000
    page.click("nav a[href='/console/marketing/promotions/']")
    page.click(f"#pause-{promotion.pk}")
    page.wait_for_selector(f"#resume-{promotion.pk}")
    assert page.locator(f"tr[data-promotion='{promotion.pk}'] [data-status=paused]").count() == 1
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.PAUSED

    # A coupon valid for 14 days after the claim.
    page.click("nav a[href='/console/marketing/coupons/']")
    page.click("#coupon-new")
    page.wait_for_selector("#coupon-form")
    assert page.locator("[data-field=rate_percent]").is_hidden()
    assert page.locator("[data-field=valid_days]").is_hidden()
    page.fill("#id_name", "满59减10")
    page.fill("#id_threshold", "59")
    page.fill("#id_off", "10")
    page.check("#coupon-form input[name=validity][value=days]")
    page.fill("#id_valid_days", "14")
    page.fill("#id_total_stock", "100")
    shot(page, "coupon-form-1280")
    page.click("#coupon-submit")
    page.wait_for_selector("#claim-qr")
    template = CouponTemplate.objects.get()
    assert (template.threshold_fen, template.off_fen, template.valid_days) == (5900, 1000, 14)
    assert template.claim_token in page.locator("#claim-token").inner_text()
    assert page.locator("#claim-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    shot(page, "coupon-detail-1280")

    page.click("#coupon-issue")
    first, second = shop["members"]
    page.fill("#id_members", f"{second.pk}\n138 1234 5678")
    page.click("#issue-submit")  # a background job: its page shows the counts when done
    page.wait_for_selector("#job-progress[data-status=succeeded]")
    page.goto(page.url.split("/console/")[0] + f"/console/marketing/coupons/{template.pk}/")
    page.wait_for_selector("#claim-qr")
    assert page.locator("#coupon-issued").inner_text().startswith("2")
    assert set(Coupon.objects.values_list("member_id", flat=True)) == {first.pk, second.pk}
    shot(page, "coupon-issued-1280")

    page.click("nav a[href='/console/marketing/reports/']")
    page.wait_for_selector("#coupon-report")
    assert (
        page.locator(f"#coupon-report tr[data-template='{template.pk}'] [data-col=issued]").inner_text()
        == "2"
    )
    shot(page, "reports-1280")


def test_marketing_pages_fit_360px(open_page, owner, shop):
    page, _ = open_page(viewport=NARROW)
    login(page, owner.username, PASSWORD)
    page.goto("/console/marketing/promotions/new/")
    page.select_option("#id_kind", "gift")
    assert page.locator("#id_tier0_gift_sku").is_visible()
    page.fill("#id_name", "满88送水")
    page.fill("#id_tier0_threshold", "88")
    page.fill("#id_tier0_gift_sku", shop["water"].code)
    page.fill("#id_sample-sku0", shop["snack"].code)
    page.fill("#id_sample-qty0", "8")
    page.click("#preview-submit")
    page.wait_for_selector("#preview-payable")
    assert page.locator("#preview-lines .badge").count() == 1  # the gift, at ¥0
    assert "赠品×1" in page.locator("#preview-adjustments").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "promotion-form-360")
    page.click("#promotion-submit")
    page.wait_for_url("**/console/marketing/promotions/")
    page.goto("/console/marketing/coupons/new/")
    page.fill("#id_name", "全场9折券")
    page.select_option("#id_kind", "discount")
    assert (
        page.locator("[data-field=rate_percent]").is_visible()
        and page.locator("[data-field=off]").is_hidden()
    )
    page.fill("#id_rate_percent", "90")
    page.fill("#id_max_off", "20")
    page.click("#coupon-submit")
    page.wait_for_selector("#claim-qr")
    template_page = page.url
    for name, url in (
        ("promotions-360", "/console/marketing/promotions/"),
        ("coupons-360", "/console/marketing/coupons/"),
        ("coupon-detail-360", template_page),
        ("coupon-form-360", template_page + "edit/"),
        ("coupon-issue-360", template_page + "issue/"),
        ("redeem-codes-360", template_page + "redeem-codes/"),
        ("reports-360", "/console/marketing/reports/"),
    ):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
        shot(page, name)
    page.goto(template_page + "redeem-codes/")
    page.fill("#id_count", "5")
    page.click("#codes-submit")
    page.wait_for_selector("#codes-text")
    assert len(page.locator("#codes-text").input_value().split()) == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "redeem-codes-shown-360")
