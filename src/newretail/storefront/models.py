"""Shop decoration (店铺装修): a merchant's mall pages built from blocks, their published versions
and the merchant's theme colours.

A page's content is JSON validated by ``decoration.blocks`` (``{"blocks": [{"id", "type", …}]}``).
The draft is edited in the console; publishing copies it into a new ``MallPageVersion`` (append
only, numbered per page) and points the page at it. Rolling back publishes an old version's
content again as a new version, so the history is never rewritten. Writes go through
``decoration.actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned

page_key_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,39}$", _("Use lowercase letters, digits and dashes.")
)
colour_validator = RegexValidator(r"^#[0-9a-f]{6}$", _("Use a colour like #e4393c."))


def empty_page() -> dict:
    return {"blocks": []}


class MallPage(MerchantOwned):
    """One decorated page of the mall: the home page (key ``home``) or a custom page."""

    HOME = "home"

    key = models.CharField(_("page key"), max_length=40, validators=[page_key_validator])
    title = models.CharField(_("title"), max_length=40)
    draft = models.JSONField(_("draft"), default=empty_page)
    # Bumped by every draft save: a save based on an older revision is refused (two editors).
    draft_revision = models.IntegerField(_("draft revision"), default=0)
    draft_updated_at = models.DateTimeField(_("draft saved at"), null=True, blank=True)
    draft_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_version = models.ForeignKey(
        "storefront.MallPageVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mall page")
        verbose_name_plural = _("mall pages")
        ordering = ["key", "id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="mall_page_key_unique")]

    def __str__(self) -> str:
        return self.title


class MallPageVersion(MerchantOwned):
    """A published state of a page (append only: rows are created, never changed)."""

    page = models.ForeignKey(MallPage, on_delete=models.CASCADE, related_name="versions")
    number = models.IntegerField(_("version"))
    content = models.JSONField(_("content"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mall page version")
        verbose_name_plural = _("mall page versions")
        ordering = ["page", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="mall_page_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.page_id} v{self.number}"


class MallTheme(MerchantOwned):
    """A merchant's mall colours (千店千面). One row per merchant; none means the default theme."""

    brand = models.CharField(_("brand colour"), max_length=7, validators=[colour_validator])
    brand_ink = models.CharField(_("text on the brand colour"), max_length=7, validators=[colour_validator])
    accent = models.CharField(_("accent colour"), max_length=7, validators=[colour_validator])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("mall theme")
        verbose_name_plural = _("mall themes")
        constraints = [models.UniqueConstraint(fields=["merchant"], name="mall_theme_one_per_merchant")]

    def __str__(self) -> str:
        return f"{self.brand}/{self.accent}"


class MallImage(MerchantOwned):
    """A picture uploaded for decorating the mall (banners, hotspot images, rich text): the
    merchant's image library (素材库). Blocks store its URL."""

    image = models.ImageField(_("image"), upload_to="mall/%Y/%m/")
    name = models.CharField(_("name"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mall image")
        verbose_name_plural = _("mall images")
        ordering = ["-id"]
