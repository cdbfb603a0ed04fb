"""The fake WeChat Pay: the API v3 endpoints the adapter calls, the v2 payment-code endpoint,
and the cashier pages a shopper reaches from a Native code_url or a JSAPI prepay.

Requests are authenticated like WeChat does (``Authorization: WECHATPAY2-SHA256-RSA2048 …``
over METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n with the merchant's key, answered 401 SIGN_ERROR
otherwise); answers are signed with the platform key."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from newretail.payments.gateways.base import WECHAT_JSAPI, WECHAT_MICROPAY
from newretail.payments.gateways.wechat import v2_parse, v2_sign
from newretail.payments.sandbox import crypto, links, pages, trades
from newretail.payments.sandbox import wechat_protocol as wx
from newretail.payments.sandbox.models import SandboxMerchant, SandboxRefund, SandboxTrade

Status = SandboxTrade.Status
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-*@|]{1,64}$")
MICROPAY_FIELDS = (
    "appid",
    "mch_id",
    "nonce_str",
    "sign",
    "body",
    "out_trade_no",
    "total_fee",
    "spbill_create_ip",
    "auth_code",
)
WeChatView = Callable[..., HttpResponse]


def _signed_url(request: HttpRequest) -> str:
    """The URL the merchant signed: path and query below the sandbox's WeChat mount."""
    return request.get_full_path().split("/wechatpay", 1)[1]


def _authenticate(request: HttpRequest) -> SandboxMerchant | HttpResponse:
    """The merchant whose key signed ``request``, or WeChat's refusal."""
    fields = wx.parse_authorization(request.headers.get("Authorization", ""))
    if fields is None:
        return wx.error(
            None, 401, "SIGN_ERROR", "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》"
        )
    merchant = SandboxMerchant.objects.filter(
        provider=SandboxMerchant.Provider.WECHAT, account_id=fields["mchid"]
    ).first()
    if merchant is None:
        return wx.error(None, 400, "MCH_NOT_EXISTS", "商户号不存在")
    if fields["serial_no"] != merchant.merchant_cert_serial_no:
        return wx.error(merchant, 401, "SIGN_ERROR", "商户证书序列号有误。请使用签名私钥匹配的证书序列号")
    if not wx.request_is_fresh(fields["timestamp"]):
        return wx.error(merchant, 401, "SIGN_ERROR", "签名中的时间戳与当前时间相差过大")
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return wx.error(merchant, 400, "PARAM_ERROR", "请求体不是UTF-8编码")
    message = wx.request_message(
        request.method or "", _signed_url(request), fields["timestamp"], fields["nonce_str"], body
    )
    if not crypto.rsa_verify(merchant.merchant_public_key_pem, message, fields["signature"]):
        return wx.error(merchant, 401, "SIGN_ERROR", "签名错误，请检查后再试")
    return merchant


def wechat_api(method: str) -> Callable[[WeChatView], WeChatView]:
    """An API v3 endpoint: csrf-exempt, ``method`` only, authenticated; the view receives the
    merchant and the decoded JSON body ({} for GET)."""

    def decorate(view: WeChatView) -> WeChatView:
        @csrf_exempt
        @wraps(view)
        def endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != method:
                return wx.error(None, 405, "METHOD_NOT_ALLOWED", "请求方法不支持")
            merchant = _authenticate(request)
            if isinstance(merchant, HttpResponse):
                return merchant
            payload: dict[str, Any] = {}
            if method == "POST":
                try:
                    payload = json.loads(request.body or b"{}")
                except ValueError:
                    return wx.error(merchant, 400, "PARAM_ERROR", "请求体不是合法的JSON")
                if not isinstance(payload, dict):
                    return wx.error(merchant, 400, "PARAM_ERROR", "请求体不是JSON对象")
            return view(request, merchant, payload, *args, **kwargs)

        return endpoint

    return decorate


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _missing(field: str) -> str:
    return f"输入源“/body/{field}”映射到值字段“{field}”必填性规则校验失败，此字段为必填项"


