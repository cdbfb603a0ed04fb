"""The store POS: terminals registered to a store, the cashier's shifts, tickets (one sale or
return at the till, which becomes an order of channel ``pos``), scale-label formats and the
merchant's till settings. Money is integer fen. Every ticket belongs to exactly one shift."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from newretail.core.tenancy import MerchantOwned
from newretail.pos import rounding, scale


class PosSettings(MerchantOwned):
    """A merchant's till rules (one row; defaults when there is none)."""

    class CashRounding(models.TextChoices):
        NONE = rounding.NONE, _("No rounding")
        JIAO_DOWN = rounding.JIAO_DOWN, _("Drop the fen (to the jiao)")
        JIAO_HALF_UP = rounding.JIAO_HALF_UP, _("Round half up to the jiao")
        YUAN_DOWN = rounding.YUAN_DOWN, _("Drop jiao and fen (to the yuan)")

    cash_rounding = models.CharField(
        _("cash rounding"), max_length=16, choices=CashRounding.choices, default=CashRounding.NONE
    )
    # Offline the till cannot check prices, stock or balances: one ticket takes at most this in
    # cash (docs/decisions.md, "Selling offline").
    offline_ticket_limit_fen = models.BigIntegerField(_("offline limit per ticket (fen)"), default=50000)
    receipt_header = models.CharField(_("receipt header"), max_length=100, blank=True)
    receipt_footer = models.CharField(_("receipt footer"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("POS settings")
        verbose_name_plural = _("POS settings")
        constraints = [models.UniqueConstraint(fields=["merchant"], name="pos_settings_one_per_merchant")]


class ScaleLabelFormat(MerchantOwned):
    """How the merchant's scales lay out an EAN-13 label (``pos.scale``)."""

    class Kind(models.TextChoices):
        PRICE = scale.PRICE, _("Price in fen")
        WEIGHT = scale.WEIGHT, _("Weight in grams")

    name = models.CharField(_("name"), max_length=50)
    pattern = models.CharField(_("pattern"), max_length=13, default="FFPPPPPVVVVVC")
    prefixes = models.CharField(
        _("prefixes"), max_length=50, help_text=_("Two-digit prefixes 20–29, comma separated.")
    )
    kind = models.CharField(_("value"), max_length=8, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.IntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("scale label format")
        verbose_name_plural = _("scale label formats")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix_list(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.prefixes.split(",") if p.strip())

    def as_format(self) -> scale.ScaleFormat:
        return scale.ScaleFormat(
            pattern=self.pattern, prefixes=self.prefix_list, kind=self.kind, name=self.name
        )


class Terminal(MerchantOwned):
    """A till (收银机) registered to a store; the POS page is opened per terminal."""

    store = models.ForeignKey(
        "tenancy.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("terminal code"), max_length=16)
    name = models.CharField(_("name"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("POS terminal")
        verbose_name_plural = _("POS terminals")
        ordering = ["store", "code"]
        constraints = [models.UniqueConstraint(fields=["merchant", "code"], name="pos_terminal_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Shift(MerchantOwned):
    """A cashier's shift at one terminal (班次): opened with a float, closed with a count."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=32)
    terminal = models.ForeignKey(
        Terminal, verbose_name=_("terminal"), on_delete=models.PROTECT, related_name="shifts"
    )
    store = models.ForeignKey(
        "tenancy.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cashier"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    opening_float_fen = models.BigIntegerField(_("opening float (fen)"))
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expected_cash_fen = models.BigIntegerField(_("expected cash (fen)"), null=True, blank=True)
    counted_cash_fen = models.BigIntegerField(_("counted cash (fen)"), null=True, blank=True)
    over_short_fen = models.BigIntegerField(_("over / short (fen)"), null=True, blank=True)
    # The Z report as computed in the closing transaction (``pos.reports``), kept as it was.
    z_report = models.JSONField(_("Z report"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="pos_shift_number_unique"),
            models.UniqueConstraint(
                fields=["terminal"], condition=Q(status="open"), name="pos_shift_one_open_per_terminal"
            ),
            models.CheckConstraint(
                condition=Q(opening_float_fen__gte=0), name="pos_shift_float_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Ticket(MerchantOwned):
    """One sale or return at the till (小票). A sale becomes an order of channel ``pos`` when the
    cashier takes payment; it completes when the order is fully paid. ``tenders`` is what the
    ticket moved by tender kind (negative for a return), the figures its shift's reports add."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        RETURN = "return", _("Return")

    class Status(models.TextChoices):
        HELD = "held", _("Held")
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        COMPLETED = "completed", _("Completed")
        RESUMED = "resumed", _("Resumed")
        VOIDED = "voided", _("Voided")
        FAILED = "failed", _("Upload refused")

    number = models.CharField(_("ticket number"), max_length=32)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.SALE)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="tickets"
    )
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, null=True, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
        verbose_name=_("original ticket"),
    )
    refund = models.ForeignKey(
        "payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The ticket as the cashier built it: [{"sku_id", "quantity", "override_unit_fen"?}], and the
    # coupon codes scanned; kept for held tickets and for a refused offline upload.
    lines = models.JSONField(_("lines"), default=list, blank=True)
    coupon_codes = models.JSONField(_("coupon codes"), default=list, blank=True)
    payable_fen = models.BigIntegerField(_("payable (fen)"), default=0)
    tenders = models.JSONField(_("tenders"), default=dict, blank=True)
    rounding_fen = models.BigIntegerField(_("cash rounding (fen)"), default=0)
    cash_received_fen = models.BigIntegerField(_("cash received (fen)"), default=0)
    change_fen = models.BigIntegerField(_("change (fen)"), default=0)
    # The cash tenders whose cash, change and rounding are counted above (a replayed payment
    # returns the same tender and is not counted twice).
    cash_tenders = models.JSONField(default=list, blank=True)
    offline = models.BooleanField(_("sold offline"), default=False)
    # Offline: what the till charged by its cached prices, and when (the terminal's clock).
    offline_payable_fen = models.BigIntegerField(_("offline payable (fen)"), null=True, blank=True)
    sold_at = models.DateTimeField(_("sold at"), null=True, blank=True)
    # Offline: the cash the till took minus what the order core priced on upload (a promotion the
    # till could not see, a price changed meanwhile); the drawer holds it, so the count adds it.
    offline_difference_fen = models.BigIntegerField(_("offline difference (fen)"), default=0)
    error = models.CharField(_("error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="pos_ticket_number_unique"),
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="pos_ticket_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["shift", "status"], name="pos_ticket_shift_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


OPEN_STATUSES = (Ticket.Status.HELD, Ticket.Status.PENDING_PAYMENT)
# Tickets whose money is in the drawer: completed ones, and offline sales whose upload was refused
# (the cash was taken; a manager resolves the ticket).
COUNTED_STATUSES = (Ticket.Status.COMPLETED, Ticket.Status.FAILED)


# --- store operations: devices, scan-to-buy exit passes, the roster, footfall -------------------


class StoreDevice(MerchantOwned):
    """A machine of one store that calls the API with its own key (``Authorization: Bearer
    nrd_…``): a door counter posting footfall, a door scanner checking exit codes, an electronic
    shelf label gateway reading price changes. The key is shown once; only its hash is kept."""

    class Kind(models.TextChoices):
        DOOR_COUNTER = "door_counter", _("Door counter (footfall)")
        DOOR_SCANNER = "door_scanner", _("Door scanner (scan-to-buy exit codes)")
        SHELF_LABELS = "shelf_labels", _("Electronic shelf labels (price feed)")

    store = models.ForeignKey(
        "tenancy.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("store device")
        verbose_name_plural = _("store devices")
        ordering = ["store", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ExitPass(MerchantOwned):
    """The exit code of a paid scan-to-buy order (扫码购出门码): a short code (also shown as a QR
    code) that staff or a door scanner of that store verify once."""

    order = models.OneToOneField(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey(
        "tenancy.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("exit code"), max_length=12)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    used_device = models.ForeignKey(
        StoreDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("exit pass")
        verbose_name_plural = _("exit passes")
        constraints = [models.UniqueConstraint(fields=["merchant", "code"], name="pos_exit_pass_code_unique")]


class RosterShift(MerchantOwned):
    """One person's working hours at a store on a day (排班)."""

    store = models.ForeignKey(
        "tenancy.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    note = models.CharField(_("note"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("roster shift")
        verbose_name_plural = _("roster shifts")
        ordering = ["day", "starts_at", "id"]
        indexes = [models.Index(fields=["store", "day"], name="pos_roster_store_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="pos_roster_ends_after_start"
            )
        ]


class FootfallCount(MerchantOwned):
    """Visitors a door counter saw entering a store in one time slot (客流). A slot is posted
    whole: posting it again replaces the count (idempotent per device and slot)."""

    store = models.ForeignKey(
        "tenancy.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey(StoreDevice, on_delete=models.PROTECT, related_name="+")
    slot_start = models.DateTimeField(_("slot start"))
    visitors = models.IntegerField(_("visitors"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("footfall count")
        verbose_name_plural = _("footfall counts")
        constraints = [
            models.UniqueConstraint(fields=["device", "slot_start"], name="pos_footfall_one_per_slot"),
            models.CheckConstraint(condition=Q(visitors__gte=0), name="pos_footfall_not_negative"),
        ]
        indexes = [models.Index(fields=["store", "slot_start"], name="pos_footfall_store_slot")]
