"""Coupon templates and issuing coupons to members.

Issuing is one function, ``issue_coupons``: it takes the template row lock, checks the claim
window, the per-member limit and the stock, and moves ``issued_count`` with a conditional UPDATE,
so concurrent claims of the last coupon issue it once (tests/marketing/test_coupon_concurrency.py
proves it on PostgreSQL). The ways in (claim centre, claim link, events, bulk issue, redeem code,
order reward) all call it with their source.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newretail.catalog.models import Sku
from newretail.core import clock, ratelimit
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.jobs import Progress, job_handler, start_job
from newretail.core.models import Job
from newretail.core.tenancy import get_owned
from newretail.marketing.actions.promotions import (
    MAX_FEN,
    auditable,
    check_owned,
    clean_channels,
    clean_scope,
    clean_window,
    invalid,
    optional_whole_number,
    save_audited,
    whole_number,
)
from newretail.marketing.codes import new_code, normalize_code
from newretail.marketing.errors import MarketingError
from newretail.marketing.models import Coupon, CouponTemplate, RedeemCode
from newretail.members.models import Member
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm

E = MarketingError.INVALID_COUPON_TEMPLATE
K = CouponTemplate.Kind
REDEEM_LIMIT = 10
REDEEM_WINDOW_SECONDS = 60
AUTO_EVENTS = frozenset({"member.registered", "member.birthday", "member.level_changed"})
MAX_BULK = 10_000
BULK_ISSUE = "marketing.bulk_issue"
TEMPLATE_FIELDS = (
    "name",
    "kind",
    "description",
    "threshold_fen",
    "off_fen",
    "rate_percent",
    "max_off_fen",
    "exchange_sku_id",
    "scope",
    "stackable",
    "channels",
    "store_ids",
    "valid_from",
    "valid_until",
    "valid_days",
    "total_stock",
    "per_member_limit",
    "in_claim_centre",
    "issue_on",
)


def clean_template(merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(TEMPLATE_FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("is not a coupon field"), E)
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 50:
        raise invalid("name", _("give a name of at most 50 characters"), E)
    kind = data.get("kind")
    if kind not in K.values:
        raise invalid("kind", _("is not a coupon kind"), E)
    clean_window(
        data.get("valid_from"), data.get("valid_until"), error=E, names=("valid_from", "valid_until")
    )
    fields: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "description": str(data.get("description") or "").strip()[:200],
        "threshold_fen": whole_number(data.get("threshold_fen", 0), "threshold_fen", 0, MAX_FEN, error=E),
        "off_fen": 0,
        "rate_percent": 100,
        "max_off_fen": None,
        "exchange_sku_id": None,
        "scope": clean_scope(merchant_id, data.get("scope"), error=E),
        "stackable": bool(data.get("stackable", False)),
        "channels": clean_channels(data.get("channels"), error=E),
        "store_ids": None,
        "valid_from": data["valid_from"],
        "valid_until": data["valid_until"],
        "valid_days": optional_whole_number(data.get("valid_days"), "valid_days", 1, 3650, error=E),
        "total_stock": optional_whole_number(data.get("total_stock"), "total_stock", 1, 100_000_000, error=E),
        "per_member_limit": whole_number(
            data.get("per_member_limit", 1), "per_member_limit", 1, 100, error=E
        ),
        "in_claim_centre": bool(data.get("in_claim_centre", True)),
        "issue_on": sorted(set(data.get("issue_on") or [])),
    }
    if not set(fields["issue_on"]) <= AUTO_EVENTS:
        raise invalid("issue_on", _("names an event that does not issue coupons"), E)
    if kind == K.CASH_OFF:
        fields["off_fen"] = whole_number(data.get("off_fen"), "off_fen", 1, MAX_FEN, error=E)
        if fields["threshold_fen"] and fields["off_fen"] >= fields["threshold_fen"]:
            raise invalid("off_fen", _("the reduction must be below the threshold"), E)
    elif kind == K.DISCOUNT:
        fields["rate_percent"] = whole_number(data.get("rate_percent"), "rate_percent", 1, 99, error=E)
        fields["max_off_fen"] = optional_whole_number(
            data.get("max_off_fen"), "max_off_fen", 1, MAX_FEN, error=E
        )
    elif kind == K.EXCHANGE:
        sku_id = whole_number(data.get("exchange_sku_id"), "exchange_sku_id", 1, 2**62, error=E)
        check_owned(Sku, merchant_id, [sku_id], "exchange_sku_id", error=E)
        fields["exchange_sku_id"] = sku_id
    store_ids = data.get("store_ids")
    if store_ids is not None:
        if not isinstance(store_ids, (list, tuple)) or not store_ids:
            raise invalid("store_ids", _("choose at least one store, or leave empty for all"), E)
        fields["store_ids"] = sorted({whole_number(s, "store_ids", 1, 2**62, error=E) for s in store_ids})
        check_owned(Store, merchant_id, fields["store_ids"], "store_ids", error=E)
    return fields


@transaction.atomic
def create_coupon_template(*, actor: User, **data: Any) -> CouponTemplate:
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    fields = clean_template(merchant_id, data)
    template = CouponTemplate.objects.create(
        merchant_id=merchant_id, claim_token=secrets.token_urlsafe(16), **fields
    )
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="marketing.coupon_template_created",
        obj=template,
        before={},
        after=auditable(fields),
    )
    return template


@transaction.atomic
def update_coupon_template(*, actor: User, template_id: int, **data: Any) -> CouponTemplate:
    """Change a template. Coupons already issued keep their validity window; the rest (threshold,
    amount, scope) applies to them from now on, as the template is what the shopper was shown."""
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    template = get_owned(CouponTemplate.objects.select_for_update(), merchant_id, pk=template_id)
    fields = clean_template(merchant_id, data)
    if fields["total_stock"] is not None and fields["total_stock"] < template.issued_count:
        raise invalid(
            "total_stock", _("is below what is already issued (%(n)s)") % {"n": template.issued_count}, E
        )
    save_audited(actor, template, fields, action="marketing.coupon_template_updated")
    return template


@transaction.atomic
def set_coupon_template_status(*, actor: User, template_id: int, status: str) -> CouponTemplate:
    merchant_id = require_perm(actor, Perm.MARKETING_MANAGE).merchant_id
    if status not in CouponTemplate.Status.values:
        raise invalid("status", _("is not a coupon status"), E)
    template = get_owned(CouponTemplate.objects.select_for_update(), merchant_id, pk=template_id)
    if template.status != status:
        record_audit(
            actor=actor,
            merchant_id=merchant_id,
            action="marketing.coupon_template_status",
            obj=template,
            before={"status": template.status},
            after={"status": status},
        )
        template.status = status
        template.save(update_fields=["status", "updated_at"])
    return template


# --- issuing -----------------------------------------------------------------------------------


def coupon_window(template: CouponTemplate, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """When a coupon issued now is valid: the template's fixed window, or ``valid_days`` from now
    (never past the template's end)."""
    if template.valid_days is None:
        return template.valid_from, template.valid_until
    return now, min(now + dt.timedelta(days=template.valid_days), template.valid_until)


def issue_coupons(
    *,
    template: CouponTemplate | int,
    member: Member,
    source: str,
    quantity: int = 1,
    granted_by_order_id: int | None = None,
    check_limit: bool = True,
) -> list[Coupon]:
    """Give ``member`` ``quantity`` coupons of ``template``. Refused when the template is paused,
    outside its window, out of stock, or the member would hold more than ``per_member_limit``
    (order rewards skip the per-member limit: each order earns its own). All or nothing."""
    now = clock.now()
    with transaction.atomic():
        template_id = template.pk if isinstance(template, CouponTemplate) else template
        # Row lock: one claim at a time per template, so the per-member count is exact too.
        template = get_owned(CouponTemplate.objects.select_for_update(), member.merchant_id, pk=template_id)
        if template.status != CouponTemplate.Status.ACTIVE or not now < template.valid_until:
            raise DomainError(MarketingError.COUPON_NOT_CLAIMABLE)
        if template.valid_days is not None and now < template.valid_from:
            # "N days after claim": the window bounds the claim, so it cannot start early.
            raise DomainError(MarketingError.COUPON_NOT_CLAIMABLE)
        if check_limit:
            held = Coupon.objects.filter(template=template, member=member).count()
            if held + quantity > template.per_member_limit:
                raise DomainError(MarketingError.COUPON_LIMIT_REACHED)
        stock = Q(pk=template.pk)
        if template.total_stock is not None:
            stock &= Q(issued_count__lte=F("total_stock") - quantity)
        if not CouponTemplate.objects.filter(stock).update(issued_count=F("issued_count") + quantity):
            raise DomainError(MarketingError.COUPON_SOLD_OUT)
        valid_from, valid_until = coupon_window(template, now)
        coupons = [
            Coupon(
                merchant_id=member.merchant_id,
                template=template,
                member=member,
                code=new_code(),
                source=source,
                granted_by_order_id=granted_by_order_id,
                valid_from=valid_from,
                valid_until=valid_until,
            )
            for _i in range(quantity)
        ]
        Coupon.objects.bulk_create(coupons)
    return coupons


def claim_coupon(*, member: Member, template_id: int) -> Coupon:
    """A member claims a coupon in the claim centre (领券中心)."""
    template = get_owned(CouponTemplate, member.merchant_id, pk=template_id)
    if not template.in_claim_centre:
        raise DomainError(MarketingError.COUPON_NOT_CLAIMABLE)
    return issue_coupons(template=template, member=member, source=Coupon.Source.CLAIM)[0]


def claim_by_link(*, member: Member, claim_token: str) -> Coupon:
    """A member opens a claim link or scans its QR (the template's unguessable token)."""
    template = CouponTemplate.objects.filter(
        merchant_id=member.merchant_id, claim_token=str(claim_token)[:32]
    ).first()
    if template is None:
        raise DomainError(MarketingError.COUPON_NOT_CLAIMABLE)
    return issue_coupons(template=template, member=member, source=Coupon.Source.LINK)[0]


def _bulk_members(merchant_id: int, member_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(member_ids))
    if not ids or len(ids) > MAX_BULK:
        raise invalid("member_ids", _("give from 1 to %(max)s members") % {"max": MAX_BULK}, E)
    found = set(
        Member.objects.filter(merchant_id=merchant_id, pk__in=ids, is_active=True).values_list(
            "pk", flat=True
        )
    )
    if len(found) != len(ids):
        raise invalid("member_ids", _("contains an id that is not one of your members"), E)
    return ids


def start_bulk_issue(*, actor: User, template_id: int, member_ids: Iterable[int]) -> Job:
    """Queue issuing one coupon of a template to each member of a list (needs
    ``marketing.issue``): a background job with progress; its result says how many were issued,
    skipped (the member already holds their limit) and not reached (the stock ran out)."""
    merchant_id = require_perm(actor, Perm.COUPONS_ISSUE).merchant_id
    template = get_owned(CouponTemplate, merchant_id, pk=template_id)
    ids = _bulk_members(merchant_id, member_ids)
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="marketing.coupons_bulk_issue_started",
        obj=template,
        before={},
        after={"members": len(ids)},
    )
    return start_job(actor=actor, kind=BULK_ISSUE, params={"template_id": template.pk, "member_ids": ids})


