"""Console pages for share posters (分享海报): the list, the poster maker (template thumbnails,
target, texts, colours, picture, a live preview drawn by the server), the poster page with its
PNG and tracked link, and the store door QR codes (one source tag per store). Views parse and
call ``marketing.posters.actions`` / ``analytics.actions``; the rules live there."""

from __future__ import annotations

import base64
import functools

import segno
from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from newretail.analytics import actions as analytics
from newretail.analytics.models import Channel, SourceTag
from newretail.analytics.queries import tag_counts
from newretail.catalog.models import Product
from newretail.console.decorators import console_view
from newretail.console.helpers import done, owned, raise_if_denied
from newretail.console.paging import paginate
from newretail.core.errors import CoreError, DomainError
from newretail.marketing.bargain.models import BargainCampaign
from newretail.marketing.games.models import Game
from newretail.marketing.groupbuy.models import GroupBuyCampaign
from newretail.marketing.models import CouponTemplate, Poster, Promotion, SeckillCampaign
from newretail.marketing.posters import actions as poster_actions
from newretail.marketing.posters.errors import PosterError
from newretail.marketing.posters.layouts import LAYOUTS, Layout
from newretail.marketing.posters.render import PosterSpec, render_poster
from newretail.tenancy.models import Store
from newretail.tenancy.roles import Perm

T = Poster.Target
MAX_OPTIONS = 500
TARGET_FIELDS = {
    T.PRODUCT: "product",
    T.PROMOTION: "promotion",
    T.COUPON: "coupon",
    T.STORE: "store",
    T.SECKILL: "seckill",
    T.GROUPBUY: "groupbuy",
    T.BARGAIN: "bargain",
    T.GAME: "game",
}


