"""Rendering a decorated page: each block that validates becomes its template
(``storefront/blocks/<type>.html``) with the data it shows read fresh (prices, coupons, stores);
unknown or invalid blocks are skipped. Every text goes through Django's autoescaping; the only
HTML that is not escaped is rich text, sanitised again here with the strict whitelist.

``render_published`` is what the mall's home calls: one cache read for the published JSON (see
``decoration.queries``), then the blocks' reads. ``render_content`` renders any content (the
console's preview of a draft or an old version) the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from newretail.catalog.models import Sku
from newretail.core import clock
from newretail.core.money import format_fen
from newretail.marketing import reports
from newretail.marketing.groupbuy.queries import running_items
from newretail.marketing.models import CouponTemplate, Promotion
from newretail.marketing.pricing.arithmetic import format_rate
from newretail.marketing.seckill.queries import mall_seckill_items
from newretail.storefront import locator, queries
from newretail.storefront.decoration import blocks as b
from newretail.storefront.decoration.queries import published_content
from newretail.storefront.decoration.sanitize import sanitize_html
from newretail.storefront.site import mall_url
from newretail.tenancy.models import Merchant

log = logging.getLogger(__name__)


def render_published(request, merchant: Merchant, page_key: str = "home") -> SafeString | None:
    """The published page's HTML for the mall, or None when the page has nothing published."""
    content = published_content(merchant.pk, page_key)
    if content is None:
        return None
    return render_content(request, merchant, content)


@dataclass
class Rendered:
    block: b.Block
    template: str
    data: dict


def render_content(request, merchant: Merchant, content: Any) -> SafeString:
    now = clock.now()
    rendered = []
    for block in b.renderable_blocks(content):
        try:
            data = BUILDERS[block.type](request, merchant, block, now)
        except Exception:  # one broken block must not take the mall's home page down
            log.exception("decoration block %s (%s) of merchant %s failed", block.id, block.type, merchant.pk)
            continue
        if data is not None:
            rendered.append(Rendered(block, f"storefront/blocks/{block.type}.html", data))
    context = {
        "request": request,
        "csrf_token": get_token(request),
        "mall": merchant,
        "blocks": rendered,
        "needs_script": any(r.block.type in ("banner", "seckill") for r in rendered),
    }
    # No request passed: the context processors already ran for the page around this one.
    return mark_safe(get_template("storefront/blocks/_page.html").render(context))


# --- links -------------------------------------------------------------------------------------


def link_url(request, link: b.Link) -> str:
    """The address a block's link goes to on this mall ("" for no link)."""
    if link.to == "home":
        return mall_url(request, "home")
    if link.to == "category":
        return mall_url(request, "category", query={"category": link.value or None})
    if link.to == "product":
        return mall_url(request, "product", product_id=int(link.value))
    if link.to == "search":
        return mall_url(request, "search", query={"q": link.value})
    if link.to in ("coupons", "stores"):
        return mall_url(request, link.to)
    if link.to == "url":
        return link.value  # http(s) only, checked by the block's validation
    return ""


def _linked(request, items) -> list[dict]:
    return [{"item": item, "url": link_url(request, item.link)} for item in items]


# --- what each block shows -----------------------------------------------------------------------


def _banner(request, merchant, block: b.BannerBlock, now):
    return {"slides": _linked(request, block.slides), "interval_ms": block.interval * 1000}


def _icon_nav(request, merchant, block: b.IconNavBlock, now):
    return {"items": _linked(request, block.items)}


def _notice(request, merchant, block: b.NoticeBlock, now):
    return {"url": link_url(request, block.link)}


def _product_grid(request, merchant, block: b.ProductGridBlock, now):
    if block.source == "manual":
        cards = queries.product_cards(merchant.pk, block.product_ids[: block.limit])
    else:
        cards = queries.product_cards(
            merchant.pk,
            category_id=block.category_id if block.source == "category" else None,
            tag_id=block.tag_id if block.source == "tag" else None,
            limit=block.limit,
        )
    if not cards:
        return None
    more = None
    if block.source == "category":
        more = mall_url(request, "category", query={"category": block.category_id})
    elif block.source == "newest":
        more = mall_url(request, "search")
    return {"cards": cards, "more_url": more}


def coupon_face(template: CouponTemplate) -> tuple[str, str]:
    """(the big text, the small line) of a coupon as shoppers read them: ("¥10", "满59可用")."""
    kind = CouponTemplate.Kind
    if template.kind == kind.CASH_OFF:
        big = format_fen(template.off_fen).removesuffix(".00")
    elif template.kind == kind.DISCOUNT:
        big = _("%(rate)s/10") % {"rate": format_rate(template.rate_percent)}
    elif template.kind == kind.FREE_SHIPPING:
        big = _("Free shipping")
    else:
        big = _("Exchange")
    if template.threshold_fen:
        small = _("Orders from %(threshold)s") % {
            "threshold": format_fen(template.threshold_fen).removesuffix(".00")
        }
    else:
        small = _("No minimum")
    return big, small


def _coupons(request, merchant, block: b.CouponsBlock, now):
    templates = reports.claimable_templates(merchant.pk, now)
    if block.template_ids:
        found = {t.pk: t for t in templates.filter(pk__in=block.template_ids)}
        chosen = [found[pk] for pk in block.template_ids if pk in found][: block.limit]
    else:
        chosen = list(templates[: block.limit])
    if not chosen:
        return None
    return {"coupons": [{"template": t, "face": coupon_face(t)} for t in chosen]}