def bulk_issue(
    *, actor: User, template_id: int, member_ids: Iterable[int], progress: Progress | None = None
) -> dict[str, int]:
    """Issue one coupon to each member (in id order, each in its own transaction, so a stop
    halfway keeps what was issued). Members at their limit are skipped; stock running out stops
    the issue. Returns the counts."""
    merchant_id = require_perm(actor, Perm.COUPONS_ISSUE).merchant_id
    template = get_owned(CouponTemplate, merchant_id, pk=template_id)
    ids = _bulk_members(merchant_id, member_ids)
    members = {m.pk: m for m in Member.objects.filter(merchant_id=merchant_id, pk__in=ids)}
    issued = skipped = 0
    for done, member_id in enumerate(ids, start=1):
        try:
            issue_coupons(template=template, member=members[member_id], source=Coupon.Source.BULK)
            issued += 1
        except DomainError as error:
            if error.error is MarketingError.COUPON_SOLD_OUT:
                break
            if error.error is not MarketingError.COUPON_LIMIT_REACHED:
                raise
            skipped += 1
        if progress is not None:
            progress.set(done, len(ids))
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="marketing.coupons_bulk_issued",
        obj=template,
        before={},
        after={"issued": issued, "skipped": skipped, "members": len(ids)},
    )
    return {"issued": issued, "skipped": skipped, "not_reached": len(ids) - issued - skipped}


