from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from newretail.core.fields import latitude_field, longitude_field
from newretail.core.tenancy import MerchantOwned
from newretail.tenancy.roles import STORE_BOUND_ROLES, Role, perms_for

mall_domain_validator = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    _("A host name in lowercase, such as shop.example.com (no http://, no path)."),
)
slug_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{1,39}$", _("Use 2-40 lowercase letters, digits or hyphens.")
)
code_validator = RegexValidator(r"^[A-Za-z0-9_-]{1,32}$", _("Use letters, digits, hyphen or underscore."))


class Merchant(models.Model):
    """A tenant: one retail business with its stores, catalog, members and staff."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=40, unique=True, validators=[slug_validator])
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # Multi-merchant mode: the merchant's own host for its mall (shop.example.com); empty means
    # the mall is served at /m/<slug>/ on the platform's host.
    mall_domain = models.CharField(
        _("mall domain"), max_length=253, blank=True, default="", validators=[mall_domain_validator]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        constraints = [
            models.UniqueConstraint(
                fields=["mall_domain"], condition=~models.Q(mall_domain=""), name="merchant_mall_domain_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Store(MerchantOwned):
    """A physical store (门店). It may take online orders (pickup, same-city delivery)."""

    code = models.CharField(_("store code"), max_length=32, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=32, blank=True)
    city = models.CharField(_("city"), max_length=32, blank=True)
    district = models.CharField(_("district"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    is_online = models.BooleanField(
        _("online"), default=True, help_text=_("Shown in the mall; takes pickup and delivery orders.")
    )
    is_active = models.BooleanField(_("open for business"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="store_code_unique_per_merchant")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def business_hours(self) -> str:
        if self.opens_at and self.closes_at:
            return f"{self.opens_at:%H:%M}-{self.closes_at:%H:%M}"
        return ""


class Warehouse(MerchantOwned):
    """Where stock lives: a store's back room or a central distribution centre (中心仓)."""

    class Kind(models.TextChoices):
        STORE = "store", _("Store warehouse")
        CENTRAL = "central", _("Central warehouse")
        # Returned goods unfit to sell (残次品仓); never sells, created on first use.
        DAMAGED = "damaged", _("Damaged goods")

    code = models.CharField(_("warehouse code"), max_length=32, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.STORE)
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="warehouses",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="warehouse_code_unique_per_merchant"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="store", store__isnull=False)
                    | models.Q(kind__in=["central", "damaged"], store__isnull=True)
                ),
                name="warehouse_kind_matches_store",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs into the console or POS. Staff belong to exactly one merchant (v1);
    platform operators have no merchant and use the Django admin."""

    merchant = models.ForeignKey(
        Merchant,
        verbose_name=_("merchant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    stores = models.ManyToManyField(Store, verbose_name=_("stores"), blank=True, related_name="staff")
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(merchant__isnull=True, role="")
                | models.Q(merchant__isnull=False) & ~models.Q(role=""),
                name="staff_has_merchant_and_role",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_merchant_staff(self) -> bool:
        return self.is_active and self.merchant_id is not None and bool(self.role)

    @property
    def permissions(self) -> frozenset[str]:
        if not self.is_merchant_staff:
            return frozenset()
        return perms_for(self.role)

    def has_perm_code(self, perm: str) -> bool:
        return perm in self.permissions

    @property
    def is_store_bound(self) -> bool:
        return self.role in STORE_BOUND_ROLES

    def store_ids(self) -> set[int] | None:
        """Stores this person may act on: None means every store of the merchant."""
        assigned = getattr(self, "_store_ids_cache", None)
        if assigned is None:
            assigned = set(self.stores.values_list("pk", flat=True))
            self._store_ids_cache = assigned
        if not assigned and not self.is_store_bound:
            return None
        return assigned


class ApiToken(MerchantOwned):
    """A bearer token for other software (ERP, apps) acting as a staff account. Only a hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
