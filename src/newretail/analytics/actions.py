"""Writes of source tracking: making source tags (posters, share links, store door QR codes),
and copying a visitor's first and last touch onto a member at sign-up and onto an order at
placing.

Attribution rules (docs/decisions.md):

* first touch: the visitor's earliest visit (for a member who signed up, the sign-up's first
  touch — it never moves);
* last touch: the latest visit from a channel other than direct within ``LAST_TOUCH_DAYS``
  before the sign-up or order; without one, the latest visit (direct), or direct with no visit;
* a visitor is the long-lived cookie; an order also counts the visits of its member made on
  other devices while logged in.

``record_signup`` and ``record_order`` are called by the mall right after the write they follow;
they never raise (a missing cookie, no visit, a database hiccup are logged and skipped), so
source tracking can never break a sign-up or a checkout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from newretail.analytics.errors import AnalyticsError
from newretail.analytics.models import Attribution, Channel, SourceTag, TargetKind, Visit
from newretail.analytics.sources import VISITOR_COOKIE, clean_visitor_id, new_tag_code
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.storefront.site import mall_absolute_url
from newretail.tenancy.models import Merchant, Store, User

log = logging.getLogger(__name__)

LAST_TOUCH_DAYS = 30
HISTORY_LIMIT = 200  # visits read per attribution (a visitor's recent ones; plenty for last touch)


@dataclasses.dataclass(frozen=True)
class Target:
    """The mall page a tag's link opens: ``Target("product", 123)``, ``Target("home")``."""

    kind: str = TargetKind.HOME
    object_id: int | None = None


HOME = Target()


def _invalid_target(problem: str) -> DomainError:
    return DomainError(AnalyticsError.INVALID_TARGET, field=_("Target"), problem=problem)


def check_target(merchant_id: int, target: Target) -> Target:
    """The target, if it is a page of this merchant's mall; a clear error otherwise (an id of
    another merchant reads as unknown, never as someone else's)."""
    from newretail.catalog.models import Product
    from newretail.marketing.models import CouponTemplate, Promotion

    if target.kind not in TargetKind.values:
        raise _invalid_target(_("unknown kind of page"))
    if target.kind == TargetKind.HOME:
        return Target(TargetKind.HOME)
    if target.kind == TargetKind.STORE and target.object_id is None:
        return Target(TargetKind.STORE)  # the list of stores
    models = {
        TargetKind.PRODUCT: Product.objects.filter(is_deleted=False),
        TargetKind.PROMOTION: Promotion.objects.all(),
        TargetKind.COUPON: CouponTemplate.objects.all(),
        TargetKind.STORE: Store.objects.all(),
    }
    object_id = target.object_id
    if (
        isinstance(object_id, bool)
        or not isinstance(object_id, int)
        or not 0 < object_id < 2**63
        or not models[target.kind].filter(merchant_id=merchant_id, pk=object_id).exists()
    ):
        raise _invalid_target(_("choose one of your own products, promotions, coupons or stores"))
    return target


def create_tag(
    merchant: Merchant | int,
    *,
    channel: str,
    label: str,
    target: Target = HOME,
    campaign: str = "",
    staff: User | None = None,
    member=None,
    store: Store | None = None,
) -> SourceTag:
    """A new source tag with a fresh random code (the target is checked to be the merchant's)."""
    merchant_id = merchant if isinstance(merchant, int) else merchant.pk
    if channel not in Channel.values or channel == Channel.DIRECT:
        raise DomainError(AnalyticsError.INVALID_TARGET, field=_("Channel"), problem=_("unknown channel"))
    target = check_target(merchant_id, target)
    return SourceTag.objects.create(
        merchant_id=merchant_id,
        code=new_tag_code(),
        channel=channel,
        label=(label or "")[:60],
        campaign=(campaign or "")[:60],
        staff=staff,
        member=member,
        store=store,
        target_kind=target.kind,
        target_id=target.object_id,
    )


def share_tag(merchant: Merchant, *, member=None, staff: User | None = None, store: Store | None = None,
              target: Target = HOME) -> SourceTag:
    """The tag of a share link or a store door QR, made once and reused: a member's share link
    (channel share) or a staff member's / store's door QR (channel store_qr) for ``target``.
    The member, staff and store must be the merchant's."""
    if member is not None and member.merchant_id != merchant.pk:
        raise _invalid_target(_("the member is not one of yours"))
    if staff is not None and staff.merchant_id != merchant.pk:
        raise _invalid_target(_("the staff member is not one of yours"))
    if store is not None and store.merchant_id != merchant.pk:
        raise _invalid_target(_("the store is not one of yours"))
    if member is None and staff is None and store is None:
        raise _invalid_target(_("a share link needs a member, a staff member or a store"))
    channel = Channel.SHARE if member is not None else Channel.STORE_QR
    target = check_target(merchant.pk, target)
    found = SourceTag.objects.filter(
        merchant_id=merchant.pk,
        channel=channel,
        member=member,
        staff=staff,
        store=store,
        target_kind=target.kind,
        target_id=target.object_id,
    ).first()
    if found is not None:
        return found
    if member is not None:
        label = _("Shared by member %(name)s") % {"name": member.pk}
    elif store is not None:
        label = _("Door QR of %(store)s") % {"store": store.name}
    else:
        label = _("Shared by %(staff)s") % {"staff": staff.display_name or staff.username}
    return create_tag(merchant, channel=channel, label=label, target=target, staff=staff, member=member, store=store)