def running_flash_discount(merchant_id: int, now: dt.datetime, promotion_id: int | None) -> Promotion | None:
    """The chosen limited-time discount if it is running now, else the running one that ends soonest."""
    running = Promotion.objects.for_merchant(merchant_id).filter(
        kind=Promotion.Kind.FLASH_DISCOUNT,
        status=Promotion.Status.ACTIVE,
        starts_at__lte=now,
        ends_at__gt=now,
    )
    if promotion_id is not None:
        chosen = running.filter(pk=promotion_id).first()
        if chosen is not None:
            return chosen
    return running.order_by("ends_at", "pk").first()


def promotion_cards(merchant_id: int, promotion: Promotion, limit: int) -> list[queries.ProductCard]:
    """Cards of the products a promotion reaches: its SKUs' products, its categories', or the
    newest products when it covers everything."""
    scope = promotion.scope or {}
    if scope.get("all", True):
        return queries.product_cards(merchant_id, limit=limit)
    cards: list[queries.ProductCard] = []
    sku_ids = [int(pk) for pk in scope.get("sku_ids") or []][:200]
    if sku_ids:
        product_ids = list(
            dict.fromkeys(
                Sku.objects.for_merchant(merchant_id)
                .filter(pk__in=sku_ids, is_deleted=False)
                .order_by("-product_id")
                .values_list("product_id", flat=True)
            )
        )
        cards += queries.product_cards(merchant_id, product_ids[:limit])
    for category_id in [int(pk) for pk in scope.get("category_ids") or []][:10]:
        if len(cards) >= limit:
            break
        seen = {card.id for card in cards}
        more = queries.product_cards(merchant_id, category_id=category_id, limit=limit)
        cards += [card for card in more if card.id not in seen]
    return cards[:limit]


def _seckill_campaign(request, merchant, block: b.SeckillBlock, now):
    """Real seckill items: the live session that ends soonest (else the next to start), its
    items with their seckill price and what is left, counting down to its end (or start)."""
    items = mall_seckill_items(merchant.pk, now, limit=50)
    if not items:
        return None
    first = items[0]
    session = [i for i in items if i.campaign_id == first.campaign_id][: block.limit]
    cards = queries.product_cards(merchant.pk, [i.product_id for i in session])
    images = {card.id: card.image_url for card in cards}
    target = first.countdown_to
    left = max(0, int((target - now).total_seconds()))
    hours, rest = divmod(left, 3600)
    return {
        "campaign_name": first.campaign_name,
        "live": first.live,
        "seckill_items": [{"item": i, "image_url": images.get(i.product_id)} for i in session],
        "more_url": mall_url(request, "seckill"),
        "ends_at_ms": int(target.timestamp() * 1000),
        "ends_at_local": timezone.localtime(target),
        "left": [f"{hours:02d}", f"{rest // 60:02d}", f"{rest % 60:02d}"],
    }


def _seckill(request, merchant, block: b.SeckillBlock, now):
    # No limited-time discount chosen: the block shows the shop's seckill campaigns when it
    # runs any (or has one coming), and the running limited-time discount otherwise.
    if block.promotion_id is None:
        found = _seckill_campaign(request, merchant, block, now)
        if found is not None:
            return found
    promotion = running_flash_discount(merchant.pk, now, block.promotion_id)
    if promotion is None:
        return None
    cards = promotion_cards(merchant.pk, promotion, block.limit)
    if not cards:
        return None
    left = max(0, int((promotion.ends_at - now).total_seconds()))
    hours, rest = divmod(left, 3600)
    return {
        "promotion": promotion,
        "cards": cards,
        "ends_at_ms": int(promotion.ends_at.timestamp() * 1000),
        "ends_at_local": timezone.localtime(promotion.ends_at),
        "left": [f"{hours:02d}", f"{rest // 60:02d}", f"{rest % 60:02d}"],
    }


def _group_buy(request, merchant, block: b.GroupBuyBlock, now):
    """The group buys running now (拼团), soonest end first: each item with its group size, group
    price and list price, opening its mall page; nothing when none runs."""
    items = list(running_items(merchant.pk, now)[: block.limit])
    if not items:
        return None
    images = queries.first_images(i.sku.product_id for i in items)
    return {
        "groupbuy_items": [{"item": i, "image_url": images.get(i.sku.product_id)} for i in items],
        "more_url": mall_url(request, "groupbuys"),
    }


def _rich_text(request, merchant, block: b.RichTextBlock, now):
    html = sanitize_html(block.html)  # again on output: stored JSON is never trusted as HTML
    return {"html": mark_safe(html)} if html.strip() else None


def _hotspot_image(request, merchant, block: b.HotspotImageBlock, now):
    spots = [
        {
            "item": spot,
            "url": link_url(request, spot.link),
            "style": f"left:{spot.x:.2f}%;top:{spot.y:.2f}%;width:{spot.w:.2f}%;height:{spot.h:.2f}%",
        }
        for spot in block.hotspots
    ]
    return {"spots": spots}


def _store_info(request, merchant, block: b.StoreInfoBlock, now):
    stores = locator.nearest_stores(merchant.pk)[: block.limit]
    return {"stores": stores} if stores else None


def _search(request, merchant, block: b.SearchBlock, now):
    return {}


BUILDERS: dict[str, Callable[..., dict | None]] = {
    "banner": _banner,
    "icon_nav": _icon_nav,
    "notice": _notice,
    "product_grid": _product_grid,
    "coupons": _coupons,
    "seckill": _seckill,
    "group_buy": _group_buy,
    "rich_text": _rich_text,
    "hotspot_image": _hotspot_image,
    "store_info": _store_info,
    "search": _search,
}
