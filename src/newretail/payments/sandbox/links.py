"""Addresses of the sandbox's pay pages (absolute, on PUBLIC_BASE_URL: a phone scanning a QR code
must be able to open them)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from newretail.payments.gateways import sandbox_base_url
from newretail.payments.sandbox.models import SandboxTrade


def wechat_cashier_url(trade: SandboxTrade) -> str:
    """A Native charge's code_url: the cashier a shopper reaches by scanning it."""
    return f"{sandbox_base_url('wechat')}/cashier/{trade.page_token}"


def jsapi_cashier_url(params: Mapping[str, str], *, return_url: str = "") -> str:
    """Where a sandbox shopper goes instead of ``wx.requestPayment(params)``: the cashier checks
    ``paySign`` like the WeChat client does, then offers to pay. ``return_url`` (on this site)
    becomes the 完成 link of the result page."""
    query = {
        key: params[key]
        for key in ("appId", "timeStamp", "nonceStr", "package", "signType", "paySign")
        if key in params
    }
    if return_url:
        query["return_url"] = return_url
    return f"{sandbox_base_url('wechat')}/jsapi?{urlencode(query)}"
