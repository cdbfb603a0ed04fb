"""WeChat Pay's words and signatures as the sandbox speaks them: API v3 resources, signed answers
(Wechatpay-* headers), the ``Authorization`` header it checks, encrypted notifications, and the
v2 XML of payment codes."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any

from django.http import HttpResponse

from newretail.core import clock
from newretail.payments.gateways.base import WECHAT_JSAPI, WECHAT_MICROPAY, WECHAT_NATIVE
from newretail.payments.gateways.wechat import SIGNATURE_TYPE, v2_sign, v2_xml
from newretail.payments.sandbox import crypto
from newretail.payments.sandbox.models import SandboxMerchant, SandboxRefund, SandboxTrade

# WeChat refuses a request signed more than five minutes away from its clock.
MAX_REQUEST_SKEW = dt.timedelta(minutes=5)
TRADE_TYPES = {WECHAT_JSAPI: "JSAPI", WECHAT_NATIVE: "NATIVE", WECHAT_MICROPAY: "MICROPAY"}
REFUND_STATES: dict[str, str] = {
    SandboxRefund.Status.PROCESSING: "PROCESSING",
    SandboxRefund.Status.SUCCEEDED: "SUCCESS",
    SandboxRefund.Status.FAILED: "ABNORMAL",
}
AUTHORIZATION_FIELDS = ("mchid", "nonce_str", "signature", "timestamp", "serial_no")
_FIELD = re.compile(r'(\w+)="([^"]*)"')
# 付款码: 18 digits beginning with 10–15.
AUTH_CODE = re.compile(r"^1[0-5]\d{16}$")


def beijing(moment: dt.datetime) -> str:
    """RFC 3339 in Beijing time, as WeChat writes times ("2026-11-23T10:34:56+08:00")."""
    return moment.astimezone(clock.DEFAULT_ZONE).isoformat(timespec="seconds")


def compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


# --- requests -------------------------------------------------------------------------------


def parse_authorization(value: str) -> dict[str, str] | None:
    """The fields of ``WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",…`` or None."""
    scheme, _, rest = value.partition(" ")
    if scheme != SIGNATURE_TYPE:
        return None
    fields = dict(_FIELD.findall(rest))
    return fields if all(fields.get(name) for name in AUTHORIZATION_FIELDS) else None


def request_message(method: str, url: str, timestamp: str, nonce: str, body: str) -> str:
    """What a merchant signs: METHOD\\nURL (path and query)\\ntimestamp\\nnonce\\nbody\\n."""
    return f"{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n"


def request_is_fresh(timestamp: str) -> bool:
    try:
        sent_at = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return False
    return abs(clock.now() - sent_at) <= MAX_REQUEST_SKEW


# --- answers --------------------------------------------------------------------------------


def signed_headers(merchant: SandboxMerchant, body: str) -> dict[str, str]:
    """Wechatpay-* headers signing ``body`` with the platform key; Serial is its public key id,
    so wechatpayv3 in 微信支付公钥 mode verifies them without fetching certificates."""
    timestamp = str(int(clock.now().timestamp()))
    nonce = secrets.token_hex(16)
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": crypto.rsa_sign(
            merchant.platform_private_key_pem, f"{timestamp}\n{nonce}\n{body}\n"
        ),
        "Wechatpay-Serial": merchant.platform_public_key_id,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


def answer(
    merchant: SandboxMerchant | None, status: int, payload: dict[str, Any] | None = None
) -> HttpResponse:
    """A v3 answer; signed whenever the merchant is known (WeChat signs errors too)."""
    body = "" if payload is None else compact(payload)
    response = HttpResponse(body.encode(), status=status)
    if payload is not None:
        response["Content-Type"] = "application/json; charset=utf-8"
    response["Request-ID"] = secrets.token_hex(16)
    if merchant is not None:
        for name, value in signed_headers(merchant, body).items():
            response[name] = value
    return response


def error(merchant: SandboxMerchant | None, status: int, code: str, message: str) -> HttpResponse:
    return answer(merchant, status, {"code": code, "message": message})


# --- resources ------------------------------------------------------------------------------


def trade_state(trade: SandboxTrade) -> tuple[str, str]:
    """(trade_state, trade_state_desc) of a trade, in WeChat's words."""
    if trade.status == SandboxTrade.Status.PAID:
        return ("REFUND", "订单发生过退款") if trade.refunded_fen else ("SUCCESS", "支付成功")
    states: dict[str, tuple[str, str]] = {
        SandboxTrade.Status.UNPAID: ("NOTPAY", "订单未支付"),
        SandboxTrade.Status.PAYING: ("USERPAYING", "需要用户输入支付密码"),
        SandboxTrade.Status.CLOSED: ("CLOSED", "订单已关闭"),
        SandboxTrade.Status.FAILED: ("PAYERROR", trade.failure_message or "支付失败"),
    }
    return states[trade.status]


