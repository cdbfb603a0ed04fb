"""Members' part of the tenant isolation test (tests/test_isolation.py).

Member routes (/api/v1/shop/{merchant_slug}/… with a member bearer token) are walked apart from
the staff routes: a member token opens only its own merchant's slug (401 elsewhere) and only its
own member's ids (404 for another merchant's address). ``build`` gives each world a member with an
address and a token; the tables map route parameters to world keys and give write routes a valid
body."""

from __future__ import annotations

from types import SimpleNamespace

from newretail.members.actions.addresses import add_address
from newretail.members.models import CardPlan, MemberLevel, PointsMallItem, RechargePlan
from newretail.members.testing import make_member, member_bearer


def build(owner, world: dict) -> dict:
    member = make_member(owner.merchant_id, "13800138000", name="隔离会员")
    address = add_address(
        member=member,
        recipient="隔离",
        phone="13800138000",
        province="北京市",
        city="北京市",
        detail="隔离路1号",
    )
    return {
        "points_item": PointsMallItem.objects.create(merchant_id=owner.merchant_id, kind="bonus", name="隔离", points=10, bonus_fen=100),
        "card_plan": CardPlan.objects.create(merchant_id=owner.merchant_id, name="隔离卡", price_fen=100),
        "member_level": MemberLevel.objects.create(merchant_id=owner.merchant_id, name="隔离卡", rank=9),
        "recharge_plan": RechargePlan.objects.create(
            merchant_id=owner.merchant_id, pay_fen=10000, bonus_fen=1000
        ),
        "member": member,
        "member_address": address,
        "member_headers": member_bearer(member),
        "merchant_slug": SimpleNamespace(pk=owner.merchant.slug),
    }


# member route path parameter -> world key (merchant_slug is filled from the world too)
MEMBER_PARAMS: dict[str, str] = {"merchant_slug": "merchant_slug", "address_id": "member_address"}

MEMBER_BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/api/v1/shop/{merchant_slug}/addresses"): {
        "recipient": "隔离",
        "phone": "13800138000",
        "province": "北京市",
        "city": "北京市",
        "detail": "隔离路2号",
    },
    ("PATCH", "/api/v1/shop/{merchant_slug}/addresses/{address_id}"): {"recipient": "改名"},
    ("POST", "/api/v1/shop/{merchant_slug}/addresses/{address_id}/default"): {},
    ("POST", "/api/v1/shop/{merchant_slug}/auth/logout"): {},
    ("POST", "/api/v1/shop/{merchant_slug}/my/points/sign-in"): {},
    ("POST", "/api/v1/shop/{merchant_slug}/my/wallet/recharge"): {"amount_fen": 1000},
    ("POST", "/api/v1/shop/{merchant_slug}/my/cards"): {"plan_id": 1},
    ("POST", "/api/v1/shop/{merchant_slug}/points-mall/exchange"): {"item_id": 1},
}

# console URL name -> world key
CONSOLE_OBJECTS: dict[str, str] = {
    "member_detail": "member",
    "member_note": "member",
    "member_points_adjust": "member",
    "member_wallet_adjust": "member",
    "member_recharge": "member",
    "member_withdraw": "member",
    "member_merge": "member",
    "recharge_plan_edit": "recharge_plan",
    "level_edit": "member_level",
    "card_plan_edit": "card_plan",
    "points_mall_item_edit": "points_item",
}


# staff API path parameter -> world key
API_PARAMS: dict[str, str] = {"member_id": "member", "plan_id": "recharge_plan"}

API_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/members"): {"phone": "13800138001"},
    ("POST", "/api/v1/members/resolve-code"): {"code": "660000000001123456"},
    ("POST", "/api/v1/members/{member_id}/points/adjust"): {"points": 10, "reason": "隔离"},
    ("POST", "/api/v1/members/{member_id}/growth/adjust"): {"growth": 10, "reason": "隔离"},
    ("POST", "/api/v1/members/{member_id}/wallet/adjust"): {"bonus_fen": 100, "reason": "隔离"},
    ("POST", "/api/v1/members/{member_id}/wallet/recharge"): {"store_id": 1, "amount_fen": 1000},
    ("POST", "/api/v1/members/{member_id}/wallet/withdraw"): {"amount_fen": 100},
    ("POST", "/api/v1/recharge-plans"): {"pay_fen": 5000, "bonus_fen": 500},
    ("PUT", "/api/v1/recharge-plans/{plan_id}"): {"pay_fen": 5000, "bonus_fen": 600},
}
