"""Create, edit, pause and resume promotions. Every value is checked before anything is written,
so nonsense never reaches the engine: a discount over 100%, an end before the start, a 满减 whose
reduction is not below its threshold, tiers that give less as the shopper spends more, a member
price above the list price, ids of another merchant's SKUs, categories, stores or levels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from newretail.catalog.models import Category, Sku
from newretail.catalog.queries import live_skus
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.marketing.errors import MarketingError
from newretail.marketing.loading import bump_cache_version
from newretail.marketing.models import CouponTemplate, Promotion
from newretail.marketing.pricing import CHANNELS
from newretail.marketing.switching import switch_status
from newretail.members.models import MemberLevel
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm

K = Promotion.Kind
MAX_FEN = 100_000_000  # ¥1,000,000: anything above is a typo
MAX_TIERS = 5
MAX_IDS = 2000
PIECE_KINDS = {K.SPEND_OFF, K.SPEND_DISCOUNT, K.GIFT, K.FREE_SHIPPING, K.ORDER_GIFT}
FIELDS = (
    "name",
    "kind",
    "starts_at",
    "ends_at",
    "priority",
    "exclusive",
    "coupons_allowed",
    "scope",
    "rules",
    "store_ids",
    "channels",
    "level_ids",
    "members_only",
    "max_discount_fen",
    "usage_limit",
    "per_member_limit",
    "budget_fen",
    "gift_stock",
)


def invalid(
    field: str, problem: str, error: MarketingError = MarketingError.INVALID_PROMOTION
) -> DomainError:
    return DomainError(error, field=field, problem=problem)


def whole_number(
    value: Any, field: str, minimum: int, maximum: int, *, error=MarketingError.INVALID_PROMOTION
) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise invalid(
            field,
            _("must be a whole number from %(min)s to %(max)s") % {"min": minimum, "max": maximum},
            error,
        )
    return value


def optional_whole_number(value: Any, field: str, minimum: int, maximum: int, **kwargs: Any) -> int | None:
    return None if value is None else whole_number(value, field, minimum, maximum, **kwargs)


def _ids(value: Any, field: str, *, error=MarketingError.INVALID_PROMOTION) -> list[int]:
    if not isinstance(value, (list, tuple)) or len(value) > MAX_IDS:
        raise invalid(field, _("must be a list of ids"), error)
    return sorted({whole_number(item, field, 1, 2**62, error=error) for item in value})


def check_owned(
    model: type, merchant_id: int, ids: Iterable[int], field: str, *, error=MarketingError.INVALID_PROMOTION
) -> None:
    ids = set(ids)
    if not ids:
        return
    queryset = (
        live_skus(merchant_id) if model is Sku else model.objects.filter(merchant_id=merchant_id)
    ).filter(pk__in=ids)
    if queryset.count() != len(ids):
        raise invalid(field, _("contains an id that is not one of yours"), error)


def clean_scope(merchant_id: int, value: Any, *, error=MarketingError.INVALID_PROMOTION) -> dict:
    value = value or {"all": True}
    if not isinstance(value, Mapping):
        raise invalid("scope", _("must be an object"), error)
    scope = {
        "all": bool(value.get("all", False)),
        "sku_ids": _ids(value.get("sku_ids", []), "scope.sku_ids", error=error),
        "category_ids": _ids(value.get("category_ids", []), "scope.category_ids", error=error),
        "excluded_sku_ids": _ids(value.get("excluded_sku_ids", []), "scope.excluded_sku_ids", error=error),
    }
    if not scope["all"] and not scope["sku_ids"] and not scope["category_ids"]:
        raise invalid("scope", _("choose all goods, some products or some categories"), error)
    if scope["all"]:
        scope["sku_ids"], scope["category_ids"] = [], []
    check_owned(Sku, merchant_id, scope["sku_ids"] + scope["excluded_sku_ids"], "scope.sku_ids", error=error)
    check_owned(Category, merchant_id, scope["category_ids"], "scope.category_ids", error=error)
    return scope


def clean_channels(value: Any, *, error=MarketingError.INVALID_PROMOTION) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not value or not set(value) <= CHANNELS:
        raise invalid(
            "channels",
            _("must name one or more of: %(channels)s") % {"channels": ", ".join(sorted(CHANNELS))},
            error,
        )
    return sorted(set(value))


def _rate(value: Any, field: str = "rules.rate_percent", minimum: int = 1) -> int:
    if value is None:
        raise invalid(field, _("is required"))
    return whole_number(value, field, minimum, 99)


def _sku_prices(merchant_id: int, value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping) or not value or len(value) > MAX_IDS:
        raise invalid("rules.sku_prices", _("name at least one product and its price"))
    prices: dict[int, int] = {}
    for sku, fen in value.items():
        try:
            sku_id = int(sku)
        except (TypeError, ValueError):
            raise invalid("rules.sku_prices", _("must map SKU ids to prices")) from None
        prices[sku_id] = whole_number(fen, "rules.sku_prices", 0, MAX_FEN)
    list_prices = dict(live_skus(merchant_id).filter(pk__in=prices).values_list("pk", "price_fen"))
    if len(list_prices) != len(prices):
        raise invalid("rules.sku_prices", _("contains an id that is not one of yours"))
    for sku_id, fen in prices.items():
        if fen >= list_prices[sku_id]:
            raise invalid("rules.sku_prices", _("a promotion price must be below the list price"))
    return {str(sku_id): fen for sku_id, fen in sorted(prices.items())}


def _tiers(merchant_id: int, kind: str, value: Any, *, counts_pieces: bool, repeat: bool) -> list[dict]:
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_TIERS:
        raise invalid("rules.tiers", _("give from 1 to %(max)s tiers") % {"max": MAX_TIERS})
    if (repeat or kind == K.FREE_SHIPPING) and len(value) != 1:
        raise invalid("rules.tiers", _("this kind takes exactly one tier"))
    limit = 9999 if counts_pieces else MAX_FEN
    tiers = []
    for index, raw in enumerate(value):
        if not isinstance(raw, Mapping):
            raise invalid("rules.tiers", _("each tier must be an object"))
        field = f"rules.tiers[{index}]"
        tier: dict[str, Any] = {
            "threshold": whole_number(
                raw.get("threshold"), f"{field}.threshold", 0 if kind == K.FREE_SHIPPING else 1, limit
            )
        }
        if kind == K.SPEND_OFF:
            tier["off_fen"] = whole_number(raw.get("off_fen"), f"{field}.off_fen", 1, MAX_FEN)
            if not counts_pieces and tier["off_fen"] >= tier["threshold"]:
                raise invalid(f"{field}.off_fen", _("the reduction must be below the threshold"))
        elif kind == K.SPEND_DISCOUNT:
            tier["rate_percent"] = _rate(raw.get("rate_percent"), f"{field}.rate_percent")
        elif kind == K.GIFT:
            tier["gift_sku_id"] = whole_number(raw.get("gift_sku_id"), f"{field}.gift_sku_id", 1, 2**62)
            tier["gift_quantity"] = whole_number(raw.get("gift_quantity", 1), f"{field}.gift_quantity", 1, 99)
            check_owned(Sku, merchant_id, [tier["gift_sku_id"]], f"{field}.gift_sku_id")
        elif kind == K.ORDER_GIFT:
            template_id = optional_whole_number(
                raw.get("coupon_template_id"), f"{field}.coupon_template_id", 1, 2**62
            )
            # Points rewards join with the points ledger (members and loyalty); coupons only, now.
            if raw.get("points"):
                raise invalid(f"{field}.points", _("order rewards give coupons"))
            if template_id is None:
                raise invalid(f"{field}.coupon_template_id", _("is required"))
            if template_id is not None:
                check_owned(CouponTemplate, merchant_id, [template_id], f"{field}.coupon_template_id")
                tier["coupon_template_id"] = template_id
                tier["coupon_quantity"] = whole_number(
                    raw.get("coupon_quantity", 1), f"{field}.coupon_quantity", 1, 10
                )
        tiers.append(tier)
    tiers.sort(key=lambda t: t["threshold"])
    for lower, higher in zip(tiers, tiers[1:], strict=False):
        if lower["threshold"] == higher["threshold"]:
            raise invalid("rules.tiers", _("two tiers have the same threshold"))
        if kind == K.SPEND_OFF and higher["off_fen"] <= lower["off_fen"]:
            raise invalid("rules.tiers", _("a higher tier must take more off"))
        if kind == K.SPEND_DISCOUNT and higher["rate_percent"] >= lower["rate_percent"]:
            raise invalid("rules.tiers", _("a higher tier must give a deeper discount"))
    return tiers


def clean_rules(merchant_id: int, kind: str, value: Any, scope: dict) -> dict:
    raw = value or {}
    if not isinstance(raw, Mapping):
        raise invalid("rules", _("must be an object"))
    rules: dict[str, Any] = {}
    if kind == K.LEVEL_DISCOUNT:
        rules["rate_percent"] = _rate(raw.get("rate_percent"))
    elif kind == K.MEMBER_PRICE:
        rules["sku_prices"] = _sku_prices(merchant_id, raw.get("sku_prices"))
    elif kind == K.FLASH_DISCOUNT:
        if raw.get("sku_prices"):
            rules["sku_prices"] = _sku_prices(merchant_id, raw.get("sku_prices"))
        else:
            rules["rate_percent"] = _rate(raw.get("rate_percent"))
    elif kind in (K.MULTI_BUY, K.BUNDLE_PICK):
        rules["quantity"] = whole_number(raw.get("quantity"), "rules.quantity", 2, 99)
        rules["price_fen"] = whole_number(raw.get("price_fen"), "rules.price_fen", 1, MAX_FEN)
        if kind == K.BUNDLE_PICK and (scope["all"] or scope["category_ids"] or len(scope["sku_ids"]) < 2):
            raise invalid("scope", _("a pick-N bundle lists the products to pick from (two or more)"))
    elif kind == K.BUNDLE_FIXED:
        components = raw.get("components")
        if not isinstance(components, (list, tuple)) or not components:
            raise invalid("rules.components", _("list the products of the set"))
        cleaned = {}
        for item in components:
            if not isinstance(item, (list, tuple)) or len(item) != 2:
                raise invalid("rules.components", _("each part is [SKU id, quantity]"))
            sku_id = whole_number(item[0], "rules.components", 1, 2**62)
            if sku_id in cleaned:
                raise invalid("rules.components", _("a product appears twice"))
            cleaned[sku_id] = whole_number(item[1], "rules.components", 1, 99)
        if sum(cleaned.values()) < 2:
            raise invalid("rules.components", _("a set has at least two pieces"))
        prices = dict(live_skus(merchant_id).filter(pk__in=cleaned).values_list("pk", "price_fen"))
        if len(prices) != len(cleaned):
            raise invalid("rules.components", _("contains an id that is not one of yours"))
        rules["components"] = [[sku_id, quantity] for sku_id, quantity in sorted(cleaned.items())]
        rules["price_fen"] = whole_number(raw.get("price_fen"), "rules.price_fen", 1, MAX_FEN)
        if rules["price_fen"] >= sum(prices[s] * q for s, q in cleaned.items()):
            raise invalid("rules.price_fen", _("the set price must be below the price of its parts"))
    elif kind == K.NTH_DISCOUNT:
        rules["quantity"] = whole_number(raw.get("quantity", 2), "rules.quantity", 2, 10)
        rules["rate_percent"] = _rate(raw.get("rate_percent"), minimum=0)
    else:
        counts_pieces = bool(raw.get("counts_pieces", False)) and kind in PIECE_KINDS
        repeat = bool(raw.get("repeat", False)) and kind == K.SPEND_OFF
        rules["tiers"] = _tiers(
            merchant_id, kind, raw.get("tiers"), counts_pieces=counts_pieces, repeat=repeat
        )
        rules["counts_pieces"] = counts_pieces
        rules["repeat"] = repeat
    return rules


def clean_window(
    starts_at: Any, ends_at: Any, *, error=MarketingError.INVALID_PROMOTION, names=("starts_at", "ends_at")
) -> None:
    for name, value in zip(names, (starts_at, ends_at), strict=True):
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise invalid(name, _("must be a date and time"), error)
    if ends_at <= starts_at:
        raise invalid(names[1], _("must be after the start"), error)


def clean_promotion(merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Checked and normalised promotion fields, ready to save; raises on the first problem."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("is not a promotion field"))
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 50:
        raise invalid("name", _("give a name of at most 50 characters"))
    kind = data.get("kind")
    if kind not in K.values:
        raise invalid("kind", _("is not a promotion kind"))
    clean_window(data.get("starts_at"), data.get("ends_at"))
    scope = clean_scope(merchant_id, data.get("scope"))
    rules = clean_rules(merchant_id, kind, data.get("rules"), scope)
    if kind in (K.MEMBER_PRICE, K.FLASH_DISCOUNT) and "sku_prices" in rules:
        scope = {
            "all": False,
            "sku_ids": sorted(int(s) for s in rules["sku_prices"]),
            "category_ids": [],
            "excluded_sku_ids": [],
        }
    if kind == K.BUNDLE_FIXED:
        scope = {
            "all": False,
            "sku_ids": [c[0] for c in rules["components"]],
            "category_ids": [],
            "excluded_sku_ids": [],
        }
    store_ids = None if data.get("store_ids") is None else _ids(data["store_ids"], "store_ids")
    if store_ids is not None:
        if not store_ids:
            raise invalid("store_ids", _("choose at least one store, or leave empty for all"))
        check_owned(Store, merchant_id, store_ids, "store_ids")
    level_ids = None if data.get("level_ids") is None else _ids(data["level_ids"], "level_ids")
    if kind == K.LEVEL_DISCOUNT and not level_ids:
        raise invalid("level_ids", _("a level discount is for one or more member levels"))
    if level_ids is not None:
        check_owned(MemberLevel, merchant_id, level_ids, "level_ids")
    members_only = bool(data.get("members_only", False)) or kind in (K.LEVEL_DISCOUNT, K.MEMBER_PRICE)
    per_member_limit = optional_whole_number(data.get("per_member_limit"), "per_member_limit", 1, 1_000_000)
    if per_member_limit is not None:
        members_only = True  # a guest cannot be counted
    gift_stock = optional_whole_number(data.get("gift_stock"), "gift_stock", 0, 10_000_000)
    if gift_stock is not None and kind != K.GIFT:
        raise invalid("gift_stock", _("only a gift promotion has gifts"))
    return {
        "name": name,
        "kind": kind,
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "priority": whole_number(data.get("priority", 0), "priority", -100, 100),
        "exclusive": bool(data.get("exclusive", False)),
        "coupons_allowed": bool(data.get("coupons_allowed", True)),
        "scope": scope,
        "rules": rules,
        "store_ids": store_ids,
        "channels": clean_channels(data.get("channels")),
        "level_ids": level_ids,
        "members_only": members_only,
        "max_discount_fen": optional_whole_number(
            data.get("max_discount_fen"), "max_discount_fen", 1, MAX_FEN
        ),
        "usage_limit": optional_whole_number(data.get("usage_limit"), "usage_limit", 1, 100_000_000),
        "per_member_limit": per_member_limit,
        "budget_fen": optional_whole_number(data.get("budget_fen"), "budget_fen", 1, MAX_FEN * 100),
        "gift_stock": gift_stock,
    }


def _changed(merchant_id: int) -> None:
    transaction.on_commit(partial(bump_cache_version, "offers", merchant_id))


@transaction.atomic
def create_promotion(*, actor: User, **data: Any) -> Promotion:
    """Create a promotion (needs ``marketing.manage``); audited; running carts see it at once."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    fields = clean_promotion(merchant_id, data)
    promotion = Promotion.objects.create(merchant_id=merchant_id, **fields)
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="marketing.promotion_created",
        obj=promotion,
        before={},
        after=auditable(fields),
    )
    _changed(merchant_id)
    return promotion


