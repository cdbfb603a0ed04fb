"""The staff members API: register by phone at the till (once), find by phone or last 4 digits,
resolve the member code, recharge at a store and take cash, adjust by role, withdraw, plans and
the liability report."""

from __future__ import annotations

import pytest

from newretail.core.testing import make_staff
from newretail.members.actions.member_code import current_member_code
from newretail.members.models import Member
from newretail.tenancy.roles import Role
from tests.orders.conftest import Api, _bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, owner):
    return Api(client, _bearer(owner))


def test_till_signs_up_finds_and_resolves_a_member(staff, store, merchant):
    created = staff.post("/api/v1/members", {"phone": "+86 138-0013-8888", "store_id": store.pk}, status=201)
    again = staff.post("/api/v1/members", {"phone": "13800138888"}, status=200)
    assert (
        created["id"] == again["id"]
        and created["source"] == "pos"
        and created["registered_store_id"] == store.pk
    )
    assert [m["id"] for m in staff.get("/api/v1/members?q=8888")["items"]] == [created["id"]]
    code = current_member_code(Member.objects.get(pk=created["id"])).code
    assert staff.post("/api/v1/members/resolve-code", {"code": code})["id"] == created["id"]
    assert (
        staff.post("/api/v1/members/resolve-code", {"code": code}, status=409)["code"]
        == "members.member_code_used"
    )


def test_recharge_cash_withdraw_and_liability(staff, store, merchant):
    plan = staff.post(
        "/api/v1/recharge-plans", {"name": "充100送20", "pay_fen": 10000, "bonus_fen": 2000}, status=201
    )
    member = staff.post("/api/v1/members", {"phone": "13800139999", "store_id": store.pk}, status=201)
    order = staff.post(
        f"/api/v1/members/{member['id']}/wallet/recharge",
        {"store_id": store.pk, "plan_id": plan["id"]},
        status=201,
    )
    staff.post(f"/api/v1/orders/{order['order_id']}/payments", {"kind": "cash"})
    after = staff.get(f"/api/v1/members/{member['id']}")
    assert (after["wallet_principal_fen"], after["wallet_bonus_fen"]) == (10000, 2000)
    out = staff.post(
        f"/api/v1/members/{member['id']}/wallet/withdraw", {"amount_fen": 2500, "reason": "部分退"}
    )
    assert out["refunds"][0]["amount_fen"] == 2500 and out["member"]["wallet_bonus_fen"] == 1500
    liability = staff.get("/api/v1/stored-value/liability")
    assert (liability["principal_fen"], liability["bonus_fen"]) == (7500, 1500)
    assert staff.get(f"/api/v1/members/{member['id']}/wallet")["withdrawable_fen"] == 7500


def test_a_cashier_may_recharge_but_not_adjust(client, owner, store, merchant):
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    api = Api(client, _bearer(cashier))
    member = api.post("/api/v1/members", {"phone": "13800137777", "store_id": store.pk}, status=201)
    assert member["phone"] == "13800137777"  # cashiers may see members (members.view)
    error = api.post(
        f"/api/v1/members/{member['id']}/points/adjust", {"points": 100, "reason": "x"}, status=403
    )
    assert error["code"] == "permission_denied"
    api.post(
        f"/api/v1/members/{member['id']}/wallet/recharge",
        {"store_id": store.pk, "amount_fen": 1000},
        status=400,
    )