def trade_resource(trade: SandboxTrade) -> dict[str, Any]:
    """The v3 transaction object (query answer, TRANSACTION.SUCCESS resource)."""
    merchant = trade.merchant
    state, description = trade_state(trade)
    resource: dict[str, Any] = {
        "appid": merchant.appid,
        "mchid": merchant.account_id,
        "out_trade_no": trade.out_trade_no,
        "trade_type": TRADE_TYPES.get(trade.kind, "NATIVE"),
        "trade_state": state,
        "trade_state_desc": description,
        "attach": "",
        "amount": {"total": trade.amount_fen, "currency": "CNY"},
    }
    if trade.status == SandboxTrade.Status.PAID and trade.paid_at:
        resource.update(
            transaction_id=trade.provider_trade_no,
            bank_type="OTHERS",
            success_time=beijing(trade.paid_at),
            payer={"openid": trade.payer_id},
            amount={
                "total": trade.amount_fen,
                "payer_total": trade.amount_fen,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        )
    return resource


def refund_resource(refund: SandboxRefund) -> dict[str, Any]:
    """The v3 refund object (refund answers and queries)."""
    trade = refund.trade
    resource: dict[str, Any] = {
        "refund_id": refund.provider_refund_no,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": trade.provider_trade_no,
        "out_trade_no": trade.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": beijing(refund.created_at),
        "status": REFUND_STATES[refund.status],
        "funds_account": "AVAILABLE",
        "amount": _refund_amount(refund)
        | {
            "settlement_total": trade.amount_fen,
            "settlement_refund": refund.amount_fen,
            "discount_refund": 0,
            "currency": "CNY",
            "refund_fee": 0,
        },
        "promotion_detail": [],
    }
    if refund.succeeded_at:
        resource["success_time"] = beijing(refund.succeeded_at)
    return resource


def _refund_amount(refund: SandboxRefund) -> dict[str, int]:
    total = refund.trade.amount_fen
    return {
        "total": total,
        "refund": refund.amount_fen,
        "payer_total": total,
        "payer_refund": refund.amount_fen,
    }


# --- notifications --------------------------------------------------------------------------


def _notification(
    merchant: SandboxMerchant, *, event_type: str, summary: str, original_type: str, resource: dict[str, Any]
) -> tuple[str, dict[str, str], str]:
    """(event, headers, body) of a v3 notification: the resource AES-256-GCM encrypted with the
    APIv3 key (associated_data = original_type), the JSON signed with the platform key."""
    nonce = crypto.random_string(12)
    now = clock.now()
    body = compact(
        {
            "id": f"EV-{now.astimezone(clock.DEFAULT_ZONE):%Y%m%d%H%M%S}{crypto.random_digits(7)}",
            "create_time": beijing(now),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": crypto.aes_gcm_encrypt(
                    merchant.apiv3_key, nonce, compact(resource), original_type
                ),
                "associated_data": original_type,
                "nonce": nonce,
            },
        }
    )
    headers = {"Content-Type": "application/json", **signed_headers(merchant, body)}
    return event_type, headers, body


def transaction_notification(trade: SandboxTrade) -> tuple[str, dict[str, str], str]:
    return _notification(
        trade.merchant,
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=trade_resource(trade),
    )


def refund_notification(refund: SandboxRefund) -> tuple[str, dict[str, str], str]:
    trade = refund.trade
    state = REFUND_STATES[refund.status]
    resource = {
        "mchid": trade.merchant.account_id,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.provider_trade_no,
        "out_refund_no": refund.out_refund_no,
        "refund_id": refund.provider_refund_no,
        "refund_status": state,
        "user_received_account": "支付用户零钱",
        "amount": _refund_amount(refund),
    }
    if refund.succeeded_at:
        resource["success_time"] = beijing(refund.succeeded_at)
    return _notification(
        trade.merchant,
        event_type=f"REFUND.{state}",
        summary={"SUCCESS": "退款成功", "ABNORMAL": "退款异常"}.get(state, "退款关闭"),
        original_type="refund",
        resource=resource,
    )


# --- v2 payment codes (XML, HMAC-SHA256) ------------------------------------------------------


def v2_answer(fields: dict[str, str], merchant: SandboxMerchant | None = None) -> HttpResponse:
    """A v2 XML answer, HMAC-SHA256-signed with the merchant's v2 key when it is known."""
    fields = dict(fields)
    if merchant is not None:
        fields.update(appid=merchant.appid, mch_id=merchant.account_id, nonce_str=secrets.token_hex(16))
        fields["sign"] = v2_sign(fields, merchant.api_v2_key)
    return HttpResponse(v2_xml(fields).encode(), content_type="text/xml; charset=utf-8")


def v2_time(moment: dt.datetime) -> str:
    return moment.astimezone(clock.DEFAULT_ZONE).strftime("%Y%m%d%H%M%S")
