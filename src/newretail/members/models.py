"""Members: one person per merchant, identified by mobile phone, whether they buy in the mall, at
the till or through a share link. The loyalty parts (levels, points, wallet, cards) join later;
this module holds the identity and the address book that orders snapshot."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from newretail.core.fields import latitude_field, longitude_field
from newretail.core.tenancy import MerchantOwned


class MemberLevel(MerchantOwned):
    """A member level (会员等级: 普通会员, 银卡, 金卡…), ranked, reached at ``growth_threshold``
    growth. Its own benefits are a points multiplier and a birthday gift of points; member prices,
    level discounts and free shipping for a level are promotions limited to it (会员价, 会员折扣,
    包邮), priced by the one engine."""

    name = models.CharField(_("name"), max_length=30)
    rank = models.PositiveSmallIntegerField(_("rank"))
    growth_threshold = models.PositiveIntegerField(_("growth needed"), default=0)
    points_multiplier_percent = models.PositiveIntegerField(
        _("points multiplier (%)"), default=100, validators=[MinValueValidator(100), MaxValueValidator(1000)]
    )
    birthday_points = models.PositiveIntegerField(_("birthday gift (points)"), default=0)

    class Meta:
        verbose_name = _("member level")
        verbose_name_plural = _("member levels")
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["merchant", "rank"], name="member_level_rank_unique")]

    def __str__(self) -> str:
        return self.name


class Member(MerchantOwned):
    """A customer of one merchant (会员). ``phone`` is the normalised 11-digit mainland mobile
    number; a member created at the POS by phone is the same member who later logs into the mall."""

    class Source(models.TextChoices):
        MALL = "mall", _("Online mall")
        POS = "pos", _("POS")
        CONSOLE = "console", _("Console")
        IMPORT = "import", _("Import")

    phone = models.CharField(_("mobile phone"), max_length=11)
    name = models.CharField(_("name"), max_length=50, blank=True)
    registered_store = models.ForeignKey(
        "tenancy.Store",
        verbose_name=_("store of registration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("registered through"), max_length=16, choices=Source.choices)
    level = models.ForeignKey(
        MemberLevel,
        verbose_name=_("level"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Growth value (成长值): a cache of the sum of the member's GrowthEntry rows.
    growth = models.BigIntegerField(_("growth"), default=0)
    level_since = models.DateTimeField(_("at this level since"), null=True, blank=True)
    level_reviewed_at = models.DateTimeField(_("level last reviewed"), null=True, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # Marketing messages (营销短信) only with consent; ConsentRecord keeps when and where it changed.
    marketing_consent = models.BooleanField(_("accepts marketing messages"), default=False)
    # Set when this record was merged into another (the same person found twice) or deleted.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deleted_at = models.DateTimeField(_("account deleted at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "phone"], name="member_phone_unique_per_merchant")
        ]

    def __str__(self) -> str:
        return self.name or self.phone


class MemberAddress(MerchantOwned):
    """An address in a member's address book (收货地址). Orders copy it at checkout, so editing or
    deleting an address never changes an order."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="addresses"
    )
    recipient = models.CharField(_("recipient"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    province = models.CharField(_("province"), max_length=32)
    city = models.CharField(_("city"), max_length=32)
    district = models.CharField(_("district"), max_length=32, blank=True)
    detail = models.CharField(_("street address"), max_length=200)
    latitude = latitude_field()
    longitude = longitude_field()
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(is_default=True), name="member_one_default_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.province}{self.city}{self.district}{self.detail}"

    def snapshot(self) -> dict[str, str]:
        """The address as an order keeps it (plain JSON)."""
        return {
            "recipient": self.recipient,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "detail": self.detail,
            "latitude": str(self.latitude) if self.latitude is not None else "",
            "longitude": str(self.longitude) if self.longitude is not None else "",
        }


class LoginCode(MerchantOwned):
    """A one-time verification code sent by SMS (短信验证码). Only a keyed hash of the code is kept;
    a code is dead once used, expired or after too many wrong tries. Only the newest code of a
    phone and purpose counts: requesting a new code retires the older ones."""

    class Purpose(models.TextChoices):
        LOGIN = "login", _("Login")

    phone = models.CharField(_("mobile phone"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField(_("expires at"))
    failed_attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        indexes = [
            models.Index(fields=["merchant", "phone", "purpose", "-id"], name="member_logincode_latest")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class MemberToken(MerchantOwned):
    """A member's bearer token for the mall and apps (``nrm_…``). Only its SHA-256 is kept; it
    expires after a fixed lifetime and is revoked by logging out."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="tokens"
    )
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member token")
        verbose_name_plural = _("member tokens")

    def __str__(self) -> str:
        return f"{self.prefix}…"


class SmsMessage(MerchantOwned):
    """A text message as the development backend (``LogSmsBackend``) delivered it: developers and
    tests read codes here. Provider backends do not write this table."""

    phone = models.CharField(_("mobile phone"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=16)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"


class PointsSettings(MerchantOwned):
    """How a merchant's members earn points (积分): ``earn_per_yuan`` points per ¥1 of goods paid
    after every discount (never shipping, never what points or gifts covered), on completion or
    on payment. Earned points expire at the end of the following year."""

    class EarnOn(models.TextChoices):
        COMPLETED = "completed", _("When the order completes")
        PAID = "paid", _("When the order is paid")

    earn_per_yuan = models.PositiveIntegerField(_("points per yuan"), default=1)
    earn_on = models.CharField(
        _("points are earned"), max_length=10, choices=EarnOn.choices, default=EarnOn.COMPLETED
    )
    # Daily sign-in (每日签到): points a day, and a bonus on every full streak of days.
    signin_points = models.PositiveIntegerField(_("points per daily sign-in"), default=5)
    signin_streak_days = models.PositiveIntegerField(_("days in a sign-in streak"), default=7)
    signin_streak_bonus = models.PositiveIntegerField(_("bonus points for a full streak"), default=20)
    # Paying with points (积分抵现) at checkout: ``redeem_per_yuan`` points are worth ¥1 (0: points
    # cannot pay), for at most ``redeem_max_percent`` of the goods after discounts, and at least
    # ``redeem_min_points`` in one order.
    redeem_per_yuan = models.PositiveIntegerField(_("points worth ¥1 at checkout"), default=100)
    redeem_max_percent = models.PositiveIntegerField(
        _("most of the goods amount points may pay (%)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    redeem_min_points = models.PositiveIntegerField(_("fewest points used in one order"), default=0)
    # Once-only bonuses: the member's first order that earns points, and a completed profile
    # (name and birthday).
    first_order_points = models.PositiveIntegerField(_("bonus points for the first order"), default=0)
    profile_points = models.PositiveIntegerField(_("bonus points for completing the profile"), default=0)

    class Meta:
        verbose_name = _("points settings")
        verbose_name_plural = _("points settings")
        constraints = [models.UniqueConstraint(fields=["merchant"], name="points_settings_one_per_merchant")]


class PointsAccount(MerchantOwned):
    """A member's points balance: a cache of the sum of their ``PointsEntry`` rows
    (``check_ledgers`` rebuilds and compares it). ``owed`` is points taken back by a refund that
    the balance could not cover; the next earnings pay it first (the balance never goes negative)."""

    member = models.OneToOneField(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="points"
    )
    balance = models.BigIntegerField(_("points"), default=0)
    owed = models.BigIntegerField(_("points owed"), default=0)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0) & Q(owed__gte=0), name="points_account_not_negative"
            )
        ]


class PointsBatch(MerchantOwned):
    """Points earned together, spent first-in first-out by expiry (``remaining`` is what is left;
    a cache of the batch's entries)."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+")
    points = models.BigIntegerField(_("points"))
    remaining = models.BigIntegerField(_("remaining"))
    expires_at = models.DateTimeField(_("expires at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points batch")
        verbose_name_plural = _("points batches")
        ordering = ["expires_at", "id"]
        indexes = [models.Index(fields=["member", "expires_at"], name="points_batch_fifo_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=models.F("points")),
                name="points_batch_remaining_valid",
            )
        ]


class PointsEntry(MerchantOwned):
    """One movement of a member's points (append-only): earned into a batch, taken back by a
    refund, expired, spent. ``reference`` makes each movement happen once ("order:12:earn")."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        SIGN_IN = "sign_in", _("Daily sign-in")
        REVERSE = "reverse", _("Taken back (refund)")
        EXPIRE = "expire", _("Expired")
        SPEND = "spend", _("Spent")
        RETURN = "return", _("Returned (order cancelled or refunded)")
        ADJUST = "adjust", _("Adjusted by staff")
        EXCHANGE = "exchange", _("Exchanged in the points mall")
        BONUS = "bonus", _("Bonus (first order, profile)")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.BigIntegerField(_("points"))  # + earned, − taken back, expired or spent
    # A take-back the balance could not cover: owed, paid out of the next earnings.
    owed = models.BigIntegerField(_("points owed"), default=0)
    batch = models.ForeignKey(
        PointsBatch,
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    order_id = models.BigIntegerField(_("order"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=64)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-id"]
        # A movement is checked for by reference under the account's row lock (it may span batches).
        indexes = [models.Index(fields=["member", "reference"], name="points_entry_reference_idx")]


class WalletSettings(MerchantOwned):
    """How a merchant runs stored value (储值): whether members may recharge an amount of their
    own choosing (and the least), and whether unspent principal can be withdrawn (退储值: paid
    back through the tenders that paid the recharge; the bonus that came with it is forfeited in
    proportion)."""

    custom_recharge_min_fen = models.PositiveIntegerField(
        _("least amount of a free recharge (fen, 0: plans only)"), default=0
    )
    withdrawal_allowed = models.BooleanField(_("unspent principal can be withdrawn"), default=True)

    class Meta:
        verbose_name = _("stored value settings")
        verbose_name_plural = _("stored value settings")
        constraints = [models.UniqueConstraint(fields=["merchant"], name="wallet_settings_one_per_merchant")]


class RechargePlan(MerchantOwned):
    """A recharge offer (充值套餐): pay ``pay_fen``, get ``pay_fen`` of principal plus ``bonus_fen``
    of bonus ("充100送20")."""

    name = models.CharField(_("name"), max_length=30, blank=True)
    pay_fen = models.PositiveIntegerField(_("pay (fen)"), validators=[MinValueValidator(1)])
    bonus_fen = models.PositiveIntegerField(_("bonus (fen)"), default=0)
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recharge plan")
        verbose_name_plural = _("recharge plans")
        ordering = ["position", "pay_fen", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(pay_fen__gt=0), name="recharge_plan_pays_something")
        ]

    def __str__(self) -> str:
        return self.name or f"{self.pay_fen // 100}+{self.bonus_fen // 100}"


class WalletAccount(MerchantOwned):
    """A member's stored value: principal (money they paid in) and bonus (given by the merchant)
    kept apart. Both are caches of the sum of ``WalletEntry`` rows (``check_ledgers``)."""

    member = models.OneToOneField(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="wallet"
    )
    principal_fen = models.BigIntegerField(_("principal (fen)"), default=0)
    bonus_fen = models.BigIntegerField(_("bonus (fen)"), default=0)

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")
        constraints = [
            models.CheckConstraint(
                condition=Q(principal_fen__gte=0) & Q(bonus_fen__gte=0), name="wallet_account_not_negative"
            )
        ]

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


class WalletRecharge(MerchantOwned):
    """One recharge: the order that pays for it (kind ``recharge``), what it adds, and how much of
    its principal was withdrawn later (with the bonus forfeited alongside)."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    order_id = models.BigIntegerField(_("order"), unique=True)
    plan = models.ForeignKey(
        RechargePlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    principal_fen = models.BigIntegerField(_("principal (fen)"))
    bonus_fen = models.BigIntegerField(_("bonus (fen)"), default=0)
    withdrawn_fen = models.BigIntegerField(_("principal withdrawn (fen)"), default=0)
    forfeited_bonus_fen = models.BigIntegerField(_("bonus forfeited (fen)"), default=0)
    credited_at = models.DateTimeField(_("credited at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recharge")
        verbose_name_plural = _("recharges")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(principal_fen__gt=0)
                & Q(bonus_fen__gte=0)
                & Q(withdrawn_fen__gte=0)
                & Q(withdrawn_fen__lte=F("principal_fen"))
                & Q(forfeited_bonus_fen__gte=0)
                & Q(forfeited_bonus_fen__lte=F("bonus_fen")),
                name="wallet_recharge_amounts_valid",
            )
        ]


class WalletEntry(MerchantOwned):
    """One movement of a member's stored value (append-only), principal and bonus apart (+ in,
    − out). ``store`` is where it happened (none: online), so the liability report can say which
    store holds which part. ``reference`` makes each movement happen once."""

    class Kind(models.TextChoices):
        RECHARGE = "recharge", _("Recharge")
        SPEND = "spend", _("Paid")
        REFUND = "refund", _("Refunded to the wallet")
        WITHDRAW = "withdraw", _("Withdrawn from the wallet")
        ADJUST = "adjust", _("Adjusted by staff")
        POINTS = "points", _("Bonus exchanged for points")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    principal_fen = models.BigIntegerField(_("principal (fen)"))
    bonus_fen = models.BigIntegerField(_("bonus (fen)"))
    store = models.ForeignKey(
        "tenancy.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order_id = models.BigIntegerField(_("order"), null=True, blank=True)
    tender_id = models.BigIntegerField(_("tender"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=64)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("wallet entry")
        verbose_name_plural = _("wallet entries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "reference"], name="wallet_entry_reference_unique")
        ]
        indexes = [
            models.Index(fields=["member", "-id"], name="wallet_entry_member_idx"),
            models.Index(fields=["tender_id"], name="wallet_entry_tender_idx"),
        ]

    @property
    def amount_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


class MemberNote(MerchantOwned):
    """A note staff keep on a member (备注: "prefers delivery after 6 pm"), newest first."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="notes"
    )
    text = models.CharField(_("note"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member note")
        verbose_name_plural = _("member notes")
        ordering = ["-id"]


class LevelSettings(MerchantOwned):
    """How members grow (成长值) and keep their level: ``growth_per_yuan`` growth per ¥1 of goods
    paid (after discounts, net of refunds, not the wallet's bonus); with ``yearly_review`` a member's
    level is reviewed a year after it was reached or last reviewed, against the growth of the last
    twelve months, and may go down."""

    growth_per_yuan = models.PositiveIntegerField(_("growth per yuan"), default=1)
    yearly_review = models.BooleanField(_("review levels every year"), default=True)

    class Meta:
        verbose_name = _("level settings")
        verbose_name_plural = _("level settings")
        constraints = [models.UniqueConstraint(fields=["merchant"], name="level_settings_one_per_merchant")]


class GrowthEntry(MerchantOwned):
    """One movement of a member's growth value (append-only): earned by an order, taken back by a
    refund, adjusted by staff. ``reference`` makes each movement happen once."""

    class Kind(models.TextChoices):
        ORDER = "order", _("Order")
        REVERSE = "reverse", _("Taken back (refund)")
        ADJUST = "adjust", _("Adjusted by staff")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    growth = models.BigIntegerField(_("growth"))
    order_id = models.BigIntegerField(_("order"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("growth entry")
        verbose_name_plural = _("growth entries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "reference"], name="growth_entry_reference_unique")
        ]
        indexes = [models.Index(fields=["member", "created_at"], name="growth_entry_member_time")]


class ConsentRecord(MerchantOwned):
    """A member's yes or no to marketing messages, with when and where it was said (append-only)."""

    class Source(models.TextChoices):
        MALL = "mall", _("Online mall")
        POS = "pos", _("POS")
        CONSOLE = "console", _("Console")
        API = "api", _("API")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+")
    granted = models.BooleanField(_("consented"))
    source = models.CharField(_("where"), max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-id"]


class CardPlan(MerchantOwned):
    """A membership card (付费会员卡 / PLUS): bought for ``price_fen`` for ``validity_days``, or given
    free to members of ``free_for_level``. While valid, its holder is priced as ``priced_as_level``
    (the level's member prices and discounts are promotions limited to that level), earns points at
    ``points_multiplier_percent`` (the better of card and level), and gets ``coupon_templates`` each
    month (月度券包)."""

    name = models.CharField(_("name"), max_length=30)
    price_fen = models.PositiveIntegerField(_("price (fen)"), default=0)
    validity_days = models.PositiveIntegerField(
        _("valid for (days)"), default=365, validators=[MinValueValidator(1)]
    )
    points_multiplier_percent = models.PositiveIntegerField(
        _("points multiplier (%)"), default=100, validators=[MinValueValidator(100), MaxValueValidator(1000)]
    )
    priced_as_level = models.ForeignKey(
        MemberLevel,
        verbose_name=_("priced as level"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    free_for_level = models.ForeignKey(
        MemberLevel,
        verbose_name=_("free for members of level"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    coupon_template_ids = models.JSONField(_("monthly coupons (template ids)"), default=list, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("card plan")
        verbose_name_plural = _("card plans")
        ordering = ["price_fen", "id"]

    def __str__(self) -> str:
        return self.name


class MemberCard(MerchantOwned):
    """A member's card of one plan: valid from ``starts_at`` to ``ends_at`` (a renewal moves the
    end); bought by ``order_id`` or granted by level."""

    class Source(models.TextChoices):
        PURCHASE = "purchase", _("Bought")
        LEVEL = "level", _("Granted by level")

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="cards"
    )
    plan = models.ForeignKey(CardPlan, verbose_name=_("card"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    starts_at = models.DateTimeField(_("valid from"))
    ends_at = models.DateTimeField(_("valid until"))
    reminded_at = models.DateTimeField(_("expiry reminder sent"), null=True, blank=True)
    last_pack_month = models.CharField(_("last monthly coupons"), max_length=7, blank=True)  # "2026-12"
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member card")
        verbose_name_plural = _("member cards")
        ordering = ["-ends_at"]
        constraints = [models.UniqueConstraint(fields=["member", "plan"], name="member_card_one_per_plan")]


class CardPurchase(MerchantOwned):
    """The card a ``card`` order buys (written with the order; applied when it is paid)."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(CardPlan, verbose_name=_("card"), on_delete=models.PROTECT, related_name="+")
    order_id = models.BigIntegerField(_("order"), unique=True)
    validity_days = models.PositiveIntegerField(_("valid for (days)"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("card purchase")
        verbose_name_plural = _("card purchases")


class PointsMallItem(MerchantOwned):
    """Something members exchange points for in the points mall (积分商城): goods (a SKU, for points
    or points + cash: the exchange is an order of channel ``points_mall`` through the order core,
    so stock, fulfilment, payment of the cash part and after-sales are the usual ones), a coupon of
    any template, or stored-value bonus (those two for points only)."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods (shipped or picked up)")
        COUPON = "coupon", _("Coupon or goods voucher")
        BONUS = "bonus", _("Stored-value bonus")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=40)
    points = models.PositiveIntegerField(_("points"), validators=[MinValueValidator(1)])
    sku = models.ForeignKey(
        "catalog.Sku", verbose_name=_("SKU"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cash_fen = models.PositiveIntegerField(_("cash part (fen)"), default=0)  # goods only: points + cash
    coupon_template_id = models.BigIntegerField(_("coupon template"), null=True, blank=True)
    bonus_fen = models.PositiveIntegerField(_("bonus (fen)"), default=0)
    stock = models.PositiveIntegerField(_("left to exchange"), null=True, blank=True)  # None: no limit
    per_member_limit = models.PositiveIntegerField(_("per member"), default=1)
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("points mall item")
        verbose_name_plural = _("points mall items")
        ordering = ["position", "points", "id"]

    def __str__(self) -> str:
        return self.name


class PointsExchange(MerchantOwned):
    """One exchange in the points mall (what was given, for how many points)."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        PointsMallItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="exchanges"
    )
    points = models.PositiveIntegerField(_("points"))
    coupon_id = models.BigIntegerField(_("coupon"), null=True, blank=True)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(_("exchanged at"), auto_now_add=True)
    # Goods whose order closed unpaid or was cancelled: the points came back with the order, the
    # piece went back to the item and the exchange no longer counts towards the member's limit.
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("points exchange")
        verbose_name_plural = _("points exchanges")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="points_exchange_key_unique",
            )
        ]