@job_handler(BULK_ISSUE, label=gettext_lazy("Coupon bulk issue"))
def run_bulk_issue(job: Job, progress: Progress) -> dict[str, Any]:
    counts = bulk_issue(
        actor=job.created_by,
        template_id=job.params["template_id"],
        member_ids=job.params["member_ids"],
        progress=progress,
    )
    summary = (
        _(
            "%(issued)s coupons issued; %(skipped)s members already held their limit; "
            "%(not_reached)s not reached because the stock ran out."
        )
        % counts
    )
    return {"summary": summary, **counts}


@transaction.atomic
def create_redeem_codes(*, actor: User, template_id: int, count: int) -> list[str]:
    """Generate ``count`` one-time redeem codes (兑换码) for a template; returned once, to print."""
    merchant_id = require_perm(actor, Perm.COUPONS_ISSUE).merchant_id
    template = get_owned(CouponTemplate, merchant_id, pk=template_id)
    count = whole_number(count, "count", 1, MAX_BULK, error=E)
    codes = {new_code() for _i in range(count)}
    while len(codes) < count:
        codes.add(new_code())
    RedeemCode.objects.bulk_create(
        RedeemCode(merchant_id=merchant_id, template=template, code=c) for c in codes
    )
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="marketing.redeem_codes_created",
        obj=template,
        before={},
        after={"count": count},
    )
    return sorted(codes)


