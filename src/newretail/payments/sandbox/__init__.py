"""A local fake of WeChat Pay and Alipay that speaks their protocols (see ``transport`` for how
the adapters reach it in-process, ``trades`` for what each payment code does).

The two entry points other code calls are re-exported here; they import lazily because this
package is a Django app and its models load after the app registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newretail.payments.gateways.base import AlipayCredentials, WeChatCredentials


def provision_sandbox_credentials(
    provider: str, *, display_name: str = ""
) -> WeChatCredentials | AlipayCredentials:
    """See ``provisioning.provision_sandbox_credentials``."""
    from newretail.payments.sandbox.provisioning import provision_sandbox_credentials as provision

    return provision(provider, display_name=display_name)


def jsapi_cashier_url(params: Mapping[str, str], *, return_url: str = "") -> str:
    """See ``links.jsapi_cashier_url``."""
    from newretail.payments.sandbox.links import jsapi_cashier_url as url

    return url(params, return_url=return_url)
