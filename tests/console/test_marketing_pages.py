"""The console's marketing pages (营销): promotions (list with filters, the one form for every kind,
its preview, pause and resume), coupon templates (list, form, claim link, bulk issue, redeem
codes) and the reports. Data is built through the real actions; form posts go through a client
that enforces CSRF, as a browser does."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from newretail.core import clock
from newretail.core.models import Job
from newretail.core.testing import make_staff
from newretail.marketing.actions.coupons import create_coupon_template
from newretail.marketing.actions.promotions import create_promotion
from newretail.marketing.models import Coupon, CouponTemplate, Promotion, RedeemCode
from newretail.members.testing import make_member
from newretail.tenancy.roles import Role
from tests.inventory.conftest import make_sku

pytestmark = pytest.mark.django_db

FORMAT = "%Y-%m-%dT%H:%M"


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime(FORMAT)


def window(days: int = 30) -> dict:
    now = clock.now()
    return {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(days=days)}


@pytest.fixture
def skus(owner):
    return {
        "snack": make_sku(owner.merchant_id, name="乐事薯片 70g", price_fen=1200),
        "water": make_sku(owner.merchant_id, name="农夫山泉 550ml", price_fen=200),
    }


@pytest.fixture
def spend_off(owner):
    return create_promotion(
        actor=owner,
        name="满100减20",
        kind="spend_off",
        rules={"tiers": [{"threshold": 10000, "off_fen": 2000}]},
        **window(),
    )


@pytest.fixture
def coupon(owner):
    w = window()
    return create_coupon_template(
        actor=owner,
        name="满59减10",
        kind="cash_off",
        threshold_fen=5900,
        off_fen=1000,
        valid_from=w["starts_at"],
        valid_until=w["ends_at"],
        total_stock=100,
        per_member_limit=1,
    )


@pytest.fixture
def cashier(owner, store):
    return make_staff(owner, Role.CASHIER, stores=[store])


class Browser:
    """A logged-in client that enforces CSRF: every post carries the token of the page it came from."""

    def __init__(self, user):
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)
        self.token = ""

    def get(self, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        html = response.content.decode()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if match:
            self.token = match[1]
        return html

    def post(self, url: str, data: dict, **extra):
        return self.client.post(url, {"csrfmiddlewaretoken": self.token, **data}, **extra)


def promotion_data(**fields) -> dict:
    w = window()
    data = {
        "name": "满100减20",
        "kind": "spend_off",
        "starts_at": local(w["starts_at"]),
        "ends_at": local(w["ends_at"]),
        "scope_all": "all",
        "priority": "0",
        "coupons_allowed": "on",
        "tier0_threshold": "100",
        "tier0_off": "20",
        "action": "save",
    }
    data.update(fields)
    return data


def coupon_data(**fields) -> dict:
    w = window()
    data = {
        "name": "满59减10",
        "kind": "cash_off",
        "threshold": "59",
        "off": "10",
        "validity": "fixed",
        "valid_from": local(w["starts_at"]),
        "valid_until": local(w["ends_at"]),
        "total_stock": "500",
        "per_member_limit": "2",
        "in_claim_centre": "on",
        "scope_all": "all",
    }
    data.update(fields)
    return data


# --- access ----------------------------------------------------------------------------------


def test_every_page_renders_for_the_owner(client, owner, skus, spend_off, coupon):
    client.force_login(owner)
    urls = [
        reverse("console:promotion_list"),
        reverse("console:promotion_list") + "?kind=spend_off&status=active&timing=running",
        reverse("console:promotion_list") + "?kind=nonsense&timing=soon",  # bad filters are ignored
        reverse("console:promotion_create"),
        reverse("console:promotion_edit", args=[spend_off.pk]),
        reverse("console:coupon_template_list"),
        reverse("console:coupon_template_create"),
        reverse("console:coupon_template_detail", args=[coupon.pk]),
        reverse("console:coupon_template_edit", args=[coupon.pk]),
        reverse("console:coupon_bulk_issue", args=[coupon.pk]),
        reverse("console:coupon_redeem_codes", args=[coupon.pk]),
        reverse("console:marketing_reports"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get(reverse("console:promotion_list")).content.decode()
    assert f'data-promotion="{spend_off.pk}"' in html
    assert reverse("console:coupon_template_list") in html and reverse("console:marketing_reports") in html
    # The edit page shows what was saved: the tier in yuan.
    edit = client.get(reverse("console:promotion_edit", args=[spend_off.pk])).content.decode()
    assert 'name="tier0_threshold" value="100.00"' in edit and 'name="tier0_off" value="20.00"' in edit
    # Filters: a paused promotion is not "active"; an ended one is not "running".
    assert (
        f'data-promotion="{spend_off.pk}"'
        not in client.get(reverse("console:promotion_list") + "?status=paused").content.decode()
    )
    assert (
        f'data-promotion="{spend_off.pk}"'
        not in client.get(reverse("console:promotion_list") + "?timing=ended").content.decode()
    )


def test_a_cashier_sees_marketing_but_cannot_change_it(client, owner, cashier, spend_off, coupon):
    client.force_login(cashier)
    html = client.get(reverse("console:promotion_list")).content.decode()
    assert spend_off.name in html
    assert reverse("console:promotion_create") not in html and "data-action=" not in html
    assert client.get(reverse("console:coupon_template_detail", args=[coupon.pk])).status_code == 200
    assert client.get(reverse("console:marketing_reports")).status_code == 200
    refused = [
        ("get", reverse("console:promotion_create")),
        ("get", reverse("console:promotion_edit", args=[spend_off.pk])),
        ("post", reverse("console:promotion_status", args=[spend_off.pk])),
        ("get", reverse("console:coupon_template_create")),
        ("get", reverse("console:coupon_template_edit", args=[coupon.pk])),
        ("post", reverse("console:coupon_template_status", args=[coupon.pk])),
        ("get", reverse("console:coupon_bulk_issue", args=[coupon.pk])),
        ("get", reverse("console:coupon_redeem_codes", args=[coupon.pk])),
    ]
    for method, url in refused:
        response = getattr(client, method)(url, {"status": "paused"} if method == "post" else None)
        assert response.status_code == 403, url
    spend_off.refresh_from_db()
    assert spend_off.status == Promotion.Status.ACTIVE
    # Staff without marketing.view do not see the section at all.
    clerk = make_staff(owner, Role.WAREHOUSE_CLERK)
    client.force_login(clerk)
    assert client.get(reverse("console:promotion_list")).status_code == 403
    assert reverse("console:promotion_list") not in client.get(reverse("console:home")).content.decode()


# --- promotions ------------------------------------------------------------------------------


def test_create_edit_pause_and_resume_a_promotion(owner, skus):
    browser = Browser(owner)
    browser.get(reverse("console:promotion_create"))
    response = browser.post(reverse("console:promotion_create"), promotion_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    promotion = Promotion.objects.get(merchant_id=owner.merchant_id)
    assert (promotion.kind, promotion.rules["tiers"]) == (
        "spend_off",
        [{"threshold": 10000, "off_fen": 2000}],
    )
    assert promotion.scope["all"] is True and promotion.coupons_allowed and promotion.store_ids is None

    # Edit: a second tier, only on snacks (by barcode), at most 50 orders per member.
    url = reverse("console:promotion_edit", args=[promotion.pk])
    browser.get(url)
    response = browser.post(
        url,
        promotion_data(
            name="零食满100减20，满200减50",
            tier1_threshold="200",
            tier1_off="50",
            scope_all="chosen",
            scope_skus=skus["snack"].barcode,
            per_member_limit="50",
        ),
    )
    assert response.status_code == 302
    promotion.refresh_from_db()
    assert promotion.name == "零食满100减20，满200减50"
    assert [t["off_fen"] for t in promotion.rules["tiers"]] == [2000, 5000]
    assert promotion.scope["sku_ids"] == [skus["snack"].pk] and promotion.per_member_limit == 50

    browser.get(reverse("console:promotion_list"))
    status_url = reverse("console:promotion_status", args=[promotion.pk])
    assert browser.post(status_url, {"status": "paused"}).status_code == 302
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.PAUSED
    assert browser.post(status_url, {"status": "active", "next": "https://evil.example/"})["Location"] == (
        reverse("console:promotion_list")
    )
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.ACTIVE
    # Without the CSRF token the post is refused.
    assert browser.client.post(status_url, {"status": "paused"}).status_code == 403


@pytest.mark.parametrize(
    "kind, fields, rules",
    [
        ("flash_discount", {"rate_percent": "88"}, {"rate_percent": 88}),
        ("multi_buy", {"quantity": "3", "price": "10"}, {"quantity": 3, "price_fen": 1000}),
        ("nth_discount", {"quantity": "2", "rate_percent": "50"}, {"quantity": 2, "rate_percent": 50}),
        ("spend_discount", {"tier0_threshold": "100", "tier0_rate": "90"}, None),
        ("free_shipping", {"tier0_threshold": "39"}, None),
    ],
)
def test_every_kind_is_saved_from_the_one_form(owner, skus, kind, fields, rules):
    browser = Browser(owner)
    browser.get(reverse("console:promotion_create"))
    data = promotion_data(kind=kind, name=kind, **fields)
    if kind in ("spend_discount", "free_shipping"):
        data.pop("tier0_off")
    else:
        data.pop("tier0_threshold"), data.pop("tier0_off")
    response = browser.post(reverse("console:promotion_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    promotion = Promotion.objects.get(merchant_id=owner.merchant_id)
    if rules:
        assert promotion.rules == rules
    else:
        assert promotion.rules["tiers"][0]["threshold"] == int(fields["tier0_threshold"]) * 100


def test_prices_bundles_and_gifts_take_skus_by_code(owner, skus, coupon):
    browser = Browser(owner)
    browser.get(reverse("console:promotion_create"))
    snack, water = skus["snack"], skus["water"]
    cases = [
        ("member_price", {"sku_prices": f"{snack.code} 9.90"}, {"sku_prices": {str(snack.pk): 990}}),
        (
            "bundle_fixed",
            {"components": f"{snack.code} 1\n{water.barcode} 2", "price": "14"},
            {"components": [[snack.pk, 1], [water.pk, 2]], "price_fen": 1400},
        ),
        (
            "gift",
            {"tier0_threshold": "88", "tier0_gift_sku": water.code, "gift_stock": "200"},
            {"tiers": [{"threshold": 8800, "gift_sku_id": water.pk, "gift_quantity": 1}]},
        ),
        (
            "order_gift",
            {"tier0_threshold": "68", "tier0_coupon_template": str(coupon.pk), "tier0_coupon_quantity": "2"},
            {"tiers": [{"threshold": 6800, "coupon_template_id": coupon.pk, "coupon_quantity": 2}]},
        ),
    ]
    for kind, fields, expected in cases:
        data = promotion_data(kind=kind, name=kind, **fields)
        if kind in ("member_price", "bundle_fixed"):
            data.pop("tier0_threshold"), data.pop("tier0_off")
        else:
            data.pop("tier0_off")
        response = browser.post(reverse("console:promotion_create"), data)
        assert response.status_code == 302, (kind, response.content.decode()[:3000])
        promotion = Promotion.objects.get(merchant_id=owner.merchant_id, kind=kind)
        for key, value in expected.items():
            assert promotion.rules[key] == value, kind
    assert Promotion.objects.get(kind="gift").gift_stock == 200
    assert Promotion.objects.get(kind="member_price").members_only is True


def test_the_actions_refusal_shows_next_to_its_field_and_nothing_is_saved(owner, skus):
    browser = Browser(owner)
    browser.get(reverse("console:promotion_create"))
    response = browser.post(reverse("console:promotion_create"), promotion_data(tier0_off="120"))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-error-for="tier0_off">减免金额必须低于门槛金额<', html)
    # What was typed is still there, in yuan.
    assert 'name="tier0_off" value="120"' in html
    w = window()
    response = browser.post(
        reverse("console:promotion_create"),
        promotion_data(ends_at=local(w["starts_at"] - dt.timedelta(days=1))),
    )
    assert re.search(r'data-error-for="ends_at">必须晚于开始时间<', response.content.decode())
    # Input the form itself cannot read: an unknown SKU code, an amount with three decimals.
    response = browser.post(
        reverse("console:promotion_create"),
        promotion_data(scope_all="chosen", scope_skus="NO-SUCH-CODE", tier0_off="1.234"),
    )
    html = response.content.decode()
    assert 'data-error-for="scope_skus"' in html and "NO-SUCH-CODE" in html
    assert 'data-error-for="tier0_off"' in html
    assert not Promotion.objects.filter(merchant_id=owner.merchant_id).exists()


def test_preview_prices_the_sample_cart_without_saving(owner, skus):
    browser = Browser(owner)
    browser.get(reverse("console:promotion_create"))
    sample = {"sample-sku0": skus["snack"].code, "sample-qty0": "10", "action": "preview"}
    # htmx asks for the preview box only.
    response = browser.post(
        reverse("console:promotion_create"), {**promotion_data(), **sample}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="preview-result"')
    assert re.search(r'id="preview-payable" data-fen="10000">¥100.00<', html)  # ¥120 - ¥20
    assert "满¥100.00减¥20.00" in html  # the engine's explanation of the adjustment
    # Without JavaScript the whole page comes back, with the preview in it.
    response = browser.post(
        reverse("console:promotion_create"), {**promotion_data(), **sample, "sample-qty0": "8"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="promotion-form"' in html
    assert 'id="preview-payable" data-fen="9600"' in html  # ¥96 is below the threshold
    assert "再买¥4.00可减¥20.00" in html  # the hint
    # A problem in the settings is shown in the box (and on the field without JavaScript).
    response = browser.post(
        reverse("console:promotion_create"),
        {**promotion_data(tier0_off="120"), **sample},
        HTTP_HX_REQUEST="true",
    )
    assert "减免金额必须低于门槛金额" in response.content.decode()
    response = browser.post(
        reverse("console:promotion_create"), {**promotion_data(), "action": "preview"}, HTTP_HX_REQUEST="true"
    )
    assert 'id="preview-errors"' in response.content.decode()
    assert not Promotion.objects.exists()


# --- coupons ---------------------------------------------------------------------------------


def test_create_edit_and_pause_a_coupon_template(owner, skus):
    browser = Browser(owner)
    browser.get(reverse("console:coupon_template_create"))
    response = browser.post(reverse("console:coupon_template_create"), coupon_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    template = CouponTemplate.objects.get(merchant_id=owner.merchant_id)
    assert (template.threshold_fen, template.off_fen, template.total_stock, template.per_member_limit) == (
        5900,
        1000,
        500,
        2,
    )
    assert template.valid_days is None and template.in_claim_centre and template.issue_on == []
    assert response["Location"] == reverse("console:coupon_template_detail", args=[template.pk])

    url = reverse("console:coupon_template_edit", args=[template.pk])
    browser.get(url)
    response = browser.post(
        url,
        coupon_data(
            name="新人9折券",
            kind="discount",
            threshold="",
            rate_percent="90",
            max_off="20",
            validity="days",
            valid_days="14",
            issue_on=["member.registered"],
            stackable="on",
            in_claim_centre="",
            channels=["mall"],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    template.refresh_from_db()
    assert (template.kind, template.rate_percent, template.max_off_fen, template.valid_days) == (
        "discount",
        90,
        2000,
        14,
    )
    assert template.issue_on == ["member.registered"] and template.stackable and not template.in_claim_centre
    assert template.channels == ["mall"] and template.threshold_fen == 0

    detail = browser.get(reverse("console:coupon_template_detail", args=[template.pk]))
    assert template.claim_token in detail
    assert f"/api/v1/shop/{owner.merchant.slug}/coupons/claim-link" in detail
    assert 'src="data:image/png;base64,' in detail
    response = browser.post(
        reverse("console:coupon_template_status", args=[template.pk]), {"status": "paused"}
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.status == CouponTemplate.Status.PAUSED


def test_coupon_refusals_show_inline_and_save_nothing(owner, skus):
    browser = Browser(owner)
    browser.get(reverse("console:coupon_template_create"))
    response = browser.post(reverse("console:coupon_template_create"), coupon_data(off="59"))
    assert response.status_code == 200
    assert re.search(r'data-error-for="off">减免金额必须低于门槛金额<', response.content.decode())
    response = browser.post(
        reverse("console:coupon_template_create"), coupon_data(kind="exchange", exchange_sku="")
    )
    assert 'data-error-for="exchange_sku"' in response.content.decode()
    assert not CouponTemplate.objects.exists()


def test_bulk_issue_by_member_id_and_phone(owner, coupon, django_capture_on_commit_callbacks):
    first = make_member(owner.merchant_id, "13812345678")
    second = make_member(owner.merchant_id, "13912345678")
    browser = Browser(owner)
    url = reverse("console:coupon_bulk_issue", args=[coupon.pk])
    browser.get(url)
    # An unknown phone stops the whole issue, with the number named.
    response = browser.post(url, {"members": f"{first.pk}\n13700000000"})
    assert response.status_code == 200 and "13700000000" in response.content.decode()
    assert not Coupon.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the issue runs as a background job
        response = browser.post(url, {"members": f"{first.pk}\n139 1234 5678\n"})
    assert response.status_code == 302 and "/console/jobs/" in response["Location"]
    assert set(Coupon.objects.values_list("member_id", flat=True)) == {first.pk, second.pk}
    # Again: both already hold their one coupon, so both are skipped (0 issued, 2 skipped, 0 left).
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(url, {"members": f"{first.pk},{second.pk}"})
    assert Coupon.objects.count() == 2
    job = Job.objects.order_by("-pk").first()
    assert (job.status, job.result["issued"], job.result["skipped"], job.result["not_reached"]) == (
        "succeeded", 0, 2, 0
    )
    page = browser.get(reverse("console:coupon_template_detail", args=[coupon.pk]))
    assert re.search(r'id="coupon-issued">2\D', page)


def test_redeem_codes_are_shown_once_or_downloaded(owner, coupon):
    browser = Browser(owner)
    url = reverse("console:coupon_redeem_codes", args=[coupon.pk])
    browser.get(url)
    response = browser.post(url, {"count": "3"})
    html = response.content.decode()
    codes = list(RedeemCode.objects.filter(template=coupon).values_list("code", flat=True))
    assert response.status_code == 200 and len(codes) == 3
    assert all(code in html for code in codes)
    response = browser.post(url, {"count": "2", "csv": "1"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert RedeemCode.objects.filter(template=coupon).count() == 5
    assert body.count(coupon.name) == 2
    html = browser.post(url, {"count": "0"}).content.decode()
    assert 'data-error-for="count"' in html and RedeemCode.objects.filter(template=coupon).count() == 5


def test_reports_page_lists_coupons_and_promotions(client, owner, spend_off, coupon):
    member = make_member(owner.merchant_id)
    from newretail.marketing.actions.coupons import issue_coupons

    issue_coupons(template=coupon, member=member, source=Coupon.Source.BULK)
    client.force_login(owner)
    html = client.get(reverse("console:marketing_reports")).content.decode()
    row = re.search(rf'<tr data-template="{coupon.pk}">.*?</tr>', html, re.S)[0]
    assert 'data-col="issued">1<' in row and 'data-col="used">0<' in row
    assert f'data-promotion="{spend_off.pk}"' in html