class PosterForm(forms.Form):
    layout = forms.ChoiceField(widget=forms.HiddenInput)
    name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("For your list; empty: the template and the target."),
    )
    target = forms.ChoiceField(label=gettext_lazy("The QR code opens"), choices=T.choices)
    product = forms.IntegerField(label=gettext_lazy("Product"), required=False, widget=forms.Select)
    promotion = forms.IntegerField(label=gettext_lazy("Promotion"), required=False, widget=forms.Select)
    coupon = forms.IntegerField(label=gettext_lazy("Coupon"), required=False, widget=forms.Select)
    store = forms.IntegerField(
        label=gettext_lazy("Store"),
        required=False,
        widget=forms.Select,
        help_text=gettext_lazy("Empty: the list of stores."),
    )
    seckill = forms.IntegerField(label=gettext_lazy("Seckill"), required=False, widget=forms.Select)
    groupbuy = forms.IntegerField(label=gettext_lazy("Group buy"), required=False, widget=forms.Select)
    bargain = forms.IntegerField(label=gettext_lazy("Bargain"), required=False, widget=forms.Select)
    game = forms.IntegerField(label=gettext_lazy("Lottery game"), required=False, widget=forms.Select)
    campaign = forms.CharField(
        label=gettext_lazy("Campaign"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("Optional: visits and orders are reported under this campaign."),
    )
    primary_color = forms.CharField(
        label=gettext_lazy("Main colour"), widget=forms.TextInput(attrs={"type": "color"})
    )
    accent_color = forms.CharField(
        label=gettext_lazy("Accent colour"), widget=forms.TextInput(attrs={"type": "color"})
    )
    image = forms.FileField(
        label=gettext_lazy("Picture"),
        required=False,
        help_text=gettext_lazy("JPEG, PNG or WebP, at most 5 MB. Empty: the product's main picture."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_image = forms.BooleanField(label=gettext_lazy("Remove the uploaded picture"), required=False)

    def __init__(self, *args, merchant_id: int, layout: Layout, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout = layout
        self.fields["layout"].choices = [(key, key) for key in LAYOUTS]
        blank = [("", "—")]
        products = Product.objects.filter(merchant_id=merchant_id, is_deleted=False).order_by("name")
        self.fields["product"].widget.choices = blank + [(p.pk, p.name) for p in products[:MAX_OPTIONS]]
        self.fields["promotion"].widget.choices = blank + [
            (p.pk, p.name)
            for p in Promotion.objects.filter(merchant_id=merchant_id).order_by("-id")[:MAX_OPTIONS]
        ]
        self.fields["coupon"].widget.choices = blank + [
            (c.pk, c.name)
            for c in CouponTemplate.objects.filter(merchant_id=merchant_id).order_by("-id")[:MAX_OPTIONS]
        ]
        for name, model in (
            ("seckill", SeckillCampaign),
            ("groupbuy", GroupBuyCampaign),
            ("bargain", BargainCampaign),
            ("game", Game),
        ):
            rows = model.objects.filter(merchant_id=merchant_id).order_by("-id")[:MAX_OPTIONS]
            self.fields[name].widget.choices = blank + [(row.pk, row.name) for row in rows]
        self.fields["store"].widget.choices = blank + [
            (s.pk, s.name) for s in Store.objects.filter(merchant_id=merchant_id).order_by("code")
        ]
        self.text_names = []
        for field in layout.fields:
            name = f"text_{field.key}"
            widget = forms.Textarea(attrs={"rows": 4}) if field.multiline else forms.TextInput()
            help_text = _("Empty: taken from the target.") if field.key in layout.bind else ""
            self.fields[name] = forms.CharField(
                label=field.label,
                required=False,
                widget=widget,
                help_text=help_text,
                # The action counts characters and says how many; the browser only stops typing.
                max_length=None,
            )
            widget.attrs["maxlength"] = field.max_chars
            self.text_names.append(name)

    @classmethod
    def initial_for(cls, layout: Layout, poster: Poster | None = None) -> dict:
        if poster is None:
            initial = {
                "layout": layout.key,
                "target": layout.target,
                "primary_color": layout.primary,
                "accent_color": layout.accent,
            }
            for field in layout.fields:
                initial[f"text_{field.key}"] = (
                    "" if field.key in layout.bind else layout.defaults.get(field.key, "")
                )
            return initial
        initial = {
            "layout": layout.key,
            "name": poster.name,
            "target": poster.target,
            "campaign": poster.source_tag.campaign,
            "primary_color": poster.primary_color,
            "accent_color": poster.accent_color,
        }
        if poster.target in TARGET_FIELDS:
            initial[TARGET_FIELDS[poster.target]] = poster.target_id
        for field in layout.fields:
            initial[f"text_{field.key}"] = (poster.texts or {}).get(field.key, "")
        return initial

    def text_fields(self):
        return [self[name] for name in self.text_names]

    def target_fields(self):
        return [(self[name], kind) for kind, name in TARGET_FIELDS.items()]

    def poster_input(self) -> poster_actions.PosterInput:
        data = self.cleaned_data
        target = data["target"]
        target_id = data.get(TARGET_FIELDS[target]) if target in TARGET_FIELDS else None
        return poster_actions.PosterInput(
            layout=data["layout"],
            target=target,
            target_id=target_id,
            texts={name.removeprefix("text_"): data.get(name) or "" for name in self.text_names},
            primary_color=data["primary_color"],
            accent_color=data["accent_color"],
            name=data.get("name") or "",
            campaign=data.get("campaign") or "",
        )

    def add_action_error(self, error: DomainError) -> None:
        self.add_error(None, error.message)

    def error_summary(self) -> list[str]:
        found = list(self.non_field_errors())
        for name, errors in self.errors.items():
            if name != "__all__":
                label = self.fields[name].label if name in self.fields else name
                found += [f"{label}: {e}" for e in errors]
        return found


def _layout_of(request, poster: Poster | None = None) -> Layout:
    key = request.POST.get("layout") or request.GET.get("layout") or (poster.layout if poster else "")
    return LAYOUTS.get(key) or (
        LAYOUTS[poster.layout] if poster and poster.layout in LAYOUTS else next(iter(LAYOUTS.values()))
    )


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@console_view(Perm.MARKETING_VIEW)
def poster_list(request):
    actor = request.user
    posters = Poster.objects.for_merchant(actor.merchant_id).select_related("source_tag")
    page = paginate(request, posters, per_page=24)
    page["page_obj"].object_list = rows = list(page["page_obj"].object_list)
    counts = tag_counts(actor.merchant_id, [p.source_tag_id for p in rows])
    for poster in rows:
        poster.counts = counts.get(poster.source_tag_id, {"visits": 0, "orders": 0})
        poster.layout_name = LAYOUTS[poster.layout].name if poster.layout in LAYOUTS else poster.layout
    context = {"can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE), **page}
    return render(request, "console/posters/poster_list.html", context)


def _target_from_link(request) -> dict:
    """A campaign page's 生成海报 link names its target (``?target=seckill&target_id=7``): the new
    poster starts pointed at it. Only a preselection: the form's choices hold the merchant's own
    rows, so another merchant's id selects nothing and cannot be saved."""
    target = request.GET.get("target", "")
    target_id = request.GET.get("target_id", "")
    if target not in TARGET_FIELDS or not target_id.isdigit() or len(target_id) > 12:
        return {}
    return {"target": target, TARGET_FIELDS[target]: int(target_id)}


def _poster_page(request, poster: Poster | None):
    actor = request.user
    layout = _layout_of(request, poster)
    initial = PosterForm.initial_for(layout, poster if poster and poster.layout == layout.key else None)
    linked = _target_from_link(request) if poster is None else {}
    initial.update(linked)
    if poster is not None and poster.layout != layout.key:  # switching template keeps the target
        initial.update({"name": poster.name, "target": poster.target, "campaign": poster.source_tag.campaign})
        if poster.target in TARGET_FIELDS:
            initial[TARGET_FIELDS[poster.target]] = poster.target_id
    form = PosterForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        merchant_id=actor.merchant_id,
        layout=layout,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("image")
        try:
            if poster is None:
                saved = poster_actions.create_poster(actor=actor, data=form.poster_input(), upload=upload)
            else:
                saved = poster_actions.update_poster(
                    actor=actor,
                    poster_id=poster.pk,
                    data=form.poster_input(),
                    upload=upload,
                    remove_image=form.cleaned_data.get("remove_image", False),
                )
        except DomainError as error:
            raise_if_denied(error)
            form.add_action_error(error)
        else:
            text = _("Poster %(name)s created.") if poster is None else _("Poster %(name)s saved.")
            return done(
                request, text % {"name": saved.name}, reverse("console:poster_detail", args=[saved.pk])
            )
    context = {
        "form": form,
        "poster": poster,
        "layout": layout,
        "layouts": list(LAYOUTS.values()),
        "preview_url": reverse("console:poster_preview"),
        "preview_on_load": bool(linked),  # the template's thumbnail knows nothing of the target
        "initial_preview": reverse("console:poster_png", args=[poster.pk])
        if poster and poster.layout == layout.key
        else reverse("console:poster_layout_thumb", args=[layout.key]),
    }
    return render(request, "console/posters/poster_form.html", context)


@console_view(Perm.MARKETING_MANAGE)
def poster_create(request):
    return _poster_page(request, None)


@console_view(Perm.MARKETING_MANAGE)
def poster_edit(request, pk: int):
    return _poster_page(request, owned(Poster.objects.select_related("source_tag"), request.user, pk))


@console_view(Perm.MARKETING_MANAGE)
@require_POST
def poster_preview(request):
    """The live preview (htmx): the poster drawn from the form as it is, nothing saved."""
    actor = request.user
    poster_id = request.POST.get("poster") or ""
    poster = owned(Poster.objects.all(), actor, int(poster_id)) if poster_id.isdigit() else None
    layout = _layout_of(request, poster)
    form = PosterForm(request.POST, request.FILES, merchant_id=actor.merchant_id, layout=layout)
    context: dict = {"errors": []}
    if form.is_valid():
        try:
            png = poster_actions.preview_poster(
                actor=actor,
                data=form.poster_input(),
                upload=form.cleaned_data.get("image"),
                poster_id=poster.pk if poster else None,
            )
        except DomainError as error:
            raise_if_denied(error)
            context["errors"] = [error.message]
        else:
            context["src"] = _data_uri(png)
    else:
        context["errors"] = form.error_summary()
    return render(request, "console/posters/_preview.html", context)


@functools.lru_cache(maxsize=32)
def _thumbnail(key: str, merchant_name: str) -> bytes:
    layout = LAYOUTS[key]
    spec = PosterSpec(
        layout=key,
        texts=layout.defaults,
        primary=layout.primary,
        accent=layout.accent,
        merchant_name=merchant_name,
        qr_url="https://example.com/m/shop/?src=" + poster_actions.PREVIEW_CODE,
    )
    return render_poster(spec).png()


@console_view(Perm.MARKETING_VIEW)
def poster_layout_thumb(request, key: str):
    """A template drawn with its sample texts (the maker's template picker)."""
    if key not in LAYOUTS:
        raise DomainError(PosterError.UNKNOWN_LAYOUT)
    response = HttpResponse(_thumbnail(key, request.user.merchant.name), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _poster(request, pk: int) -> Poster:
    return owned(Poster.objects.select_related("source_tag", "created_by"), request.user, pk)


@console_view(Perm.MARKETING_VIEW)
def poster_detail(request, pk: int):
    actor = request.user
    poster = _poster(request, pk)
    url = poster_actions.poster_url(poster)
    counts = tag_counts(actor.merchant_id, [poster.source_tag_id])[poster.source_tag_id]
    context = {
        "poster": poster,
        "layout_name": LAYOUTS[poster.layout].name if poster.layout in LAYOUTS else poster.layout,
        "tracked_url": url,
        "counts": counts,
        "can_manage": actor.has_perm_code(Perm.MARKETING_MANAGE),
    }
    return render(request, "console/posters/poster_detail.html", context)


@console_view(Perm.MARKETING_VIEW)
def poster_png(request, pk: int):
    poster = _poster(request, pk)
    response = HttpResponse(poster_actions.poster_png(poster), content_type="image/png")
    response["Cache-Control"] = "private, no-cache"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="poster-{poster.pk}.png"'
    return response


def _qr_uri(url: str, scale: int) -> str:
    return segno.make(url, error="m").png_data_uri(scale=scale, border=2)


@console_view(Perm.MARKETING_VIEW)
def store_qr_list(request):
    """Store door QR codes (门店码): one source tag per store (channel store_qr) opening the mall
    home, so visits and orders from the door are reported per store."""
    actor = request.user
    merchant = actor.merchant
    can_manage = actor.has_perm_code(Perm.MARKETING_MANAGE)
    stores = list(Store.objects.for_merchant(merchant).order_by("code"))
    if request.method == "POST":
        if not can_manage:
            raise DomainError(CoreError.PERMISSION_DENIED)
        made = 0
        for store in stores:
            if not _door_tags(merchant.pk).filter(store=store).exists():
                analytics.share_tag(merchant, store=store, target=analytics.HOME)
                made += 1
        return done(
            request,
            _("%(count)s store QR codes created.") % {"count": made},
            reverse("console:store_qr_list"),
        )
    tags = {tag.store_id: tag for tag in _door_tags(merchant.pk)}
    counts = tag_counts(merchant.pk, [tag.pk for tag in tags.values()])
    rows = []
    for store in stores:
        tag = tags.get(store.pk)
        row = {"store": store, "tag": tag}
        if tag is not None:
            url = analytics.tag_url(tag)
            row.update(
                {"url": url, "qr": _qr_uri(url, 5), "print_qr": _qr_uri(url, 16), "counts": counts[tag.pk]}
            )
        rows.append(row)
    context = {"rows": rows, "can_manage": can_manage, "missing": any(r["tag"] is None for r in rows)}
    return render(request, "console/posters/store_qr_list.html", context)


def _door_tags(merchant_id: int):
    return SourceTag.objects.filter(
        merchant_id=merchant_id,
        channel=Channel.STORE_QR,
        store__isnull=False,
        member__isnull=True,
        staff__isnull=True,
        target_kind="home",
    )


urlpatterns = [
    path("marketing/posters/", poster_list, name="poster_list"),
    path("marketing/posters/new/", poster_create, name="poster_create"),
    path("marketing/posters/preview/", poster_preview, name="poster_preview"),
    path("marketing/posters/templates/<slug:key>.png", poster_layout_thumb, name="poster_layout_thumb"),
    path("marketing/posters/store-qr/", store_qr_list, name="store_qr_list"),
    path("marketing/posters/<int:pk>/", poster_detail, name="poster_detail"),
    path("marketing/posters/<int:pk>/edit/", poster_edit, name="poster_edit"),
    path("marketing/posters/<int:pk>/poster.png", poster_png, name="poster_png"),
]
