"""Create, edit, pause and resume seckill campaigns (needs ``marketing.manage``; audited). Every
value is checked before anything is written: an end before the start, a seckill price not below
the list price, another merchant's SKU or level, a SKU in two seckills at the same time, campaign
stock below what is already sold, an item with purchases removed, the stock path changed after
the first purchase, Redis chosen on a server without it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from newretail.catalog.queries import live_skus
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.marketing.actions.promotions import auditable, check_owned, clean_window, whole_number
from newretail.marketing.models import SeckillCampaign, SeckillItem, SeckillPurchase
from newretail.marketing.seckill.errors import SeckillError
from newretail.marketing.seckill.queries import forget_offers, offer_of
from newretail.marketing.seckill.stock import redis_available
from newretail.marketing.switching import overlapping_item, switch_status
from newretail.members.models import MemberLevel
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

logger = logging.getLogger(__name__)

MAX_FEN = 100_000_000
MAX_ITEMS = 50
MAX_STOCK = 1_000_000
MAX_DAYS = 92
E = SeckillError.INVALID
FIELDS = (
    "name",
    "starts_at",
    "ends_at",
    "per_member_limit",
    "level_ids",
    "unpaid_minutes",
    "stock_path",
    "items",
)


def invalid(field: str, problem: str) -> DomainError:
    return DomainError(E, field=field, problem=problem)


def default_stock_path() -> str:
    """Redis where the server has it (the flood never reaches the database), else the database."""
    return SeckillCampaign.StockPath.REDIS if redis_available() else SeckillCampaign.StockPath.DATABASE


def _items(merchant_id: int, value: Any) -> list[dict[str, int]]:
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
                "price_fen": whole_number(
                    row.get("price_fen"), f"items.{index}.price_fen", 0, MAX_FEN, error=E
                ),
                "stock": whole_number(row.get("stock"), f"items.{index}.stock", 1, MAX_STOCK, error=E),
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
        if item["price_fen"] >= sku.price_fen:
            raise invalid(f"items.{index}.price_fen", _("must be below the list price"))
    return items


def clean_campaign(merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Checked and normalised fields; raises on the first problem."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("is not a seckill field"))
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 50:
        raise invalid("name", _("must be 1 to 50 characters"))
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    clean_window(starts_at, ends_at, error=E)
    if ends_at - starts_at > dt.timedelta(days=MAX_DAYS):
        raise invalid("ends_at", _("a seckill lasts at most %(days)s days") % {"days": MAX_DAYS})
    level_ids = data.get("level_ids")
    if level_ids is not None:
        if not isinstance(level_ids, (list, tuple)):
            raise invalid("level_ids", _("must be a list of ids"))
        level_ids = sorted({whole_number(i, "level_ids", 1, 2**62, error=E) for i in level_ids}) or None
        check_owned(MemberLevel, merchant_id, level_ids or [], "level_ids", error=E)
    stock_path = data.get("stock_path") or default_stock_path()
    if stock_path not in SeckillCampaign.StockPath.values:
        raise invalid("stock_path", _("must be database or redis"))
    if stock_path == SeckillCampaign.StockPath.REDIS and not redis_available():
        raise invalid("stock_path", _("this server has no Redis; use the database"))
    return {
        "name": name,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "per_member_limit": whole_number(data.get("per_member_limit", 1), "per_member_limit", 1, 99, error=E),
        "level_ids": level_ids,
        "unpaid_minutes": whole_number(data.get("unpaid_minutes", 5), "unpaid_minutes", 1, 60, error=E),
        "stock_path": stock_path,
        "items": _items(merchant_id, data.get("items")),
    }


def _check_overlap(merchant_id: int, fields: Mapping[str, Any], campaign_id: int | None) -> None:
    """A SKU sells in one seckill at a time: which price would apply is otherwise a guess."""
    sku_ids = [item["sku_id"] for item in fields["items"]]
    clash = overlapping_item(
        SeckillItem, merchant_id, sku_ids, fields["starts_at"], fields["ends_at"], campaign_id
    )
    if clash is not None:
        raise invalid(
            "items",
            _("a product is already in the seckill %(name)s at that time") % {"name": clash.campaign.name},
        )


def _after_commit(campaign_id: int) -> None:
    """Forget this process's copies and load (or correct) Redis from the database at once, so
    the first buyers do not each find empty keys."""
    forget_offers()

    def load() -> None:
        from newretail.marketing.seckill.reconcile import reconcile_item

        for item in SeckillItem.objects.select_related("campaign").filter(campaign_id=campaign_id):
            if item.campaign.stock_path == SeckillCampaign.StockPath.REDIS:
                try:
                    reconcile_item(offer_of(item))
                except Exception:  # Redis down: the first purchase or the minute task loads it
                    logger.exception("seckill %s: could not load Redis", campaign_id)

    transaction.on_commit(load)


def _audit_items(campaign: SeckillCampaign) -> list[dict[str, int]]:
    return [
        {"sku_id": i.sku_id, "price_fen": i.price_fen, "stock": i.stock}
        for i in campaign.items.order_by("sku_id")
    ]


@transaction.atomic
def create_campaign(*, actor: User, **data: Any) -> SeckillCampaign:
    """Create a seckill with its items (needs ``marketing.manage``); audited. The stock path is
    Redis where the server has it unless ``stock_path`` says otherwise."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    fields = clean_campaign(merchant_id, data)
    _check_overlap(merchant_id, fields, None)
    items = fields.pop("items")
    campaign = SeckillCampaign.objects.create(merchant_id=merchant_id, **fields)
    SeckillItem.objects.bulk_create(
        [SeckillItem(merchant_id=merchant_id, campaign=campaign, **item) for item in items]
    )
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="marketing.seckill_created",
        obj=campaign,
        before={},
        after={**auditable(fields), "items": sorted(items, key=lambda i: i["sku_id"])},
    )
    _after_commit(campaign.pk)
    return campaign


