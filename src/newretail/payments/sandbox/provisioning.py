"""Opening a merchant account at the sandbox, the way a merchant opens one at WeChat Pay or
Alipay: fresh keys on both sides, the provider keeps its half."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from newretail.payments.gateways.base import AlipayCredentials, GatewayError, WeChatCredentials
from newretail.payments.sandbox import crypto
from newretail.payments.sandbox.models import SandboxMerchant


def provision_sandbox_credentials(
    provider: str, *, display_name: str = ""
) -> WeChatCredentials | AlipayCredentials:
    """Create a sandbox merchant for ``provider`` ("wechat" or "alipay") and return the
    merchant's side of its credentials.

    Guarantees: two fresh RSA-2048 key pairs (the merchant's and the platform's); random
    identifiers in the providers' shapes (WeChat: 10-digit mchid, "wx…" appid, 40-hex API
    certificate serial, "PUB_KEY_ID_…" platform key id, 32-character APIv3 and v2 keys;
    Alipay: 16-digit app_id "2021…"). The sandbox stores only what the provider holds: the
    merchant's public key, its own private key, the shared keys. The caller stores the returned
    value (it holds the merchant's private key) encrypted; it is not kept anywhere else.
    Raises ``GatewayError`` (``sandbox_disabled``) when ``settings.PAYMENT_SANDBOX`` is off."""
    if not settings.PAYMENT_SANDBOX:
        raise GatewayError("the payment sandbox is turned off on this installation", code="sandbox_disabled")
    if provider not in SandboxMerchant.Provider.values:
        raise ValueError(f"unknown payment provider {provider!r}")
    merchant_key = crypto.new_rsa_key()
    platform_key = crypto.new_rsa_key()
    with transaction.atomic():
        if provider == SandboxMerchant.Provider.WECHAT:
            return _wechat(merchant_key, platform_key, display_name)
        return _alipay(merchant_key, platform_key, display_name)


def _unused_account_id(prefix: str, digits: int) -> str:
    while True:
        candidate = prefix + crypto.random_digits(digits - len(prefix))
        if not SandboxMerchant.objects.filter(account_id=candidate).exists():
            return candidate


def _wechat(merchant_key, platform_key, display_name: str) -> WeChatCredentials:
    mchid = _unused_account_id("16", 10)
    sandbox = SandboxMerchant.objects.create(
        provider=SandboxMerchant.Provider.WECHAT,
        account_id=mchid,
        appid="wx" + crypto.random_string(16, "0123456789abcdef"),
        display_name=display_name or f"沙箱商户{mchid[-4:]}",
        merchant_public_key_pem=crypto.public_key_pem(merchant_key),
        merchant_cert_serial_no=crypto.random_string(40, "0123456789ABCDEF"),
        platform_private_key_pem=crypto.private_key_pem(platform_key),
        platform_public_key_id=f"PUB_KEY_ID_01{mchid}{crypto.random_digits(14)}",
        apiv3_key=crypto.random_string(32),
        api_v2_key=crypto.random_string(32),
    )
    return WeChatCredentials(
        mchid=sandbox.account_id,
        appid=sandbox.appid,
        cert_serial_no=sandbox.merchant_cert_serial_no,
        private_key_pem=crypto.private_key_pem(merchant_key),
        apiv3_key=sandbox.apiv3_key,
        platform_public_key_pem=crypto.public_key_pem(platform_key),
        platform_public_key_id=sandbox.platform_public_key_id,
        api_v2_key=sandbox.api_v2_key,
    )


def _alipay(merchant_key, platform_key, display_name: str) -> AlipayCredentials:
    app_id = _unused_account_id("2021", 16)
    sandbox = SandboxMerchant.objects.create(
        provider=SandboxMerchant.Provider.ALIPAY,
        account_id=app_id,
        seller_id="2088" + crypto.random_digits(12),
        display_name=display_name or f"沙箱商户{app_id[-4:]}",
        merchant_public_key_pem=crypto.public_key_pem(merchant_key),
        platform_private_key_pem=crypto.private_key_pem(platform_key),
    )
    return AlipayCredentials(
        app_id=sandbox.account_id,
        app_private_key_pem=crypto.private_key_pem(merchant_key),
        alipay_public_key_pem=crypto.public_key_pem(platform_key),
    )
