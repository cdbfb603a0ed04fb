"""Lottery games: the game, its prizes, each member's player row (chances), the chances orders
earned, and the draw log. Written through ``games.setup`` and ``games.drawing``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned

# Probabilities are integers in basis points of a draw: 10 000 = 100 %, 1 = 0.01 %.
ODDS_TOTAL = 10_000


class Game(MerchantOwned):
    """A lottery game (营销游戏) running in ``[starts_at, ends_at)``. A member's chances: up to
    ``free_per_day`` free draws each local day, ``order_chances`` per paid order of at least
    ``order_min_fen`` (kept until used), and, when ``points_per_draw`` is set, draws paid with
    points (a game with a points cost shows in the points playground, 积分乐园). At most
    ``daily_draw_limit`` draws a day per member (null: no limit). Exactly one prize is the
    fallback: what a draw gives when the prize it hit is out of stock or over the member's cap."""

    class Kind(models.TextChoices):
        WHEEL = "wheel", _("Lucky wheel")
        SCRATCH = "scratch", _("Scratch card")
        EGG = "egg", _("Golden egg")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    description = models.CharField(_("description"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    free_per_day = models.IntegerField(_("free draws a day"), default=1)
    points_per_draw = models.IntegerField(_("points per draw"), default=0)
    order_chances = models.IntegerField(_("draws per paid order"), default=0)
    order_min_fen = models.BigIntegerField(_("order amount for draws (fen)"), default=0)
    daily_draw_limit = models.IntegerField(_("draws a day per member"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lottery game")
        verbose_name_plural = _("lottery games")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["merchant", "status", "ends_at"], name="game_running_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="game_window_valid"),
            models.CheckConstraint(
                condition=Q(free_per_day__gte=0)
                & Q(points_per_draw__gte=0)
                & Q(order_chances__gte=0)
                & Q(order_min_fen__gte=0),
                name="game_rules_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GamePrize(MerchantOwned):
    """One prize of a game, hit with ``odds`` in 10 000 draws. ``stock`` null: unlimited;
    ``issued`` moves only by a conditional UPDATE, so it never passes ``stock``. ``member_cap``:
    how many times one member may win it (null: no cap)."""

    class Kind(models.TextChoices):
        COUPON = "coupon", _("Coupon")
        POINTS = "points", _("Points")
        GIFT = "gift", _("Gift")
        THANKS = "thanks", _("Thanks for playing")

    game = models.ForeignKey(Game, verbose_name=_("game"), on_delete=models.CASCADE, related_name="prizes")
    position = models.IntegerField(_("position"))
    name = models.CharField(_("name"), max_length=30)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    coupon_template = models.ForeignKey(
        "marketing.CouponTemplate",
        verbose_name=_("coupon"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.IntegerField(_("points"), default=0)
    sku = models.ForeignKey(
        "catalog.Sku",
        verbose_name=_("gift"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    odds = models.IntegerField(_("probability (1/10000)"))
    stock = models.IntegerField(_("stock"), null=True, blank=True)
    issued = models.IntegerField(_("issued"), default=0)
    member_cap = models.IntegerField(_("wins per member"), null=True, blank=True)
    is_fallback = models.BooleanField(_("fallback"), default=False)

    class Meta:
        verbose_name = _("game prize")
        verbose_name_plural = _("game prizes")
        ordering = ["game", "position"]
        constraints = [
            models.UniqueConstraint(fields=["game", "position"], name="game_prize_position_once"),
            models.UniqueConstraint(
                fields=["game"], condition=Q(is_fallback=True), name="game_one_fallback_prize"
            ),
            models.CheckConstraint(
                condition=Q(odds__gte=0)
                & Q(odds__lte=ODDS_TOTAL)
                & Q(issued__gte=0)
                & (Q(stock__isnull=True) | Q(issued__lte=models.F("stock"))),
                name="game_prize_stock_holds",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def percent(self) -> str:
        """The probability as shoppers and staff read it: "12.5%"."""
        return f"{self.odds / 100:g}%"

    @property
    def left(self) -> int | None:
        return None if self.stock is None else self.stock - self.issued


class GamePlayer(MerchantOwned):
    """A member's row in a game, locked by every draw of theirs (their taps go one at a time, so
    the daily free draws, caps and the idempotency key are exact): the order-earned chances not
    used yet, and the local day of the last free draw with how many were used that day."""

    game = models.ForeignKey(Game, verbose_name=_("game"), on_delete=models.CASCADE, related_name="players")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    order_chances_left = models.IntegerField(_("draws earned by orders"), default=0)
    free_day = models.DateField(_("day of the free draws"), null=True, blank=True)
    free_used = models.IntegerField(_("free draws used that day"), default=0)

    class Meta:
        verbose_name = _("game player")
        verbose_name_plural = _("game players")
        constraints = [
            models.UniqueConstraint(fields=["game", "member"], name="game_player_once"),
            models.CheckConstraint(
                condition=Q(order_chances_left__gte=0) & Q(free_used__gte=0), name="game_player_counts_valid"
            ),
        ]


class GameChanceGrant(MerchantOwned):
    """Draws a paid order earned in a game, once per order (constraint)."""

    game = models.ForeignKey(Game, verbose_name=_("game"), on_delete=models.CASCADE, related_name="grants")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="+"
    )
    chances = models.IntegerField(_("draws"))
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    # A full refund takes back the draws not used yet (used ones were drawn: their prizes stand).
    revoked_chances = models.IntegerField(_("draws taken back"), default=0)
    revoked_at = models.DateTimeField(_("taken back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("draws earned by an order")
        verbose_name_plural = _("draws earned by orders")
        constraints = [models.UniqueConstraint(fields=["game", "order"], name="game_grant_once_per_order")]


class GameDraw(MerchantOwned):
    """One draw (the audit log): who, when, how it was paid for, the random outcome (an integer
    in ``[0, 10000)`` from ``secrets``), the prize the outcome hit (``drawn_prize``) and the prize
    given (``prize``: the fallback when ``fallback_reason`` is set), and what was issued: the
    coupon, the points, or a gift the member claims as a ¥0 order (``gift_order``)."""

    class Paid(models.TextChoices):
        FREE = "free", _("Free draw")
        ORDER = "order", _("Earned by an order")
        POINTS = "points", _("Paid with points")

    class Fallback(models.TextChoices):
        NONE = "", _("None")
        STOCK = "stock", _("Out of stock")
        CAP = "cap", _("Over the member's cap")
        UNAVAILABLE = "unavailable", _("Prize could not be issued")

    game = models.ForeignKey(Game, verbose_name=_("game"), on_delete=models.PROTECT, related_name="draws")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(_("drawn at"))
    day = models.DateField(_("local day"))
    request_key = models.CharField(_("idempotency key"), max_length=64, blank=True)
    paid_with = models.CharField(_("paid with"), max_length=10, choices=Paid.choices)
    points_spent = models.IntegerField(_("points spent"), default=0)
    outcome = models.IntegerField(_("random outcome"))
    drawn_prize = models.ForeignKey(
        GamePrize, verbose_name=_("prize drawn"), on_delete=models.PROTECT, related_name="+"
    )
    prize = models.ForeignKey(
        GamePrize, verbose_name=_("prize given"), on_delete=models.PROTECT, related_name="draws"
    )
    fallback_reason = models.CharField(
        _("fallback because"), max_length=12, choices=Fallback.choices, blank=True, default=""
    )
    coupon = models.ForeignKey(
        "marketing.Coupon",
        verbose_name=_("coupon"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    points_awarded = models.IntegerField(_("points awarded"), default=0)
    gift_order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("gift order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["game", "member", "day"], name="game_draw_member_day_idx"),
            models.Index(fields=["game", "prize"], name="game_draw_prize_idx"),
            models.Index(fields=["member", "drawn_at"], name="game_draw_member_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["game", "member", "request_key"],
                condition=~Q(request_key=""),
                name="game_draw_once_per_key",
            ),
            models.CheckConstraint(
                condition=Q(outcome__gte=0) & Q(outcome__lt=ODDS_TOTAL), name="game_draw_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.game_id}:{self.pk}"
