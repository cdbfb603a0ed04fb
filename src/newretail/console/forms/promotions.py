"""Console forms for promotions: one form for every kind, and the preview's sample cart."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.console.forms.catalog import yuan_text
from newretail.console.forms.marketing import (
    InputForm,
    K,
    ScopeForm,
    datetime_field,
    fen_or_none,
    int_or_none,
    kinds_attr,
    number_input,
    sku_codes,
    text_input,
    yuan_input,
)
from newretail.core.errors import DomainError
from newretail.marketing.actions.promotions import MAX_TIERS
from newretail.marketing.models import CouponTemplate, Promotion
from newretail.members.models import MemberLevel

SAMPLE_ROWS = 5
TIER_KINDS = (K.SPEND_OFF, K.SPEND_DISCOUNT, K.GIFT, K.ORDER_GIFT, K.FREE_SHIPPING)
KIND_HELP = {
    K.LEVEL_DISCOUNT: _("Members of the chosen levels pay a rate of the price."),
    K.MEMBER_PRICE: _("Members pay a set price for the listed products."),
    K.FLASH_DISCOUNT: _("For a limited time: one rate for the goods it applies to, or a price per product."),
    K.MULTI_BUY: _("N pieces for a fixed price, e.g. 3 for ¥10."),
    K.BUNDLE_PICK: _("Any N of the listed products for a fixed price (list two or more products)."),
    K.BUNDLE_FIXED: _("A set of products sold together for a fixed price."),
    K.NTH_DISCOUNT: _("The N-th piece at a rate, e.g. the second piece half price."),
    K.SPEND_OFF: _("Spend a threshold and get an amount off; up to five tiers."),
    K.SPEND_DISCOUNT: _("Spend a threshold and pay a rate of the price; up to five tiers."),
    K.GIFT: _("Spend a threshold and get a free gift."),
    K.ORDER_GIFT: _("Orders that reach a threshold earn coupons once they are paid."),
    K.FREE_SHIPPING: _("Free shipping from a threshold (one tier; 0 means always)."),
}
# Kinds whose goods come from their own SKU list, not from the "applies to" inputs.
OWN_SCOPE_KINDS = (K.MEMBER_PRICE, K.BUNDLE_FIXED)
# Which inputs each promotion kind shows (the rest of the form is the same for every kind).
PROMOTION_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    K.LEVEL_DISCOUNT: ("rate_percent",),
    K.MEMBER_PRICE: ("sku_prices",),
    K.FLASH_DISCOUNT: ("rate_percent", "sku_prices"),
    K.MULTI_BUY: ("quantity", "price"),
    K.BUNDLE_PICK: ("quantity", "price"),
    K.BUNDLE_FIXED: ("components", "price"),
    K.NTH_DISCOUNT: ("quantity", "rate_percent"),
    K.SPEND_OFF: ("counts_pieces", "repeat"),
    K.SPEND_DISCOUNT: ("counts_pieces",),
    K.GIFT: ("counts_pieces", "gift_stock"),
    K.ORDER_GIFT: ("counts_pieces",),
    K.FREE_SHIPPING: ("counts_pieces",),
}
TIER_FIELD_NAMES = {
    "threshold": "threshold",
    "off_fen": "off",
    "rate_percent": "rate",
    "gift_sku_id": "gift_sku",
    "gift_quantity": "gift_quantity",
    "coupon_template_id": "coupon_template",
    "coupon_quantity": "coupon_quantity",
}
# The tier columns each tiered kind shows, besides the threshold.
TIER_COLUMNS: dict[str, tuple[str, ...]] = {
    K.SPEND_OFF: ("off",),
    K.SPEND_DISCOUNT: ("rate",),
    K.GIFT: ("gift_sku", "gift_quantity"),
    K.ORDER_GIFT: ("coupon_template", "coupon_quantity"),
    K.FREE_SHIPPING: (),
}
TIER_ERROR = re.compile(r"^rules\.tiers\[(\d+)\]\.(\w+)$")


class PromotionForm(ScopeForm):
    """Every promotion kind in one form: the common settings, the kind's numbers (shown for the
    chosen kind), up to five tiers, where and for whom it runs, and its limits."""

    name = forms.CharField(label=_("Name"), max_length=50, widget=text_input(placeholder=_("e.g. 满100减20")))
    kind = forms.ChoiceField(label=_("Kind"), choices=K.choices)
    starts_at = datetime_field(_("Starts at"))
    ends_at = datetime_field(_("Ends at"))
    # The kind's numbers (parsed in clean(), only for the chosen kind).
    rate_percent = forms.CharField(
        label=_("Rate paid (per cent of the price)"),
        required=False,
        widget=number_input(),
        help_text=_(
            "85 means 8.5/10, i.e. 15 per cent off. For the N-th piece, 0 makes it free and 50 half price."
        ),
    )
    sku_prices = forms.CharField(
        label=_("Prices by product"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "placeholder": "6901234567892 2.80"}),
        help_text=_("One product per line: its SKU code or barcode, a space, the price in yuan."),
    )
    quantity = forms.CharField(
        label=_("Number of pieces (N)"),
        required=False,
        widget=number_input(),
        help_text=_("N for a fixed price / pick N: the set size. N-th piece discount: which piece."),
    )
    price = forms.CharField(label=_("Price of the set (yuan)"), required=False, widget=yuan_input())
    components = forms.CharField(
        label=_("Products in the bundle"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "placeholder": "SKU00001 1"}),
        help_text=_("One product per line: its SKU code or barcode, a space, the quantity."),
    )
    counts_pieces = forms.BooleanField(label=_("Thresholds count pieces instead of yuan"), required=False)
    repeat = forms.BooleanField(
        label=_("Repeat for every threshold reached (每满减; one tier)"), required=False
    )
    gift_stock = forms.CharField(
        label=_("Gifts in total"), required=False, widget=number_input(), help_text=_("Empty: no limit.")
    )
    # Where and for whom: stores and channels come from ScopeForm.
    levels = forms.MultipleChoiceField(
        label=_("Member levels"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("None chosen: every level. A member level discount needs at least one."),
    )
    members_only = forms.BooleanField(label=_("Members only"), required=False)
    exclusive = forms.BooleanField(
        label=_("Exclusive (no other promotion on the same goods)"), required=False
    )
    coupons_allowed = forms.BooleanField(label=_("Coupons can be used too"), required=False, initial=True)
    priority = forms.IntegerField(
        label=_("Priority"),
        initial=0,
        widget=number_input(),
        help_text=_("From -100 to 100; higher is tried first."),
    )
    # Limits.
    max_discount = forms.CharField(
        label=_("Cap per order (yuan)"), required=False, widget=yuan_input(), help_text=_("Empty: no cap.")
    )
    usage_limit = forms.CharField(
        label=_("Orders in total"), required=False, widget=number_input(), help_text=_("Empty: no limit.")
    )
    per_member_limit = forms.CharField(
        label=_("Orders per member"), required=False, widget=number_input(), help_text=_("Empty: no limit.")
    )
    budget = forms.CharField(
        label=_("Budget (yuan)"),
        required=False,
        widget=yuan_input(),
        help_text=_("The promotion stops when it has given this much discount. Empty: no budget."),
    )

    ACTION_FIELDS = {
        **ScopeForm.ACTION_FIELDS,
        "level_ids": "levels",
        "max_discount_fen": "max_discount",
        "budget_fen": "budget",
        "rules.rate_percent": "rate_percent",
        "rules.sku_prices": "sku_prices",
        "rules.quantity": "quantity",
        "rules.price_fen": "price",
        "rules.components": "components",
    }

    def __init__(self, *args, merchant_id: int, **kwargs):
        super().__init__(*args, merchant_id=merchant_id, **kwargs)
        self.fields["levels"].choices = [
            (str(level.pk), level.name) for level in MemberLevel.objects.for_merchant(merchant_id)
        ]
        templates = [("", "—")] + [
            (str(t.pk), t.name)
            for t in CouponTemplate.objects.for_merchant(merchant_id).order_by("-pk")[:200]
        ]
        for row in range(MAX_TIERS):
            prefix = f"tier{row}_"
            self.fields[prefix + "threshold"] = forms.CharField(
                label=_("Tier %(n)s: threshold") % {"n": row + 1}, required=False, widget=yuan_input()
            )
            self.fields[prefix + "off"] = forms.CharField(
                label=_("Tier %(n)s: amount off (yuan)") % {"n": row + 1},
                required=False,
                widget=yuan_input(),
            )
            self.fields[prefix + "rate"] = forms.CharField(
                label=_("Tier %(n)s: rate (%%)") % {"n": row + 1}, required=False, widget=number_input()
            )
            self.fields[prefix + "gift_sku"] = forms.CharField(
                label=_("Tier %(n)s: gift (SKU code or barcode)") % {"n": row + 1},
                required=False,
                widget=text_input(list="sku-options"),
            )
            self.fields[prefix + "gift_quantity"] = forms.CharField(
                label=_("Tier %(n)s: gifts") % {"n": row + 1}, required=False, widget=number_input()
            )
            self.fields[prefix + "coupon_template"] = forms.ChoiceField(
                label=_("Tier %(n)s: coupon") % {"n": row + 1}, required=False, choices=templates
            )
            self.fields[prefix + "coupon_quantity"] = forms.CharField(
                label=_("Tier %(n)s: coupons") % {"n": row + 1}, required=False, widget=number_input()
            )
        self.tier_rows: list[int] = []  # form row of each tier sent to the action, in order
        self.tier_errors: list[str] = []

    # --- presentation ---------------------------------------------------------------------------

    def kind_value(self) -> str:
        return str(self["kind"].value() or K.SPEND_OFF)

    def kind_help(self) -> list[tuple[str, str]]:
        return list(KIND_HELP.items())

    def rule_fields(self) -> list[tuple[forms.BoundField, str]]:
        """(field, the kinds that show it) for the kind's numbers."""
        order = ("rate_percent", "sku_prices", "quantity", "price", "components", "gift_stock")
        return [
            (self[name], kinds_attr(k for k, names in PROMOTION_KIND_FIELDS.items() if name in names))
            for name in order
        ]

    def tier_table(self) -> dict:
        columns = [
            ("off", _("Amount off (yuan)")),
            ("rate", _("Rate (%)")),
            ("gift_sku", _("Gift (SKU code or barcode)")),
            ("gift_quantity", _("Gifts")),
            ("coupon_template", _("Coupon")),
            ("coupon_quantity", _("Coupons")),
        ]
        shown = [
            (name, label, kinds_attr(k for k, names in TIER_COLUMNS.items() if name in names))
            for name, label in columns
        ]
        rows = [
            {
                "number": row + 1,
                "threshold": self[f"tier{row}_threshold"],
                "cells": [(self[f"tier{row}_{name}"], kinds) for name, _label, kinds in shown],
            }
            for row in range(MAX_TIERS)
        ]
        return {"columns": shown, "rows": rows, "kinds": kinds_attr(TIER_KINDS), "errors": self.tier_errors}

    def scope_kinds(self) -> str:
        return kinds_attr(kind for kind in K.values if kind not in OWN_SCOPE_KINDS)

    def counts_pieces_kinds(self) -> str:
        return kinds_attr(k for k, names in PROMOTION_KIND_FIELDS.items() if "counts_pieces" in names)

    def repeat_kinds(self) -> str:
        return kinds_attr(k for k, names in PROMOTION_KIND_FIELDS.items() if "repeat" in names)

    # --- parsing --------------------------------------------------------------------------------

    def _tiers(self, kind: str, counts_pieces: bool) -> list[dict] | None:
        columns = TIER_COLUMNS[kind]
        tiers, rows, ok = [], [], True
        for row in range(MAX_TIERS):
            prefix = f"tier{row}_"
            names = ("threshold", *columns)
            if not any(self._raw(prefix + name) for name in names):
                continue
            if counts_pieces:
                threshold = self.parse_int(prefix + "threshold")
            else:
                threshold = self.parse_fen(prefix + "threshold")
            tier: dict = {"threshold": threshold}
            if "off" in columns:
                tier["off_fen"] = self.parse_fen(prefix + "off")
            if "rate" in columns:
                tier["rate_percent"] = self.parse_int(prefix + "rate")
            if "gift_sku" in columns:
                tier["gift_sku_id"] = self.parse_sku(prefix + "gift_sku")
                tier["gift_quantity"] = self.parse_int(prefix + "gift_quantity")
            if "coupon_template" in columns:
                template = self.cleaned_data.get(prefix + "coupon_template")
                tier["coupon_template_id"] = int(template) if template else None
                tier["coupon_quantity"] = self.parse_int(prefix + "coupon_quantity")
            ok = ok and not any(prefix + name in self.errors for name in names)
            # Left empty: the action's own default (one gift, one coupon) or its "is required".
            tiers.append(
                {key: value for key, value in tier.items() if value is not None or key == "threshold"}
            )
            rows.append(row)
        self.tier_rows = rows
        return tiers if ok else None

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        shown = PROMOTION_KIND_FIELDS[kind]
        rules: dict = {}
        if "rate_percent" in shown:
            rules["rate_percent"] = self.parse_int("rate_percent")
        if "sku_prices" in shown:
            pairs = self.parse_pairs("sku_prices", fen_or_none)
            if pairs:
                rules["sku_prices"] = {str(sku_id): fen for sku_id, fen in pairs}
        if "quantity" in shown:
            rules["quantity"] = self.parse_int("quantity")
        if "price" in shown:
            rules["price_fen"] = self.parse_fen("price")
        if "components" in shown:
            pairs = self.parse_pairs("components", int_or_none)
            rules["components"] = [[sku_id, quantity] for sku_id, quantity in pairs or []]
        if kind in TIER_COLUMNS:
            rules["counts_pieces"] = bool(data.get("counts_pieces"))
            rules["repeat"] = bool(data.get("repeat")) and "repeat" in shown
            rules["tiers"] = self._tiers(kind, rules["counts_pieces"])
        # A flash discount takes prices by product or one rate: the rate only when no prices.
        if kind == K.FLASH_DISCOUNT and rules.get("sku_prices"):
            rules.pop("rate_percent", None)
        self.rules = {key: value for key, value in rules.items() if value is not None}
        self.scope = {"all": True} if kind in OWN_SCOPE_KINDS else self.scope_data()
        self.limits = {
            "max_discount_fen": self.parse_fen("max_discount"),
            "usage_limit": self.parse_int("usage_limit"),
            "per_member_limit": self.parse_int("per_member_limit"),
            "budget_fen": self.parse_fen("budget"),
            "gift_stock": self.parse_int("gift_stock") if "gift_stock" in shown else None,
        }
        return data

    def action_data(self) -> dict:
        """The keyword arguments of create_promotion / update_promotion / preview (a valid form)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "priority": data["priority"],
            "exclusive": data["exclusive"],
            "coupons_allowed": data["coupons_allowed"],
            "scope": self.scope,
            "rules": self.rules,
            **self.where_data(),
            "level_ids": [int(pk) for pk in data["levels"]] or None,
            "members_only": data["members_only"],
            **self.limits,
        }

    def field_for(self, name: str) -> str | None:
        match = TIER_ERROR.match(name)
        if match:
            index, key = int(match[1]), match[2]
            column = TIER_FIELD_NAMES.get(key)
            if column and index < len(self.tier_rows):
                return f"tier{self.tier_rows[index]}_{column}"
            return None
        return super().field_for(name)

    def add_action_error(self, error: DomainError) -> None:
        if error.params.get("field") == "rules.tiers" and error.params.get("problem"):
            self.tier_errors.append(str(error.params["problem"]))
            self.add_error(None, error.message)
            return
        super().add_action_error(error)

    @classmethod
    def initial_for(cls, promotion: Promotion) -> dict:
        merchant_id = promotion.merchant_id
        rules = promotion.rules or {}
        counts_pieces = bool(rules.get("counts_pieces"))
        ids = [int(pk) for pk in (rules.get("sku_prices") or {})]
        ids += [component[0] for component in rules.get("components", [])]
        ids += [tier["gift_sku_id"] for tier in rules.get("tiers", []) if tier.get("gift_sku_id")]
        codes = sku_codes(merchant_id, ids)
        initial = {
            "name": promotion.name,
            "kind": promotion.kind,
            "starts_at": promotion.starts_at,
            "ends_at": promotion.ends_at,
            "priority": promotion.priority,
            "exclusive": promotion.exclusive,
            "coupons_allowed": promotion.coupons_allowed,
            "members_only": promotion.members_only,
            **cls.where_initial(promotion),
            "levels": [str(pk) for pk in promotion.level_ids or []],
            "rate_percent": rules.get("rate_percent", ""),
            "sku_prices": "\n".join(
                f"{codes.get(int(pk), pk)} {yuan_text(fen)}"
                for pk, fen in (rules.get("sku_prices") or {}).items()
            ),
            "quantity": rules.get("quantity", ""),
            "price": yuan_text(rules.get("price_fen")),
            "components": "\n".join(
                f"{codes.get(pk, pk)} {quantity}" for pk, quantity in rules.get("components", [])
            ),
            "counts_pieces": counts_pieces,
            "repeat": bool(rules.get("repeat")),
            "gift_stock": promotion.gift_stock if promotion.gift_stock is not None else "",
            "max_discount": yuan_text(promotion.max_discount_fen),
            "usage_limit": promotion.usage_limit if promotion.usage_limit is not None else "",
            "per_member_limit": promotion.per_member_limit if promotion.per_member_limit is not None else "",
            "budget": yuan_text(promotion.budget_fen),
        }
        if promotion.kind not in OWN_SCOPE_KINDS and not (
            promotion.kind == K.FLASH_DISCOUNT and rules.get("sku_prices")
        ):
            initial.update(cls.scope_initial(merchant_id, promotion.scope))
        for row, tier in enumerate(rules.get("tiers", [])[:MAX_TIERS]):
            prefix = f"tier{row}_"
            threshold = tier.get("threshold")
            initial[prefix + "threshold"] = threshold if counts_pieces else yuan_text(threshold)
            initial[prefix + "off"] = yuan_text(tier.get("off_fen")) if tier.get("off_fen") else ""
            initial[prefix + "rate"] = tier.get("rate_percent", "")
            initial[prefix + "gift_sku"] = (
                codes.get(tier["gift_sku_id"], "") if tier.get("gift_sku_id") else ""
            )
            initial[prefix + "gift_quantity"] = tier.get("gift_quantity", "")
            initial[prefix + "coupon_template"] = str(tier.get("coupon_template_id") or "")
            initial[prefix + "coupon_quantity"] = tier.get("coupon_quantity", "")
        return initial


class SampleCartForm(InputForm):
    """The preview's sample cart: up to five SKUs (code or barcode) with quantities."""

    as_guest = forms.BooleanField(label=_("Price it for a guest (not a member)"), required=False)

    def __init__(self, *args, merchant_id: int, **kwargs):
        kwargs.setdefault("prefix", "sample")
        super().__init__(*args, merchant_id=merchant_id, **kwargs)
        for row in range(SAMPLE_ROWS):
            product = _("Product %(n)s") % {"n": row + 1}
            quantity = _("Quantity %(n)s") % {"n": row + 1}
            self.fields[f"sku{row}"] = forms.CharField(
                label=product,
                required=False,
                widget=text_input(
                    list="sku-options", placeholder=_("SKU code or barcode"), **{"aria-label": product}
                ),
            )
            self.fields[f"qty{row}"] = forms.CharField(
                label=quantity,
                required=False,
                widget=number_input(placeholder="1", **{"class": "qty-input", "aria-label": quantity}),
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"sku{row}"], self[f"qty{row}"]) for row in range(SAMPLE_ROWS)]

    def clean(self):
        data = super().clean()
        lines: list[tuple[int, int]] = []
        for row in range(SAMPLE_ROWS):
            if not self._raw(f"sku{row}"):
                continue
            sku_id = self.parse_sku(f"sku{row}")
            quantity = self.parse_int(f"qty{row}") if self._raw(f"qty{row}") else 1
            if sku_id is not None and quantity is not None:
                lines.append((sku_id, quantity))
        if not lines and not self.errors:
            self.add_error(None, _("Add at least one product to the sample cart."))
        self.lines = lines
        return data

    def add_action_error(self, error: DomainError) -> None:
        self.add_error(None, str(error.params.get("problem") or error.message))
