"""Create, edit, pause and resume group-buy campaigns (needs ``marketing.manage``; audited). Every
value is checked before anything is written: an end before the start, a group price not below
the list price, a leader discount that would make the leader's price zero, another merchant's
SKU, a SKU in two group buys at the same time, an item that already has groups removed. Groups
keep the size and prices they were opened with; an edit applies to groups opened afterwards."""

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
from newretail.marketing.groupbuy.errors import GroupBuyError
from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyItem
from newretail.marketing.switching import overlapping_item, switch_status
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

MAX_FEN = 100_000_000
MAX_ITEMS = 20
MAX_DAYS = 92
E = GroupBuyError.INVALID
FIELDS = (
    "name",
    "starts_at",
    "ends_at",
    "group_size",
    "fill_minutes",
    "per_member_limit",
    "leader_discount_fen",
    "new_members_only",
    "unpaid_minutes",
    "items",
)


def invalid(field: str, problem: str) -> DomainError:
    return DomainError(E, field=field, problem=problem)


def _items(merchant_id: int, value: Any, leader_discount_fen: int) -> list[dict[str, int]]:
    if not isinstance(value, (list, tuple)) or not value:
        raise invalid("items", _("add at least one product"))
    if len(value) > MAX_ITEMS:
        raise invalid("items", _("at most %(n)s products") % {"n": MAX_ITEMS})
    items = []
    for index, row in enumerate(value, start=1):
        if not isinstance(row, Mapping):
            raise invalid(f"items.{index}", _("must be an object"))
        items.append(
            {
                "sku_id": whole_number(row.get("sku_id"), f"items.{index}.sku_id", 1, 2**62, error=E),
                "group_price_fen": whole_number(
                    row.get("group_price_fen"), f"items.{index}.group_price_fen", 1, MAX_FEN, error=E
                ),
            }
        )
    sku_ids = [item["sku_id"] for item in items]
    if len(set(sku_ids)) != len(sku_ids):
        raise invalid("items", _("lists a product twice"))
    skus = {sku.pk: sku for sku in live_skus(merchant_id).filter(pk__in=sku_ids)}
    for index, item in enumerate(items, start=1):
        sku = skus.get(item["sku_id"])
        if sku is None:
            raise invalid(f"items.{index}.sku_id", _("contains an id that is not one of yours"))
        if item["group_price_fen"] >= sku.price_fen:
            raise invalid(f"items.{index}.group_price_fen", _("must be below the list price"))
        if leader_discount_fen >= item["group_price_fen"]:
            raise invalid("leader_discount_fen", _("must be below every group price"))
    return items


