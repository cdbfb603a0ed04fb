"""The shopper member API through the Django test client: login, profile, address book, error
bodies, and the cross-merchant 401/404."""

from __future__ import annotations

import pytest
from django.test import override_settings

from newretail.core.testing import bearer
from newretail.members.models import Member, MemberAddress, MemberToken
from newretail.members.phones import normalise_mobile
from newretail.members.testing import make_member, member_bearer

from .conftest import PHONE, last_code, wrong

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

ADDRESS = {
    "recipient": "张三",
    "phone": "138 1234 5678",
    "province": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "detail": "世纪大道 1 号",
    "latitude": "31.2304",
    "longitude": "121.4737",
}


@pytest.fixture
def shop(merchant):
    return f"/api/v1/shop/{merchant.slug}"


def post(client, url, data=None, **headers):
    return client.post(url, data=data or {}, content_type="application/json", **headers)


def login(client, shop, phone=PHONE) -> dict:
    assert post(client, f"{shop}/auth/code", {"phone": phone}).status_code == 204
    response = post(
        client, f"{shop}/auth/login", {"phone": phone, "code": last_code(normalise_mobile(phone))}
    )
    assert response.status_code == 200, response.content
    return response.json()


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_login_me_logout(client, shop):
    body = login(client, shop, phone="+86 138-1234-5678")
    assert body["token"].startswith("nrm_") and body["expires_at"]
    member = Member.objects.get()
    assert body["member"] == {"id": member.pk, "phone": PHONE, "name": ""}
    me = client.get(f"{shop}/me", **auth(body["token"]))
    assert me.status_code == 200 and me.json()["phone"] == PHONE and me.json()["last_login_at"]
    assert post(client, f"{shop}/auth/logout", **auth(body["token"])).status_code == 204
    gone = client.get(f"{shop}/me", **auth(body["token"]))
    assert gone.status_code == 401 and gone.json()["code"] == "unauthenticated"


