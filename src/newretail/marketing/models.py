"""Marketing settings. Promotions, coupons and campaigns join this module later."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
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