def tag_url(tag: SourceTag) -> str:
    """The full mall URL a tag's QR code or link carries: its target page with ``?src=<code>``."""
    merchant = tag.merchant
    query = {"src": tag.code}
    if tag.target_kind == TargetKind.PRODUCT and tag.target_id:
        return mall_absolute_url(merchant, "product", query=query, product_id=tag.target_id)
    if tag.target_kind == TargetKind.STORE:
        return mall_absolute_url(merchant, "stores", query=query)
    if tag.target_kind == TargetKind.COUPON:
        return mall_absolute_url(merchant, "coupons", query=query)
    if tag.target_kind == TargetKind.SECKILL:
        return mall_absolute_url(merchant, "seckill", query=query)
    if tag.target_kind == TargetKind.GROUPBUY and tag.target_id:
        from newretail.marketing.groupbuy.models import GroupBuyItem

        first = GroupBuyItem.objects.filter(merchant=merchant, campaign_id=tag.target_id).order_by("pk").first()
        if first is not None:
            return mall_absolute_url(merchant, "groupbuy_item", query=query, item_id=first.pk)
        return mall_absolute_url(merchant, "groupbuys", query=query)
    if tag.target_kind == TargetKind.BARGAIN and tag.target_id:
        return mall_absolute_url(merchant, "bargain_campaign", query=query, campaign_id=tag.target_id)
    if tag.target_kind == TargetKind.GAME and tag.target_id:
        return mall_absolute_url(merchant, "game", query=query, game_id=tag.target_id)
    return mall_absolute_url(merchant, "home", query=query)


# --- attribution -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Touches:
    first_tag_id: int | None = None
    first_channel: str = Channel.DIRECT
    first_at: dt.datetime | None = None
    last_tag_id: int | None = None
    last_channel: str = Channel.DIRECT
    last_at: dt.datetime | None = None


def touches_for(merchant_id: int, *, visitor_id: str = "", member_id: int | None = None,
                at: dt.datetime | None = None) -> Touches:
    """First and last touch of a visitor (and of a member's logged-in visits elsewhere)."""
    at = at or clock.now()
    who = Q()
    if visitor_id:
        who |= Q(visitor_id=visitor_id)
    if member_id:
        who |= Q(member_id=member_id)
    if not who:
        return Touches()
    visits = Visit.objects.filter(who, merchant_id=merchant_id, created_at__lte=at)
    fields = ("tag_id", "channel", "created_at")
    first = visits.order_by("created_at", "id").values_list(*fields).first()
    if first is None:
        return Touches()
    recent = list(
        visits.filter(created_at__gte=at - dt.timedelta(days=LAST_TOUCH_DAYS))
        .order_by("-created_at", "-id")
        .values_list(*fields)[:HISTORY_LIMIT]
    )
    last = next((v for v in recent if v[1] != Channel.DIRECT), recent[0] if recent else first)
    return Touches(first[0], first[1], first[2], last[0], last[1], last[2])


def _visitor(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return clean_visitor_id(request.COOKIES.get(VISITOR_COOKIE)) or getattr(request, "analytics_visitor_id", "")


def _save_quietly(build) -> Attribution | None:
    try:
        with transaction.atomic():
            return build()
    except IntegrityError:
        return None  # already recorded (a replayed request)
    except DatabaseError:
        log.exception("source attribution not recorded")
        return None


def record_signup(request: HttpRequest | None, member) -> Attribution | None:
    """Copy the visitor's first and last touch onto a member who has just registered, and link
    the visitor's anonymous visits to the member. Once per member; never raises."""

    def build() -> Attribution:
        visitor_id = _visitor(request)
        now = clock.now()
        touches = touches_for(member.merchant_id, visitor_id=visitor_id, at=now)
        if visitor_id:
            Visit.objects.filter(merchant_id=member.merchant_id, visitor_id=visitor_id, member__isnull=True).update(
                member=member
            )
        return Attribution.objects.create(
            merchant_id=member.merchant_id,
            kind=Attribution.Kind.SIGNUP,
            member=member,
            visitor_id=visitor_id,
            created_at=now,
            **dataclasses.asdict(touches),
        )

    try:
        return _save_quietly(build)
    except Exception:  # tracking must never break a sign-up
        log.exception("sign-up attribution failed")
        return None


def record_order(request: HttpRequest | None, order) -> Attribution | None:
    """Copy first and last touch onto an order just placed in the mall: the first touch is the
    member's sign-up first touch when there is one (it never moves), else the visitor's first
    visit; the last touch is the latest non-direct visit of the visitor or the member within
    the window. Once per order; never raises."""

    def build() -> Attribution:
        visitor_id = _visitor(request)
        now = clock.now()
        touches = touches_for(order.merchant_id, visitor_id=visitor_id, member_id=order.member_id, at=now)
        if order.member_id:
            signup = (
                Attribution.objects.filter(
                    merchant_id=order.merchant_id, kind=Attribution.Kind.SIGNUP, member_id=order.member_id
                )
                .values("first_tag_id", "first_channel", "first_at")
                .first()
            )
            if signup is not None:
                touches = dataclasses.replace(touches, **signup)
        return Attribution.objects.create(
            merchant_id=order.merchant_id,
            kind=Attribution.Kind.ORDER,
            order=order,
            member_id=order.member_id,
            visitor_id=visitor_id,
            created_at=now,
            **dataclasses.asdict(touches),
        )

    try:
        return _save_quietly(build)
    except Exception:  # tracking must never break a checkout
        log.exception("order attribution failed")
        return None
