"""The console's payment pages: provider accounts (sandbox, live credentials, enabled) for
merchant.manage only, secrets never shown back; the notification log for system.manage."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newretail.core.testing import make_staff
from newretail.payments import secrets as sealed
from newretail.payments.actions.notifications import handle_notification
from newretail.payments.models import PaymentAccount, PaymentNotification
from newretail.payments.sandbox import crypto
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db

SETTINGS = "console:payment_settings"


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture(scope="module")
def keys():
    merchant, platform = crypto.new_rsa_key(), crypto.new_rsa_key()
    return {
        "private_key_pem": crypto.private_key_pem(merchant),
        "platform_public_key_pem": crypto.public_key_pem(platform),
    }


def wechat_form(keys, **overrides) -> dict:
    data = {
        "wechat-app_id": "wx1234567890abcdef",
        "wechat-mch_id": "1900000109",
        "wechat-cert_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "wechat-platform_public_key_id": "PUB_KEY_ID_0114232134912410000000000000",
        "wechat-private_key_pem": keys["private_key_pem"],
        "wechat-apiv3_key": "a" * 32,
        "wechat-platform_public_key_pem": keys["platform_public_key_pem"],
        "wechat-api_v2_key": "",
    }
    data.update(overrides)
    return data


def secret_texts(account: PaymentAccount) -> list[str]:
    return [value for value in sealed.unseal(account.secrets).values() if value]


def assert_no_secret(body: str, secrets: list[str]) -> None:
    assert "PRIVATE KEY" not in body and "PUBLIC KEY-----" not in body
    for value in secrets:
        for piece in value.splitlines():
            if len(piece) > 20:
                assert piece not in body


def test_only_merchant_managers_see_the_settings(client, owner, store):
    for role, code in ((Role.HQ_ADMIN, 403), (Role.STORE_MANAGER, 403), (Role.CASHIER, 403)):
        stores = [store] if role in (Role.STORE_MANAGER, Role.CASHIER) else []
        client.force_login(make_staff(owner, role, stores=stores))
        assert client.get(reverse(SETTINGS)).status_code == code
        assert client.post(reverse("console:payment_sandbox", args=["wechat"])).status_code == code
        assert "支付设置" not in client.get(reverse("console:home")).content.decode()
    assert not PaymentAccount.objects.exists()
    client.force_login(owner)
    body = client.get(reverse(SETTINGS)).content.decode()
    assert "微信支付" in body and "支付宝" in body and "未设置" in body
    assert "支付设置" in client.get(reverse("console:home")).content.decode()


def test_sandbox_then_disable_and_enable(owner_client, owner):
    response = owner_client.post(reverse("console:payment_sandbox", args=["alipay"]), follow=True)
    account = PaymentAccount.objects.get(merchant=owner.merchant, provider="alipay")
    assert account.mode == "sandbox" and account.is_enabled
    body = response.content.decode()
    assert "沙箱" in body and "已向顾客开放" in body and account.app_id in body and "已设置" in body
    assert_no_secret(body, secret_texts(account))

    owner_client.post(reverse("console:payment_enabled", args=["alipay"]), {"enabled": "0"})
    account.refresh_from_db()
    assert not account.is_enabled
    assert "已停用" in owner_client.get(reverse(SETTINGS)).content.decode()
    owner_client.post(reverse("console:payment_enabled", args=["alipay"]), {"enabled": "1"})
    account.refresh_from_db()
    assert account.is_enabled
    # No WeChat account yet: turning it on is refused with a message, never a 404 or 500.
    follow = owner_client.post(
        reverse("console:payment_enabled", args=["wechat"]), {"enabled": "1"}, follow=True
    )
    assert "请先设置账户" in follow.content.decode()
    assert owner_client.post(reverse("console:payment_sandbox", args=["paypal"])).status_code == 404
    assert owner_client.get(reverse("console:payment_sandbox", args=["alipay"])).status_code == 405


def test_live_credentials_are_saved_and_never_shown(owner_client, owner, keys):
    url = reverse("console:payment_live", args=["wechat"])
    # A bad key is refused on its field; the submitted secrets are not echoed back.
    bad = owner_client.post(
        url, wechat_form(keys, **{"wechat-private_key_pem": "not a key", "wechat-apiv3_key": "b" * 32})
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "未填写或无效" in body and "not a key" not in body and "b" * 32 not in body
    assert_no_secret(body, list(keys.values()))
    assert not PaymentAccount.objects.exists()

    response = owner_client.post(url, wechat_form(keys))
    assert response.status_code == 302
    account = PaymentAccount.objects.get(provider="wechat")
    assert account.mode == "live" and account.mch_id == "1900000109"
    page = owner_client.get(reverse(SETTINGS)).content.decode()
    assert "正式" in page and "1900000109" in page and "留空则保留" in page
    assert_no_secret(page, secret_texts(account))
    assert "a" * 32 not in page

    # Blank secrets keep the stored ones; a new public value is saved.
    keep = {key: "" for key in wechat_form(keys) if key.endswith(("_pem", "_key"))}
    response = owner_client.post(url, wechat_form(keys, **keep, **{"wechat-mch_id": "1900000110"}))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.mch_id == "1900000110"
    assert sealed.unseal(account.secrets)["private_key_pem"] == keys["private_key_pem"].strip()
    # Missing public fields are form errors, nothing changes.
    missing = owner_client.post(url, wechat_form(keys, **{"wechat-app_id": ""}))
    assert missing.status_code == 400
    account.refresh_from_db()
    assert account.app_id == "wx1234567890abcdef"


def test_notification_log_for_system_managers(client, owner, store):
    account_page = client
    account_page.force_login(owner)
    account_page.post(reverse("console:payment_sandbox", args=["wechat"]))
    account = PaymentAccount.objects.get(provider="wechat")
    handle_notification(provider="wechat", account_id=account.pk, headers={}, body=b'{"forged": true}')
    assert PaymentNotification.objects.filter(outcome="bad_signature").count() == 1
    url = reverse("console:payment_notification_list")
    body = client.get(url).content.decode()
    assert 'data-outcome="bad_signature"' in body and "拒收：签名错误" in body and "微信支付" in body
    assert 'data-outcome="bad_signature"' in client.get(url + "?outcome=rejected").content.decode()
    assert 'data-outcome="bad_signature"' not in client.get(url + "?outcome=accepted").content.decode()
    assert client.get(url + "?outcome=nonsense").status_code == 200
    client.force_login(make_staff(owner, Role.STORE_MANAGER, stores=[store]))
    assert client.get(url).status_code == 403
    client.force_login(make_staff(owner, Role.HQ_ADMIN))
    assert client.get(url).status_code == 200


def test_another_merchants_notifications_are_not_listed(client, owner, other_owner):
    client.force_login(other_owner)
    client.post(reverse("console:payment_sandbox", args=["wechat"]))
    theirs = PaymentAccount.objects.get(merchant=other_owner.merchant)
    handle_notification(provider="wechat", account_id=theirs.pk, headers={}, body=b"x")
    client.force_login(owner)
    body = client.get(reverse("console:payment_notification_list")).content.decode()
    assert "data-outcome=" not in body