def _order_problem(merchant: SandboxMerchant, payload: dict[str, Any], kind: str) -> HttpResponse | None:
    if payload.get("mchid") != merchant.account_id:
        return wx.error(merchant, 400, "PARAM_ERROR", "请求体中的商户号与签名的商户号不一致")
    if payload.get("appid") != merchant.appid:
        return wx.error(merchant, 400, "APPID_MCHID_NOT_MATCH", "AppID和mch_id不匹配")
    description = payload.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= 127:
        return wx.error(merchant, 400, "PARAM_ERROR", _missing("description"))
    if not OUT_TRADE_NO.match(str(payload.get("out_trade_no", ""))):
        return wx.error(merchant, 400, "PARAM_ERROR", _missing("out_trade_no"))
    if not re.match(r"^https?://", str(payload.get("notify_url", ""))):
        return wx.error(merchant, 400, "PARAM_ERROR", _missing("notify_url"))
    amount = payload.get("amount")
    amount = amount if isinstance(amount, dict) else {}
    total = amount.get("total")
    if not _positive_int(total) or amount.get("currency", "CNY") != "CNY":
        return wx.error(merchant, 400, "PARAM_ERROR", _missing("amount/total"))
    payer = payload.get("payer")
    if kind == WECHAT_JSAPI and not (isinstance(payer, dict) and payer.get("openid")):
        return wx.error(merchant, 400, "PARAM_ERROR", _missing("payer/openid"))
    if payload.get("time_expire"):
        try:
            aware = dt.datetime.fromisoformat(payload["time_expire"]).tzinfo is not None
        except (TypeError, ValueError):
            aware = False
        if not aware:
            return wx.error(merchant, 400, "PARAM_ERROR", "time_expire格式错误")
    return None


@wechat_api("POST")
def order(
    request: HttpRequest, merchant: SandboxMerchant, payload: dict[str, Any], *, kind: str
) -> HttpResponse:
    """JSAPI and Native 下单: answers prepay_id or code_url; ordering the same again returns them."""
    problem = _order_problem(merchant, payload, kind)
    if problem is not None:
        return problem
    total = payload["amount"]["total"]
    trade, created = trades.open_trade(
        merchant=merchant,
        kind=kind,
        out_trade_no=payload["out_trade_no"],
        amount_fen=total,
        description=payload["description"],
        notify_url=payload["notify_url"],
        payer_id=(payload.get("payer") or {}).get("openid", ""),
        expires_at=dt.datetime.fromisoformat(payload["time_expire"]) if payload.get("time_expire") else None,
    )
    if not created:
        if trade.status == Status.PAID:
            return wx.error(merchant, 400, "ORDERPAID", "该订单已支付")
        if trade.status != Status.UNPAID:
            return wx.error(merchant, 400, "ORDER_CLOSED", "订单已关闭")
        if (trade.kind, trade.amount_fen, trade.description) != (kind, total, payload["description"]):
            return wx.error(merchant, 400, "INVALID_REQUEST", "201 商户订单号重复")
    if kind == WECHAT_JSAPI:
        return wx.answer(merchant, 200, {"prepay_id": trade.prepay_id})
    return wx.answer(merchant, 200, {"code_url": links.wechat_cashier_url(trade)})


@wechat_api("GET")
def query(
    request: HttpRequest, merchant: SandboxMerchant, payload: dict[str, Any], out_trade_no: str
) -> HttpResponse:
    if request.GET.get("mchid") != merchant.account_id:
        return wx.error(merchant, 400, "PARAM_ERROR", "mchid与签名的商户号不一致")
    trade = trades.find_trade(merchant, out_trade_no)
    if trade is None:
        return wx.error(merchant, 404, "ORDER_NOT_EXIST", "订单不存在")
    return wx.answer(merchant, 200, wx.trade_resource(trades.note_query(trade)))


@wechat_api("POST")
def close(
    request: HttpRequest, merchant: SandboxMerchant, payload: dict[str, Any], out_trade_no: str
) -> HttpResponse:
    if payload.get("mchid") != merchant.account_id:
        return wx.error(merchant, 400, "PARAM_ERROR", _missing("mchid"))
    trade = trades.find_trade(merchant, out_trade_no)
    if trade is None:
        return wx.error(merchant, 404, "ORDER_NOT_EXIST", "订单不存在")
    if trade.status == Status.PAID:
        return wx.error(merchant, 400, "ORDERPAID", "订单已支付")
    trades.close_trade(trade)
    return wx.answer(merchant, 204)


