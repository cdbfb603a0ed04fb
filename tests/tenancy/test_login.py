import pytest
from django.urls import reverse

from newretail.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_logout_and_redirect_to_console(client, owner):
    response = client.post(reverse("console:login"), {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("console:home")
    assert client.get(reverse("console:home")).status_code == 200
    client.post(reverse("console:logout"))
    assert client.get(reverse("console:home")).status_code == 302


def test_login_is_rate_limited_per_username_and_ip(client, owner, settings):
    settings.LOGIN_RATE_LIMIT = 3
    for _ in range(3):
        response = client.post(reverse("console:login"), {"username": owner.username, "password": "wrong"})
        assert response.status_code == 200 and "用户名或密码错误" in response.content.decode()
    # Even the right password is refused while the limit holds.
    response = client.post(reverse("console:login"), {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 429


def test_login_refuses_offsite_next(client, owner):
    response = client.post(
        reverse("console:login") + "?next=https://evil.example/",
        {"username": owner.username, "password": PASSWORD},
    )
    assert response.url == reverse("console:home")


def test_console_post_without_csrf_token_is_refused(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("console:store_create"), {"code": "X", "name": "x", "address": "x"})
    assert response.status_code == 403


def test_api_requires_authentication(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_api_token_identifies_staff(client, owner, owner_headers):
    response = client.get("/api/v1/me", **owner_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "owner" and body["merchant_id"] == owner.merchant_id and body["store_ids"] is None
