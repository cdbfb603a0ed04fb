"""Staff API for promotions and coupons: create, edit, pause and resume every kind (validated by
``marketing.actions``), preview a sample cart, issue coupons (bulk, redeem codes), look a coupon
up by the code the POS scans, and the usage reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Path, Query, Router, Schema, Status

from newretail.api.base import ERRORS, actor_of
from newretail.core import clock
from newretail.core.errors import not_found
from newretail.core.tenancy import get_owned
from newretail.marketing import reports
from newretail.marketing.actions import coupons as coupon_actions
from newretail.marketing.actions import promotions as promotion_actions
from newretail.marketing.models import Coupon, CouponTemplate, Promotion
from newretail.marketing.preview import preview_promotion
from newretail.marketing.queries import coupon_by_code
from newretail.tenancy.access import require_perm
from newretail.tenancy.roles import Perm

router = Router(tags=["marketing"])

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


class PromotionIn(Schema):
    name: str = Field(..., max_length=50)
    kind: str = Field(..., max_length=20, description="level_discount, member_price, flash_discount, …")
    starts_at: dt.datetime
    ends_at: dt.datetime
    priority: int = 0
    exclusive: bool = False
    coupons_allowed: bool = True
    scope: dict[str, Any] = Field(default_factory=lambda: {"all": True})
    rules: dict[str, Any] = Field(default_factory=dict)
    store_ids: list[int] | None = None
    channels: list[str] | None = None
    level_ids: list[int] | None = None
    members_only: bool = False
    max_discount_fen: int | None = None
    usage_limit: int | None = None
    per_member_limit: int | None = None
    budget_fen: int | None = None
    gift_stock: int | None = None


class PromotionOut(PromotionIn):
    id: int
    status: str
    used_count: int
    spent_fen: int
    gifts_given: int


def promotion_out(promotion: Promotion) -> PromotionOut:
    return PromotionOut(
        id=promotion.pk,
        status=promotion.status,
        used_count=promotion.used_count,
        spent_fen=promotion.spent_fen,
        gifts_given=promotion.gifts_given,
        **{name: getattr(promotion, name) for name in promotion_actions.FIELDS},
    )


class StatusIn(Schema):
    status: str = Field(..., pattern="^(active|paused)$")


@router.get("/marketing/promotions", response={200: list[PromotionOut], **ERRORS})
def list_promotions(
    request,
    status: str = Query("", max_length=10),
    kind: str = Query("", max_length=20),
):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    promotions = reports.promotions_for(actor.merchant_id, now=clock.now(), kind=kind, status=status)
    return [promotion_out(p) for p in promotions[:500]]


@router.post("/marketing/promotions", response={201: PromotionOut, **ERRORS})
def create_promotion(request, body: PromotionIn):
    promotion = promotion_actions.create_promotion(actor=actor_of(request), **body.model_dump())
    return Status(201, promotion_out(promotion))


@router.get("/marketing/promotions/{promotion_id}", response={200: PromotionOut, **ERRORS})
def get_promotion(request, promotion_id: PathId):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    return promotion_out(get_owned(Promotion, actor.merchant_id, pk=promotion_id))


@router.put("/marketing/promotions/{promotion_id}", response={200: PromotionOut, **ERRORS})
def update_promotion(request, body: PromotionIn, promotion_id: PathId):
    return promotion_out(
        promotion_actions.update_promotion(
            actor=actor_of(request), promotion_id=promotion_id, **body.model_dump()
        )
    )


@router.post("/marketing/promotions/{promotion_id}/status", response={200: PromotionOut, **ERRORS})
def set_promotion_status(request, body: StatusIn, promotion_id: PathId):
    return promotion_out(
        promotion_actions.set_promotion_status(
            actor=actor_of(request), promotion_id=promotion_id, status=body.status
        )
    )


class SampleLineIn(Schema):
    sku_id: Id
    quantity: int = Field(..., ge=1, le=9999)


class PreviewIn(Schema):
    promotion: PromotionIn
    lines: list[SampleLineIn] = Field(..., min_length=1, max_length=50)
    store_id: Id | None = None
    member_level_id: Id | None = None
    as_member: bool = True


class PreviewLineOut(Schema):
    sku_id: int
    quantity: int
    list_amount_fen: int
    final_amount_fen: int
    is_gift: bool


class PreviewAdjustmentOut(Schema):
    kind: str
    amount_fen: int
    explanation: str


class PreviewOut(Schema):
    lines: list[PreviewLineOut]
    adjustments: list[PreviewAdjustmentOut]
    goods_list_fen: int
    goods_final_fen: int
    discount_fen: int
    hints: list[str]


@router.post("/marketing/promotion-preview", response={200: PreviewOut, **ERRORS})
def preview(request, body: PreviewIn):
    priced = preview_promotion(
        actor=actor_of(request),
        data=body.promotion.model_dump(),
        lines=[(line.sku_id, line.quantity) for line in body.lines],
        store_id=body.store_id,
        member_level_id=body.member_level_id,
        as_member=body.as_member,
    )
    return PreviewOut(
        lines=[
            PreviewLineOut(
                sku_id=line.sku_id,
                quantity=line.quantity,
                list_amount_fen=line.list_amount_fen,
                final_amount_fen=line.final_amount_fen,
                is_gift=line.is_gift,
            )
            for line in priced.lines
        ],
        adjustments=[
            PreviewAdjustmentOut(kind=a.kind, amount_fen=a.amount_fen, explanation=a.explanation)
            for a in priced.adjustments
        ],
        goods_list_fen=priced.goods_list_fen,
        goods_final_fen=priced.goods_final_fen,
        discount_fen=priced.discount_fen,
        hints=[hint.message for hint in priced.hints],
    )


# --- coupon templates ------------------------------------------------------------------------


class CouponTemplateIn(Schema):
    name: str = Field(..., max_length=50)
    kind: str = Field(..., pattern="^(cash_off|discount|free_shipping|exchange)$")
    description: str = Field("", max_length=200)
    threshold_fen: int = 0
    off_fen: int = 0
    rate_percent: int = 100
    max_off_fen: int | None = None
    exchange_sku_id: int | None = None
    scope: dict[str, Any] = Field(default_factory=lambda: {"all": True})
    stackable: bool = False
    channels: list[str] | None = None
    store_ids: list[int] | None = None
    valid_from: dt.datetime
    valid_until: dt.datetime
    valid_days: int | None = None
    total_stock: int | None = None
    per_member_limit: int = 1
    in_claim_centre: bool = True
    issue_on: list[str] = []


class CouponTemplateOut(CouponTemplateIn):
    id: int
    status: str
    issued_count: int
    claim_token: str


def template_out(template: CouponTemplate) -> CouponTemplateOut:
    return CouponTemplateOut(
        id=template.pk,
        status=template.status,
        issued_count=template.issued_count,
        claim_token=template.claim_token,
        **{name: getattr(template, name) for name in coupon_actions.TEMPLATE_FIELDS},
    )


@router.get("/marketing/coupon-templates", response={200: list[CouponTemplateOut], **ERRORS})
def list_templates(request):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    return [template_out(t) for t in reports.coupon_templates_for(actor.merchant_id, now=clock.now())[:500]]


@router.post("/marketing/coupon-templates", response={201: CouponTemplateOut, **ERRORS})
def create_template(request, body: CouponTemplateIn):
    template = coupon_actions.create_coupon_template(actor=actor_of(request), **body.model_dump())
    return Status(201, template_out(template))


@router.get("/marketing/coupon-templates/{template_id}", response={200: CouponTemplateOut, **ERRORS})
def get_template(request, template_id: PathId):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    return template_out(get_owned(CouponTemplate, actor.merchant_id, pk=template_id))


@router.put("/marketing/coupon-templates/{template_id}", response={200: CouponTemplateOut, **ERRORS})
def update_template(request, body: CouponTemplateIn, template_id: PathId):
    return template_out(
        coupon_actions.update_coupon_template(
            actor=actor_of(request), template_id=template_id, **body.model_dump()
        )
    )


@router.post("/marketing/coupon-templates/{template_id}/status", response={200: CouponTemplateOut, **ERRORS})
def set_template_status(request, body: StatusIn, template_id: PathId):
    return template_out(
        coupon_actions.set_coupon_template_status(
            actor=actor_of(request), template_id=template_id, status=body.status
        )
    )


class BulkIssueIn(Schema):
    member_ids: list[Id] = Field(..., min_length=1, max_length=10_000)


class JobOut(Schema):
    job_id: int = Field(..., description="A background job; its result counts issued, skipped, not reached.")
    status: str


@router.post("/marketing/coupon-templates/{template_id}/issue", response={202: JobOut, **ERRORS})
def bulk_issue(request, body: BulkIssueIn, template_id: PathId):
    """Issue one coupon to each member of a list, as a background job (see /console/jobs/)."""
    job = coupon_actions.start_bulk_issue(
        actor=actor_of(request), template_id=template_id, member_ids=body.member_ids
    )
    return Status(202, JobOut(job_id=job.pk, status=job.status))


class RedeemCodesIn(Schema):
    count: int = Field(..., ge=1, le=10_000)


class RedeemCodesOut(Schema):
    codes: list[str]


@router.post(
    "/marketing/coupon-templates/{template_id}/redeem-codes", response={201: RedeemCodesOut, **ERRORS}
)
def redeem_codes(request, body: RedeemCodesIn, template_id: PathId):
    codes = coupon_actions.create_redeem_codes(
        actor=actor_of(request), template_id=template_id, count=body.count
    )
    return Status(201, RedeemCodesOut(codes=codes))


class CouponOut(Schema):
    id: int
    code: str
    template_id: int
    name: str
    kind: str
    status: str
    member_id: int
    valid_from: dt.datetime
    valid_until: dt.datetime
    usable_now: bool
    order_id: int | None


def coupon_out(coupon: Coupon, now: dt.datetime) -> CouponOut:
    return CouponOut(
        id=coupon.pk,
        code=coupon.code,
        template_id=coupon.template_id,
        name=coupon.template.name,
        kind=coupon.template.kind,
        status=coupon.status,
        member_id=coupon.member_id,
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        usable_now=coupon.status == Coupon.Status.AVAILABLE and coupon.valid_from <= now < coupon.valid_until,
        order_id=coupon.order_id,
    )


@router.get("/marketing/coupons/by-code", response={200: CouponOut, **ERRORS})
def find_coupon(request, code: str = Query(..., min_length=4, max_length=40)):
    """The coupon a cashier scanned (核销): its member and whether it can be used now."""
    actor = require_perm(actor_of(request), Perm.ORDERS_FULFIL)
    coupon = coupon_by_code(actor.merchant_id, code)
    if coupon is None:
        raise not_found()
    return coupon_out(coupon, clock.now())


# --- reports ---------------------------------------------------------------------------------


class CouponReportOut(Schema):
    template_id: int
    name: str
    issued: int
    used: int
    expired: int
    discount_fen: int
    sales_fen: int


@router.get("/marketing/reports/coupons", response={200: list[CouponReportOut], **ERRORS})
def coupon_report(request):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    return [
        CouponReportOut(
            template_id=row.template.pk,
            name=row.template.name,
            issued=row.issued,
            used=row.used,
            expired=row.expired,
            discount_fen=row.discount_fen,
            sales_fen=row.sales_fen,
        )
        for row in reports.coupon_report(actor.merchant_id, clock.now())
    ]


class PromotionReportOut(Schema):
    promotion_id: int
    name: str
    orders: int
    paid_orders: int
    discount_fen: int
    sales_fen: int


@router.get("/marketing/reports/promotions", response={200: list[PromotionReportOut], **ERRORS})
def promotion_report(request):
    actor = require_perm(actor_of(request), Perm.MARKETING_VIEW)
    return [
        PromotionReportOut(
            promotion_id=row.promotion.pk,
            name=row.promotion.name,
            orders=row.orders,
            paid_orders=row.paid_orders,
            discount_fen=row.discount_fen,
            sales_fen=row.sales_fen,
        )
        for row in reports.promotion_report(actor.merchant_id)
    ]
