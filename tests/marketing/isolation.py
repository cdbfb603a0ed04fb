"""Marketing's part of the tenant isolation test (tests/test_isolation.py): a promotion, a coupon
template and a member's coupon per world, the console routes that address them and valid bodies
for the write routes."""

from __future__ import annotations

import datetime as dt

from newretail.core import clock
from newretail.marketing.actions.coupons import create_coupon_template, issue_coupons
from newretail.marketing.actions.promotions import create_promotion
from newretail.marketing.models import Coupon


def _window() -> dict:
    now = clock.now()
    return {"starts_at": now - dt.timedelta(days=1), "ends_at": now + dt.timedelta(days=30)}


def promotion_body(world=None) -> dict:
    window = _window()
    return {
        "name": "满100减10",
        "kind": "spend_off",
        "starts_at": window["starts_at"].isoformat(),
        "ends_at": window["ends_at"].isoformat(),
        "rules": {"tiers": [{"threshold": 10000, "off_fen": 1000}]},
    }


def template_body(world=None) -> dict:
    window = _window()
    return {
        "name": "满59减10",
        "kind": "cash_off",
        "threshold_fen": 5900,
        "off_fen": 1000,
        "valid_from": window["starts_at"].isoformat(),
        "valid_until": window["ends_at"].isoformat(),
        "total_stock": 100,
        "per_member_limit": 5,
    }


def build(owner, world: dict) -> dict:
    window = _window()
    promotion = create_promotion(
        actor=owner,
        name="满100减10",
        kind="spend_off",
        rules={"tiers": [{"threshold": 10000, "off_fen": 1000}]},
        **window,
    )
    template = create_coupon_template(
        actor=owner,
        name="满59减10",
        kind="cash_off",
        threshold_fen=5900,
        off_fen=1000,
        valid_from=window["starts_at"],
        valid_until=window["ends_at"],
        total_stock=100,
        per_member_limit=5,
    )
    coupon = issue_coupons(template=template, member=world["member"], source=Coupon.Source.BULK)[0]
    return {"promotion": promotion, "coupon_template": template, "coupon": coupon}


# console URL name -> world key (the console pages add theirs here)
CONSOLE_OBJECTS: dict[str, str] = {
    "promotion_edit": "promotion",
    "promotion_status": "promotion",
    "coupon_template_detail": "coupon_template",
    "coupon_template_edit": "coupon_template",
    "coupon_template_status": "coupon_template",
    "coupon_bulk_issue": "coupon_template",
    "coupon_redeem_codes": "coupon_template",
}

API_PARAMS: dict[str, str] = {"promotion_id": "promotion", "template_id": "coupon_template"}

API_BODIES: dict[tuple[str, str], object] = {
    ("PUT", "/api/v1/marketing/promotions/{promotion_id}"): promotion_body,
    ("POST", "/api/v1/marketing/promotions/{promotion_id}/status"): {"status": "paused"},
    ("PUT", "/api/v1/marketing/coupon-templates/{template_id}"): template_body,
    ("POST", "/api/v1/marketing/coupon-templates/{template_id}/status"): {"status": "paused"},
    ("POST", "/api/v1/marketing/coupon-templates/{template_id}/issue"): lambda world: {
        "member_ids": [world["member"].pk]
    },
    ("POST", "/api/v1/marketing/coupon-templates/{template_id}/redeem-codes"): {"count": 2},
}

MEMBER_PARAMS: dict[str, str] = {"template_id": "coupon_template"}

MEMBER_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/shop/{merchant_slug}/coupons/{template_id}/claim"): {},
    ("POST", "/api/v1/shop/{merchant_slug}/coupons/claim-link"): {"token": "not-a-real-token"},
    ("POST", "/api/v1/shop/{merchant_slug}/coupons/redeem"): {"code": "NOTACODE"},
}
