"""Making and changing share posters. ``create_poster`` validates every input (template, texts
measured against the template with the real font, #rrggbb colours, a target of the merchant's
own, a real picture), creates the poster's source tag (channel poster, or campaign when a
campaign name is given), renders the PNG and stores it; nothing is written when anything is
refused. ``preview_poster`` draws the same PNG without saving."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext as _
from PIL import Image

from newretail.analytics import actions as analytics
from newretail.analytics.models import Channel, SourceTag
from newretail.analytics.sources import new_tag_code
from newretail.core.errors import DomainError
from newretail.core.images import MAX_IMAGE_BYTES, ImageInvalid, ImageTooLarge, image_extension
from newretail.core.money import format_fen
from newretail.core.tenancy import get_owned
from newretail.marketing.models import Poster
from newretail.marketing.posters.errors import PosterError
from newretail.marketing.posters.layouts import FIELDS, LAYOUTS, Layout
from newretail.marketing.posters.render import PosterSpec, Rendered, render_poster
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import Merchant, User
from newretail.tenancy.roles import Perm

log = logging.getLogger(__name__)

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_NAME = 60
MAX_CAMPAIGN = 60
# Stands in for the tag's code while previewing (same length, so the QR code looks the same).
PREVIEW_CODE = "preview00000"
T = Poster.Target


@dataclasses.dataclass
class PosterInput:
    """What the merchant chose in the poster maker (already parsed by the form)."""

    layout: str
    target: str = T.HOME
    target_id: int | None = None
    texts: dict[str, str] = dataclasses.field(default_factory=dict)
    primary_color: str = ""
    accent_color: str = ""
    name: str = ""
    campaign: str = ""


@dataclasses.dataclass
class Checked:
    layout: Layout
    data: PosterInput
    texts: dict[str, str]
    target_object: Any


def _layout(key: str) -> Layout:
    layout = LAYOUTS.get(key or "")
    if layout is None:
        raise DomainError(PosterError.UNKNOWN_LAYOUT)
    return layout


def _colour(value: str, default: str, label: str) -> str:
    value = (value or "").strip() or default
    if not COLOR_RE.match(value):
        raise DomainError(PosterError.INVALID_COLOR, field=label)
    return value.lower()


def _target(merchant_id: int, kind: str, object_id: int | None):
    """The target row (None for the mall home / the store list) — a clear error for an id that
    is not the merchant's."""
    from newretail.catalog.models import Product
    from newretail.marketing.bargain.models import BargainCampaign
    from newretail.marketing.games.models import Game
    from newretail.marketing.groupbuy.models import GroupBuyCampaign
    from newretail.marketing.models import CouponTemplate, Promotion, SeckillCampaign
    from newretail.tenancy.models import Store

    if kind not in T.values:
        raise DomainError(PosterError.INVALID_TARGET, field=_("Opens"), problem=_("unknown kind of page"))
    if kind == T.HOME or (kind == T.STORE and object_id is None):
        return None
    labels = {
        T.PRODUCT: (Product.objects.filter(is_deleted=False), _("Product"), _("choose one of your products")),
        T.PROMOTION: (Promotion.objects.all(), _("Promotion"), _("choose one of your promotions")),
        T.COUPON: (CouponTemplate.objects.all(), _("Coupon"), _("choose one of your coupons")),
        T.STORE: (Store.objects.all(), _("Store"), _("choose one of your stores")),
        T.SECKILL: (SeckillCampaign.objects.all(), _("Seckill"), _("choose one of your seckills")),
        T.GROUPBUY: (GroupBuyCampaign.objects.all(), _("Group buy"), _("choose one of your group buys")),
        T.BARGAIN: (BargainCampaign.objects.all(), _("Bargain"), _("choose one of your bargains")),
        T.GAME: (Game.objects.all(), _("Lottery game"), _("choose one of your games")),
    }
    queryset, label, problem = labels[kind]
    if object_id is None:
        raise DomainError(PosterError.INVALID_TARGET, field=label, problem=problem)
    found = None
    if isinstance(object_id, int) and not isinstance(object_id, bool) and 0 < object_id < 2**63:
        found = queryset.filter(merchant_id=merchant_id, pk=object_id).first()
    if found is None:
        raise DomainError(PosterError.INVALID_TARGET, field=label, problem=problem)
    return found


