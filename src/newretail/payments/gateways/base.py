"""The gateway contract: what the payment actions ask of a payment provider, and nothing more.

Two providers implement it over their official-style SDKs: ``wechat.WeChatPayGateway``
(wechatpayv3, plus the v2 ``micropay`` XML API that v3 does not cover) and
``alipay.AlipayGateway`` (python-alipay-sdk). Each is built from a ``WeChatCredentials`` or
``AlipayCredentials`` value and an API base URL. Live merchants use the providers' hosts; sandbox
merchants use the same adapters pointed at ``payments.sandbox``, a local fake of both providers
that checks request signatures, signs its answers and its notifications with its own platform
keys, and serves the shopper's pay page. So the code that verifies a real WeChat or Alipay
notification is the code every test and the demo run.

Amounts are integer fen; conversion to the providers' units (WeChat: fen, Alipay: "12.50" yuan)
happens inside the adapters. Adapters raise ``GatewayError`` for transport or provider refusals
they cannot map to a status, and ``InvalidNotification`` for a notification whose signature,
decryption or shape is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

# Tender kinds a gateway can charge (payments.models.Tender.Kind holds the full list).
WECHAT_JSAPI = "wechat_jsapi"  # in WeChat / mini-program: prepay_id + signed params for wx.requestPayment
WECHAT_NATIVE = "wechat_native"  # PC / console: a code_url shown as a QR the shopper scans
WECHAT_MICROPAY = "wechat_micropay"  # POS: the cashier scans the shopper's payment code (付款码)
ALIPAY_PAGE = "alipay_page"  # PC browser: redirect to the Alipay cashier page
ALIPAY_WAP = "alipay_wap"  # mobile browser: redirect to the Alipay H5 cashier
ALIPAY_MICROPAY = "alipay_micropay"  # POS: 当面付 bar code

WECHAT_KINDS = frozenset({WECHAT_JSAPI, WECHAT_NATIVE, WECHAT_MICROPAY})
ALIPAY_KINDS = frozenset({ALIPAY_PAGE, ALIPAY_WAP, ALIPAY_MICROPAY})
MICROPAY_KINDS = frozenset({WECHAT_MICROPAY, ALIPAY_MICROPAY})

# Statuses of a charge or a refund as a provider reports them.
PENDING = "pending"  # created, the shopper has not paid yet (or is entering a password)
SUCCEEDED = "succeeded"
FAILED = "failed"  # refused (balance, risk control, wrong code) or closed before payment


class GatewayError(Exception):
    """The provider could not be reached or refused in a way that is not a payment status
    (bad credentials, malformed request). ``code`` is the provider's code when it gave one."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class InvalidNotification(Exception):
    """A notification that must be rejected: bad or missing signature, undecryptable resource,
    unknown shape. The message says which (it is logged, never shown to the sender)."""


@dataclass(frozen=True)
class WeChatCredentials:
    """A WeChat Pay merchant (直连商户) on API v3, with the platform public key (微信支付公钥)
    used to verify answers and notifications, and the API v2 key for micropay."""

    mchid: str
    appid: str
    cert_serial_no: str  # serial of the merchant API certificate
    private_key_pem: str  # the merchant API private key (apiclient_key.pem)
    apiv3_key: str  # 32 bytes, decrypts notification resources
    platform_public_key_pem: str  # 微信支付公钥
    platform_public_key_id: str  # "PUB_KEY_ID_…"
    api_v2_key: str = ""  # 32 chars, signs v2 micropay requests (HMAC-SHA256)


@dataclass(frozen=True)
class AlipayCredentials:
    app_id: str
    app_private_key_pem: str
    alipay_public_key_pem: str


@dataclass(frozen=True)
class ChargeRequest:
    out_trade_no: str  # our reference of the tender, unique per merchant, [A-Za-z0-9_-]{6,32}
    amount_fen: int
    description: str  # shown to the shopper (goods description), at most 127 characters
    notify_url: str  # where the provider posts the payment notification
    return_url: str = ""  # Alipay page/wap: where the browser returns after paying
    client_ip: str = ""
    payer_openid: str = ""  # WeChat JSAPI: the shopper's openid for this appid
    auth_code: str = ""  # micropay: the payment code the cashier scanned
    expires_at: dt.datetime | None = None  # the provider closes the charge after this


@dataclass(frozen=True)
class ChargeStart:
    """What creating a charge gave. ``action`` tells the client what to do next:
    ``{"type": "redirect", "url": …}`` (Alipay page/wap),
    ``{"type": "qr", "code_url": …}`` (WeChat Native),
    ``{"type": "jsapi", "params": {appId, timeStamp, nonceStr, package, signType, paySign}}``,
    ``{"type": "none"}`` (micropay: already succeeded or failed),
    ``{"type": "poll"}`` (micropay: the shopper is confirming; query until it settles)."""

    status: str  # PENDING, SUCCEEDED or FAILED
    action: Mapping[str, Any]
    provider_trade_no: str = ""
    amount_fen: int | None = None  # what the provider says was charged, when it says
    failure_reason: str = ""


@dataclass(frozen=True)
class ChargeStatus:
    """A charge as the provider sees it, from a query or a notification."""

    out_trade_no: str
    status: str  # PENDING, SUCCEEDED or FAILED
    amount_fen: int | None  # the amount the provider charged (None when unpaid)
    provider_trade_no: str = ""
    paid_at: dt.datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    failure_reason: str = ""  # the provider's words when FAILED ("订单已关闭"), for people to read


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str  # the charge being refunded
    out_refund_no: str  # our reference of this refund, unique per merchant
    amount_fen: int
    charge_amount_fen: int  # the charge's whole amount (WeChat needs it)
    reason: str = ""
    notify_url: str = ""


@dataclass(frozen=True)
class RefundStatus:
    out_refund_no: str
    status: str  # PENDING, SUCCEEDED or FAILED
    provider_refund_no: str = ""
    amount_fen: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    failure_reason: str = ""  # the provider's words when FAILED ("退款金额超过订单可退金额")


@dataclass(frozen=True)
class Notification:
    """A verified notification: exactly one of ``charge`` and ``refund`` is set."""

    charge: ChargeStatus | None = None
    refund: RefundStatus | None = None


@dataclass(frozen=True)
class Acknowledgement:
    """The HTTP answer a provider expects to a notification (it retries until it gets success)."""

    status: int
    content_type: str
    body: bytes


class Gateway(Protocol):
    provider: str  # "wechat" or "alipay"

    def charge(self, kind: str, request: ChargeRequest) -> ChargeStart: ...

    def query(self, out_trade_no: str) -> ChargeStatus: ...

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid charge so that it can no longer be paid (order expired)."""

    def refund(self, request: RefundRequest) -> RefundStatus: ...

    def query_refund(self, out_refund_no: str, *, out_trade_no: str) -> RefundStatus: ...

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify and decode a notification. ``headers`` are the HTTP headers with their usual
        names (``Wechatpay-Signature``…); Alipay's body is the form-encoded POST."""

    def acknowledge(self, ok: bool) -> Acknowledgement: ...
