"""Every write of shop decoration: create a page, save its draft (or start it from a template),
publish, roll back, set the theme colours. Each needs ``mall.decorate``, runs in a transaction,
writes an audit entry and, when the mall's view changes, bumps the cache version on commit."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from newretail.core import clock
from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.storefront import theme as themes
from newretail.storefront.decoration import queries
from newretail.storefront.decoration.blocks import PageInvalid, parse_page_json, validate_page
from newretail.storefront.decoration.errors import DecorationError
from newretail.storefront.decoration.starters import STARTERS
from newretail.storefront.models import MallPage, MallPageVersion, MallTheme, page_key_validator
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def _summary(content: dict | None) -> dict:
    """What the audit log keeps of a page: its block types in order (versions keep the JSON)."""
    blocks = (content or {}).get("blocks") or []
    return {"blocks": [block.get("type") for block in blocks if isinstance(block, dict)]}


def _clean(content: dict | str) -> dict:
    try:
        return parse_page_json(content) if isinstance(content, str) else validate_page(content)
    except PageInvalid as error:
        raise DomainError(
            DecorationError.PAGE_INVALID, problems="; ".join(str(p) for p in error.problems), invalid=error
        ) from None


def _published_changed(merchant_id: int) -> None:
    transaction.on_commit(partial(queries.forget_published, merchant_id))


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title or len(title) > 40:
        raise DomainError(DecorationError.TITLE_INVALID)
    return title


@transaction.atomic
def create_page(*, actor: User, key: str, title: str, starter: str = "") -> MallPage:
    """A new page (the home page is ``home``), empty or filled from a template; nothing is
    published until ``publish_page``."""
    merchant_id = require_perm(actor, Perm.MALL_DECORATE).merchant_id
    key = (key or "").strip()
    try:
        page_key_validator(key)
    except Exception:
        raise DomainError(DecorationError.PAGE_KEY_INVALID) from None
    title = _check_title(title)
    content = _starter(starter).page() if starter else {"blocks": []}
    try:
        with transaction.atomic():
            page = MallPage.objects.create(
                merchant_id=merchant_id,
                key=key,
                title=title,
                draft=content,
                draft_updated_at=clock.now(),
                draft_updated_by=actor,
            )
    except IntegrityError:
        raise DomainError(DecorationError.PAGE_EXISTS, key=key) from None
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="mall.page_created",
        obj=page,
        before={},
        after={"key": key, "title": title, "starter": starter, **_summary(content)},
    )
    return page


def home_page(*, actor: User) -> MallPage:
    """The merchant's home page, created empty the first time the console opens it."""
    merchant_id = require_perm(actor, Perm.MALL_DECORATE).merchant_id
    page = MallPage.objects.filter(merchant_id=merchant_id, key=MallPage.HOME).first()
    if page is None:
        try:
            page = create_page(actor=actor, key=MallPage.HOME, title=_("Home"))
        except DomainError:  # created by another request in between
            page = MallPage.objects.get(merchant_id=merchant_id, key=MallPage.HOME)
    return page


def _starter(key: str):
    starter = STARTERS.get(key)
    if starter is None:
        raise DomainError(DecorationError.UNKNOWN_STARTER, key=str(key)[:40])
    return starter


def _write_draft(
    *, actor: User, page: MallPage, content: dict, revision: int | None, action: str
) -> MallPage:
    """Replace the draft if nobody saved since ``revision`` (None: whatever is there)."""
    rows = MallPage.objects.filter(pk=page.pk, merchant_id=page.merchant_id)
    if revision is not None:
        rows = rows.filter(draft_revision=revision)
    before = page.draft
    updated = rows.update(
        draft=content,
        draft_revision=F("draft_revision") + 1,
        draft_updated_at=clock.now(),
        draft_updated_by=actor,
    )
    if not updated:
        raise DomainError(DecorationError.DRAFT_CHANGED)
    page.refresh_from_db()
    record_audit(
        actor=actor,
        merchant_id=page.merchant_id,
        action=action,
        obj=page,
        before=_summary(before),
        after={"revision": page.draft_revision, **_summary(content)},
    )
    return page


@transaction.atomic
def save_draft(*, actor: User, page_id: int, content: dict | str, revision: int | None = None) -> MallPage:
    """Validate and store the page's draft (the mall does not change). ``content`` is the page
    as a dict or as the editor's JSON text; any problem refuses the whole save with
    ``decoration.page_invalid`` (``error.params["invalid"].problems`` says where). ``revision``
    is the draft revision the editor started from: a save over someone else's is refused."""
    merchant_id = require_perm(actor, Perm.MALL_DECORATE).merchant_id
    page = get_owned(MallPage.objects.all(), merchant_id, pk=page_id)
    return _write_draft(
        actor=actor, page=page, content=_clean(content), revision=revision, action="mall.draft_saved"
    )


