"""Payment gateways: the contract (``base``), the WeChat Pay and Alipay adapters, and
``build_gateway``, the one place that chooses a provider's API host: live, or the local sandbox
(``payments.sandbox``) when the merchant's account is in sandbox mode."""

from __future__ import annotations

from django.conf import settings

from newretail.payments.gateways.base import AlipayCredentials, Gateway, GatewayError, WeChatCredentials

WECHAT = "wechat"
ALIPAY = "alipay"
LIVE_BASE_URLS = {WECHAT: "https://api.mch.weixin.qq.com", ALIPAY: "https://openapi.alipay.com/gateway.do"}
# Where payments.sandbox is mounted (config/urls.py), below PUBLIC_BASE_URL.
SANDBOX_PATHS = {WECHAT: "/sandbox/wechatpay", ALIPAY: "/sandbox/alipay/gateway.do"}


def sandbox_base_url(provider: str) -> str:
    """The sandbox's API base URL for ``provider`` on this installation."""
    if provider not in SANDBOX_PATHS:
        raise ValueError(f"unknown payment provider {provider!r}")
    return settings.PUBLIC_BASE_URL + SANDBOX_PATHS[provider]


def build_gateway(
    provider: str, credentials: WeChatCredentials | AlipayCredentials, *, sandbox: bool
) -> Gateway:
    """A gateway for ``provider`` with ``credentials``, talking to the provider's live API, or to
    the local sandbox when ``sandbox`` is true. Raises ``GatewayError`` (code
    ``sandbox_disabled``) for a sandbox gateway while ``settings.PAYMENT_SANDBOX`` is off, and
    ``ValueError`` for an unknown provider or credentials of the other provider."""
    if provider not in LIVE_BASE_URLS:
        raise ValueError(f"unknown payment provider {provider!r}")
    if sandbox and not settings.PAYMENT_SANDBOX:
        raise GatewayError("the payment sandbox is turned off on this installation", code="sandbox_disabled")
    base_url = sandbox_base_url(provider) if sandbox else LIVE_BASE_URLS[provider]
    if provider == WECHAT:
        if not isinstance(credentials, WeChatCredentials):
            raise ValueError("WeChat Pay needs WeChatCredentials")
        from newretail.payments.gateways.wechat import WeChatPayGateway

        return WeChatPayGateway(credentials, base_url=base_url)
    if not isinstance(credentials, AlipayCredentials):
        raise ValueError("Alipay needs AlipayCredentials")
    from newretail.payments.gateways.alipay import AlipayGateway

    return AlipayGateway(credentials, base_url=base_url)
