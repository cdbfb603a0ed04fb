"""Dashboard figures. Each domain contributes a function (actor) -> list of stat dicts through
DASHBOARD_PROVIDERS, so the console home imports no domain's internals."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from newretail.tenancy.access import scoped_stores, scoped_warehouses
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def organisation_stats(actor: User) -> list[dict]:
    if not actor.has_perm_code(Perm.STORES_VIEW):
        return []
    return [
        {"label": _("Stores"), "value": scoped_stores(actor).count()},
        {"label": _("Warehouses"), "value": scoped_warehouses(actor).count()},
    ]


DASHBOARD_PROVIDERS: list[Callable[[User], list[dict]]] = [organisation_stats]


def register_dashboard(provider: Callable[[User], list[dict]]) -> Callable[[User], list[dict]]:
    if provider not in DASHBOARD_PROVIDERS:
        DASHBOARD_PROVIDERS.append(provider)
    return provider


def dashboard_widgets(actor: User) -> list[dict]:
    stats: list[dict] = []
    for provider in DASHBOARD_PROVIDERS:
        stats.extend(provider(actor))
    return stats