def test_error_bodies(client, shop):
    bad_phone = post(client, f"{shop}/auth/code", {"phone": "123"})
    assert bad_phone.status_code == 400
    assert bad_phone.json() == {
        "code": "members.invalid_phone",
        "message": "请输入正确的11位中国大陆手机号。",
    }
    assert post(client, f"{shop}/auth/code", {"phone": PHONE}).status_code == 204
    too_soon = post(client, f"{shop}/auth/code", {"phone": PHONE})
    assert too_soon.status_code == 429 and too_soon.json()["code"] == "members.code_too_soon"
    wrong_code = post(client, f"{shop}/auth/login", {"phone": PHONE, "code": wrong(last_code())})
    assert wrong_code.status_code == 400 and wrong_code.json()["code"] == "members.code_invalid"
    missing = post(client, f"{shop}/auth/login", {"phone": PHONE})
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_input"
    english = post(client, f"{shop}/auth/code", {"phone": "123"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "Enter a valid 11-digit mainland China mobile number."


def test_unknown_or_inactive_merchant_is_not_found(client, merchant):
    assert post(client, "/api/v1/shop/no-such-shop/auth/code", {"phone": PHONE}).status_code == 404
    merchant.is_active = False
    merchant.save()
    assert post(client, f"/api/v1/shop/{merchant.slug}/auth/code", {"phone": PHONE}).status_code == 404


@override_settings(SMS_BACKEND="tests.members.test_login.FailingBackend")
def test_a_provider_failure_is_503(client, shop):
    response = post(client, f"{shop}/auth/code", {"phone": PHONE})
    assert response.status_code == 503 and response.json()["code"] == "members.sms_failed"


def test_rate_limits_use_remote_addr_not_forwarded_headers(client, shop):
    for i in range(20):
        post(client, f"{shop}/auth/code", {"phone": f"1390000{i:04d}"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    refused = post(client, f"{shop}/auth/code", {"phone": "13900009999"}, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert refused.status_code == 429 and refused.json()["code"] == "members.code_ip_limit"
    elsewhere = post(client, f"{shop}/auth/code", {"phone": "13900009999"}, REMOTE_ADDR="198.51.100.1")
    assert elsewhere.status_code == 204


def test_address_book_round_trip(client, shop, merchant):
    member = make_member(merchant, PHONE)
    headers = member_bearer(member)
    created = post(client, f"{shop}/addresses", ADDRESS, **headers)
    assert created.status_code == 201, created.content
    home = created.json()
    assert home["is_default"] and home["phone"] == PHONE and home["latitude"] == "31.230400"
    office = post(
        client, f"{shop}/addresses", {**ADDRESS, "detail": "陆家嘴 8 号", "phone": "021-61234567"}, **headers
    )
    assert office.status_code == 201 and not office.json()["is_default"]
    office_id = office.json()["id"]

    listed = client.get(f"{shop}/addresses", **headers).json()
    assert [a["id"] for a in listed] == [home["id"], office_id]

    patched = client.patch(
        f"{shop}/addresses/{office_id}", {"recipient": "李四"}, content_type="application/json", **headers
    )
    assert patched.status_code == 200 and patched.json()["recipient"] == "李四"
    assert patched.json()["detail"] == "陆家嘴 8 号"

    made_default = post(client, f"{shop}/addresses/{office_id}/default", **headers)
    assert made_default.status_code == 200 and made_default.json()["is_default"]
    assert [a["id"] for a in client.get(f"{shop}/addresses", **headers).json()][0] == office_id

    assert client.delete(f"{shop}/addresses/{office_id}", **headers).status_code == 204
    assert [a["is_default"] for a in client.get(f"{shop}/addresses", **headers).json()] == [True]


def test_address_errors(client, shop, merchant):
    headers = member_bearer(make_member(merchant, PHONE))
    empty = post(client, f"{shop}/addresses", {**ADDRESS, "recipient": ""}, **headers)
    assert empty.status_code == 400
    assert empty.json() == {"code": "members.address_field_required", "message": "请填写收货人。"}
    out_of_range = post(client, f"{shop}/addresses", {**ADDRESS, "latitude": "95"}, **headers)
    assert out_of_range.status_code == 422
    half = post(client, f"{shop}/addresses", {**ADDRESS, "longitude": None}, **headers)
    assert half.status_code == 400 and half.json()["code"] == "members.address_location_invalid"
    missing = client.patch(f"{shop}/addresses/999999", {}, content_type="application/json", **headers)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert not MemberAddress.objects.exists()


def test_tokens_only_open_their_own_mall(client, merchant, other_owner):
    mine = f"/api/v1/shop/{merchant.slug}"
    theirs = f"/api/v1/shop/{other_owner.merchant.slug}"
    member = make_member(merchant, PHONE)
    headers = member_bearer(member)
    post(client, f"{mine}/addresses", ADDRESS, **headers)
    for response in (
        client.get(f"{theirs}/me", **headers),
        client.get(f"{theirs}/addresses", **headers),
        post(client, f"{theirs}/addresses", ADDRESS, **headers),
        post(client, f"{theirs}/auth/logout", **headers),
    ):
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert client.get(f"{mine}/me", **headers).status_code == 200  # logout on their slug did nothing
    assert MemberToken.objects.filter(revoked_at__isnull=False).count() == 0


def test_staff_tokens_are_not_member_tokens(client, shop, merchant, owner):
    staff = bearer(owner)
    assert client.get(f"{shop}/me", **staff).status_code == 401
    member_headers = member_bearer(make_member(merchant, PHONE))
    assert client.get("/api/v1/me", **member_headers).status_code == 401
    assert client.get(f"{shop}/me").status_code == 401
    assert client.get(f"{shop}/me", HTTP_AUTHORIZATION="Bearer nrm_forged").status_code == 401


def test_openapi_documents_member_routes(client):
    schema = client.get("/api/v1/openapi.json").json()
    login_op = schema["paths"]["/api/v1/shop/{merchant_slug}/auth/login"]["post"]
    assert {"200", "400", "401", "404", "422", "429"} <= set(login_op["responses"])
    assert "security" not in login_op
    code_op = schema["paths"]["/api/v1/shop/{merchant_slug}/auth/code"]["post"]
    assert {"204", "429", "503"} <= set(code_op["responses"])
    address_op = schema["paths"]["/api/v1/shop/{merchant_slug}/addresses/{address_id}"]["patch"]
    assert address_op["security"] == [{"MemberBearer": []}]
    assert {"200", "401", "404", "422"} <= set(address_op["responses"])
