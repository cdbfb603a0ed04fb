"""A merchant's provider accounts: the sandbox (provisioned with fresh local keys) or live
credentials entered in the console. Secrets are sealed by ``payments.secrets``; what is shown
back is only whether each one is set."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction

from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.payments import secrets as sealed
from newretail.payments.errors import PaymentError
from newretail.payments.gateways import build_gateway
from newretail.payments.gateways.base import AlipayCredentials, Gateway, WeChatCredentials
from newretail.payments.models import PaymentAccount
from newretail.payments.sandbox import provision_sandbox_credentials
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import Merchant, User
from newretail.tenancy.roles import Perm

P = PaymentAccount.Provider
# Secret fields of each provider's credentials (sealed), and the public ones (columns).
SECRET_FIELDS = {
    P.WECHAT: ("private_key_pem", "apiv3_key", "platform_public_key_pem", "api_v2_key"),
    P.ALIPAY: ("app_private_key_pem", "alipay_public_key_pem"),
}
PUBLIC_FIELDS = {
    P.WECHAT: ("app_id", "mch_id", "cert_serial_no", "platform_public_key_id"),
    P.ALIPAY: ("app_id",),
}
PRIVATE_KEYS = ("private_key_pem", "app_private_key_pem")
PUBLIC_KEYS = ("platform_public_key_pem", "alipay_public_key_pem")
THIRTY_TWO_CHARACTERS = ("apiv3_key", "api_v2_key")


def credentials_of(account: PaymentAccount) -> WeChatCredentials | AlipayCredentials:
    """The account's full credentials (secrets unsealed), for building its gateway only."""
    secrets = sealed.unseal(account.secrets)
    if account.provider == P.WECHAT:
        return WeChatCredentials(
            mchid=account.mch_id,
            appid=account.app_id,
            cert_serial_no=account.cert_serial_no,
            private_key_pem=secrets["private_key_pem"],
            apiv3_key=secrets["apiv3_key"],
            platform_public_key_pem=secrets["platform_public_key_pem"],
            platform_public_key_id=account.platform_public_key_id,
            api_v2_key=secrets.get("api_v2_key", ""),
        )
    return AlipayCredentials(
        app_id=account.app_id,
        app_private_key_pem=secrets["app_private_key_pem"],
        alipay_public_key_pem=secrets["alipay_public_key_pem"],
    )


def gateway_for(account: PaymentAccount) -> Gateway:
    return build_gateway(
        account.provider, credentials_of(account), sandbox=account.mode == PaymentAccount.Mode.SANDBOX
    )


def notify_url(account: PaymentAccount) -> str:
    """Where the provider posts this account's payment and refund notifications."""
    return f"{settings.PUBLIC_BASE_URL}/payments/notify/{account.provider}/{account.pk}/"


def enabled_account(merchant_id: int, provider: str) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(merchant_id=merchant_id, provider=provider, is_enabled=True).first()


def secret_status(account: PaymentAccount) -> dict[str, bool]:
    """{secret field: is it set} — what the console may show about secrets."""
    try:
        secrets = sealed.unseal(account.secrets)
    except sealed.SecretsUnreadable:
        secrets = {}
    return {name: bool(secrets.get(name)) for name in SECRET_FIELDS[account.provider]}


def _public_values(provider: str, credentials: WeChatCredentials | AlipayCredentials) -> dict[str, str]:
    if isinstance(credentials, WeChatCredentials):
        return {
            "app_id": credentials.appid,
            "mch_id": credentials.mchid,
            "cert_serial_no": credentials.cert_serial_no,
            "platform_public_key_id": credentials.platform_public_key_id,
        }
    return {"app_id": credentials.app_id, "mch_id": "", "cert_serial_no": "", "platform_public_key_id": ""}


def _secret_values(credentials: WeChatCredentials | AlipayCredentials) -> dict[str, str]:
    if isinstance(credentials, WeChatCredentials):
        return {
            "private_key_pem": credentials.private_key_pem,
            "apiv3_key": credentials.apiv3_key,
            "platform_public_key_pem": credentials.platform_public_key_pem,
            "api_v2_key": credentials.api_v2_key,
        }
    return {
        "app_private_key_pem": credentials.app_private_key_pem,
        "alipay_public_key_pem": credentials.alipay_public_key_pem,
    }