def redeem_code(*, member: Member, code: str) -> Coupon:
    """A member types a redeem code. Rate-limited per member (10 a minute), so codes cannot be
    guessed; a code works once, and the same member sending it again gets the same coupon back
    (a retried request changes nothing)."""
    ratelimit.hit(f"redeem:{member.pk}", limit=REDEEM_LIMIT, window_seconds=REDEEM_WINDOW_SECONDS)
    cleaned = normalize_code(code)
    with transaction.atomic():
        row = (
            RedeemCode.objects.select_for_update()
            .filter(merchant_id=member.merchant_id, code=cleaned)
            .first()
        )
        if row is not None and row.redeemed_by_id == member.pk and row.coupon_id is not None:
            return Coupon.objects.select_related("template").get(pk=row.coupon_id)
        if row is None or row.redeemed_by_id is not None:
            raise DomainError(MarketingError.REDEEM_CODE_INVALID)
        coupon = issue_coupons(
            template=row.template_id, member=member, source=Coupon.Source.CODE, check_limit=False
        )[0]
        row.redeemed_by = member
        row.redeemed_at = clock.now()
        row.coupon = coupon
        row.save(update_fields=["redeemed_by", "redeemed_at", "coupon"])
    return coupon


def issue_on_event(*, member: Member, event_name: str) -> list[Coupon]:
    """The coupons a member gets automatically on ``event_name`` (新人券, 生日券, 升级券): one of each
    active template that lists the event; sold-out or already-held ones are skipped."""
    issued = []
    for template in CouponTemplate.objects.filter(
        merchant_id=member.merchant_id, status=CouponTemplate.Status.ACTIVE
    ):
        if event_name not in (template.issue_on or []):
            continue
        try:
            issued += issue_coupons(template=template, member=member, source=Coupon.Source.EVENT)
        except DomainError as error:
            if error.error not in (
                MarketingError.COUPON_SOLD_OUT,
                MarketingError.COUPON_LIMIT_REACHED,
                MarketingError.COUPON_NOT_CLAIMABLE,
            ):
                raise
    return issued