@wechat_api("POST")
def refund(request: HttpRequest, merchant: SandboxMerchant, payload: dict[str, Any]) -> HttpResponse:
    """申请退款: answers PROCESSING; a task settles it and notifies REFUND.SUCCESS."""
    amount: dict[str, Any] = payload["amount"] if isinstance(payload.get("amount"), dict) else {}
    out_refund_no = str(payload.get("out_refund_no", ""))
    refund_fen, total_fen = amount.get("refund"), amount.get("total")
    if not OUT_REFUND_NO.match(out_refund_no):
        return wx.error(merchant, 400, "PARAM_ERROR", _missing("out_refund_no"))
    if not (_positive_int(refund_fen) and _positive_int(total_fen)):
        return wx.error(merchant, 400, "PARAM_ERROR", _missing("amount"))
    if amount.get("currency") != "CNY":
        return wx.error(merchant, 400, "PARAM_ERROR", _missing("amount/currency"))
    if payload.get("out_trade_no"):
        trade = trades.find_trade(merchant, str(payload["out_trade_no"]))
    else:
        trade = SandboxTrade.objects.filter(
            merchant=merchant, provider_trade_no=payload.get("transaction_id", "")
        ).first()
    if trade is None:
        return wx.error(merchant, 404, "RESOURCE_NOT_EXISTS", "订单不存在")
    if total_fen != trade.amount_fen:
        return wx.error(merchant, 400, "INVALID_REQUEST", "订单金额与原订单金额不一致")
    try:
        made, _ = trades.create_refund(
            trade=trade,
            out_refund_no=out_refund_no,
            amount_fen=amount["refund"],
            reason=str(payload.get("reason", "")),
            notify_url=str(payload.get("notify_url", "")),
            synchronous=False,
        )
    except trades.RefundRefused as refused:
        message = {
            "not_paid": "订单未支付，不能退款",
            "exceeds": "申请退款金额超过订单可退金额",
            "mismatch": "退款单号已存在，且与之前请求的参数不一致",
        }[refused.reason]
        return wx.error(merchant, 400, "INVALID_REQUEST", message)
    return wx.answer(merchant, 200, wx.refund_resource(made))


