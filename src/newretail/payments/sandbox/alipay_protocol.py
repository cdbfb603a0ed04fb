"""Alipay's words and signatures as the sandbox speaks them: the ``…_response`` JSON signed with
the platform key, gateway errors (unsigned, like Alipay's), asynchronous notifications and the
signed parameters of the browser's return to ``return_url``."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse

from newretail.core import clock
from newretail.core.money import fen_to_yuan
from newretail.payments.gateways.base import ALIPAY_WAP
from newretail.payments.sandbox import crypto
from newretail.payments.sandbox.models import SandboxMerchant, SandboxRefund, SandboxTrade

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# 付款码: 16–24 digits beginning with 25–30.
AUTH_CODE = re.compile(r"^(2[5-9]|30)\d{14,22}$")
BUYER_LOGON_ID = "san***@sandbox.example"
# Content the sandbox excludes when it signs notifications and returns (Alipay's rule).
UNSIGNED_IN_NOTIFICATIONS = ("sign", "sign_type")
EXPRESS_UNITS = {"m": "minutes", "h": "hours", "d": "days"}  # timeout_express units, "c" aside


def yuan(fen: int) -> str:
    return str(fen_to_yuan(fen))


def alipay_time(moment: dt.datetime) -> str:
    return moment.astimezone(clock.DEFAULT_ZONE).strftime(TIME_FORMAT)


def response_key(method: str) -> str:
    return method.replace(".", "_") + "_response"


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _body(method: str, content: str, sign: str | None) -> HttpResponse:
    text = f'{{"{response_key(method)}":{content}' + (f',"sign":"{sign}"}}' if sign is not None else "}")
    return HttpResponse(text.encode(), content_type="application/json; charset=utf-8")


def signed_answer(merchant: SandboxMerchant, method: str, inner: dict[str, Any]) -> HttpResponse:
    """``{"<method>_response": {…}, "sign": "…"}``; the sign covers exactly the inner JSON text as
    it appears in the body (what the SDK cuts out and verifies)."""
    content = _compact(inner)
    return _body(method, content, crypto.rsa_sign(merchant.platform_private_key_pem, content))


def gateway_error(method: str, code: str, msg: str, sub_code: str, sub_msg: str) -> HttpResponse:
    """A gateway-level refusal (bad app_id, signature, method): Alipay leaves these unsigned."""
    return _body(
        method or "error",
        _compact({"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}),
        None,
    )


def business_failure(sub_code: str, sub_msg: str, **extra: str) -> dict[str, Any]:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg, **extra}


def trade_answer(trade: SandboxTrade) -> dict[str, Any]:
    """alipay.trade.query's answer for a trade."""
    paid_yuan = yuan(trade.amount_fen) if trade.paid_at else "0.00"
    answer: dict[str, Any] = {
        "code": "10000",
        "msg": "Success",
        "trade_no": trade.provider_trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": BUYER_LOGON_ID,
        "trade_status": trade_status(trade),
        "total_amount": yuan(trade.amount_fen),
        "buyer_pay_amount": paid_yuan,
        "point_amount": "0.00",
        "invoice_amount": paid_yuan,
        "receipt_amount": paid_yuan,
    }
    if trade.paid_at:
        answer.update(send_pay_date=alipay_time(trade.paid_at), buyer_user_id=trade.payer_id)
    return answer


def trade_status(trade: SandboxTrade) -> str:
    if trade.status == SandboxTrade.Status.PAID:
        return "TRADE_CLOSED" if trade.refunded_fen == trade.amount_fen else "TRADE_SUCCESS"
    if trade.status in (SandboxTrade.Status.UNPAID, SandboxTrade.Status.PAYING):
        return "WAIT_BUYER_PAY"
    return "TRADE_CLOSED"