def clean_campaign(merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Checked and normalised fields; raises on the first problem."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("is not a group-buy field"))
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 50:
        raise invalid("name", _("must be 1 to 50 characters"))
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    clean_window(starts_at, ends_at, error=E)
    if ends_at - starts_at > dt.timedelta(days=MAX_DAYS):
        raise invalid("ends_at", _("a group buy lasts at most %(days)s days") % {"days": MAX_DAYS})
    new_members_only = data.get("new_members_only", False)
    if not isinstance(new_members_only, bool):
        raise invalid("new_members_only", _("must be true or false"))
    leader_discount_fen = whole_number(
        data.get("leader_discount_fen", 0), "leader_discount_fen", 0, MAX_FEN, error=E
    )
    return {
        "name": name,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "group_size": whole_number(data.get("group_size", 2), "group_size", 2, 50, error=E),
        "fill_minutes": whole_number(data.get("fill_minutes", 1440), "fill_minutes", 5, 7 * 24 * 60, error=E),
        "per_member_limit": whole_number(data.get("per_member_limit", 1), "per_member_limit", 1, 99, error=E),
        "leader_discount_fen": leader_discount_fen,
        "new_members_only": new_members_only,
        "unpaid_minutes": whole_number(data.get("unpaid_minutes", 10), "unpaid_minutes", 1, 60, error=E),
        "items": _items(merchant_id, data.get("items"), leader_discount_fen),
    }


def _check_overlap(merchant_id: int, fields: Mapping[str, Any], campaign_id: int | None) -> None:
    """A SKU is in one group buy at a time: which group price applies is otherwise a guess."""
    sku_ids = [item["sku_id"] for item in fields["items"]]
    clash = overlapping_item(
        GroupBuyItem, merchant_id, sku_ids, fields["starts_at"], fields["ends_at"], campaign_id
    )
    if clash is not None:
        raise invalid(
            "items",
            _("a product is already in the group buy %(name)s at that time") % {"name": clash.campaign.name},
        )


def _audit_items(campaign: GroupBuyCampaign) -> list[dict[str, int]]:
    return [
        {"sku_id": i.sku_id, "group_price_fen": i.group_price_fen} for i in campaign.items.order_by("sku_id")
    ]


@transaction.atomic
def create_campaign(*, actor: User, **data: Any) -> GroupBuyCampaign:
    """A new group buy, active at once (it sells from ``starts_at``)."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    fields = clean_campaign(merchant_id, data)
    _check_overlap(merchant_id, fields, None)
    items = fields.pop("items")
    campaign = GroupBuyCampaign.objects.create(merchant_id=merchant_id, **fields)
    GroupBuyItem.objects.bulk_create(
        GroupBuyItem(merchant_id=merchant_id, campaign=campaign, **item) for item in items
    )
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="groupbuy.campaign_created",
        obj=campaign,
        after={**auditable(fields), "items": _audit_items(campaign)},
    )
    return campaign


@transaction.atomic
def update_campaign(*, actor: User, campaign_id: int, **data: Any) -> GroupBuyCampaign:
    """Replace a campaign's settings and items; open groups keep their size and prices."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    campaign = get_owned(GroupBuyCampaign.objects.select_for_update(), merchant_id, pk=campaign_id)
    fields = clean_campaign(merchant_id, data)
    _check_overlap(merchant_id, fields, campaign.pk)
    before = {**auditable(campaign_fields(campaign)), "items": _audit_items(campaign)}
    items = {item["sku_id"]: item for item in fields.pop("items")}
    existing = {item.sku_id: item for item in campaign.items.all()}
    for sku_id, item in existing.items():
        if sku_id not in items:
            if item.groups.exists():
                raise invalid("items", _("a product that already has groups cannot be removed"))
            item.delete()
        elif item.group_price_fen != items[sku_id]["group_price_fen"]:
            item.group_price_fen = items[sku_id]["group_price_fen"]
            item.save(update_fields=["group_price_fen"])
    GroupBuyItem.objects.bulk_create(
        GroupBuyItem(merchant_id=merchant_id, campaign=campaign, **item)
        for sku_id, item in items.items()
        if sku_id not in existing
    )
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="groupbuy.campaign_updated",
        obj=campaign,
        before=before,
        after={**auditable(fields), "items": _audit_items(campaign)},
    )
    return campaign


@transaction.atomic
def set_campaign_status(*, actor: User, campaign_id: int, status: str) -> GroupBuyCampaign:
    """Pause or resume (暂停 / 恢复): paused, nobody can open or join a group; groups already open
    keep their deadline (they still succeed if their unpaid seats are paid, or fail and refund)."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    if status not in GroupBuyCampaign.Status.values:
        raise invalid("status", _("is not a group-buy status"))
    campaign, _changed = switch_status(
        actor=actor,
        merchant_id=merchant_id,
        model=GroupBuyCampaign,
        pk=campaign_id,
        status=status,
        audit_action="groupbuy.campaign_status",
    )
    return campaign


def campaign_fields(campaign: GroupBuyCampaign) -> dict[str, Any]:
    """A campaign's editable fields in the shape ``update_campaign`` takes."""
    return {
        "name": campaign.name,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "group_size": campaign.group_size,
        "fill_minutes": campaign.fill_minutes,
        "per_member_limit": campaign.per_member_limit,
        "leader_discount_fen": campaign.leader_discount_fen,
        "new_members_only": campaign.new_members_only,
        "unpaid_minutes": campaign.unpaid_minutes,
        "items": [
            {"sku_id": i.sku_id, "group_price_fen": i.group_price_fen} for i in campaign.items.order_by("id")
        ],
    }
