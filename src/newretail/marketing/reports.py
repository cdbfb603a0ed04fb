"""Marketing reads for people: the claim centre, a member's coupons, promotion tags for product
cards, and the usage reports (issued / used / expired per coupon template with the discount they
cost and the sales they brought; orders, discount and sales per promotion). Sales attributed to
a coupon or promotion are the payable of the paid orders that used it (an order that used two is
counted for both: attribution, not accounting)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum

from newretail.marketing.loading import running_promotions
from newretail.marketing.models import Coupon, CouponTemplate, Promotion, PromotionUsage
from newretail.members.models import Member
from newretail.orders.state import PAID_STATUSES


def claimable_templates(merchant_id: int, now: dt.datetime) -> QuerySet[CouponTemplate]:
    """The claim centre (领券中心): active templates shown there, not over, not sold out."""
    return (
        CouponTemplate.objects.filter(
            merchant_id=merchant_id,
            status=CouponTemplate.Status.ACTIVE,
            in_claim_centre=True,
            valid_until__gt=now,
        )
        .filter(Q(total_stock__isnull=True) | Q(issued_count__lt=F("total_stock")))
        .exclude(valid_days__isnull=False, valid_from__gt=now)  # claimable from its start
        .order_by("-id")
    )


def held_counts(member: Member | None, template_ids: Iterable[int]) -> dict[int, int]:
    if member is None:
        return {}
    return dict(
        Coupon.objects.filter(member=member, template_id__in=list(template_ids))
        .values("template_id")
        .annotate(n=Count("id"))
        .values_list("template_id", "n")
    )


def member_coupons(member: Member, *, state: str, now: dt.datetime) -> QuerySet[Coupon]:
    """我的优惠券 by tab: ``available`` (usable now or later), ``used``, ``expired``."""
    coupons = Coupon.objects.filter(member=member).select_related("template")
    if state == "used":
        return coupons.filter(status=Coupon.Status.USED).order_by("-used_at")
    if state == "expired":
        return coupons.filter(status=Coupon.Status.AVAILABLE, valid_until__lte=now).order_by("-valid_until")
    return coupons.filter(status__in=[Coupon.Status.AVAILABLE, Coupon.Status.LOCKED], valid_until__gt=now)


def promotion_tags(
    merchant_id: int, skus: Iterable[tuple[int, Iterable[int]]], now: dt.datetime
) -> dict[int, list[str]]:
    """Names of the running promotions that reach each SKU ((sku id, category lineage) pairs),
    for the tags on product cards (限时折扣, 满100减20…). Members-only ones are included: the tag
    tells a guest what joining brings."""
    offers = running_promotions(merchant_id, now).offers
    tags: dict[int, list[str]] = {}
    for sku_id, categories in skus:
        categories = tuple(categories)
        names = [
            p.name
            for p in offers.candidates([sku_id], categories)
            if p.starts_at <= now < p.ends_at
            and (p.scope.covers(sku_id, categories) or sku_id in p.sku_prices)
        ]
        tags[sku_id] = names[:3]
    return tags


@dataclass(frozen=True)
class CouponReportRow:
    template: CouponTemplate
    issued: int
    used: int
    expired: int
    discount_fen: int
    sales_fen: int


def coupon_report(merchant_id: int, now: dt.datetime) -> list[CouponReportRow]:
    templates = list(CouponTemplate.objects.filter(merchant_id=merchant_id).order_by("-id")[:200])
    ids = [t.pk for t in templates]
    stats = {
        row["template_id"]: row
        for row in Coupon.objects.filter(template_id__in=ids)
        .values("template_id")
        .annotate(
            issued=Count("id"),
            used=Count("id", filter=Q(status=Coupon.Status.USED)),
            expired=Count("id", filter=Q(status=Coupon.Status.AVAILABLE, valid_until__lte=now)),
            discount=Sum("discount_fen", filter=Q(status=Coupon.Status.USED)),
            sales=Sum("order__payable_fen", filter=Q(status=Coupon.Status.USED)),
        )
    }
    rows = []
    for template in templates:
        row = stats.get(template.pk, {})
        rows.append(
            CouponReportRow(
                template=template,
                issued=row.get("issued", 0),
                used=row.get("used", 0),
                expired=row.get("expired", 0),
                discount_fen=row.get("discount") or 0,
                sales_fen=row.get("sales") or 0,
            )
        )
    return rows


@dataclass(frozen=True)
class PromotionReportRow:
    promotion: Promotion
    orders: int
    paid_orders: int
    discount_fen: int
    sales_fen: int


def promotion_report(merchant_id: int) -> list[PromotionReportRow]:
    promotions = list(Promotion.objects.filter(merchant_id=merchant_id).order_by("-id")[:200])
    paid = Q(order__status__in=PAID_STATUSES)
    stats = {
        row["promotion_id"]: row
        for row in PromotionUsage.objects.filter(promotion_id__in=[p.pk for p in promotions])
        .values("promotion_id")
        .annotate(
            orders=Count("id"),
            paid_orders=Count("id", filter=paid),
            discount=Sum("discount_fen", filter=paid),
            sales=Sum("order__payable_fen", filter=paid),
        )
    }
    return [
        PromotionReportRow(
            promotion=p,
            orders=stats.get(p.pk, {}).get("orders", 0),
            paid_orders=stats.get(p.pk, {}).get("paid_orders", 0),
            discount_fen=stats.get(p.pk, {}).get("discount") or 0,
            sales_fen=stats.get(p.pk, {}).get("sales") or 0,
        )
        for p in promotions
    ]


TIMINGS = ("running", "upcoming", "ended")


def timing_of(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> str:
    """Where ``now`` stands in a window ``[starts_at, ends_at)``: upcoming, running or ended."""
    if now < starts_at:
        return "upcoming"
    return "running" if now < ends_at else "ended"


def _in_timing(rows: QuerySet, timing: str, now: dt.datetime, start: str, end: str) -> QuerySet:
    if timing == "running":
        return rows.filter(**{f"{start}__lte": now, f"{end}__gt": now})
    if timing == "upcoming":
        return rows.filter(**{f"{start}__gt": now})
    if timing == "ended":
        return rows.filter(**{f"{end}__lte": now})
    return rows


def promotions_for(
    merchant_id: int, *, now: dt.datetime, kind: str = "", status: str = "", timing: str = ""
) -> QuerySet[Promotion]:
    """The merchant's promotions filtered as the console list and the API filter them, newest first."""
    rows = Promotion.objects.for_merchant(merchant_id)
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return _in_timing(rows, timing, now, "starts_at", "ends_at").order_by("-pk")


def coupon_templates_for(
    merchant_id: int, *, now: dt.datetime, kind: str = "", status: str = "", timing: str = ""
) -> QuerySet[CouponTemplate]:
    """The merchant's coupon templates, filtered like ``promotions_for`` (by validity window)."""
    rows = CouponTemplate.objects.for_merchant(merchant_id).select_related("exchange_sku__product")
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return _in_timing(rows, timing, now, "valid_from", "valid_until").order_by("-pk")