@transaction.atomic
def apply_starter(
    *, actor: User, page_id: int, starter: str, revision: int | None = None, with_theme: bool = False
) -> MallPage:
    """Replace the draft with a template (and, if asked, take the template's colours)."""
    merchant_id = require_perm(actor, Perm.MALL_DECORATE).merchant_id
    page = get_owned(MallPage.objects.all(), merchant_id, pk=page_id)
    chosen = _starter(starter)
    page = _write_draft(
        actor=actor, page=page, content=chosen.page(), revision=revision, action="mall.starter_applied"
    )
    if with_theme and chosen.theme:
        set_theme(actor=actor, **chosen.theme)
    return page


def _next_number(page: MallPage) -> int:
    top = MallPageVersion.objects.filter(page=page).aggregate(top=Max("number"))["top"]
    return (top or 0) + 1


def _publish(
    *, actor: User, page: MallPage, content: dict, note: str, action: str, before: Any
) -> MallPageVersion:
    version = MallPageVersion.objects.create(
        merchant_id=page.merchant_id,
        page=page,
        number=_next_number(page),
        content=content,
        note=note[:100],
        created_by=actor,
    )
    MallPage.objects.filter(pk=page.pk).update(published_version=version)
    record_audit(
        actor=actor,
        merchant_id=page.merchant_id,
        action=action,
        obj=page,
        before=before,
        after={"version": version.number, **_summary(content)},
        reason=note,
    )
    _published_changed(page.merchant_id)
    return version


@transaction.atomic
def publish_page(*, actor: User, page_id: int, note: str = "") -> MallPageVersion:
    """Publish the saved draft as the page's next version; the mall shows it at once. The draft
    is validated again (a rule may have tightened since it was saved)."""
    merchant_id = require_perm(actor, Perm.MALL_DECORATE).merchant_id
    page = get_owned(MallPage.objects.select_for_update(), merchant_id, pk=page_id)
    content = _clean(page.draft)
    before = {"version": page.published_version.number if page.published_version_id else None}
    return _publish(
        actor=actor,
        page=page,
        content=content,
        note=(note or "").strip(),
        action="mall.page_published",
        before=before,
    )


@transaction.atomic
def rollback_page(*, actor: User, version_id: int, note: str = "") -> MallPageVersion:
    """Publish an earlier version's content again, as a new version (history is never
    rewritten), and make it the draft too so that editing carries on from what the mall shows."""
    merchant_id = require_perm(actor, Perm.MALL_DECORATE).merchant_id
    old = get_owned(MallPageVersion.objects.all(), merchant_id, pk=version_id)
    page = get_owned(MallPage.objects.select_for_update(), merchant_id, pk=old.page_id)
    before = {"version": page.published_version.number if page.published_version_id else None}
    # Stored content is re-validated: a block an upgrade no longer accepts is refused, not shown.
    content = _clean(old.content)
    note = (note or "").strip() or _("Rolled back to version %(n)s") % {"n": old.number}
    version = _publish(
        actor=actor, page=page, content=content, note=note, action="mall.page_rolled_back", before=before
    )
    MallPage.objects.filter(pk=page.pk).update(
        draft=content,
        draft_revision=F("draft_revision") + 1,
        draft_updated_at=clock.now(),
        draft_updated_by=actor,
    )
    return version


COLOUR_FIELDS = {
    "brand": MallTheme._meta.get_field("brand"),
    "brand_ink": MallTheme._meta.get_field("brand_ink"),
    "accent": MallTheme._meta.get_field("accent"),
}


@transaction.atomic
def set_theme(*, actor: User, brand: str, brand_ink: str, accent: str) -> MallTheme:
    """The merchant's mall colours; each must be ``#rrggbb`` (they go into the mall's CSS)."""
    merchant_id = require_perm(actor, Perm.MALL_DECORATE).merchant_id
    values = {"brand": brand, "brand_ink": brand_ink, "accent": accent}
    for name, value in values.items():
        cleaned = themes.clean_colour(value)
        if cleaned is None:
            raise DomainError(
                DecorationError.COLOUR_INVALID, field=str(COLOUR_FIELDS[name].verbose_name), name=name
            )
        values[name] = cleaned
    row = MallTheme.objects.select_for_update().filter(merchant_id=merchant_id).first()
    before = {name: getattr(row, name) for name in values} if row else {}
    if row is None:
        row = MallTheme.objects.create(merchant_id=merchant_id, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="mall.theme_changed",
        obj=row,
        before=before,
        after=values,
    )
    transaction.on_commit(partial(themes.forget_theme, merchant_id))
    return row