def check_input(merchant_id: int, data: PosterInput) -> Checked:
    layout = _layout(data.layout)
    data.primary_color = _colour(data.primary_color, layout.primary, _("Main colour"))
    data.accent_color = _colour(data.accent_color, layout.accent, _("Accent colour"))
    data.name = (data.name or "").strip()
    if len(data.name) > MAX_NAME:
        raise DomainError(PosterError.INVALID_NAME, max=MAX_NAME)
    data.campaign = (data.campaign or "").strip()
    if len(data.campaign) > MAX_CAMPAIGN:
        raise DomainError(PosterError.TEXT_TOO_LONG, field=_("Campaign"), max=MAX_CAMPAIGN)
    texts: dict[str, str] = {}
    for field in layout.fields:
        value = str((data.texts or {}).get(field.key) or "").replace("\r\n", "\n").strip()
        value = "".join(ch for ch in value if ch == "\n" or ch.isprintable())
        if not field.multiline:
            value = " ".join(value.split())
        if len(value) > field.max_chars:
            raise DomainError(PosterError.TEXT_TOO_LONG, field=str(field.label), max=field.max_chars)
        texts[field.key] = value
    data.texts = texts
    target_object = _target(merchant_id, data.target, data.target_id)
    return Checked(layout, data, texts, target_object)


