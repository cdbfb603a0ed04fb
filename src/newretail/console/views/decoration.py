"""Console pages for shop decoration (店铺装修): the list of mall pages, the page editor (drag
blocks in, edit each block's settings, preview on a phone-sized frame, save, publish), a page's
versions with rollback, templates to start from, and the theme colours.

The editor is a form: Alpine keeps the blocks as JSON in a hidden field and the server validates
it with ``decoration.blocks`` (problems come back next to the block and field they are about).
Views parse input and call ``storefront.decoration.actions``; every id is looked up within the
user's merchant (another merchant's page or version is 404)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.helpers import done, failed, owned, raise_if_denied
from newretail.core.errors import DomainError
from newretail.storefront.decoration import actions, images, queries
from newretail.storefront.decoration.blocks import (
    BLOCK_LABELS,
    PageInvalid,
    Problem,
    editor_spec,
    parse_page_json,
    renderable_blocks,
)
from newretail.storefront.decoration.errors import DecorationError
from newretail.storefront.decoration.render import render_content
from newretail.storefront.decoration.starters import STARTERS
from newretail.storefront.models import MallImage, MallPage, MallPageVersion
from newretail.storefront.theme import clean_colour, theme_for
from newretail.tenancy.roles import Perm

DECORATE = Perm.MALL_DECORATE


def _page(request, pk: int) -> MallPage:
    return owned(MallPage.objects.select_related("published_version"), request.user, pk)


def _editor_url(page: MallPage) -> str:
    return reverse("console:decoration_editor", args=[page.pk])


def _block_summary(content: dict) -> str:
    blocks = (content or {}).get("blocks") or []
    return " · ".join(
        str(BLOCK_LABELS.get(block.get("type"), "?")) for block in blocks if isinstance(block, dict)
    )


# --- the list of pages ---------------------------------------------------------------------


@console_view(DECORATE)
def page_list(request):
    actor = request.user
    actions.home_page(actor=actor)  # the home page always exists to be decorated
    pages = list(queries.pages_for(actor.merchant_id))
    for page in pages:
        page.summary = _block_summary(page.draft)
        page.has_changes = page.published_version is None or page.published_version.content != page.draft
    context = {"pages": pages, "theme": theme_for(actor.merchant), "starters": STARTERS.values()}
    return render(request, "console/decoration/page_list.html", context)


class PageForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=40)
    key = forms.SlugField(
        label=gettext_lazy("Page key"),
        max_length=40,
        help_text=gettext_lazy("Lowercase letters, digits and dashes; part of the page's address."),
    )
    starter = forms.ChoiceField(label=gettext_lazy("Start from"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starter"].choices = [("", _("An empty page"))] + [
            (s.key, s.name) for s in STARTERS.values()
        ]


@console_view(DECORATE)
def page_create(request):
    form = PageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            page = actions.create_page(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            raise_if_denied(error)
            field = {"decoration.page_exists": "key", "decoration.page_key_invalid": "key"}.get(error.code)
            form.add_error(field, error.message)
        else:
            return done(request, _("Page %(title)s created.") % {"title": page.title}, _editor_url(page))
    return render(request, "console/decoration/page_form.html", {"form": form})


# --- the editor ------------------------------------------------------------------------------


def _problem_rows(problems: list[Problem], content: dict | None) -> list[dict]:
    """Problems with the id of the block they are about (the editor may reorder blocks)."""
    blocks = (content or {}).get("blocks") if isinstance(content, dict) else None
    rows = []
    for problem in problems:
        block_id = None
        if problem.block is not None and isinstance(blocks, list) and problem.block < len(blocks):
            block = blocks[problem.block]
            block_id = block.get("id") if isinstance(block, dict) else None
        rows.append({"block_id": block_id, "field": problem.field, "message": str(problem)})
    return rows


def _raw_json(raw: str) -> dict | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _revision(request) -> int | None:
    value = request.POST.get("revision", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@console_view(DECORATE)
def page_editor(request, pk: int):
    actor = request.user
    page = _page(request, pk)
    content = page.draft
    revision = page.draft_revision
    problems: list[dict] = []
    if request.method == "POST":
        raw = request.POST.get("content", "")
        action = request.POST.get("action", "save")
        try:
            page = actions.save_draft(actor=actor, page_id=page.pk, content=raw, revision=_revision(request))
            if action == "publish":
                version = actions.publish_page(
                    actor=actor, page_id=page.pk, note=request.POST.get("note", "")
                )
                return done(
                    request,
                    _("Published as version %(n)s. The mall shows it now.") % {"n": version.number},
                    _editor_url(page),
                )
            return done(request, _("Draft saved. The mall changes when you publish."), _editor_url(page))
        except DomainError as error:
            raise_if_denied(error)
            content = _raw_json(raw) or content
            revision = _revision(request) if _revision(request) is not None else revision
            invalid = error.params.get("invalid")
            if isinstance(invalid, PageInvalid):
                problems = _problem_rows(invalid.problems, content)
            else:
                problems = [{"block_id": None, "field": "", "message": error.message}]
    context = {
        "page": page,
        "content": content,
        "revision": revision,
        "problems": problems,
        "spec": editor_spec(),
        "options": queries.editor_options(actor.merchant_id),
        "starters": STARTERS.values(),
        "published": page.published_version,
        "has_changes": page.published_version is None or page.published_version.content != page.draft,
        "mall_url": reverse("storefront:home", kwargs={"merchant_slug": actor.merchant.slug})
        if page.key == MallPage.HOME
        else "",
    }
    # Problems re-render the page with 200, like the other console forms.
    return render(request, "console/decoration/editor.html", context)


@console_view(DECORATE)
@require_POST
def page_starter(request, pk: int):
    actor = request.user
    page = _page(request, pk)
    try:
        actions.apply_starter(
            actor=actor,
            page_id=page.pk,
            starter=request.POST.get("starter", ""),
            revision=_revision(request),
            with_theme=request.POST.get("with_theme") == "on",
        )
    except DomainError as error:
        raise_if_denied(error)
        return failed(request, error, _editor_url(page))
    name = STARTERS[request.POST["starter"]].name
    return done(
        request,
        _("The draft now holds the template %(name)s. Edit it, then publish.") % {"name": name},
        _editor_url(page),
    )


def _preview(request, content, *, title: str, problems: list[str] | None = None):
    """``content`` rendered as the mall shows it: the mall's own base template, this merchant's
    theme, links as on the mall (they open in a new tab, not inside the frame)."""
    merchant = request.user.merchant
    request.mall = merchant
    request.mall_by_host = False
    context = {
        "decorated": render_content(request, merchant, content),
        "has_blocks": bool(renderable_blocks(content)),
        "preview_title": title,
        "problems": problems or [],
        "active_tab": "home",
        "noindex": True,
    }
    return render(request, "console/decoration/preview.html", context)


@xframe_options_sameorigin
@console_view(DECORATE)
def page_preview(request, pk: int):
    """The draft (GET: as saved; POST: the editor's unsaved JSON, validated, nothing stored)."""
    page = _page(request, pk)
    if request.method == "POST":
        try:
            content = parse_page_json(request.POST.get("content", ""))
        except PageInvalid as error:
            return _preview(
                request, {"blocks": []}, title=page.title, problems=[str(p) for p in error.problems]
            )
        return _preview(request, content, title=page.title)
    return _preview(request, page.draft, title=page.title)


# --- versions --------------------------------------------------------------------------------


@console_view(DECORATE)
def page_versions(request, pk: int):
    page = _page(request, pk)
    versions = list(queries.versions_of(page)[:200])
    for version in versions:
        version.summary = _block_summary(version.content)
    return render(request, "console/decoration/versions.html", {"page": page, "versions": versions})


def _version(request, pk: int) -> MallPageVersion:
    return owned(MallPageVersion.objects.select_related("page"), request.user, pk)


@xframe_options_sameorigin
@console_view(DECORATE)
def version_preview(request, pk: int):
    version = _version(request, pk)
    return _preview(request, version.content, title=f"{version.page.title} v{version.number}")


@console_view(DECORATE)
@require_POST
def version_rollback(request, pk: int):
    version = _version(request, pk)  # first: another merchant's id is 404
    try:
        published = actions.rollback_page(
            actor=request.user, version_id=version.pk, note=request.POST.get("note", "")
        )
    except DomainError as error:
        raise_if_denied(error)
        return failed(request, error, reverse("console:decoration_versions", args=[version.page_id]))
    text = _("Version %(old)s is published again as version %(new)s.") % {
        "old": version.number,
        "new": published.number,
    }
    return done(request, text, reverse("console:decoration_versions", args=[version.page_id]))


# --- theme -----------------------------------------------------------------------------------


class ThemeForm(forms.Form):
    brand = forms.CharField(
        label=gettext_lazy("Brand colour"),
        max_length=7,
        help_text=gettext_lazy("Prices, buy buttons, the top bar."),
    )
    brand_ink = forms.CharField(label=gettext_lazy("Text on the brand colour"), max_length=7)
    accent = forms.CharField(
        label=gettext_lazy("Accent colour"), max_length=7, help_text=gettext_lazy("Tags, badges, countdowns.")
    )

    def clean(self):
        data = super().clean()
        for name in ("brand", "brand_ink", "accent"):
            if name in data and clean_colour(data[name]) is None:
                self.add_error(name, _("Use a colour like #e4393c."))
        return data


@console_view(DECORATE)
def theme_edit(request):
    actor = request.user
    current = theme_for(actor.merchant)
    initial = {"brand": current.brand, "brand_ink": current.brand_ink, "accent": current.accent}
    form = ThemeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_theme(actor=actor, **form.cleaned_data)
        except DomainError as error:
            raise_if_denied(error)
            if error.error is DecorationError.COLOUR_INVALID:
                form.add_error(error.params.get("name"), error.message)
            else:
                form.add_error(None, error.message)
        else:
            return done(
                request,
                _("Theme colours saved. The mall uses them now."),
                reverse("console:decoration_theme"),
            )
    return render(request, "console/decoration/theme.html", {"form": form, "theme": current})


@console_view(DECORATE)
def image_library(request):
    """The image library (素材库): upload pictures and copy their addresses into blocks."""
    actor = request.user
    if request.method == "POST":
        upload = request.FILES.get("image")
        if upload is None:
            messages.error(request, _("Choose a picture to upload."))
        else:
            try:
                images.upload_mall_image(actor=actor, upload=upload)
            except DomainError as error:
                raise_if_denied(error)
                messages.error(request, error.message)
            else:
                return done(
                    request,
                    _("Picture uploaded: copy its address into a block."),
                    reverse("console:decoration_images"),
                )
    library = MallImage.objects.filter(merchant_id=actor.merchant_id)[:200]
    return render(request, "console/decoration/images.html", {"images": library})


@require_POST
@console_view(DECORATE)
def image_delete(request, pk: int):
    try:
        images.delete_mall_image(actor=request.user, image_id=pk)
    except DomainError as error:
        raise_if_denied(error)
        if error.status == 404:
            raise
        return failed(request, error, reverse("console:decoration_images"))
    return done(request, _("Picture deleted."), reverse("console:decoration_images"))


urlpatterns = [
    path("mall/images/", image_library, name="decoration_images"),
    path("mall/images/<int:pk>/delete/", image_delete, name="decoration_image_delete"),
    path("mall/pages/", page_list, name="decoration_pages"),
    path("mall/pages/new/", page_create, name="decoration_page_new"),
    path("mall/pages/<int:pk>/", page_editor, name="decoration_editor"),
    path("mall/pages/<int:pk>/preview/", page_preview, name="decoration_preview"),
    path("mall/pages/<int:pk>/starter/", page_starter, name="decoration_starter"),
    path("mall/pages/<int:pk>/versions/", page_versions, name="decoration_versions"),
    path("mall/versions/<int:pk>/preview/", version_preview, name="decoration_version_preview"),
    path("mall/versions/<int:pk>/rollback/", version_rollback, name="decoration_rollback"),
    path("mall/theme/", theme_edit, name="decoration_theme"),
]
