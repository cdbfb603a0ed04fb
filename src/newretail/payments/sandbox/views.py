"""The sandbox's read-only overview: recent trades, refunds and notifications with their
delivery status, and the payment-code rules. Staff only, or anyone in DEBUG."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from newretail.payments.sandbox.models import SandboxNotification, SandboxRefund, SandboxTrade
from newretail.payments.sandbox.pages import Brand

LIMIT = 50
SANDBOX = Brand("sandbox", "支付沙箱", "#4e5969", "")


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = getattr(request, "user", None)
    if not (settings.DEBUG or (user is not None and user.is_authenticated and user.is_staff)):
        raise Http404  # like any page that does not exist: the sandbox is not advertised
    return render(
        request,
        "sandbox/overview.html",
        {
            "brand": SANDBOX,
            "trades": SandboxTrade.objects.select_related("merchant")[:LIMIT],
            "refunds": SandboxRefund.objects.select_related("trade__merchant")[:LIMIT],
            "notifications": SandboxNotification.objects.select_related("merchant")[:LIMIT],
        },
    )
