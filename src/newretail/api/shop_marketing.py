"""Shopper API, marketing part: the claim centre, claiming (centre, link/QR, redeem code), my
coupons, and the promotion tags of products.

    GET  /shop/{slug}/coupons                       the claim centre (no login needed)
    POST /shop/{slug}/coupons/{template_id}/claim   -> the member's new coupon
    POST /shop/{slug}/coupons/claim-link {token}    a claim link or QR
    POST /shop/{slug}/coupons/redeem {code}         a redeem code (10 tries a minute)
    GET  /shop/{slug}/my/coupons?state=available|used|expired
    GET  /shop/{slug}/promotion-tags?sku_ids=1,2,3
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Path, Query, Router, Schema, Status

from newretail.api.base import ERRORS
from newretail.api.shop import Slug, _merchant
from newretail.api.shop_auth import MEMBER_AUTH, member_of
from newretail.catalog.queries import category_lineages, live_skus
from newretail.core import clock
from newretail.marketing import reports
from newretail.marketing.actions import coupons as coupon_actions
from newretail.marketing.models import Coupon, CouponTemplate

router = Router(tags=["shop marketing"], auth=MEMBER_AUTH)

MAX_ID = 2**63 - 1


class ClaimableOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    threshold_fen: int
    off_fen: int
    rate_percent: int
    max_off_fen: int | None
    valid_from: dt.datetime
    valid_until: dt.datetime
    valid_days: int | None
    left: int | None = Field(..., description="Coupons left to claim; null: no limit.")


def _claimable(template: CouponTemplate) -> ClaimableOut:
    return ClaimableOut(
        id=template.pk,
        name=template.name,
        kind=template.kind,
        description=template.description,
        threshold_fen=template.threshold_fen,
        off_fen=template.off_fen,
        rate_percent=template.rate_percent,
        max_off_fen=template.max_off_fen,
        valid_from=template.valid_from,
        valid_until=template.valid_until,
        valid_days=template.valid_days,
        left=None if template.total_stock is None else template.total_stock - template.issued_count,
    )


class MyCouponOut(Schema):
    id: int
    code: str = Field(..., description="Show it at the till (核销码).")
    name: str
    kind: str
    status: str
    threshold_fen: int
    off_fen: int
    rate_percent: int
    valid_from: dt.datetime
    valid_until: dt.datetime


def _mine(coupon: Coupon) -> MyCouponOut:
    template = coupon.template
    return MyCouponOut(
        id=coupon.pk,
        code=coupon.code,
        name=template.name,
        kind=template.kind,
        status=coupon.status,
        threshold_fen=template.threshold_fen,
        off_fen=template.off_fen,
        rate_percent=template.rate_percent,
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
    )


@router.get("/{merchant_slug}/coupons", response={200: list[ClaimableOut], **ERRORS}, auth=None)
def claim_centre(request, merchant_slug: str = Slug):
    merchant = _merchant(merchant_slug)
    return [_claimable(t) for t in reports.claimable_templates(merchant.pk, clock.now())[:100]]


@router.post("/{merchant_slug}/coupons/{template_id}/claim", response={201: MyCouponOut, **ERRORS})
def claim(request, merchant_slug: str = Slug, template_id: int = Path(..., ge=1, le=MAX_ID)):
    coupon = coupon_actions.claim_coupon(member=member_of(request), template_id=template_id)
    return Status(201, _mine(coupon))


class ClaimLinkIn(Schema):
    token: str = Field(..., min_length=8, max_length=32)


@router.post("/{merchant_slug}/coupons/claim-link", response={201: MyCouponOut, **ERRORS})
def claim_link(request, body: ClaimLinkIn, merchant_slug: str = Slug):
    coupon = coupon_actions.claim_by_link(member=member_of(request), claim_token=body.token)
    return Status(201, _mine(coupon))


class RedeemIn(Schema):
    code: str = Field(..., min_length=4, max_length=40)


@router.post("/{merchant_slug}/coupons/redeem", response={201: MyCouponOut, **ERRORS})
def redeem(request, body: RedeemIn, merchant_slug: str = Slug):
    coupon = coupon_actions.redeem_code(member=member_of(request), code=body.code)
    return Status(201, _mine(coupon))


@router.get("/{merchant_slug}/my/coupons", response={200: list[MyCouponOut], **ERRORS})
def my_coupons(
    request,
    merchant_slug: str = Slug,
    state: str = Query("available", pattern="^(available|used|expired)$"),
):
    member = member_of(request)
    return [_mine(c) for c in reports.member_coupons(member, state=state, now=clock.now())[:200]]


class TagsOut(Schema):
    sku_id: int
    tags: list[str]


@router.get("/{merchant_slug}/promotion-tags", response={200: list[TagsOut], **ERRORS}, auth=None)
def promotion_tags(request, merchant_slug: str = Slug, sku_ids: str = Query(..., max_length=2000)):
    merchant = _merchant(merchant_slug)
    ids = sorted({int(part) for part in sku_ids.split(",") if part.strip().isdigit() and len(part) < 19})[
        :100
    ]
    skus = list(live_skus(merchant.pk).select_related("product").filter(pk__in=ids))
    lineages = category_lineages(merchant.pk, (s.product.category_id for s in skus))
    tags = reports.promotion_tags(
        merchant.pk, ((s.pk, lineages.get(s.product.category_id, ())) for s in skus), clock.now()
    )
    return [TagsOut(sku_id=sku_id, tags=names) for sku_id, names in sorted(tags.items())]
