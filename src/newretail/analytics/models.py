"""Source tracking (来源获取): the tags a shared link or QR code carries, the visits they bring, and
the first-touch / last-touch attribution copied onto members at sign-up and orders at placing.

Rows are append-only facts; the report (``analytics.queries``) groups them. Channels are stored
on every row (not only through the tag) so that the report groups without joins and a deleted
or edited tag never rewrites history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned


class Channel(models.TextChoices):
    SEARCH = "search", _("Search engine")
    POSTER = "poster", _("Poster")
    SHARE = "share", _("Share link")
    STORE_QR = "store_qr", _("Store door QR")
    CAMPAIGN = "campaign", _("Campaign")
    DIRECT = "direct", _("Direct")
    OTHER = "other", _("Other website")


class TargetKind(models.TextChoices):
    """What a tag's link opens in the mall."""

    HOME = "home", _("Mall home")
    PRODUCT = "product", _("Product")
    PROMOTION = "promotion", _("Promotion")
    COUPON = "coupon", _("Coupon")
    STORE = "store", _("Store")
    SECKILL = "seckill", _("Seckill")
    GROUPBUY = "groupbuy", _("Group buy")
    BARGAIN = "bargain", _("Bargain")
    GAME = "game", _("Lottery game")


class SourceTag(MerchantOwned):
    """A source tag (来源标记): the ``?src=<code>`` of a poster's QR, a member's share link or a
    store door QR. The code is random and unguessable; only a tag of the mall's own merchant
    counts when a shopper arrives with it."""

    code = models.CharField(_("code"), max_length=24, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    label = models.CharField(_("label"), max_length=60)
    campaign = models.CharField(_("campaign"), max_length=60, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff who shared"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member who shared"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    store = models.ForeignKey(
        "tenancy.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The page the link opens (a poster's tag points at its poster's target; the poster itself
    # holds the tag, marketing.Poster.source_tag).
    target_kind = models.CharField(_("opens"), max_length=16, choices=TargetKind.choices, default=TargetKind.HOME)
    target_id = models.BigIntegerField(_("target id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("source tag")
        verbose_name_plural = _("source tags")
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "channel"], name="source_tag_merchant_channel")]

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"


class Visit(MerchantOwned):
    """A visit (访问): the first mall page view of a browsing session, or any view that arrives
    with a new ``?src=`` tag. Written by ``analytics.middleware.SourceMiddleware``, one insert."""

    visitor_id = models.CharField(_("visitor"), max_length=32)
    tag = models.ForeignKey(
        SourceTag, verbose_name=_("source tag"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    landing_path = models.CharField(_("landing page"), max_length=200)
    referrer_host = models.CharField(_("referrer"), max_length=100, blank=True)
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("visited at"))

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "visitor_id", "created_at"], name="visit_visitor"),
            models.Index(fields=["merchant", "member", "created_at"], name="visit_member"),
            models.Index(fields=["merchant", "created_at"], name="visit_merchant_created"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.landing_path}"


class Attribution(MerchantOwned):
    """Where a member or an order came from: the first touch (the visitor's first visit) and the
    last touch (the latest visit from a channel other than direct, within the attribution window),
    copied at sign-up (kind signup, one per member) and at placing (kind order, one per order)."""

    class Kind(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        ORDER = "order", _("Order")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attribution",
    )
    visitor_id = models.CharField(_("visitor"), max_length=32, blank=True)
    first_tag = models.ForeignKey(
        SourceTag, verbose_name=_("first-touch tag"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_channel = models.CharField(_("first-touch channel"), max_length=16, choices=Channel.choices)
    first_at = models.DateTimeField(_("first touch at"), null=True, blank=True)
    last_tag = models.ForeignKey(
        SourceTag, verbose_name=_("last-touch tag"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_channel = models.CharField(_("last-touch channel"), max_length=16, choices=Channel.choices)
    last_at = models.DateTimeField(_("last touch at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(kind="signup"), name="attribution_one_signup_per_member"
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="signup") & models.Q(member__isnull=False))
                | (models.Q(kind="order") & models.Q(order__isnull=False)),
                name="attribution_has_subject",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "kind", "created_at"], name="attribution_kind_created")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.first_channel} → {self.last_channel}"
