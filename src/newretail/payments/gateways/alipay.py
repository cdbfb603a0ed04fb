"""Alipay (支付宝开放平台, public-key mode, RSA2) through python-alipay-sdk.

Choices (see docs/decisions.md):

- Page and WAP payments are signed URLs on the gateway; nothing is sent until the shopper opens
  them, and Alipay creates the trade only then. So ``query`` answers PENDING for
  ``ACQ.TRADE_NOT_EXIST`` (with ``raw["sub_code"]``): the adapter cannot know the charge's age,
  the payment domain does, and it ends an unopened charge by its deadline with ``close`` (which
  treats a trade that never existed as closed). ``time_expire`` is always sent when the charge
  has ``expires_at``, so a signed URL cannot be paid after it.
- ``TRADE_CLOSED`` means "closed unpaid" or "paid, then refunded in full"; the second carries a
  payment time (``send_pay_date`` / ``gmt_payment``) and stays SUCCEEDED: refunds are reported
  as refunds.
- A notification with ``out_biz_no`` is a refund notification (Alipay reuses trade_status_sync
  for refunds); it is decoded as a succeeded refund whose amount it does not state.
- ``alipay.trade.refund`` answers at once; ``fund_change="Y"`` is a refund made now, and any other
  successful answer (a replay) is settled by ``alipay.trade.fastpay.refund.query``.
- Bar-code pay: 10000 paid, 10003 waiting for the buyer's password, 20000 unknown (query, as
  Alipay says), 40004 refused.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qsl

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig

from newretail.core import clock
from newretail.core.money import MoneyFormatError, fen_to_yuan, yuan_to_fen
from newretail.payments.gateways.base import (
    ALIPAY_MICROPAY,
    ALIPAY_PAGE,
    ALIPAY_WAP,
    FAILED,
    PENDING,
    SUCCEEDED,
    Acknowledgement,
    AlipayCredentials,
    ChargeRequest,
    ChargeStart,
    ChargeStatus,
    GatewayError,
    InvalidNotification,
    Notification,
    RefundRequest,
    RefundStatus,
)

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

TRADE_STATES = {
    "WAIT_BUYER_PAY": PENDING,
    "TRADE_SUCCESS": SUCCEEDED,
    "TRADE_FINISHED": SUCCEEDED,
    "TRADE_CLOSED": FAILED,
}
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"


class AlipayGateway:
    """The ``Gateway`` of base.py for one Alipay application."""

    provider = "alipay"

    def __init__(self, credentials: AlipayCredentials, *, base_url: str, timeout: float = 15) -> None:
        self.credentials = credentials
        self.base_url = base_url
        try:
            self._alipay = AliPay(
                appid=credentials.app_id,
                app_notify_url=None,
                app_private_key_string=credentials.app_private_key_pem,
                alipay_public_key_string=credentials.alipay_public_key_pem,
                sign_type="RSA2",
                config=AliPayConfig(timeout=timeout),
            )
        except (ValueError, IndexError, TypeError):  # pycryptodome's answers to an unreadable key
            raise GatewayError("Alipay keys could not be loaded", code="bad_credentials")
        self._alipay._gateway = base_url

    # --- charges ----------------------------------------------------------------------------

    def charge(self, kind: str, request: ChargeRequest) -> ChargeStart:
        """Page/WAP: a signed redirect to the Alipay cashier. Bar code: pay at once and answer
        the outcome (succeeded, failed, or poll while the buyer confirms)."""
        if request.amount_fen <= 0:
            raise ValueError("amount_fen must be positive")
        subject = _subject(request.description)
        extra: dict[str, str] = {}
        if request.expires_at:
            extra["time_expire"] = request.expires_at.astimezone(clock.DEFAULT_ZONE).strftime(TIME_FORMAT)
        if kind in (ALIPAY_PAGE, ALIPAY_WAP):
            common = {
                "subject": subject,
                "out_trade_no": request.out_trade_no,
                "total_amount": _yuan(request.amount_fen),
                "return_url": request.return_url or None,
                "notify_url": request.notify_url or None,
                **extra,
            }
            if kind == ALIPAY_PAGE:
                signed = self._alipay.api_alipay_trade_page_pay(**common)
            else:
                # The SDK sends QUICK_WAP_PAY; Alipay's product code for 手机网站支付 is QUICK_WAP_WAY.
                signed = self._alipay.api_alipay_trade_wap_pay(
                    **common,
                    product_code="QUICK_WAP_WAY",
                    **({"quit_url": request.return_url} if request.return_url else {}),
                )
            return ChargeStart(
                status=PENDING, action={"type": "redirect", "url": f"{self.base_url}?{signed}"}
            )
        if kind != ALIPAY_MICROPAY:
            raise ValueError(f"Alipay cannot charge {kind!r}")
        answer = self._call(
            "api_alipay_trade_pay",
            out_trade_no=request.out_trade_no,
            scene="bar_code",
            auth_code=request.auth_code,
            subject=subject,
            notify_url=request.notify_url or None,
            total_amount=_yuan(request.amount_fen),
        )
        code = answer.get("code")
        if code == "10000":
            return ChargeStart(
                status=SUCCEEDED,
                action={"type": "none"},
                provider_trade_no=answer.get("trade_no", ""),
                amount_fen=_fen(answer.get("total_amount")) or request.amount_fen,
            )
        if code in ("10003", "20000"):
            return ChargeStart(
                status=PENDING, action={"type": "poll"}, provider_trade_no=answer.get("trade_no", "")
            )
        if code == "40004":
            return ChargeStart(
                status=FAILED,
                action={"type": "none"},
                failure_reason=answer.get("sub_msg") or answer.get("sub_code", ""),
            )
        raise _refusal(answer)

    def query(self, out_trade_no: str) -> ChargeStatus:
        """The trade as Alipay sees it; a trade Alipay does not know (yet) is PENDING."""
        answer = self._call("api_alipay_trade_query", out_trade_no=out_trade_no)
        if answer.get("code") == "40004" and answer.get("sub_code") == TRADE_NOT_EXIST:
            return ChargeStatus(out_trade_no=out_trade_no, status=PENDING, amount_fen=None, raw=answer)
        if answer.get("code") != "10000":
            raise _refusal(answer)
        state = answer.get("trade_status", "")
        if state not in TRADE_STATES:
            raise GatewayError(f"unknown trade_status {state!r}", code="bad_response")
        return _charge_status(
            answer,
            out_trade_no=answer.get("out_trade_no", out_trade_no),
            state=state,
            paid_at=_time(answer.get("send_pay_date")),
            amount_fen=lambda: _fen(answer.get("total_amount")),
        )

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid trade; a trade Alipay never created counts as closed. A paid one
        raises ``GatewayError`` (code ``ACQ.TRADE_STATUS_ERROR``)."""
        answer = self._call("api_alipay_trade_close", out_trade_no=out_trade_no)
        if answer.get("code") == "10000" or answer.get("sub_code") == TRADE_NOT_EXIST:
            return
        raise _refusal(answer)

    # --- refunds ----------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundStatus:
        """Refund synchronously with out_request_no = out_refund_no (a replay refunds nothing
        twice). Business refusals are FAILED with Alipay's words; ACQ.SYSTEM_ERROR and 20000
        raise ``GatewayError`` so the caller retries with the same number."""
        if request.amount_fen <= 0 or request.amount_fen > request.charge_amount_fen:
            raise ValueError("the refund must be positive and at most the charge")
        answer = self._call(
            "api_alipay_trade_refund",
            refund_amount=_yuan(request.amount_fen),
            out_trade_no=request.out_trade_no,
            out_request_no=request.out_refund_no,
            **({"refund_reason": request.reason[:256]} if request.reason else {}),
        )
        if answer.get("code") == "10000":
            if answer.get("fund_change") == "Y":
                return RefundStatus(
                    out_refund_no=request.out_refund_no,
                    status=SUCCEEDED,
                    amount_fen=request.amount_fen,
                    raw=answer,
                )
            return self.query_refund(request.out_refund_no, out_trade_no=request.out_trade_no)
        if answer.get("code") == "40004" and answer.get("sub_code") != "ACQ.SYSTEM_ERROR":
            return RefundStatus(
                out_refund_no=request.out_refund_no,
                status=FAILED,
                raw=answer,
                failure_reason=answer.get("sub_msg") or answer.get("sub_code", ""),
            )
        raise _refusal(answer)

    def query_refund(self, out_refund_no: str, *, out_trade_no: str) -> RefundStatus:
        """Alipay's rule: a refund the query returns is made; none returned means not made
        (FAILED; refunding again with the same number is safe)."""
        answer = self._call(
            "api_alipay_trade_fastpay_refund_query", out_request_no=out_refund_no, out_trade_no=out_trade_no
        )
        if answer.get("code") == "40004" and answer.get("sub_code") == TRADE_NOT_EXIST:
            return RefundStatus(
                out_refund_no=out_refund_no, status=FAILED, raw=answer, failure_reason="交易不存在"
            )
        if answer.get("code") != "10000":
            raise _refusal(answer)
        made = answer.get("refund_status") == "REFUND_SUCCESS" or (
            "refund_status" not in answer and bool(answer.get("refund_amount"))
        )
        if not made:
            return RefundStatus(
                out_refund_no=out_refund_no, status=FAILED, raw=answer, failure_reason="未查询到退款"
            )
        return RefundStatus(
            out_refund_no=answer.get("out_request_no", out_refund_no),
            status=SUCCEEDED,
            amount_fen=_fen(answer.get("refund_amount")),
            raw=answer,
        )

    # --- notifications ----------------------------------------------------------------------

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify an asynchronous notification (a form POST): RSA2 ``sign`` over the sorted
        params without sign and sign_type, with the Alipay public key (the SDK's ``verify``);
        it must be for this app_id."""
        try:
            text = body.decode("utf-8")
            params = dict(
                parse_qsl(
                    text, keep_blank_values=True, strict_parsing=True, encoding="utf-8", errors="strict"
                )
            )
        except (UnicodeDecodeError, ValueError):
            raise InvalidNotification("the body is not a UTF-8 form")
        signature = params.pop("sign", "")
        if not signature:
            raise InvalidNotification("unsigned notification")
        if params.get("sign_type", "RSA2") != "RSA2":
            raise InvalidNotification("only RSA2 notifications are accepted")
        try:
            verified = self._alipay.verify(dict(params), signature)
        except (ValueError, TypeError, AliPayException):  # bad base64, wrong signature length
            verified = False
        if not verified:
            raise InvalidNotification("bad signature")
        if params.get("app_id") != self.credentials.app_id:
            raise InvalidNotification("the notification is for another app_id")
        params.pop("sign_type", None)
        try:
            return _notification(params)
        except (KeyError, MoneyFormatError, ValueError) as error:
            raise InvalidNotification(f"unexpected notification ({type(error).__name__})")

    def acknowledge(self, ok: bool) -> Acknowledgement:
        """Alipay stops sending when the body is exactly "success"."""
        return Acknowledgement(
            status=200, content_type="text/plain; charset=utf-8", body=b"success" if ok else b"fail"
        )

    # --- internals --------------------------------------------------------------------------

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """One signed server call; answers that are unsigned (Alipay's gateway errors such as
        isv.invalid-signature), badly signed, or unreachable become ``GatewayError``."""
        try:
            answer = getattr(self._alipay, method)(**kwargs)
        except AliPayException as error:
            # The SDK keeps Alipay's raw answer in a name-mangled attribute.
            raise _unsigned_refusal(getattr(error, "_AliPayException__message", ""))
        except AliPayValidationError:
            raise GatewayError("Alipay answer signature is invalid", code="bad_response")
        except (URLError, OSError) as error:
            raise GatewayError(f"Alipay could not be reached ({type(error).__name__})", code="network_error")
        except ValueError:
            raise GatewayError("Alipay answered something that is not JSON", code="bad_response")
        return answer if isinstance(answer, dict) else {}


def _notification(params: Mapping[str, str]) -> Notification:
    if params.get("out_biz_no"):
        return Notification(
            refund=RefundStatus(
                out_refund_no=params["out_biz_no"], status=SUCCEEDED, amount_fen=None, raw=dict(params)
            )
        )
    state = params["trade_status"]
    if state not in TRADE_STATES:
        raise ValueError(state)
    return Notification(
        charge=_charge_status(
            params,
            out_trade_no=params["out_trade_no"],
            state=state,
            paid_at=_time(params.get("gmt_payment")),
            amount_fen=lambda: yuan_to_fen(params["total_amount"]),
        )
    )


def _charge_status(
    data: Mapping[str, Any],
    *,
    out_trade_no: str,
    state: str,
    paid_at: dt.datetime | None,
    amount_fen: Callable[[], int | None],
) -> ChargeStatus:
    """A trade from a query answer or a notification (``state`` is one of TRADE_STATES).
    ``amount_fen`` is read only for a paid trade."""
    status = TRADE_STATES[state]
    if state == "TRADE_CLOSED" and paid_at:  # paid, then refunded in full
        status = SUCCEEDED
    paid = status == SUCCEEDED
    return ChargeStatus(
        out_trade_no=out_trade_no,
        status=status,
        amount_fen=amount_fen() if paid else None,
        provider_trade_no=data.get("trade_no", ""),
        paid_at=paid_at if paid else None,
        raw=dict(data),
        failure_reason="交易已关闭" if status == FAILED else "",
    )


def _yuan(fen: int) -> str:
    return str(fen_to_yuan(fen))


def _fen(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return yuan_to_fen(str(value))
    except MoneyFormatError:
        raise GatewayError(f"Alipay sent an unreadable amount {value!r}", code="bad_response")


def _time(value: str | None) -> dt.datetime | None:
    """Alipay's "yyyy-MM-dd HH:mm:ss" (Beijing time), sometimes with milliseconds."""
    if not value:
        return None
    return dt.datetime.strptime(value[:19], TIME_FORMAT).replace(tzinfo=clock.DEFAULT_ZONE)


def _subject(description: str) -> str:
    # Alipay refuses "/", "=" and "&" in a subject.
    return "".join(" " if ch in "/=&" else ch for ch in description).strip()[:256] or "-"


def _refusal(answer: Mapping[str, Any]) -> GatewayError:
    return GatewayError(
        f"Alipay answered {answer.get('code')}: {answer.get('sub_msg') or answer.get('msg', '')}",
        code=str(answer.get("sub_code") or answer.get("code") or ""),
    )


def _unsigned_refusal(raw: str) -> GatewayError:
    try:
        document = json.loads(raw)
    except ValueError:
        return GatewayError("Alipay refused the request", code="bad_response")
    inner: Any = next((value for key, value in document.items() if key.endswith("_response")), {})
    return _refusal(inner if isinstance(inner, dict) else {})
