"""The fake Alipay: ``gateway.do`` (every method the adapter calls, signed JSON answers), the
cashier a browser opens for page and WAP payments, and its confirmation.

Requests are checked like Alipay does: app_id, sign_type RSA2, and the RSA2 ``sign`` over the
sorted non-empty params except ``sign``, with the application's public key. Gateway-level
refusals (40001/40002) are unsigned; business answers (10000/10003/40004) are signed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from newretail.core import clock
from newretail.core.money import MoneyFormatError, yuan_to_fen
from newretail.payments.gateways.base import ALIPAY_MICROPAY, ALIPAY_PAGE, ALIPAY_WAP
from newretail.payments.sandbox import alipay_protocol as ali
from newretail.payments.sandbox import crypto, pages, trades
from newretail.payments.sandbox.models import SandboxMerchant, SandboxTrade

Status = SandboxTrade.Status
PAGE_METHODS = {"alipay.trade.page.pay": ALIPAY_PAGE, "alipay.trade.wap.pay": ALIPAY_WAP}
Answer = dict[str, Any]


class Refusal(Exception):
    """A 40004 business answer built from inside a handler."""

    def __init__(self, sub_code: str, sub_msg: str) -> None:
        super().__init__(sub_code)
        self.answer = ali.business_failure(sub_code, sub_msg)


def _amount(biz: dict[str, Any], field: str) -> int:
    try:
        fen = yuan_to_fen(str(biz.get(field, "")))
    except MoneyFormatError:
        fen = 0
    if fen <= 0:
        raise Refusal("ACQ.INVALID_PARAMETER", f"参数无效：{field}")
    return fen


def _trade(merchant: SandboxMerchant, biz: dict[str, Any]) -> SandboxTrade:
    trade = None
    if biz.get("out_trade_no"):
        trade = trades.find_trade(merchant, str(biz["out_trade_no"]))
    elif biz.get("trade_no"):
        found = SandboxTrade.objects.filter(merchant=merchant, provider_trade_no=str(biz["trade_no"])).first()
        trade = trades.expire_if_due(found) if found else None
    if trade is None:
        raise Refusal("ACQ.TRADE_NOT_EXIST", "交易不存在")
    return trade


def trade_pay(merchant: SandboxMerchant, biz: dict[str, Any], params: dict[str, str]) -> Answer:
    """alipay.trade.pay (当面付 bar code): the code decides the outcome (see ``trades``)."""
    for field in ("out_trade_no", "auth_code", "subject"):
        if not biz.get(field):
            raise Refusal("ACQ.INVALID_PARAMETER", f"参数无效：{field}")
    if biz.get("scene") not in ("bar_code", "wave_code"):
        raise Refusal("ACQ.INVALID_PARAMETER", "参数无效：scene")
    amount = _amount(biz, "total_amount")
    code = str(biz["auth_code"])
    if not ali.AUTH_CODE.match(code):
        raise Refusal("ACQ.PAYMENT_AUTH_CODE_INVALID", "支付授权码无效")
    trade, created = trades.open_trade(
        merchant=merchant,
        kind=ALIPAY_MICROPAY,
        out_trade_no=str(biz["out_trade_no"]),
        amount_fen=amount,
        description=str(biz["subject"]),
        notify_url=params.get("notify_url", ""),
        auth_code=code,
    )
    if created:
        outcome = trades.scan_payment_code(
            trade, refusal_code="ACQ.BUYER_BALANCE_NOT_ENOUGH", refusal_message="买家余额不足"
        )
        if outcome == SandboxTrade.MicropayOutcome.REFUSED:
            raise Refusal("ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足")
    elif trade.kind != ALIPAY_MICROPAY or trade.status == Status.UNPAID:
        raise Refusal("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    elif trade.status == Status.PAID:
        raise Refusal("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
    if trade.status in (Status.CLOSED, Status.FAILED):
        raise Refusal("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
    common = {
        "trade_no": trade.provider_trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": ali.BUYER_LOGON_ID,
        "total_amount": ali.yuan(trade.amount_fen),
    }
    if trade.status == Status.PAYING:
        return {"code": "10003", "msg": " order success pay inprocess", **common}
    return {
        "code": "10000",
        "msg": "Success",
        **common,
        "receipt_amount": ali.yuan(trade.amount_fen),
        "gmt_payment": ali.alipay_time(trade.paid_at or clock.now()),
        "fund_bill_list": [{"fund_channel": "ALIPAYACCOUNT", "amount": ali.yuan(trade.amount_fen)}],
        "buyer_user_id": trade.payer_id,
    }


def trade_query(merchant: SandboxMerchant, biz: dict[str, Any], params: dict[str, str]) -> Answer:
    return ali.trade_answer(trades.note_query(_trade(merchant, biz)))


def trade_close(merchant: SandboxMerchant, biz: dict[str, Any], params: dict[str, str]) -> Answer:
    trade = _trade(merchant, biz)
    if trade.status in (Status.PAID, Status.FAILED):
        raise Refusal("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    trades.close_trade(trade)
    return {
        "code": "10000",
        "msg": "Success",
        "trade_no": trade.provider_trade_no,
        "out_trade_no": trade.out_trade_no,
    }


def trade_refund(merchant: SandboxMerchant, biz: dict[str, Any], params: dict[str, str]) -> Answer:
    """Synchronous refund; a replay of the same out_request_no answers fund_change "N"."""
    trade = _trade(merchant, biz)
    amount = _amount(biz, "refund_amount")
    try:
        refund, created = trades.create_refund(
            trade=trade,
            out_refund_no=str(biz.get("out_request_no") or trade.out_trade_no),
            amount_fen=amount,
            reason=str(biz.get("refund_reason", "")),
            synchronous=True,
        )
    except trades.RefundRefused as refused:
        if refused.reason == "not_paid":
            raise Refusal("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        raise Refusal("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
    trade.refresh_from_db()
    return {
        "code": "10000",
        "msg": "Success",
        "trade_no": trade.provider_trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": ali.BUYER_LOGON_ID,
        "fund_change": "Y" if created else "N",
        "refund_fee": ali.yuan(trade.refunded_fen),
        "gmt_refund_pay": ali.alipay_time(refund.succeeded_at or clock.now()),
        "buyer_user_id": trade.payer_id,
        "send_back_fee": ali.yuan(refund.amount_fen),
    }


def refund_query(merchant: SandboxMerchant, biz: dict[str, Any], params: dict[str, str]) -> Answer:
    """Alipay's rule: a made refund is returned; none returned means none was made."""
    if not biz.get("out_request_no"):
        raise Refusal("ACQ.INVALID_PARAMETER", "参数无效：out_request_no")
    trade = _trade(merchant, biz)
    refund = trade.refunds.filter(out_refund_no=str(biz["out_request_no"]), status="succeeded").first()
    answer: Answer = {
        "code": "10000",
        "msg": "Success",
        "trade_no": trade.provider_trade_no,
        "out_trade_no": trade.out_trade_no,
    }
    if refund:
        answer.update(
            out_request_no=refund.out_refund_no,
            total_amount=ali.yuan(trade.amount_fen),
            refund_amount=ali.yuan(refund.amount_fen),
            refund_status="REFUND_SUCCESS",
            gmt_refund_pay=ali.alipay_time(refund.succeeded_at or refund.created_at),
        )
    return answer