def clean_upload(upload: UploadedFile | None) -> UploadedFile | None:
    if upload is None:
        return None
    try:
        image_extension(upload, max_bytes=MAX_IMAGE_BYTES)
    except ImageTooLarge:
        raise DomainError(
            PosterError.INVALID_IMAGE, problem=_("at most %(mb)s MB") % {"mb": MAX_IMAGE_BYTES // 2**20}
        ) from None
    except ImageInvalid:
        raise DomainError(PosterError.INVALID_IMAGE, problem=_("not a JPEG, PNG or WebP picture")) from None
    return upload


# --- what the poster shows -------------------------------------------------------------------


def target_facts(merchant: Merchant, kind: str, target) -> dict[str, str]:
    """Texts a template may take from its target: name, subtitle, price, detail."""
    if target is None:
        return {}
    zone = ZoneInfo(merchant.timezone or "Asia/Shanghai")
    if kind == T.PRODUCT:
        from newretail.catalog.queries import live_skus

        low = live_skus(merchant.pk).filter(product=target).aggregate(low=Min("price_fen"))["low"]
        return {
            "name": target.name,
            "subtitle": target.subtitle,
            "price": _yuan(low) if low is not None else "",
        }
    if kind == T.PROMOTION:
        return {"name": target.name, "detail": _window(target, zone)}
    if kind == T.COUPON:
        from newretail.marketing.models import CouponTemplate
        from newretail.marketing.pricing.arithmetic import format_rate

        K = CouponTemplate.Kind
        if target.kind == K.CASH_OFF:
            price = _yuan(target.off_fen)
        elif target.kind == K.DISCOUNT:
            price = _("%(rate)s off") % {"rate": format_rate(target.rate_percent)}
        elif target.kind == K.FREE_SHIPPING:
            price = _("Free shipping")
        else:
            price = _("Exchange coupon")
        threshold = (
            _("Orders from %(amount)s") % {"amount": _yuan(target.threshold_fen)}
            if target.threshold_fen
            else _("No minimum spend")
        )
        until = target.valid_until.astimezone(zone)
        return {
            "name": target.name,
            "price": price,
            "subtitle": threshold,
            "detail": _("Valid until %(date)s") % {"date": f"{until:%Y-%m-%d}"},
        }
    if kind in (T.SECKILL, T.GROUPBUY, T.BARGAIN, T.GAME):
        return campaign_facts(kind, target, zone)
    if kind == T.STORE:
        hours = target.business_hours
        detail = target.address + (" · " + _("Open %(hours)s") % {"hours": hours} if hours else "")
        return {"name": target.name, "subtitle": target.address, "detail": detail}
    return {}


def _yuan(fen: int) -> str:
    """A price as a poster prints it: ¥9.90, ¥10 (no ".00")."""
    return format_fen(fen).removesuffix(".00")


def _window(target, zone) -> str:
    starts, ends = target.starts_at.astimezone(zone), target.ends_at.astimezone(zone)
    return _("On from %(start)s to %(end)s") % {"start": f"{starts:%m-%d %H:%M}", "end": f"{ends:%m-%d %H:%M}"}


def _cheapest(fen_values) -> str:
    values = [v for v in fen_values if v is not None]
    return _yuan(min(values)) if values else ""


def campaign_facts(kind: str, target, zone) -> dict[str, str]:
    """A campaign poster's facts: the campaign's name, its price and what the shopper does."""
    if kind == T.SECKILL:
        items = list(target.items.select_related("sku__product"))
        return {
            "name": target.name,
            "subtitle": items[0].sku.product.name if items else "",
            "price": _cheapest(i.price_fen for i in items),
            "detail": _window(target, zone),
        }
    if kind == T.GROUPBUY:
        items = list(target.items.select_related("sku__product"))
        return {
            "name": target.name,
            "subtitle": _("%(n)s people make a group") % {"n": target.group_size},
            "price": _cheapest(i.group_price_fen for i in items),
            "detail": _window(target, zone),
        }
    if kind == T.BARGAIN:
        floor = _yuan(target.floor_price_fen)
        return {
            "name": target.name,
            "subtitle": _("Friends cut the price down to %(floor)s") % {"floor": floor},
            "price": floor,
            "detail": _window(target, zone),
        }
    return {"name": target.name, "subtitle": target.description, "price": _how_to_play(target),
            "detail": _window(target, zone)}  # fmt: skip


def _how_to_play(game) -> str:
    """A game's "price": what a draw costs the shopper."""
    if game.free_per_day:
        return _("%(n)s free draws a day") % {"n": game.free_per_day}
    if game.points_per_draw:
        return _("%(n)s points a draw") % {"n": game.points_per_draw}
    return _("Draws with your orders")


def effective_texts(layout: Layout, texts: dict[str, str], facts: dict[str, str]) -> dict[str, str]:
    """What is drawn: the merchant's text; an empty text of a field the template binds to the
    target takes the target's fact, else the template's default; other empty texts are hidden."""
    shown: dict[str, str] = {}
    for field in layout.fields:
        value = texts.get(field.key, "")
        if not value and field.key in layout.bind:
            value = facts.get(layout.bind[field.key], "") or layout.defaults.get(field.key, "")
        shown[field.key] = value
    return shown


def _open_picture(file_field) -> Image.Image | None:
    try:
        with file_field.open("rb") as handle:
            picture = Image.open(io.BytesIO(handle.read()))
            picture.load()
            return picture
    except (OSError, ValueError):
        log.warning("poster picture %s cannot be read", getattr(file_field, "name", ""))
        return None


def _picture(kind: str, target, upload: UploadedFile | None, poster: Poster | None) -> Image.Image | None:
    if upload is not None:
        upload.seek(0)
        picture = Image.open(io.BytesIO(upload.read()))
        picture.load()
        upload.seek(0)
        return picture
    if poster is not None and poster.image:
        return _open_picture(poster.image)
    if kind == T.PRODUCT and target is not None:
        from newretail.catalog.models import ProductImage

        main = ProductImage.objects.filter(merchant_id=target.merchant_id, product=target).first()
        if main is not None and main.image:
            return _open_picture(main.image)
    return None


def _url_for(merchant: Merchant, kind: str, target_id: int | None, code: str) -> str:
    tag = SourceTag(merchant=merchant, code=code, target_kind=kind, target_id=target_id)
    return analytics.tag_url(tag)


def _draw(merchant: Merchant, checked: Checked, *, code: str, upload=None, poster=None) -> Rendered:
    data = checked.data
    facts = target_facts(merchant, data.target, checked.target_object)
    spec = PosterSpec(
        layout=checked.layout.key,
        texts=effective_texts(checked.layout, checked.texts, facts),
        primary=data.primary_color,
        accent=data.accent_color,
        merchant_name=merchant.name,
        qr_url=_url_for(merchant, data.target, data.target_id, code),
        picture=_picture(data.target, checked.target_object, upload, poster),
    )
    rendered = render_poster(spec)
    for name in rendered.overflowing:
        if name in FIELDS:
            raise DomainError(PosterError.TEXT_DOES_NOT_FIT, field=str(FIELDS[name].label))
    return rendered


def _default_name(checked: Checked) -> str:
    target = checked.target_object
    suffix = f" · {target}" if target is not None else ""
    return (str(checked.layout.name) + suffix)[:MAX_NAME]


def preview_poster(*, actor: User, data: PosterInput, upload: UploadedFile | None = None,
                   poster_id: int | None = None) -> bytes:
    """The PNG the poster would be, without saving anything (the poster maker's live preview)."""
    require_perm(actor, Perm.MARKETING_MANAGE)
    poster = get_owned(Poster, actor.merchant_id, pk=poster_id) if poster_id else None
    checked = check_input(actor.merchant_id, data)
    code = poster.source_tag.code if poster is not None else PREVIEW_CODE
    return _draw(actor.merchant, checked, code=code, upload=clean_upload(upload), poster=poster).png()


def _tag_fields(checked: Checked) -> dict:
    data = checked.data
    return {
        "channel": Channel.CAMPAIGN if data.campaign else Channel.POSTER,
        "campaign": data.campaign,
        "target_kind": data.target,
        "target_id": checked.target_object.pk if checked.target_object is not None else None,
    }


def _assign_target(poster: Poster, checked: Checked) -> None:
    data = checked.data
    target = checked.target_object
    poster.target = data.target
    poster.product = target if data.target == T.PRODUCT else None
    poster.promotion = target if data.target == T.PROMOTION else None
    poster.coupon_template = target if data.target == T.COUPON else None
    poster.store = target if data.target == T.STORE else None
    poster.seckill = target if data.target == T.SECKILL else None
    poster.groupbuy = target if data.target == T.GROUPBUY else None
    poster.bargain = target if data.target == T.BARGAIN else None
    poster.game = target if data.target == T.GAME else None


def _store_png(poster: Poster, rendered: Rendered) -> None:
    old = poster.rendered.name if poster.rendered else ""
    poster.rendered.save(f"poster-{poster.pk}.png", ContentFile(rendered.png()), save=False)
    if old:
        storage = poster.rendered.storage
        transaction.on_commit(lambda: storage.delete(old))


def create_poster(*, actor: User, data: PosterInput, upload: UploadedFile | None = None) -> Poster:
    """A new poster with its own source tag and its rendered PNG. Refuses, writing nothing, an
    unknown template, a colour that is not #rrggbb, a text that is too long or does not fit, a
    target that is not the merchant's, a file that is not a picture."""
    require_perm(actor, Perm.MARKETING_MANAGE)
    merchant = actor.merchant
    checked = check_input(merchant.pk, data)
    upload = clean_upload(upload)
    _draw(merchant, checked, code=PREVIEW_CODE, upload=upload)  # refuse before writing
    with transaction.atomic():
        name = data.name or _default_name(checked)
        tag = SourceTag.objects.create(
            merchant_id=merchant.pk,
            code=new_tag_code(),
            label=name,
            staff=actor,
            **_tag_fields(checked),
        )
        poster = Poster(
            merchant_id=merchant.pk,
            name=name,
            layout=checked.layout.key,
            texts=checked.texts,
            primary_color=data.primary_color,
            accent_color=data.accent_color,
            source_tag=tag,
            created_by=actor,
        )
        _assign_target(poster, checked)
        poster.save()
        if upload is not None:
            poster.image.save(f"poster-{poster.pk}.{image_extension(upload)}", upload, save=False)
        _store_png(poster, _draw(merchant, checked, code=tag.code, poster=poster))
        poster.save()
    return poster


def update_poster(*, actor: User, poster_id: int, data: PosterInput, upload: UploadedFile | None = None,
                  remove_image: bool = False) -> Poster:
    """Change a poster's template, target, texts, colours or picture; its source tag (and so
    the QR code's code and the visits counted so far) stays, pointing at the new target."""
    require_perm(actor, Perm.MARKETING_MANAGE)
    merchant = actor.merchant
    with transaction.atomic():
        poster = get_owned(Poster.objects.select_for_update().select_related("source_tag"), merchant.pk, pk=poster_id)
        checked = check_input(merchant.pk, data)
        upload = clean_upload(upload)
        if remove_image and poster.image:
            old_image = poster.image.name
            storage = poster.image.storage
            poster.image = ""
            transaction.on_commit(lambda: storage.delete(old_image))
        _draw(merchant, checked, code=poster.source_tag.code, upload=upload, poster=poster)
        poster.name = data.name or poster.name
        poster.layout = checked.layout.key
        poster.texts = checked.texts
        poster.primary_color = data.primary_color
        poster.accent_color = data.accent_color
        _assign_target(poster, checked)
        if upload is not None:
            poster.image.save(f"poster-{poster.pk}.{image_extension(upload)}", upload, save=False)
        tag = poster.source_tag
        for field, value in {**_tag_fields(checked), "label": poster.name}.items():
            setattr(tag, field, value)
        tag.save(update_fields=["channel", "campaign", "target_kind", "target_id", "label"])
        _store_png(poster, _draw(merchant, checked, code=tag.code, poster=poster))
        poster.save()
    return poster


def poster_input_of(poster: Poster) -> PosterInput:
    target, target_id = poster.target, poster.target_id
    if target not in (T.HOME, T.STORE) and target_id is None:  # its product or coupon was deleted
        target = T.HOME
    return PosterInput(
        layout=poster.layout,
        target=target,
        target_id=target_id,
        texts=dict(poster.texts or {}),
        primary_color=poster.primary_color,
        accent_color=poster.accent_color,
        name=poster.name,
        campaign=poster.source_tag.campaign,
    )


def poster_png(poster: Poster) -> bytes:
    """The poster's PNG: the stored one, or drawn again when the file is gone."""
    if poster.rendered:
        try:
            with poster.rendered.open("rb") as handle:
                return handle.read()
        except OSError:
            log.warning("poster %s: stored PNG missing, drawing it again", poster.pk)
    merchant = poster.merchant
    checked = check_input(merchant.pk, poster_input_of(poster))
    return _draw(merchant, checked, code=poster.source_tag.code, poster=poster).png()


def poster_url(poster: Poster) -> str:
    """The tracked link the poster's QR code carries."""
    return analytics.tag_url(poster.source_tag)