def _signed_form(merchant: SandboxMerchant, params: dict[str, str]) -> dict[str, str]:
    params = {k: v for k, v in params.items() if v != ""}
    params["sign_type"] = "RSA2"
    content = crypto.alipay_content(params, exclude=UNSIGNED_IN_NOTIFICATIONS)
    params["sign"] = crypto.rsa_sign(merchant.platform_private_key_pem, content)
    return params


def trade_notification(
    trade: SandboxTrade, *, refund: SandboxRefund | None = None
) -> tuple[str, dict[str, str], str]:
    """(event, headers, body) of an asynchronous notification (trade_status_sync) for a trade's
    payment or closing, or for ``refund`` of it (with out_biz_no, refund_fee, gmt_refund)."""
    merchant = trade.merchant
    status = trade_status(trade)
    params = {
        "notify_time": alipay_time(clock.now()),
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "charset": "utf-8",
        "version": "1.0",
        "app_id": merchant.account_id,
        "auth_app_id": merchant.account_id,
        "trade_no": trade.provider_trade_no,
        "out_trade_no": trade.out_trade_no,
        "seller_id": merchant.seller_id,
        "trade_status": status,
        "total_amount": yuan(trade.amount_fen),
        "subject": trade.description,
        "gmt_create": alipay_time(trade.created_at),
    }
    if trade.paid_at:
        paid_yuan = yuan(trade.amount_fen)
        params.update(
            buyer_id=trade.payer_id,
            buyer_logon_id=BUYER_LOGON_ID,
            receipt_amount=paid_yuan,
            invoice_amount=paid_yuan,
            buyer_pay_amount=paid_yuan,
            point_amount="0.00",
            gmt_payment=alipay_time(trade.paid_at),
            fund_bill_list=_compact([{"amount": paid_yuan, "fundChannel": "ALIPAYACCOUNT"}]),
        )
    if trade.closed_at:
        params["gmt_close"] = alipay_time(trade.closed_at)
    if refund is not None:
        refunded_at = refund.succeeded_at or clock.now()
        params.update(
            out_biz_no=refund.out_refund_no,
            refund_fee=yuan(trade.refunded_fen),
            gmt_refund=refunded_at.astimezone(clock.DEFAULT_ZONE).strftime(f"{TIME_FORMAT}.%f")[:-3],
        )
    body = urlencode(_signed_form(merchant, params))
    return status, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body


def return_params(trade: SandboxTrade) -> dict[str, str]:
    """The signed query string Alipay appends to ``return_url`` after a page/WAP payment."""
    merchant = trade.merchant
    method = "alipay.trade.wap.pay.return" if trade.kind == ALIPAY_WAP else "alipay.trade.page.pay.return"
    return _signed_form(
        merchant,
        {
            "charset": "utf-8",
            "out_trade_no": trade.out_trade_no,
            "method": method,
            "total_amount": yuan(trade.amount_fen),
            "trade_no": trade.provider_trade_no,
            "auth_app_id": merchant.account_id,
            "version": "1.0",
            "app_id": merchant.account_id,
            "seller_id": merchant.seller_id,
            "timestamp": alipay_time(clock.now()),
        },
    )


def parse_expiry(biz: dict[str, Any], *, now: dt.datetime) -> dt.datetime | None:
    """``time_expire`` ("yyyy-MM-dd HH:mm:ss", Beijing) or ``timeout_express`` ("90m", "2h",
    "1d", "1c" = end of today) as an aware instant; None when absent; ValueError when bad."""
    if biz.get("time_expire"):
        return dt.datetime.strptime(str(biz["time_expire"]), TIME_FORMAT).replace(tzinfo=clock.DEFAULT_ZONE)
    express = str(biz.get("timeout_express") or "")
    if not express:
        return None
    match = re.fullmatch(r"(\d+)([mhdc])", express)
    if not match:
        raise ValueError(express)
    number, unit = int(match[1]), match[2]
    if unit == "c":
        return now.astimezone(clock.DEFAULT_ZONE).replace(hour=23, minute=59, second=59, microsecond=0)
    return now + dt.timedelta(**{EXPRESS_UNITS[unit]: number})