@transaction.atomic
def update_promotion(*, actor: User, promotion_id: int, **data: Any) -> Promotion:
    """Replace a promotion's settings. Orders already placed keep the prices they were given;
    the counters (orders, discount given, gifts) carry on, so a limit cannot be lowered below
    what is already used."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    promotion = get_owned(Promotion.objects.select_for_update(), merchant_id, pk=promotion_id)
    fields = clean_promotion(merchant_id, data)
    for name, used in (
        ("usage_limit", promotion.used_count),
        ("budget_fen", promotion.spent_fen),
        ("gift_stock", promotion.gifts_given),
    ):
        if fields[name] is not None and fields[name] < used:
            raise invalid(name, _("is below what is already used (%(used)s)") % {"used": used})
    save_audited(actor, promotion, fields, action="marketing.promotion_updated")
    _changed(merchant_id)
    return promotion


@transaction.atomic
def set_promotion_status(*, actor: User, promotion_id: int, status: str) -> Promotion:
    """Pause or resume a promotion (暂停 / 恢复)."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    if status not in Promotion.Status.values:
        raise invalid("status", _("is not a promotion status"))
    promotion, changed = switch_status(
        actor=actor,
        merchant_id=merchant_id,
        model=Promotion,
        pk=promotion_id,
        status=status,
        audit_action="marketing.promotion_status",
    )
    if changed:
        _changed(merchant_id)
    return promotion


def auditable(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Field values as the audit log stores them (JSON: datetimes as ISO text)."""
    return {
        name: value.isoformat() if isinstance(value, dt.datetime) else value for name, value in fields.items()
    }


def save_audited(actor: User, row: Any, fields: Mapping[str, Any], *, action: str) -> None:
    """Replace ``fields`` on ``row``, save it and audit the change (before and after)."""
    before = {name: getattr(row, name) for name in fields}
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    record_audit(
        actor=actor,
        merchant_id=row.merchant_id,
        action=action,
        obj=row,
        before=auditable(before),
        after=auditable(fields),
    )
