"""Console pages for payments: the merchant's provider accounts (WeChat Pay, Alipay: sandbox or
live credentials, enabled or not; secrets are write-only and never shown back) and the log of
provider notifications."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.forms.orders import (
    PUBLIC_LABELS,
    SECRET_LABELS,
    LiveAccountForm,
    NotificationFilterForm,
)
from newretail.console.paging import paginate
from newretail.core.errors import DomainError
from newretail.payments import accounts
from newretail.payments.accounts import notify_url
from newretail.payments.actions.notifications import REJECTED
from newretail.payments.models import PaymentAccount, PaymentNotification
from newretail.tenancy.roles import Perm

P = PaymentAccount.Provider


def _provider(value: str) -> str:
    if value not in P.values:
        raise Http404
    return value


def _cards(request, bound: dict[str, LiveAccountForm] | None = None) -> list[dict]:
    """One card a provider; ``bound``: {provider: the live form just submitted, with its errors}."""
    bound = bound or {}
    accounts_of_merchant = PaymentAccount.objects.for_merchant(request.user.merchant_id)
    by_provider = {a.provider: a for a in accounts_of_merchant.select_related("updated_by")}
    cards = []
    for provider, label in P.choices:
        account = by_provider.get(provider)
        status = accounts.secret_status(account) if account is not None else {}
        cards.append(
            {
                "provider": provider,
                "label": label,
                "account": account,
                "public": [
                    (PUBLIC_LABELS[name], getattr(account, name)) for name in accounts.PUBLIC_FIELDS[provider]
                ]
                if account is not None
                else [],
                "secrets": [
                    (SECRET_LABELS[name], status.get(name, False))
                    for name in accounts.SECRET_FIELDS[provider]
                ],
                "notify_url": notify_url(account) if account is not None else "",
                "form": bound.get(provider) or LiveAccountForm(provider=provider, account=account),
                "open": provider in bound,
            }
        )
    return cards


@console_view(Perm.MERCHANT_MANAGE)
def payment_settings(request):
    return render(request, "console/payments/payment_settings.html", {"cards": _cards(request)})


def _settings_url() -> str:
    return reverse("console:payment_settings")


@console_view(Perm.MERCHANT_MANAGE)
@require_POST
def payment_sandbox(request, provider: str):
    provider = _provider(provider)
    try:
        accounts.set_up_sandbox_account(
            merchant_id=request.user.merchant_id, provider=provider, actor=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(provider)s now uses the sandbox: payments are simulated, no money moves.")
            % {"provider": P(provider).label},
        )
    return redirect(_settings_url())


@console_view(Perm.MERCHANT_MANAGE)
@require_POST
def payment_enabled(request, provider: str):
    provider = _provider(provider)
    enabled = request.POST.get("enabled") == "1"
    try:
        accounts.set_account_enabled(actor=request.user, provider=provider, enabled=enabled)
    except DomainError as error:
        if error.status == 403:
            raise
        messages.error(request, error.message if error.status != 404 else _("Set the account up first."))
    else:
        text = (
            _("%(provider)s is offered to shoppers.")
            if enabled
            else _("%(provider)s is no longer offered to shoppers.")
        )
        messages.success(request, text % {"provider": P(provider).label})
    return redirect(_settings_url())


@console_view(Perm.MERCHANT_MANAGE)
@require_POST
def payment_live(request, provider: str):
    provider = _provider(provider)
    account = PaymentAccount.objects.for_merchant(request.user.merchant_id).filter(provider=provider).first()
    form = LiveAccountForm(request.POST, provider=provider, account=account)
    if form.is_valid():
        try:
            accounts.save_live_account(
                actor=request.user, provider=provider, public=form.public(), secrets=form.secrets()
            )
        except DomainError as error:
            if error.status == 403:
                raise
            field = error.params.get("field")
            if field in form.fields:  # the action names the field by its key
                form.add_error(field, _("Missing or not valid."))
            else:
                form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Live credentials for %(provider)s saved.") % {"provider": P(provider).label}
            )
            return redirect(_settings_url())
    return render(
        request,
        "console/payments/payment_settings.html",
        {"cards": _cards(request, {provider: form})},
        status=400,
    )


@console_view(Perm.SYSTEM_MANAGE)
def payment_notification_list(request):
    form = NotificationFilterForm(request.GET or None)
    outcome = ""
    if form.is_bound and form.is_valid():
        outcome = form.cleaned_data["outcome"]
    rows = PaymentNotification.objects.for_merchant(request.user.merchant_id).select_related("account")
    if outcome == "rejected":
        rows = rows.filter(outcome__in=REJECTED)
    elif outcome:
        rows = rows.filter(outcome=outcome)
    context = {"form": form, **paginate(request, rows.order_by("-pk"))}
    return render(request, "console/payments/notification_list.html", context)


urlpatterns = [
    path("payments/settings/", payment_settings, name="payment_settings"),
    path("payments/settings/<str:provider>/sandbox/", payment_sandbox, name="payment_sandbox"),
    path("payments/settings/<str:provider>/enabled/", payment_enabled, name="payment_enabled"),
    path("payments/settings/<str:provider>/live/", payment_live, name="payment_live"),
    path("payments/notifications/", payment_notification_list, name="payment_notification_list"),
]
