"""Create, edit, pause, resume and delete bargain campaigns (needs ``marketing.manage``; audited).
Every value is checked before anything is written: a window that ends before it starts, another
merchant's SKU, a start price above the list price, a floor at or above the start, fewer fen
between start and floor than helpers (each cut is at least 1 fen), stock below what is sold,
the SKU changed once bargains exist. Bargains already running keep the prices and K they
started with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from newretail.catalog.queries import live_skus
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.marketing.actions.promotions import auditable, clean_window, whole_number
from newretail.marketing.bargain.errors import BargainError
from newretail.marketing.bargain.models import Bargain, BargainCampaign
from newretail.marketing.switching import switch_status
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

E = BargainError.INVALID
MAX_FEN = 100_000_000
MAX_HELPERS = 100
MAX_HOURS = 7 * 24
MAX_STOCK = 1_000_000
MAX_DAYS = 92
FIELDS = (
    "name",
    "sku_id",
    "start_price_fen",
    "floor_price_fen",
    "helpers_needed",
    "hours_to_finish",
    "stock",
    "per_member_limit",
    "starts_at",
    "ends_at",
)


def invalid(field: str, problem: str) -> DomainError:
    return DomainError(E, field=field, problem=problem)


def clean_campaign(merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Checked and normalised fields; raises on the first problem."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("is not a bargain field"))
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 50:
        raise invalid("name", _("must be 1 to 50 characters"))
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    clean_window(starts_at, ends_at, error=E)
    if ends_at - starts_at > dt.timedelta(days=MAX_DAYS):
        raise invalid("ends_at", _("a bargain campaign lasts at most %(days)s days") % {"days": MAX_DAYS})
    sku_id = whole_number(data.get("sku_id"), "sku_id", 1, 2**62, error=E)
    sku = live_skus(merchant_id).filter(pk=sku_id).first()
    if sku is None:
        raise invalid("sku_id", _("is not one of your products"))
    start = whole_number(data.get("start_price_fen"), "start_price_fen", 1, MAX_FEN, error=E)
    floor = whole_number(data.get("floor_price_fen"), "floor_price_fen", 0, MAX_FEN, error=E)
    helpers = whole_number(data.get("helpers_needed"), "helpers_needed", 1, MAX_HELPERS, error=E)
    if start > sku.price_fen:
        raise invalid("start_price_fen", _("cannot be above the list price"))
    if floor >= start:
        raise invalid("floor_price_fen", _("must be below the start price"))
    if start - floor < helpers:
        raise invalid(
            "helpers_needed",
            _("each helper cuts at least ¥0.01: at most %(n)s helpers for these prices")
            % {"n": start - floor},
        )
    return {
        "name": name,
        "sku_id": sku_id,
        "start_price_fen": start,
        "floor_price_fen": floor,
        "helpers_needed": helpers,
        "hours_to_finish": whole_number(
            data.get("hours_to_finish", 24), "hours_to_finish", 1, MAX_HOURS, error=E
        ),
        "stock": whole_number(data.get("stock"), "stock", 1, MAX_STOCK, error=E),
        "per_member_limit": whole_number(data.get("per_member_limit", 1), "per_member_limit", 1, 99, error=E),
        "starts_at": starts_at,
        "ends_at": ends_at,
    }


@transaction.atomic
def create_campaign(*, actor: User, **data: Any) -> BargainCampaign:
    """Create a bargain campaign (needs ``marketing.manage``); audited."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    fields = clean_campaign(merchant_id, data)
    campaign = BargainCampaign.objects.create(merchant_id=merchant_id, **fields)
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="bargain.campaign_created",
        obj=campaign,
        before={},
        after=auditable(fields),
    )
    return campaign


@transaction.atomic
def update_campaign(*, actor: User, campaign_id: int, **data: Any) -> BargainCampaign:
    """Replace a campaign's settings. New bargains use them; running ones keep theirs. The stock
    cannot go below what is sold, and the SKU is fixed once a member started a bargain."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    campaign = get_owned(BargainCampaign.objects.select_for_update(), merchant_id, pk=campaign_id)
    fields = clean_campaign(merchant_id, data)
    if fields["sku_id"] != campaign.sku_id and Bargain.objects.filter(campaign=campaign).exists():
        raise invalid("sku_id", _("cannot change once members have started bargains"))
    if fields["stock"] < campaign.sold:
        raise invalid("stock", _("cannot be below what is sold (%(sold)s)") % {"sold": campaign.sold})
    before = auditable({name: getattr(campaign, name) for name in fields})
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="bargain.campaign_updated",
        obj=campaign,
        before=before,
        after=auditable(fields),
    )
    return campaign


@transaction.atomic
def set_campaign_status(*, actor: User, campaign_id: int, status: str) -> BargainCampaign:
    """Pause or resume (暂停 / 恢复): paused, nobody can start, help or buy; nothing is lost."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    if status not in BargainCampaign.Status.values:
        raise invalid("status", _("is not a bargain campaign status"))
    campaign, _changed = switch_status(
        actor=actor,
        merchant_id=merchant_id,
        model=BargainCampaign,
        pk=campaign_id,
        status=status,
        audit_action="bargain.campaign_status",
    )
    return campaign


@transaction.atomic
def delete_campaign(*, actor: User, campaign_id: int) -> None:
    """Delete a campaign nobody has started a bargain in (otherwise pause it: its bargains,
    cuts and orders stay explainable)."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    campaign = get_owned(BargainCampaign.objects.select_for_update(), merchant_id, pk=campaign_id)
    if Bargain.objects.filter(campaign=campaign).exists():
        raise DomainError(BargainError.IN_USE)
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="bargain.campaign_deleted",
        obj=campaign,
        before=auditable({name: getattr(campaign, name) for name in FIELDS}),
        after={},
    )
    campaign.delete()


def campaign_fields(campaign: BargainCampaign) -> dict[str, Any]:
    """A campaign's editable fields in the shape ``update_campaign`` takes."""
    return {name: getattr(campaign, name) for name in FIELDS}
