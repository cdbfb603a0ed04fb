"""The sandbox's pages for people: one small standalone cashier in two liveries (微信支付 green,
支付宝 blue), its result pages, and what confirming or failing a payment does."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from newretail.payments.gateways.base import MICROPAY_KINDS
from newretail.payments.sandbox import alipay_protocol, trades
from newretail.payments.sandbox.models import SandboxTrade


@dataclass(frozen=True)
class Brand:
    key: str
    name: str
    colour: str
    cashier_url_name: str


WECHAT = Brand("wechat", "微信支付", "#07c160", "payments_sandbox:wechat_cashier")
ALIPAY = Brand("alipay", "支付宝", "#1677ff", "payments_sandbox:alipay_cashier")


def safe_return_url(url: str) -> str:
    """``url`` if it points back at this installation over http(s), else "" (no open links)."""
    host = urlsplit(settings.PUBLIC_BASE_URL).netloc
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={host}, require_https=False):
        return url
    return ""


def trade_for_page(token: str, *, provider: str) -> SandboxTrade:
    """The trade whose pay page ``token`` names at ``provider`` (closed first if its deadline has
    passed). Payment codes have no pay page: Http404, as for an unknown token."""
    trade = (
        SandboxTrade.objects.select_related("merchant")
        .filter(page_token=token, merchant__provider=provider)
        .exclude(kind__in=MICROPAY_KINDS)
        .first()
    )
    if trade is None:
        raise Http404
    return trades.expire_if_due(trade)


def cashier(request: HttpRequest, trade: SandboxTrade, *, brand: Brand, return_url: str = "") -> HttpResponse:
    """The cashier of an unpaid trade, or the page saying why it cannot be paid."""
    if trade.status == SandboxTrade.Status.PAID:
        return result(request, trade, brand=brand, paid=True, return_url=return_url)
    if trade.status != SandboxTrade.Status.UNPAID:
        return problem(
            request, brand=brand, title="订单已关闭", message="该订单已关闭或已失效，请返回商户重新下单。"
        )
    return render(
        request,
        "sandbox/cashier.html",
        {
            "brand": brand,
            "trade": trade,
            "action": reverse(brand.cashier_url_name, args=[trade.page_token]),
            "return_url": return_url,
        },
    )


def settle_from_cashier(
    request: HttpRequest, trade: SandboxTrade, *, brand: Brand, return_url: str = ""
) -> HttpResponse:
    """The buyer's choice on the cashier: 确认支付 pays (and records the provider's
    notification); 模拟支付失败 leaves the trade unpaid, as a refused attempt does at both
    providers, and shows why. Alipay buyers then return to return_url with signed params."""
    if request.POST.get("action") == "fail":
        SandboxTrade.objects.filter(pk=trade.pk).update(failure_message="买家模拟支付失败")
        return render(
            request,
            "sandbox/result.html",
            {
                "brand": brand,
                "trade": trade,
                "paid": False,
                "retry_url": request.path,
                "return_url": return_url,
            },
        )
    if not trades.pay_trade(trade) and trade.status != SandboxTrade.Status.PAID:
        return problem(
            request, brand=brand, title="支付失败", message="该订单已关闭或已失效，请返回商户重新下单。"
        )
    trade.refresh_from_db()
    if brand is ALIPAY and trade.return_url:
        separator = "&" if "?" in trade.return_url else "?"
        return HttpResponseRedirect(
            trade.return_url + separator + urlencode(alipay_protocol.return_params(trade))
        )
    return result(request, trade, brand=brand, paid=True, return_url=return_url)


def result(
    request: HttpRequest, trade: SandboxTrade, *, brand: Brand, paid: bool, return_url: str = ""
) -> HttpResponse:
    return render(
        request,
        "sandbox/result.html",
        {"brand": brand, "trade": trade, "paid": paid, "return_url": return_url},
    )


def problem(
    request: HttpRequest, *, brand: Brand, title: str, message: str, status: int = 200
) -> HttpResponse:
    return render(
        request, "sandbox/problem.html", {"brand": brand, "title": title, "message": message}, status=status
    )