@transaction.atomic
def set_up_sandbox_account(*, merchant_id: int, provider: str, actor: User | None = None) -> PaymentAccount:
    """Point the merchant's ``provider`` account at the local sandbox with freshly generated keys
    (the demo and tests pay this way). Replaces live credentials if there were any (audited)."""
    if not settings.PAYMENT_SANDBOX:
        raise DomainError(PaymentError.SANDBOX_DISABLED)
    if provider not in P.values:
        raise DomainError(PaymentError.INVALID_CREDENTIALS, field="provider")
    merchant = Merchant.objects.get(pk=merchant_id)
    credentials = provision_sandbox_credentials(provider, display_name=merchant.name)
    account, _created = PaymentAccount.objects.update_or_create(
        merchant_id=merchant_id,
        provider=provider,
        defaults={
            **_public_values(provider, credentials),
            "mode": PaymentAccount.Mode.SANDBOX,
            "secrets": sealed.seal(_secret_values(credentials)),
            "is_enabled": True,
            "updated_by": actor,
        },
    )
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="payments.account_sandbox",
        obj=account,
        after={"provider": provider, "mode": account.mode},
    )
    return account


def _check_secret(name: str, value: str) -> None:
    try:
        if name in PRIVATE_KEYS:
            serialization.load_pem_private_key(value.encode(), password=None)
        elif name in PUBLIC_KEYS:
            serialization.load_pem_public_key(value.encode())
        elif name in THIRTY_TWO_CHARACTERS and len(value) != 32:
            raise ValueError(name)
    except (ValueError, TypeError):
        raise DomainError(PaymentError.INVALID_CREDENTIALS, field=name) from None


@transaction.atomic
def save_live_account(
    *, actor: User, provider: str, public: dict[str, str], secrets: dict[str, str]
) -> PaymentAccount:
    """Store live credentials for ``provider``. Needs ``merchant.manage``. A blank secret keeps the
    stored one (the console never shows them back); keys are checked to load before anything is
    written. The audit entry names the fields changed, never their values."""
    require_perm(actor, Perm.MERCHANT_MANAGE)
    if provider not in P.values:
        raise DomainError(PaymentError.INVALID_CREDENTIALS, field="provider")
    account = (
        PaymentAccount.objects.select_for_update()
        .filter(merchant_id=actor.merchant_id, provider=provider)
        .first()
    )
    stored: dict[str, str] = {}
    if account is not None and account.mode == PaymentAccount.Mode.LIVE:
        try:
            stored = sealed.unseal(account.secrets)
        except sealed.SecretsUnreadable:
            stored = {}
    values = {}
    for name in PUBLIC_FIELDS[provider]:
        value = (public.get(name) or "").strip()
        if not value or len(value) > 64:
            raise DomainError(PaymentError.INVALID_CREDENTIALS, field=name)
        values[name] = value
    merged = {}
    for name in SECRET_FIELDS[provider]:
        value = (secrets.get(name) or "").strip() or stored.get(name, "")
        if not value and not (name == "api_v2_key"):
            raise DomainError(PaymentError.INVALID_CREDENTIALS, field=name)
        if value:
            _check_secret(name, value)
        merged[name] = value
    changed = sorted(name for name in SECRET_FIELDS[provider] if (secrets.get(name) or "").strip())
    before = None
    if account is not None:
        before = {"mode": account.mode, **{name: getattr(account, name) for name in PUBLIC_FIELDS[provider]}}
    account, _created = PaymentAccount.objects.update_or_create(
        merchant_id=actor.merchant_id,
        provider=provider,
        defaults={
            **values,
            "mode": PaymentAccount.Mode.LIVE,
            "secrets": sealed.seal(merged),
            "is_enabled": True,
            "updated_by": actor,
        },
    )
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="payments.account_live",
        obj=account,
        before=before,
        after={"mode": account.mode, **values, "secrets_changed": changed},
    )
    return account


@transaction.atomic
def set_account_enabled(*, actor: User, provider: str, enabled: bool) -> PaymentAccount:
    """Offer ``provider`` to shoppers or not (charges already started still settle)."""
    require_perm(actor, Perm.MERCHANT_MANAGE)
    account = get_owned(PaymentAccount.objects.select_for_update(), actor.merchant_id, provider=provider)
    PaymentAccount.objects.filter(pk=account.pk).update(is_enabled=enabled, updated_by=actor)
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="payments.account_enabled" if enabled else "payments.account_disabled",
        obj=account,
        before={"is_enabled": account.is_enabled},
        after={"is_enabled": enabled},
    )
    account.is_enabled = enabled
    return account