HANDLERS: dict[str, Callable[[SandboxMerchant, dict[str, Any], dict[str, str]], Answer]] = {
    "alipay.trade.pay": trade_pay,
    "alipay.trade.query": trade_query,
    "alipay.trade.close": trade_close,
    "alipay.trade.refund": trade_refund,
    "alipay.trade.fastpay.refund.query": refund_query,
}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def gateway(request: HttpRequest) -> HttpResponse:
    """gateway.do: check the common params and the signature, then run the method (page and
    WAP payments render the cashier; the others answer signed JSON)."""
    source = request.POST if request.method == "POST" else request.GET
    params = {key: source.get(key, "") for key in source}
    method = params.get("method", "")
    page = method in PAGE_METHODS

    def refuse(code: str, msg: str, sub_code: str, sub_msg: str) -> HttpResponse:
        if page:
            return pages.problem(
                request, brand=pages.ALIPAY, title=f"错误代码 {sub_code}", message=sub_msg, status=400
            )
        return ali.gateway_error(method, code, msg, sub_code, sub_msg)

    if not method:
        return refuse("40001", "Missing Required Arguments", "isv.missing-method", "缺少方法名参数")
    merchant = SandboxMerchant.objects.filter(
        provider=SandboxMerchant.Provider.ALIPAY, account_id=params.get("app_id", "")
    ).first()
    if merchant is None:
        return refuse("40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数")
    if not page and method not in HANDLERS:
        return refuse("40002", "Invalid Arguments", "isv.invalid-method", "不存在的方法名")
    if params.get("sign_type") != "RSA2":
        return refuse("40002", "Invalid Arguments", "isv.invalid-signature-type", "无效的签名类型")
    if params.get("charset", "utf-8").lower() != "utf-8":
        return refuse("40002", "Invalid Arguments", "isv.invalid-charset", "字符集错误")
    if not params.get("sign"):
        return refuse("40001", "Missing Required Arguments", "isv.missing-signature", "缺少签名参数")
    content = crypto.alipay_content(params, exclude=("sign",))
    if not crypto.rsa_verify(merchant.merchant_public_key_pem, content, params["sign"]):
        return refuse(
            "40002",
            "Invalid Arguments",
            "isv.invalid-signature",
            "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配",
        )
    try:
        biz = json.loads(params.get("biz_content") or "{}")
        if not isinstance(biz, dict):
            raise ValueError("biz_content")
    except ValueError:
        return refuse("40002", "Invalid Arguments", "isv.invalid-biz-content", "biz_content格式错误")
    if page:
        return _page_pay(request, merchant, biz, params, kind=PAGE_METHODS[method])
    try:
        answer = HANDLERS[method](merchant, biz, params)
    except Refusal as refusal:
        answer = refusal.answer
    return ali.signed_answer(merchant, method, answer)


