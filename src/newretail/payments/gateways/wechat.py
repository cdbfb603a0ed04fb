"""WeChat Pay for a direct merchant (直连商户): API v3 through wechatpayv3, plus the v2 XML API
``/pay/micropay`` for payment codes (付款码), which this integration keeps on v2 like most POS
systems.

Choices (see the provider documentation quoted in docs/decisions.md):

- wechatpayv3 runs in 微信支付公钥 mode, so nothing is fetched at construction and every answer
  and notification is verified with the platform public key whose id is
  ``credentials.platform_public_key_id``. A notification naming any other serial is refused
  before the SDK sees it (the SDK would otherwise try to download platform certificates).
- Micropay charges are queried, refunded and closed through API v3 like every other charge: the
  v3 query answers ``trade_type=MICROPAY`` orders and its documentation tells POS systems to
  query after ``USERPAYING``. v2 payment codes carry no notify URL: the POS polls.
- WeChat creates a charge when it is ordered, so an unknown ``out_trade_no`` (``ORDER_NOT_EXIST``)
  is reported as PENDING with ``raw["code"]``: the payment domain ends it by its own deadline
  (``close``), never by guessing that nothing was paid.
- ``query_refund`` of an unknown refund is FAILED: WeChat holds no refund under that number, and
  refunding again with the same ``out_refund_no`` is safe.

Secrets never reach a log: the SDK gets no logger, and error messages carry WeChat's code and
message only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

# The name ``requests`` is replaced by payments.sandbox.transport with a proxy that serves
# sandbox URLs in-process and hands every other call to the real module.
import requests
from wechatpayv3 import WeChatPay, WeChatPayType

from newretail.core import clock
from newretail.payments.gateways.base import (
    FAILED,
    PENDING,
    SUCCEEDED,
    WECHAT_JSAPI,
    WECHAT_MICROPAY,
    WECHAT_NATIVE,
    Acknowledgement,
    ChargeRequest,
    ChargeStart,
    ChargeStatus,
    GatewayError,
    InvalidNotification,
    Notification,
    RefundRequest,
    RefundStatus,
    WeChatCredentials,
)

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
# WeChat's advice: refuse a notification whose timestamp is more than five minutes off (replay).
NOTIFICATION_MAX_SKEW = dt.timedelta(minutes=5)

TRADE_STATES = {
    "SUCCESS": SUCCEEDED,
    "REFUND": SUCCEEDED,  # paid, then (partly) refunded: the charge itself succeeded
    "NOTPAY": PENDING,
    "USERPAYING": PENDING,
    "CLOSED": FAILED,
    "REVOKED": FAILED,
    "PAYERROR": FAILED,
}
REFUND_STATES = {"SUCCESS": SUCCEEDED, "PROCESSING": PENDING, "ABNORMAL": FAILED, "CLOSED": FAILED}
# v2 micropay err_code values after which the payment may still complete: query until it settles.
MICROPAY_PENDING_CODES = frozenset({"USERPAYING", "SYSTEMERROR", "BANKERROR"})
# v3 refund refusals that are an answer about this refund (it will not happen), not a fault.
REFUND_REFUSALS = frozenset({"NOT_ENOUGH", "INVALID_REQUEST", "RESOURCE_NOT_EXISTS", "USER_ACCOUNT_ABNORMAL"})
NOTIFICATION_HEADERS = ("signature", "timestamp", "nonce", "serial", "signature-type")


class WeChatPayGateway:
    """The ``Gateway`` of base.py for one WeChat Pay merchant."""

    provider = "wechat"

    def __init__(
        self,
        credentials: WeChatCredentials,
        *,
        base_url: str,
        timeout: float | tuple[float, float] = (5, 15),
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        try:
            self._pay = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=credentials.mchid,
                private_key=credentials.private_key_pem,
                cert_serial_no=credentials.cert_serial_no,
                appid=credentials.appid,
                apiv3_key=credentials.apiv3_key,
                timeout=timeout,
                public_key=credentials.platform_public_key_pem,
                public_key_id=credentials.platform_public_key_id,
            )
        except Exception:  # the SDK raises a bare Exception for an unreadable key; never echo keys
            raise GatewayError("WeChat Pay keys could not be loaded", code="bad_credentials")
        self._pay._core._gate_way = self.base_url

    # --- charges ----------------------------------------------------------------------------

    def charge(self, kind: str, request: ChargeRequest) -> ChargeStart:
        """Order a charge. JSAPI answers signed wx.requestPayment params, Native a code_url to
        show as a QR, micropay the outcome of the payment code (succeeded, failed or poll)."""
        if request.amount_fen <= 0:
            raise ValueError("amount_fen must be positive")
        if kind == WECHAT_MICROPAY:
            return self._micropay(request)
        if kind not in (WECHAT_JSAPI, WECHAT_NATIVE):
            raise ValueError(f"WeChat Pay cannot charge {kind!r}")
        if kind == WECHAT_JSAPI and not request.payer_openid:
            raise ValueError("a JSAPI charge needs the payer's openid")
        code, data = self._call(
            self._pay.pay,
            description=request.description[:127],
            out_trade_no=request.out_trade_no,
            amount={"total": request.amount_fen, "currency": "CNY"},
            payer={"openid": request.payer_openid} if kind == WECHAT_JSAPI else None,
            time_expire=_rfc3339(request.expires_at) if request.expires_at else None,
            scene_info={"payer_client_ip": request.client_ip} if request.client_ip else None,
            notify_url=request.notify_url,
            pay_type=WeChatPayType.JSAPI if kind == WECHAT_JSAPI else WeChatPayType.NATIVE,
        )
        if code != 200:
            raise _refusal(code, data)
        if kind == WECHAT_JSAPI:
            return ChargeStart(
                status=PENDING, action={"type": "jsapi", "params": self.jsapi_params(data["prepay_id"])}
            )
        return ChargeStart(status=PENDING, action={"type": "qr", "code_url": data["code_url"]})

    def jsapi_params(self, prepay_id: str) -> dict[str, str]:
        """The parameters of wx.requestPayment for ``prepay_id``, signed with the merchant key
        over "appId\\ntimeStamp\\nnonceStr\\npackage\\n" (signType RSA)."""
        params = {
            "appId": self.credentials.appid,
            "timeStamp": str(int(clock.now().timestamp())),
            "nonceStr": secrets.token_hex(16),
            "package": f"prepay_id={prepay_id}",
            "signType": "RSA",
        }
        params["paySign"] = self._pay.sign(
            [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
        )
        return params

    def query(self, out_trade_no: str) -> ChargeStatus:
        """The charge as WeChat sees it (every kind, micropay included, through the v3 query)."""
        code, data = self._call(self._pay.query, out_trade_no=out_trade_no)
        if code == 404 and data.get("code") == "ORDER_NOT_EXIST":
            return ChargeStatus(out_trade_no=out_trade_no, status=PENDING, amount_fen=None, raw=data)
        if code != 200:
            raise _refusal(code, data)
        return _charge_status(data)

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid charge. Closing a closed or unknown one is a no-op; a paid one raises
        ``GatewayError`` with WeChat's code (query it: it succeeded)."""
        code, data = self._call(self._pay.close, out_trade_no=out_trade_no)
        if code in (200, 204) or (code == 404 and data.get("code") == "ORDER_NOT_EXIST"):
            return
        raise _refusal(code, data)

    # --- refunds ----------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundStatus:
        """Ask for a refund. WeChat usually answers PROCESSING and notifies REFUND.SUCCESS later;
        a refusal about this refund (balance, amount, unknown charge) is FAILED with WeChat's
        message; faults (signature, parameters, system) raise ``GatewayError``."""
        if request.amount_fen <= 0 or request.amount_fen > request.charge_amount_fen:
            raise ValueError("the refund must be positive and at most the charge")
        code, data = self._call(
            self._pay.refund,
            out_refund_no=request.out_refund_no,
            amount={"refund": request.amount_fen, "total": request.charge_amount_fen, "currency": "CNY"},
            out_trade_no=request.out_trade_no,
            reason=request.reason[:80] or None,
            notify_url=request.notify_url or None,
        )
        if code == 200:
            return _refund_status(data)
        if 400 <= code < 500 and data.get("code") in REFUND_REFUSALS:
            return _refund_refused(request.out_refund_no, data)
        raise _refusal(code, data)

    def query_refund(self, out_refund_no: str, *, out_trade_no: str) -> RefundStatus:
        code, data = self._call(self._pay.query_refund, out_refund_no=out_refund_no)
        if code == 404 and data.get("code") == "RESOURCE_NOT_EXISTS":
            return _refund_refused(out_refund_no, data)
        if code != 200:
            raise _refusal(code, data)
        return _refund_status(data)

    # --- notifications ----------------------------------------------------------------------

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify the Wechatpay-* signature with the platform public key, decrypt the resource
        with the APIv3 key (both through wechatpayv3's ``callback``), check it belongs to this
        merchant, and decode TRANSACTION.SUCCESS or REFUND.SUCCESS/ABNORMAL/CLOSED."""
        wanted = _notification_headers(headers)
        if wanted["Wechatpay-Serial"] != self.credentials.platform_public_key_id:
            raise InvalidNotification("signed with an unknown platform key serial")
        try:
            sent_at = dt.datetime.fromtimestamp(int(wanted["Wechatpay-Timestamp"]), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise InvalidNotification("malformed Wechatpay-Timestamp")
        if abs(clock.now() - sent_at) > NOTIFICATION_MAX_SKEW:
            raise InvalidNotification("Wechatpay-Timestamp is more than five minutes off")
        try:
            data = self._pay.callback(wanted, body)
        except Exception as error:  # malformed JSON or base64, unsupported algorithm
            raise InvalidNotification(f"unreadable notification ({type(error).__name__})")
        if not data:
            raise InvalidNotification("bad signature, or a resource the APIv3 key does not decrypt")
        resource = data.get("resource")
        event_type = data.get("event_type", "")
        if not isinstance(resource, dict):
            raise InvalidNotification("the resource is not an object")
        if resource.get("mchid") != self.credentials.mchid:
            raise InvalidNotification("the notification is for another mchid")
        try:
            if event_type == "TRANSACTION.SUCCESS":
                if resource.get("appid") != self.credentials.appid:
                    raise InvalidNotification("the notification is for another appid")
                return Notification(charge=_charge_status(resource))
            if event_type in ("REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"):
                return Notification(refund=_refund_status(resource))
        except (KeyError, TypeError, ValueError, GatewayError) as error:
            raise InvalidNotification(f"unexpected {event_type} resource ({type(error).__name__})")
        raise InvalidNotification(f"unknown event_type {event_type!r}")

    def acknowledge(self, ok: bool) -> Acknowledgement:
        """v3 rule: 200 or 204 means received (WeChat reads no body); 4xx/5xx with
        {"code": "FAIL", "message": …} makes WeChat send it again."""
        if ok:
            return Acknowledgement(status=200, content_type="text/plain; charset=utf-8", body=b"")
        body = json.dumps({"code": "FAIL", "message": "失败"}, ensure_ascii=False).encode()
        return Acknowledgement(status=400, content_type="application/json; charset=utf-8", body=body)

    # --- internals --------------------------------------------------------------------------

    def _call(self, method: Callable[..., tuple[int, Any]], **kwargs: Any) -> tuple[int, dict[str, Any]]:
        """Run one SDK call; transport failures and answers whose signature does not verify
        become ``GatewayError``. Returns (HTTP status, decoded JSON or {})."""
        try:
            code, body = method(**kwargs)
        except requests.RequestException as error:
            raise _unreachable(error)
        except Exception as error:  # the SDK raises a bare Exception when the answer's signature fails
            raise GatewayError(f"WeChat Pay answer refused: {error}", code="bad_response")
        if not body:
            return code, {}
        try:
            data = json.loads(body)
        except ValueError:
            raise GatewayError(f"WeChat Pay answered HTTP {code} without JSON", code="bad_response")
        return code, data if isinstance(data, dict) else {}

    def _micropay(self, request: ChargeRequest) -> ChargeStart:
        """v2 ``/pay/micropay``: XML signed with HMAC-SHA256 and the API v2 key."""
        key = self.credentials.api_v2_key
        if not key:
            raise GatewayError("payment codes need the merchant's API v2 key", code="bad_credentials")
        params = {
            "appid": self.credentials.appid,
            "mch_id": self.credentials.mchid,
            "nonce_str": secrets.token_hex(16),
            "sign_type": "HMAC-SHA256",
            # v2 limits body to 128 bytes of UTF-8; cut on a character boundary.
            "body": request.description.encode()[:128].decode("utf-8", "ignore"),
            "out_trade_no": request.out_trade_no,
            "total_fee": str(request.amount_fen),
            "spbill_create_ip": request.client_ip or "127.0.0.1",
            "auth_code": request.auth_code,
        }
        params["sign"] = v2_sign(params, key)
        try:
            response = requests.post(
                self.base_url + "/pay/micropay",
                data=v2_xml(params).encode(),
                headers={"Content-Type": "text/xml; charset=utf-8"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise _unreachable(error)
        if response.status_code != 200:
            raise GatewayError(
                f"WeChat Pay micropay answered HTTP {response.status_code}", code="bad_response"
            )
        try:
            answer = v2_parse(response.content)
        except ValueError:
            raise GatewayError("WeChat Pay micropay answer is not XML", code="bad_response")
        if answer.get("return_code") != "SUCCESS":
            raise GatewayError(
                answer.get("return_msg") or "micropay refused", code=answer.get("return_code", "FAIL")
            )
        if not hmac.compare_digest(answer.get("sign", ""), v2_sign(answer, key)):
            raise GatewayError("WeChat Pay micropay answer signature is invalid", code="bad_response")
        if answer.get("result_code") == "SUCCESS":
            return ChargeStart(
                status=SUCCEEDED,
                action={"type": "none"},
                provider_trade_no=answer.get("transaction_id", ""),
                amount_fen=int(answer.get("total_fee") or request.amount_fen),
            )
        if answer.get("err_code") in MICROPAY_PENDING_CODES:
            return ChargeStart(status=PENDING, action={"type": "poll"})
        return ChargeStart(
            status=FAILED,
            action={"type": "none"},
            failure_reason=answer.get("err_code_des") or answer.get("err_code", ""),
        )


# --- v2 XML and signature (the sandbox's fake WeChat Pay speaks v2 with these too) -----------


def v2_sign(params: Mapping[str, str], key: str) -> str:
    """WeChat v2 HMAC-SHA256: non-empty params except ``sign``, sorted, "k=v&…&key=KEY",
    HMAC-SHA256 with the key, upper-case hex."""
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")
    return hmac.new(key.encode(), f"{text}&key={key}".encode(), hashlib.sha256).hexdigest().upper()


def v2_xml(params: Mapping[str, str]) -> str:
    return "<xml>" + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in params.items()) + "</xml>"


def v2_parse(content: bytes) -> dict[str, str]:
    """A flat v2 ``<xml>`` document as a dict. Refuses DTDs (no entity expansion, ever)."""
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise ValueError("DTDs are not accepted")
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise ValueError(str(error)) from None
    if root.tag != "xml":
        raise ValueError("not a WeChat v2 document")
    return {child.tag: (child.text or "") for child in root}


# --- decoding -------------------------------------------------------------------------------


def _notification_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The Wechatpay-* headers under the names wechatpayv3 reads, whatever their case (or their
    WSGI form, HTTP_WECHATPAY_…)."""
    lowered = {name.lower().replace("_", "-").removeprefix("http-"): value for name, value in headers.items()}
    found = {}
    for suffix in NOTIFICATION_HEADERS:
        value = lowered.get(f"wechatpay-{suffix}", "")
        if not value and suffix != "signature-type":
            raise InvalidNotification(f"missing Wechatpay-{suffix} header")
        found["Wechatpay-" + "-".join(part.capitalize() for part in suffix.split("-"))] = value
    found["Wechatpay-Signature-Type"] = found["Wechatpay-Signature-Type"] or SIGNATURE_TYPE
    return found


def _charge_status(data: Mapping[str, Any]) -> ChargeStatus:
    state = data.get("trade_state", "")
    if state not in TRADE_STATES:
        raise GatewayError(f"unknown trade_state {state!r}", code="bad_response")
    status = TRADE_STATES[state]
    paid = status == SUCCEEDED
    return ChargeStatus(
        out_trade_no=data["out_trade_no"],
        status=status,
        amount_fen=int(data["amount"]["total"]) if paid else None,
        provider_trade_no=data.get("transaction_id", ""),
        paid_at=dt.datetime.fromisoformat(data["success_time"])
        if paid and data.get("success_time")
        else None,
        raw=dict(data),
        failure_reason=data.get("trade_state_desc", "") if status == FAILED else "",
    )


def _refund_status(data: Mapping[str, Any]) -> RefundStatus:
    # Answers call it "status", refund notifications "refund_status".
    state = data.get("status") or data.get("refund_status", "")
    if state not in REFUND_STATES:
        raise GatewayError(f"unknown refund status {state!r}", code="bad_response")
    status = REFUND_STATES[state]
    return RefundStatus(
        out_refund_no=data["out_refund_no"],
        status=status,
        provider_refund_no=data.get("refund_id", ""),
        amount_fen=int(data["amount"]["refund"]),
        raw=dict(data),
        failure_reason={"ABNORMAL": "退款异常", "CLOSED": "退款关闭"}.get(state, ""),
    )


def _refund_refused(out_refund_no: str, data: Mapping[str, Any]) -> RefundStatus:
    """A refund WeChat will not make, with WeChat's message as the reason."""
    return RefundStatus(
        out_refund_no=out_refund_no, status=FAILED, raw=data, failure_reason=str(data.get("message", ""))
    )


def _unreachable(error: requests.RequestException) -> GatewayError:
    return GatewayError(f"WeChat Pay could not be reached ({type(error).__name__})", code="network_error")


def _refusal(code: int, data: Mapping[str, Any]) -> GatewayError:
    return GatewayError(
        f"WeChat Pay answered HTTP {code}: {data.get('message', '')}", code=str(data.get("code", code))
    )


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(clock.DEFAULT_ZONE).isoformat(timespec="seconds")