@transaction.atomic
def update_campaign(*, actor: User, campaign_id: int, **data: Any) -> SeckillCampaign:
    """Replace a seckill's settings and items. Purchases already made keep their price; an
    item's campaign stock cannot go below what is sold, an item with purchases stays, and the
    stock path is fixed once anything was bought."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    campaign = get_owned(SeckillCampaign.objects.select_for_update(), merchant_id, pk=campaign_id)
    fields = clean_campaign(merchant_id, data)
    _check_overlap(merchant_id, fields, campaign.pk)
    items = {item["sku_id"]: item for item in fields.pop("items")}
    bought = SeckillPurchase.objects.filter(campaign=campaign)
    if fields["stock_path"] != campaign.stock_path and bought.exists():
        raise invalid("stock_path", _("cannot change once members have bought"))
    before = {
        **auditable({name: getattr(campaign, name) for name in fields}),
        "items": _audit_items(campaign),
    }
    existing = {item.sku_id: item for item in campaign.items.all()}
    for sku_id, item in existing.items():
        if sku_id not in items:
            if bought.filter(item=item).exists():
                raise invalid("items", _("a product members have bought cannot be removed"))
            item.delete()
            continue
        wanted = items[sku_id]
        # Conditional: a purchase may move ``sold`` while this runs.
        moved = SeckillItem.objects.filter(pk=item.pk, sold__lte=wanted["stock"]).update(
            price_fen=wanted["price_fen"], stock=wanted["stock"]
        )
        if not moved:
            raise invalid(
                "items", _("campaign stock cannot be below what is sold (%(sold)s)") % {"sold": item.sold}
            )
    SeckillItem.objects.bulk_create(
        [
            SeckillItem(merchant_id=merchant_id, campaign=campaign, **item)
            for sku_id, item in items.items()
            if sku_id not in existing
        ]
    )
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="marketing.seckill_updated",
        obj=campaign,
        before=before,
        after={**auditable(fields), "items": _audit_items(campaign)},
    )
    _after_commit(campaign.pk)
    return campaign


@transaction.atomic
def set_campaign_status(*, actor: User, campaign_id: int, status: str) -> SeckillCampaign:
    """Pause or resume a seckill (暂停 / 恢复): paused, nobody can buy; unpaid orders stay."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    if status not in SeckillCampaign.Status.values:
        raise invalid("status", _("is not a seckill status"))
    campaign, changed = switch_status(
        actor=actor,
        merchant_id=merchant_id,
        model=SeckillCampaign,
        pk=campaign_id,
        status=status,
        audit_action="marketing.seckill_status",
    )
    if changed:
        transaction.on_commit(forget_offers)
    return campaign


def campaign_fields(campaign: SeckillCampaign) -> dict[str, Any]:
    """A campaign's editable fields in the shape ``update_campaign`` takes."""
    return {
        "name": campaign.name,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "per_member_limit": campaign.per_member_limit,
        "level_ids": campaign.level_ids,
        "unpaid_minutes": campaign.unpaid_minutes,
        "stock_path": campaign.stock_path,
        "items": [
            {"sku_id": i.sku_id, "price_fen": i.price_fen, "stock": i.stock} for i in campaign.items.all()
        ],
    }


def items_of(campaign: SeckillCampaign) -> Sequence[SeckillItem]:
    return list(campaign.items.select_related("sku__product").order_by("id"))
