"""Marketing: shipping settings, promotions, coupon templates, the coupons members hold, redeem codes,
share posters."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned

MAX_DELIVERY_RADIUS_M = 50_000


class ShippingSettings(MerchantOwned):
    """A merchant's shipping fees (one row per merchant; a merchant without a row gets these
    defaults). Read through ``marketing.queries.pricing_rules_for``, written through
    ``marketing.actions.update_shipping_settings``."""

    express_base_fee_fen = models.BigIntegerField(
        _("express fee for the first weight (fen)"), default=800, validators=[MinValueValidator(0)]
    )
    express_first_weight_g = models.IntegerField(
        _("weight covered by the first fee (g)"), default=1000, validators=[MinValueValidator(1)]
    )
    express_per_kg_fee_fen = models.BigIntegerField(
        _("express fee per extra kg (fen)"), default=200, validators=[MinValueValidator(0)]
    )
    # {"650000": 1000, "新疆维吾尔自治区": 1000}: extra fen by province code or name.
    express_region_surcharges_fen = models.JSONField(_("remote area surcharges"), default=dict, blank=True)
    express_free_threshold_fen = models.BigIntegerField(
        _("free express from (fen)"), null=True, blank=True, default=5900, validators=[MinValueValidator(0)]
    )
    delivery_radius_m = models.IntegerField(
        _("local delivery radius (m)"),
        default=3000,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_DELIVERY_RADIUS_M)],
    )
    delivery_base_fee_fen = models.BigIntegerField(
        _("local delivery base fee (fen)"), default=500, validators=[MinValueValidator(0)]
    )
    delivery_base_distance_m = models.IntegerField(
        _("distance covered by the base fee (m)"), default=2000, validators=[MinValueValidator(0)]
    )
    delivery_per_km_fee_fen = models.BigIntegerField(
        _("local delivery fee per extra km (fen)"), default=100, validators=[MinValueValidator(0)]
    )
    delivery_min_order_fen = models.BigIntegerField(
        _("local delivery minimum order (fen)"), default=2000, validators=[MinValueValidator(0)]
    )
    delivery_free_threshold_fen = models.BigIntegerField(
        _("free local delivery from (fen)"),
        null=True,
        blank=True,
        default=4900,
        validators=[MinValueValidator(0)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("shipping settings")
        verbose_name_plural = _("shipping settings")
        constraints = [
            models.UniqueConstraint(fields=["merchant"], name="shipping_settings_one_per_merchant"),
            models.CheckConstraint(
                condition=Q(express_base_fee_fen__gte=0)
                & Q(express_first_weight_g__gte=1)
                & Q(express_per_kg_fee_fen__gte=0)
                & Q(delivery_radius_m__gte=0)
                & Q(delivery_radius_m__lte=MAX_DELIVERY_RADIUS_M)
                & Q(delivery_base_fee_fen__gte=0)
                & Q(delivery_base_distance_m__gte=0)
                & Q(delivery_per_km_fee_fen__gte=0)
                & Q(delivery_min_order_fen__gte=0),
                name="shipping_settings_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Promotion(MerchantOwned):
    """A promotion a merchant runs (限时折扣, 满减, N件M元, 满赠, …). The pricing engine sees it as a
    ``pricing.offers.Promotion`` built by ``marketing.loading``; writes go through
    ``marketing.actions.promotions``, which validates ``rules`` for the kind.

    ``rules`` holds the kind's numbers: ``rate_percent``, ``sku_prices`` {sku id: fen},
    ``quantity``, ``price_fen``, ``components`` [[sku id, quantity]], ``tiers`` [{threshold,
    off_fen, rate_percent, gift_sku_id, gift_quantity, coupon_template_id, coupon_quantity,
    points}], ``counts_pieces``, ``repeat``. ``scope`` is {all, sku_ids, category_ids,
    excluded_sku_ids}. ``store_ids``/``channels``/``level_ids`` null: no restriction.

    Counters (``used_count``, ``spent_fen``, ``gifts_given``) move only by conditional updates at
    order creation and back when the order is cancelled, closed or fully refunded.
    """

    class Kind(models.TextChoices):
        LEVEL_DISCOUNT = "level_discount", _("Member level discount")
        MEMBER_PRICE = "member_price", _("Member price")
        FLASH_DISCOUNT = "flash_discount", _("Limited-time discount")
        MULTI_BUY = "multi_buy", _("N for a fixed price")
        BUNDLE_PICK = "bundle_pick", _("Pick N from a list")
        BUNDLE_FIXED = "bundle_fixed", _("Fixed bundle")
        NTH_DISCOUNT = "nth_discount", _("N-th piece discount")
        SPEND_OFF = "spend_off", _("Spend and save")
        SPEND_DISCOUNT = "spend_discount", _("Spend for a discount rate")
        GIFT = "gift", _("Gift with purchase")
        ORDER_GIFT = "order_gift", _("Order reward")
        FREE_SHIPPING = "free_shipping", _("Free shipping threshold")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    priority = models.IntegerField(_("priority"), default=0)
    exclusive = models.BooleanField(_("exclusive"), default=False)
    coupons_allowed = models.BooleanField(_("coupons allowed"), default=True)
    scope = models.JSONField(_("applies to"), default=dict)
    rules = models.JSONField(_("rules"), default=dict)
    store_ids = models.JSONField(_("stores"), null=True, blank=True)
    channels = models.JSONField(_("channels"), null=True, blank=True)
    level_ids = models.JSONField(_("member levels"), null=True, blank=True)
    members_only = models.BooleanField(_("members only"), default=False)
    max_discount_fen = models.BigIntegerField(_("cap per order (fen)"), null=True, blank=True)
    usage_limit = models.IntegerField(_("orders in total"), null=True, blank=True)
    per_member_limit = models.IntegerField(_("orders per member"), null=True, blank=True)
    budget_fen = models.BigIntegerField(_("budget (fen)"), null=True, blank=True)
    gift_stock = models.IntegerField(_("gifts in total"), null=True, blank=True)
    used_count = models.IntegerField(_("orders"), default=0)
    spent_fen = models.BigIntegerField(_("discount given (fen)"), default=0)
    gifts_given = models.IntegerField(_("gifts given"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "status", "ends_at"], name="promotion_running_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="promotion_window_valid"
            ),
            models.CheckConstraint(
                condition=Q(used_count__gte=0) & Q(spent_fen__gte=0) & Q(gifts_given__gte=0),
                name="promotion_counters_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(usage_limit__isnull=True) | Q(used_count__lte=models.F("usage_limit")))
                & (Q(budget_fen__isnull=True) | Q(spent_fen__lte=models.F("budget_fen")))
                & (Q(gift_stock__isnull=True) | Q(gifts_given__lte=models.F("gift_stock"))),
                name="promotion_limits_hold",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PromotionUsage(MerchantOwned):
    """One order's use of a promotion: what it saved and the gifts it took. Deleted (and the
    promotion's counters moved back) when the order is cancelled, closed or fully refunded."""

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.CASCADE, related_name="usages"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    discount_fen = models.BigIntegerField(_("discount (fen)"), default=0)
    gifts = models.IntegerField(_("gifts"), default=0)
    # What an order reward grants after payment: {"coupon_template_id", "coupon_quantity", "points"}.
    reward = models.JSONField(_("reward"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("promotion usage")
        verbose_name_plural = _("promotion usages")
        constraints = [
            models.UniqueConstraint(fields=["promotion", "order"], name="promotion_usage_once_per_order")
        ]
        indexes = [models.Index(fields=["promotion", "member"], name="promotion_usage_member_idx")]


class CouponTemplate(MerchantOwned):
    """A kind of coupon a merchant issues (满59减10, 8折券, 包邮券, 兑换券). Members hold ``Coupon`` rows
    issued from it; ``issued_count`` moves only by a conditional update, so the last coupon is
    never issued twice."""

    class Kind(models.TextChoices):
        CASH_OFF = "cash_off", _("Cash off")
        DISCOUNT = "discount", _("Discount rate")
        FREE_SHIPPING = "free_shipping", _("Free shipping")
        EXCHANGE = "exchange", _("Exchange for an item")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    description = models.CharField(_("description"), max_length=200, blank=True)
    threshold_fen = models.BigIntegerField(_("threshold (fen)"), default=0)
    off_fen = models.BigIntegerField(_("amount off (fen)"), default=0)
    rate_percent = models.IntegerField(_("rate (%)"), default=100)
    max_off_fen = models.BigIntegerField(_("cap (fen)"), null=True, blank=True)
    exchange_sku = models.ForeignKey(
        "catalog.Sku",
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope = models.JSONField(_("applies to"), default=dict)
    stackable = models.BooleanField(_("stacks with other coupons"), default=False)
    channels = models.JSONField(_("channels"), null=True, blank=True)
    store_ids = models.JSONField(_("stores"), null=True, blank=True)
    # Validity: a fixed window, or ``valid_days`` from the claim (then valid_from/until bound the claim).
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    valid_days = models.IntegerField(_("valid days after claim"), null=True, blank=True)
    total_stock = models.IntegerField(_("coupons in total"), null=True, blank=True)
    issued_count = models.IntegerField(_("issued"), default=0)
    per_member_limit = models.IntegerField(_("per member"), default=1)
    in_claim_centre = models.BooleanField(_("in the claim centre"), default=True)
    claim_token = models.CharField(_("claim link token"), max_length=32, unique=True)
    # Events that issue it automatically: "member.registered", "member.birthday", "member.level_changed".
    issue_on = models.JSONField(_("issued automatically on"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("coupon template")
        verbose_name_plural = _("coupon templates")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_count__gte=0)
                & (Q(total_stock__isnull=True) | Q(issued_count__lte=models.F("total_stock"))),
                name="coupon_template_stock_holds",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")), name="coupon_template_window_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Coupon(MerchantOwned):
    """A coupon a member holds (我的优惠券). ``code`` is what the POS scans (核销): unguessable.
    States: available → locked (on an unpaid order) → used (paid); locked or used → available
    again when the order is cancelled, closed or fully refunded; revoked by staff or by the
    refund of the order that granted it. Expiry is ``valid_until`` (no state change needed)."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        LOCKED = "locked", _("On an unpaid order")
        USED = "used", _("Used")
        REVOKED = "revoked", _("Revoked")

    class Source(models.TextChoices):
        CLAIM = "claim", _("Claim centre")
        LINK = "link", _("Claim link")
        EVENT = "event", _("Automatic")
        BULK = "bulk", _("Bulk issue")
        CODE = "code", _("Redeem code")
        ORDER_GIFT = "order_gift", _("Order reward")

    template = models.ForeignKey(
        CouponTemplate, verbose_name=_("coupon"), on_delete=models.PROTECT, related_name="coupons"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="coupons"
    )
    code = models.CharField(_("code"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    # The order that granted it (order reward) and the order it is locked to or used on.
    granted_by_order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("granted by order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coupons",
    )
    discount_fen = models.BigIntegerField(_("discount (fen)"), default=0)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["valid_until", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="coupon_code_unique_per_merchant")
        ]
        indexes = [models.Index(fields=["member", "status", "valid_until"], name="coupon_member_status_idx")]

    def __str__(self) -> str:
        return self.code


class RedeemCode(MerchantOwned):
    """A one-time code printed on a card or sent by message (兑换码) that gives its redeemer a coupon."""

    template = models.ForeignKey(
        CouponTemplate, verbose_name=_("coupon"), on_delete=models.CASCADE, related_name="redeem_codes"
    )
    code = models.CharField(_("code"), max_length=20)
    redeemed_by = models.ForeignKey(
        "members.Member",
        verbose_name=_("redeemed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    # The coupon it gave: a replay by the same member returns it (redemption is idempotent).
    coupon = models.OneToOneField(
        Coupon, verbose_name=_("coupon"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("redeem code")
        verbose_name_plural = _("redeem codes")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="redeem_code_unique_per_merchant")
        ]


COLOR_VALIDATOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #rrggbb."))


class Poster(MerchantOwned):
    """A share poster (分享海报, 云设计): a layout from ``marketing.posters.layouts`` filled with the
    merchant's texts, colours and picture, with a QR code of its target page carrying the
    poster's own source tag, so the visits and orders it brings are attributed to it. Written
    through ``marketing.posters.actions``; ``rendered`` is the PNG of the latest save."""

    class Target(models.TextChoices):
        PRODUCT = "product", _("Product")
        PROMOTION = "promotion", _("Promotion")
        COUPON = "coupon", _("Coupon")
        STORE = "store", _("Store")
        HOME = "home", _("Mall home")
        SECKILL = "seckill", _("Seckill")
        GROUPBUY = "groupbuy", _("Group buy")
        BARGAIN = "bargain", _("Bargain")
        GAME = "game", _("Lottery game")

    name = models.CharField(_("name"), max_length=60)
    layout = models.CharField(_("template"), max_length=32)
    target = models.CharField(_("opens"), max_length=16, choices=Target.choices, default=Target.HOME)
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    coupon_template = models.ForeignKey(
        CouponTemplate, verbose_name=_("coupon"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    store = models.ForeignKey(
        "tenancy.Store", verbose_name=_("store"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A campaign the poster opens (one of these four, by ``target``).
    seckill = models.ForeignKey(
        "marketing.SeckillCampaign", verbose_name=_("seckill"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    groupbuy = models.ForeignKey(
        "groupbuy.GroupBuyCampaign", verbose_name=_("group buy"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    bargain = models.ForeignKey(
        "bargain.BargainCampaign", verbose_name=_("bargain"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    game = models.ForeignKey(
        "games.Game", verbose_name=_("lottery game"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    # {"title", "subtitle", "price", "body", "badge", "cta"}: what the merchant typed.
    texts = models.JSONField(_("texts"), default=dict, blank=True)
    primary_color = models.CharField(_("main colour"), max_length=7, validators=[COLOR_VALIDATOR])
    accent_color = models.CharField(_("accent colour"), max_length=7, validators=[COLOR_VALIDATOR])
    image = models.ImageField(_("picture"), upload_to="posters/pictures/%Y/%m/", blank=True)
    rendered = models.ImageField(_("poster image"), upload_to="posters/%Y/%m/", blank=True)
    source_tag = models.ForeignKey(
        "analytics.SourceTag", verbose_name=_("source tag"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        "tenancy.User", verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("poster")
        verbose_name_plural = _("posters")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def target_id(self) -> int | None:
        return {
            self.Target.PRODUCT: self.product_id,
            self.Target.PROMOTION: self.promotion_id,
            self.Target.COUPON: self.coupon_template_id,
            self.Target.STORE: self.store_id,
            self.Target.SECKILL: self.seckill_id,
            self.Target.GROUPBUY: self.groupbuy_id,
            self.Target.BARGAIN: self.bargain_id,
            self.Target.GAME: self.game_id,
        }.get(self.target)


class SeckillCampaign(MerchantOwned):
    """A seckill (秒杀): some SKUs at a campaign price, each with its own campaign stock (a quota
    apart from the warehouse's stock, which the order still holds), sold in ``[starts_at,
    ends_at)``; each member may buy up to ``per_member_limit`` pieces of each item in one order;
    ``level_ids`` null: every member. Unpaid orders close after ``unpaid_minutes`` and give their
    pieces back. ``stock_path`` says where the campaign stock is counted while it sells: the
    database (conditional UPDATE) or Redis (a Lua script; the database still records every
    purchase). Written through ``marketing.seckill.campaigns``; bought through
    ``marketing.seckill.buying``."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    class StockPath(models.TextChoices):
        DATABASE = "database", _("Database")
        REDIS = "redis", _("Redis")

    name = models.CharField(_("name"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    per_member_limit = models.IntegerField(_("pieces per member"), default=1)
    level_ids = models.JSONField(_("member levels"), null=True, blank=True)
    unpaid_minutes = models.IntegerField(_("minutes to pay"), default=5)
    stock_path = models.CharField(
        _("stock counted in"), max_length=10, choices=StockPath.choices, default=StockPath.DATABASE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("seckill")
        verbose_name_plural = _("seckills")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["merchant", "status", "ends_at"], name="seckill_running_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="seckill_window_valid"),
            models.CheckConstraint(
                condition=Q(per_member_limit__gte=1) & Q(unpaid_minutes__gte=1) & Q(unpaid_minutes__lte=60),
                name="seckill_limits_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SeckillItem(MerchantOwned):
    """One SKU of a seckill with its price and campaign stock. ``sold`` counts the pieces held by
    live purchases (unpaid or paid); it moves only by conditional UPDATEs, so it never passes
    ``stock`` (the constraint says so too). On the database path ``queued`` counts the purchases
    taken since a worker last counted the ones still waiting for their order: a purchase that
    makes it 1 (nobody is draining) or a multiple of ``DRAIN_EVERY`` asks for a worker, as the
    Redis queue's length does on the Redis path (``marketing.seckill.buying``)."""

    campaign = models.ForeignKey(
        SeckillCampaign, verbose_name=_("seckill"), on_delete=models.CASCADE, related_name="items"
    )
    sku = models.ForeignKey("catalog.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    price_fen = models.BigIntegerField(_("seckill price (fen)"))
    stock = models.IntegerField(_("campaign stock"))
    sold = models.IntegerField(_("sold"), default=0)
    queued = models.IntegerField(_("waiting for their order"), default=0)

    class Meta:
        verbose_name = _("seckill item")
        verbose_name_plural = _("seckill items")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sku"], name="seckill_item_sku_once"),
            models.CheckConstraint(
                condition=Q(price_fen__gte=0) & Q(sold__gte=0) & Q(sold__lte=models.F("stock")),
                name="seckill_item_stock_holds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.sku_id}"

    @property
    def left(self) -> int:
        return self.stock - self.sold


class SeckillPurchase(MerchantOwned):
    """A member's pieces of one seckill item: ``reserved`` when the campaign stock was taken,
    ``ordered`` once its order is written (unpaid or paid), ``released`` when the order closed or
    was cancelled, or was never written (the pieces went back to the campaign; ``failure_*`` say
    why). A member holds
    at most one live purchase per item (constraint): no second order, nothing beyond the limit."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Stock taken")
        ORDERED = "ordered", _("Ordered")
        RELEASED = "released", _("Given back")

    # The merchant and the campaign are the item's, copied for tenant scoping and reports, and
    # not foreign keys in the database: under a flood every purchase's check of a foreign key
    # locks the parent row (FOR KEY SHARE, a write to its page and to the WAL), and these two
    # parents are the same row for every purchase (measured: 90 µs of PostgreSQL's 370 per
    # purchase). The item's and the member's keys stay enforced; Django's deletes still cascade.
    merchant = models.ForeignKey("tenancy.Merchant", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    campaign = models.ForeignKey(
        SeckillCampaign,
        verbose_name=_("seckill"),
        on_delete=models.CASCADE,
        related_name="purchases",
        db_constraint=False,
    )
    item = models.ForeignKey(SeckillItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="purchases")
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.IntegerField(_("quantity"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RESERVED)
    # Looked up through the unique index below (an order has at most one purchase).
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The shopper's idempotency key: a replay returns the same order.
    request_key = models.CharField(_("idempotency key"), max_length=64, blank=True)
    # What the order is to be (fulfilment, store_id, address, buyer_note): a worker writes it.
    order_request = models.JSONField(_("order request"), default=dict, blank=True)
    # Why the order could not be written (the pieces went back): shown to the shopper who waited.
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    failure_message = models.CharField(_("failure"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    released_at = models.DateTimeField(_("given back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("seckill purchase")
        verbose_name_plural = _("seckill purchases")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"],
                condition=Q(status__in=["reserved", "ordered"]),
                name="seckill_one_live_purchase_per_member",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(order__isnull=False), name="seckill_purchase_one_per_order"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="seckill_purchase_quantity_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="seckill_purchase_sweep_idx"),
            # The few purchases waiting for their order, per item: what a draining worker reads.
            models.Index(fields=["item"], condition=Q(status="reserved"), name="seckill_purchase_waiting_idx"),
        ]