def _page_pay(
    request: HttpRequest, merchant: SandboxMerchant, biz: dict[str, Any], params: dict[str, str], *, kind: str
) -> HttpResponse:
    """A browser opening a signed page/WAP pay URL: Alipay creates the trade now and shows its
    cashier (a reopened URL shows the same trade)."""
    try:
        amount = _amount(biz, "total_amount")
        if not biz.get("out_trade_no") or not biz.get("subject"):
            raise Refusal("ACQ.INVALID_PARAMETER", "参数无效：out_trade_no/subject")
        expires_at = ali.parse_expiry(biz, now=clock.now())
    except Refusal as refusal:
        return pages.problem(
            request, brand=pages.ALIPAY, title="参数错误", message=refusal.answer["sub_msg"], status=400
        )
    except ValueError:
        return pages.problem(
            request, brand=pages.ALIPAY, title="参数错误", message="time_expire 格式错误", status=400
        )
    trade, created = trades.open_trade(
        merchant=merchant,
        kind=kind,
        out_trade_no=str(biz["out_trade_no"]),
        amount_fen=amount,
        description=str(biz["subject"]),
        notify_url=params.get("notify_url", ""),
        return_url=params.get("return_url", ""),
        expires_at=expires_at,
    )
    if not created and (trade.amount_fen, trade.kind) != (amount, kind):
        return pages.problem(
            request,
            brand=pages.ALIPAY,
            title="订单信息不一致",
            message="该订单号已用于另一笔交易",
            status=400,
        )
    return pages.cashier(request, trades.expire_if_due(trade), brand=pages.ALIPAY)


@require_http_methods(["GET", "POST"])
def cashier(request: HttpRequest, token: str) -> HttpResponse:
    """The Alipay cashier again (GET, e.g. after a simulated failure), or the buyer's 确认支付 /
    模拟支付失败 on it (POST, a CSRF-protected form)."""
    trade = pages.trade_for_page(token, provider=SandboxMerchant.Provider.ALIPAY)
    if request.method == "GET" or trade.status not in (Status.UNPAID, Status.PAID):
        return pages.cashier(request, trade, brand=pages.ALIPAY)
    return pages.settle_from_cashier(request, trade, brand=pages.ALIPAY)
