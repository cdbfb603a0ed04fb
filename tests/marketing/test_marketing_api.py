"""Promotions and coupons through the API: staff create and validate, shoppers claim, redeem and
check out with the best coupon preselected."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import clock
from newretail.core.testing import bearer, make_staff
from newretail.marketing.actions.coupons import create_redeem_codes
from newretail.marketing.models import Coupon, Promotion
from newretail.tenancy.roles import Role
from tests.orders.conftest import Api, member_headers, shop_path, sms_login

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def iso(delta_days: float) -> str:
    return (clock.now() + dt.timedelta(days=delta_days)).isoformat()


def spend_off(**extra) -> dict:
    return {
        "name": "满30减5",
        "kind": "spend_off",
        "starts_at": iso(-1),
        "ends_at": iso(30),
        "rules": {"tiers": [{"threshold": 3000, "off_fen": 500}]},
        **extra,
    }


def cash_coupon(**extra) -> dict:
    return {
        "name": "满10减2",
        "kind": "cash_off",
        "threshold_fen": 1000,
        "off_fen": 200,
        "valid_from": iso(-1),
        "valid_until": iso(30),
        **extra,
    }


@pytest.fixture
def staff(client, owner):
    return Api(client, bearer(owner))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rules": {"tiers": [{"threshold": 1000, "off_fen": 1000}]}}, "rules.tiers[0].off_fen"),  # 满10减10
        ({"ends_at": iso(-2)}, "ends_at"),  # ends before it starts
        ({"kind": "flash_discount", "rules": {"rate_percent": 120}}, "rules.rate_percent"),  # over 100%
        ({"kind": "flash_discount", "rules": {"rate_percent": 0}}, "rules.rate_percent"),  # free goods
        (
            {"rules": {"tiers": [{"threshold": 3000, "off_fen": 500}, {"threshold": 5000, "off_fen": 400}]}},
            "rules.tiers",
        ),  # spending more saves less
        ({"scope": {"all": False, "sku_ids": [999999]}}, "scope.sku_ids"),  # not one of ours
        (
            {
                "rules": {
                    "repeat": True,
                    "tiers": [{"threshold": 100, "off_fen": 10}, {"threshold": 200, "off_fen": 20}],
                }
            },
            "rules.tiers",
        ),
    ],
)
def test_nonsense_promotions_are_refused_with_the_field_named(staff, change, field):
    answer = staff.post("marketing/promotions", spend_off(**change), status=400)
    assert answer["code"] == "marketing.invalid_promotion" and field in answer["message"]
    assert not Promotion.objects.exists()


def test_a_cashier_sees_promotions_but_cannot_change_them(client, owner, store, staff):
    created = staff.post("marketing/promotions", spend_off(), status=201)
    cashier = Api(client, bearer(make_staff(owner, Role.CASHIER, stores=[store])))
    assert [p["id"] for p in cashier.get("marketing/promotions")] == [created["id"]]
    assert cashier.post("marketing/promotions", spend_off(), status=403)["code"] == "permission_denied"
    cashier.post(f"marketing/promotions/{created['id']}/status", {"status": "paused"}, status=403)


def test_edit_pause_and_preview_a_promotion(staff, water):
    created = staff.post("marketing/promotions", spend_off(usage_limit=100), status=201)
    edited = staff.put(
        f"marketing/promotions/{created['id']}",
        spend_off(name="满30减6", rules={"tiers": [{"threshold": 3000, "off_fen": 600}]}),
    )
    assert (edited["name"], edited["rules"]["tiers"][0]["off_fen"]) == ("满30减6", 600)
    assert (
        staff.post(f"marketing/promotions/{created['id']}/status", {"status": "paused"})["status"] == "paused"
    )
    preview = staff.post(
        "marketing/promotion-preview",
        {"promotion": spend_off(), "lines": [{"sku_id": water.pk, "quantity": 10}]},
    )
    assert (preview["goods_list_fen"], preview["goods_final_fen"]) == (3500, 3000)
    short = staff.post(
        "marketing/promotion-preview",
        {"promotion": spend_off(), "lines": [{"sku_id": water.pk, "quantity": 8}]},
    )
    assert short["discount_fen"] == 0 and short["hints"]  # ¥28.00: ¥2.00 short


def test_shopper_claims_redeems_and_checks_out_with_the_best_coupon(client, merchant, owner, staff, water):
    small = staff.post("marketing/coupon-templates", cash_coupon(), status=201)
    big = staff.post(
        "marketing/coupon-templates",
        cash_coupon(name="满20减5", threshold_fen=2000, off_fen=500, in_claim_centre=False),
        status=201,
    )
    centre = Api(client).get(shop_path(merchant, "coupons"))
    assert [t["id"] for t in centre] == [small["id"]]  # the hidden one is for links and codes only

    login = sms_login(client, merchant, "13812340001")
    me = Api(client, member_headers(login["token"]))
    mine = me.post(shop_path(merchant, f"coupons/{small['id']}/claim"), status=201)
    assert len(mine["code"]) == 12
    again = me.post(shop_path(merchant, f"coupons/{small['id']}/claim"), status=409)
    assert again["code"] == "marketing.coupon_limit_reached"
    me.post(shop_path(merchant, "coupons/claim-link"), {"token": big["claim_token"]}, status=201)
    assert len(me.get(shop_path(merchant, "my/coupons"))) == 2

    me.post(shop_path(merchant, "cart/lines"), {"sku_id": water.pk, "quantity": 7})  # ¥24.50
    preview = me.post(
        shop_path(merchant, "checkout/preview"), {"fulfilment": "pickup", "store_id": water_store(water)}
    )
    chosen = [c for c in preview["coupons"] if c["chosen"]]
    assert preview["coupons_suggested"] and [c["name"] for c in chosen] == ["满20减5"]
    assert preview["payable_fen"] == 2450 - 500
    order = me.post(
        shop_path(merchant, "orders"),
        {
            "fulfilment": "pickup",
            "store_id": water_store(water),
            "coupon_ids": [chosen[0]["id"]],
            "expected_payable_fen": 1950,
        },
        status=201,
    )
    assert order["payable_fen"] == 1950
    assert Coupon.objects.get(pk=chosen[0]["id"]).status == "locked"


def water_store(water) -> int:
    from newretail.tenancy.models import Store

    return Store.objects.filter(merchant_id=water.merchant_id).values_list("pk", flat=True).first()


def test_redeem_codes_work_once_and_guessing_is_rate_limited(client, merchant, owner, staff):
    template = staff.post("marketing/coupon-templates", cash_coupon(in_claim_centre=False), status=201)
    code = create_redeem_codes(actor=owner, template_id=template["id"], count=1)[0]
    me = Api(client, member_headers(sms_login(client, merchant, "13812340002")["token"]))
    first = me.post(shop_path(merchant, "coupons/redeem"), {"code": code.lower()}, status=201)  # lower case
    again = me.post(shop_path(merchant, "coupons/redeem"), {"code": code}, status=201)  # a retried request
    assert again["id"] == first["id"] and Coupon.objects.count() == 1
    other = Api(client, member_headers(sms_login(client, merchant, "13812340003")["token"]))
    assert other.post(shop_path(merchant, "coupons/redeem"), {"code": code}, status=400)["code"] == (
        "marketing.redeem_code_invalid"
    )
    for _attempt in range(8):
        me.post(shop_path(merchant, "coupons/redeem"), {"code": "WRONGWRONG22"}, status=400)
    assert me.post(shop_path(merchant, "coupons/redeem"), {"code": "WRONGWRONG23"}, status=429)["code"] == (
        "rate_limited"
    )


def test_bulk_issue_runs_as_a_job_and_reports(client, merchant, owner, staff, committed):
    from newretail.core.models import Job
    from newretail.members.testing import make_member

    members = [make_member(merchant) for _ in range(3)]
    template = staff.post("marketing/coupon-templates", cash_coupon(total_stock=2), status=201)
    with committed():
        answer = staff.post(
            f"marketing/coupon-templates/{template['id']}/issue",
            {"member_ids": [m.pk for m in members]},
            status=202,
        )
    job = Job.objects.get(pk=answer["job_id"])
    assert job.status == "succeeded" and (job.result["issued"], job.result["not_reached"]) == (2, 1)
    report = {row["template_id"]: row for row in staff.get("marketing/reports/coupons")}
    assert report[template["id"]]["issued"] == 2


def test_pos_looks_a_coupon_up_by_its_code(client, merchant, owner, staff):
    from newretail.marketing.actions.coupons import issue_coupons
    from newretail.marketing.models import CouponTemplate
    from newretail.members.testing import make_member

    template = CouponTemplate.objects.get(
        pk=staff.post("marketing/coupon-templates", cash_coupon(), status=201)["id"]
    )
    coupon = issue_coupons(template=template, member=make_member(merchant), source="bulk")[0]
    found = staff.get(f"marketing/coupons/by-code?code={coupon.code[:4]}-{coupon.code[4:]}")
    assert (found["id"], found["usable_now"]) == (coupon.pk, True)
    staff.get("marketing/coupons/by-code?code=NOPENOPE", status=404)


def test_the_till_takes_a_scanned_coupon_and_prices_like_the_mall(
    client, merchant, owner, store, staff, water
):
    """ERPNext's POS ignored coupons; ours scans the code and the same engine prices it."""
    from newretail.marketing.actions.coupons import issue_coupons
    from newretail.marketing.models import CouponTemplate
    from newretail.members.testing import make_member

    template = CouponTemplate.objects.get(
        pk=staff.post("marketing/coupon-templates", cash_coupon(), status=201)["id"]
    )
    member = make_member(merchant)
    coupon = issue_coupons(template=template, member=member, source="bulk")[0]
    order = staff.post(
        "orders",
        {
            "channel": "pos",
            "fulfilment": "in_store",
            "store_id": store.pk,
            "lines": [{"sku_id": water.pk, "quantity": 4}],
            "coupon_codes": [coupon.code.lower()],
        },
        status=201,
    )
    assert (order["payable_fen"], order["member_id"]) == (1400 - 200, member.pk)  # ¥14.00, 满10减2
    coupon.refresh_from_db()
    assert coupon.status in ("locked", "used") and coupon.order_id == order["id"]