@wechat_api("GET")
def query_refund(
    request: HttpRequest, merchant: SandboxMerchant, payload: dict[str, Any], out_refund_no: str
) -> HttpResponse:
    made = (
        SandboxRefund.objects.select_related("trade__merchant")
        .filter(trade__merchant=merchant, out_refund_no=out_refund_no)
        .first()
    )
    if made is None:
        return wx.error(merchant, 404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return wx.answer(merchant, 200, wx.refund_resource(made))


def _v2_fail(message: str) -> HttpResponse:
    return wx.v2_answer({"return_code": "FAIL", "return_msg": message})


def _v2_refused(merchant: SandboxMerchant, err_code: str, description: str) -> HttpResponse:
    return wx.v2_answer(
        {
            "return_code": "SUCCESS",
            "return_msg": "OK",
            "result_code": "FAIL",
            "err_code": err_code,
            "err_code_des": description,
        },
        merchant,
    )


@csrf_exempt
@require_http_methods(["POST"])
def micropay(request: HttpRequest) -> HttpResponse:
    """v2 付款码支付 (XML, HMAC-SHA256). The outcome depends on the code: ``trades`` says how."""
    try:
        params = v2_parse(request.body)
    except ValueError:
        return _v2_fail("XML格式错误")
    merchant = SandboxMerchant.objects.filter(
        provider=SandboxMerchant.Provider.WECHAT, account_id=params.get("mch_id", "")
    ).first()
    if merchant is None:
        return _v2_fail("mch_id参数格式错误")
    missing = [name for name in MICROPAY_FIELDS if not params.get(name)]
    if missing:
        return _v2_fail(f"缺少参数{missing[0]}")
    if params.get("sign_type") != "HMAC-SHA256" or not hmac.compare_digest(
        params["sign"], v2_sign(params, merchant.api_v2_key)
    ):
        return _v2_fail("签名错误")
    if params["appid"] != merchant.appid:
        return _v2_refused(merchant, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
    if not params["total_fee"].isdigit() or int(params["total_fee"]) <= 0:
        return _v2_refused(merchant, "PARAM_ERROR", "total_fee参数错误")
    code = params["auth_code"]
    if not wx.AUTH_CODE.match(code):
        return _v2_refused(
            merchant, "AUTH_CODE_INVALID", "请扫描微信支付授权码(以10/11/12/13/14/15为前缀的18位数字)"
        )
    trade, created = trades.open_trade(
        merchant=merchant,
        kind=WECHAT_MICROPAY,
        out_trade_no=params["out_trade_no"],
        amount_fen=int(params["total_fee"]),
        description=params["body"],
        auth_code=code,
    )
    if not created:
        if trade.kind != WECHAT_MICROPAY or trade.status == Status.UNPAID:
            return _v2_refused(merchant, "OUT_TRADE_NO_USED", "商户订单号重复")
        if trade.status == Status.PAID:
            return _v2_refused(merchant, "ORDERPAID", "订单已支付")
        if trade.status == Status.PAYING:
            return _v2_refused(merchant, "USERPAYING", "需要用户输入支付密码")
        return _v2_refused(merchant, "ORDERCLOSED", "订单已关闭")
    outcome = trades.scan_payment_code(trade, refusal_code="NOTENOUGH", refusal_message="余额不足")
    if outcome == SandboxTrade.MicropayOutcome.REFUSED:
        return _v2_refused(merchant, "NOTENOUGH", "余额不足")
    if outcome == SandboxTrade.MicropayOutcome.PASSWORD:
        return _v2_refused(merchant, "USERPAYING", "需要用户输入支付密码")
    return wx.v2_answer(_micropay_success(trade), merchant)


def _micropay_success(trade: SandboxTrade) -> dict[str, str]:
    return {
        "return_code": "SUCCESS",
        "return_msg": "OK",
        "result_code": "SUCCESS",
        "openid": trade.payer_id,
        "is_subscribe": "N",
        "trade_type": "MICROPAY",
        "bank_type": "OTHERS",
        "fee_type": "CNY",
        "total_fee": str(trade.amount_fen),
        "cash_fee_type": "CNY",
        "cash_fee": str(trade.amount_fen),
        "transaction_id": trade.provider_trade_no,
        "out_trade_no": trade.out_trade_no,
        "attach": "",
        "time_end": wx.v2_time(trade.paid_at) if trade.paid_at else "",
    }


# --- pages for people -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def cashier(request: HttpRequest, token: str) -> HttpResponse:
    """The 微信支付 cashier of a Native or JSAPI charge: GET shows it, POST pays or fails."""
    trade = pages.trade_for_page(token, provider=SandboxMerchant.Provider.WECHAT)
    return_url = pages.safe_return_url(request.POST.get("return_url") or request.GET.get("return_url", ""))
    if request.method == "POST":
        return pages.settle_from_cashier(request, trade, brand=pages.WECHAT, return_url=return_url)
    return pages.cashier(request, trade, brand=pages.WECHAT, return_url=return_url)


@require_http_methods(["GET"])
def jsapi_cashier(request: HttpRequest) -> HttpResponse:
    """What the WeChat client does with wx.requestPayment's params: check paySign with the
    merchant's key, then show the cashier of the prepay they name."""
    params = request.GET
    prepay_id = params.get("package", "").removeprefix("prepay_id=")
    trade = (
        SandboxTrade.objects.select_related("merchant")
        .filter(prepay_id=prepay_id, merchant__provider=SandboxMerchant.Provider.WECHAT)
        .first()
        if prepay_id
        else None
    )
    if trade is None:
        return pages.problem(
            request, brand=pages.WECHAT, title="支付失败", message="prepay_id 无效或已过期", status=400
        )
    merchant = trade.merchant
    message = "".join(params.get(name, "") + "\n" for name in ("appId", "timeStamp", "nonceStr", "package"))
    if (
        params.get("appId") != merchant.appid
        or params.get("signType") != "RSA"
        or not crypto.rsa_verify(merchant.merchant_public_key_pem, message, params.get("paySign", ""))
    ):
        return pages.problem(
            request,
            brand=pages.WECHAT,
            title="支付验证签名失败",
            message="paySign 与商户 API 证书不匹配",
            status=400,
        )
    trade = trades.expire_if_due(trade)
    return pages.cashier(
        request, trade, brand=pages.WECHAT, return_url=pages.safe_return_url(params.get("return_url", ""))
    )
