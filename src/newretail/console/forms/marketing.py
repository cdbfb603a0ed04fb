"""Forms of the promotion and coupon pages. They parse input only (yuan amounts, whole numbers,
SKU codes or barcodes, dates, member phones) into the shape ``marketing.actions`` takes; every
rule (ranges, tiers that give more as the shopper spends more, prices below the list price, whose
ids they are) is the action's, and ``add_action_error`` puts its refusal next to the field it
names. Inputs a kind does not use are shown only for that kind and are not read for the others."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from newretail.catalog.models import Sku
from newretail.catalog.queries import live_skus
from newretail.console.forms.catalog import category_choices, parse_yuan, yuan_text
from newretail.core.errors import DomainError
from newretail.marketing.actions.coupons import AUTO_EVENTS
from newretail.marketing.actions.promotions import MAX_TIERS
from newretail.marketing.models import CouponTemplate, Promotion
from newretail.marketing.pricing import CHANNELS
from newretail.members.models import Member, MemberLevel
from newretail.members.phones import mobile_or_none
from newretail.orders.models import Order
from newretail.tenancy.models import Store

K = Promotion.Kind
CK = CouponTemplate.Kind
SAMPLE_ROWS = 5
MAX_CODES = 2000
SPLIT = re.compile(r"[\s,，、;；]+")
LINE_SPLIT = re.compile(r"[\r\n,，、;；]+")  # a phone may be typed with spaces: 138 1234 5678
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
CHANNEL_CHOICES = [(value, label) for value, label in Order.Channel.choices if value in CHANNELS]
EVENT_LABELS = {
    "member.registered": _("When a member signs up (new-member coupon)"),
    "member.birthday": _("On the member's birthday"),
    "member.level_changed": _("When a member moves up a level"),
}
EVENT_CHOICES = [(name, EVENT_LABELS.get(name, name)) for name in sorted(AUTO_EVENTS)]
TIER_KINDS = (K.SPEND_OFF, K.SPEND_DISCOUNT, K.GIFT, K.ORDER_GIFT, K.FREE_SHIPPING)
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
# The tier columns each tiered kind shows, besides the threshold.
TIER_COLUMNS: dict[str, tuple[str, ...]] = {
    K.SPEND_OFF: ("off",),
    K.SPEND_DISCOUNT: ("rate",),
    K.GIFT: ("gift_sku", "gift_quantity"),
    K.ORDER_GIFT: ("coupon_template", "coupon_quantity"),
    K.FREE_SHIPPING: (),
}
# Kinds whose goods come from their own SKU list, not from the "applies to" inputs.
OWN_SCOPE_KINDS = (K.MEMBER_PRICE, K.BUNDLE_FIXED)
COUPON_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    CK.CASH_OFF: ("off",),
    CK.DISCOUNT: ("rate_percent", "max_off"),
    CK.FREE_SHIPPING: (),
    CK.EXCHANGE: ("exchange_sku",),
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
TIER_ERROR = re.compile(r"^rules\.tiers\[(\d+)\]\.(\w+)$")


def kinds_attr(kinds: Iterable[str]) -> str:
    """The value of a ``data-show-values`` attribute (space-separated kinds)."""
    return " ".join(sorted(str(kind) for kind in kinds))


def _text_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "off", **attrs})


def _number_input(**attrs) -> forms.TextInput:
    return _text_input(inputmode="numeric", **attrs)


def _yuan_input(**attrs) -> forms.TextInput:
    return _text_input(inputmode="decimal", **attrs)


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def sku_label(sku: Sku) -> str:
    return f"{sku.display_name} · {sku.code}"


def sku_codes(merchant_id: int, ids: Iterable[int]) -> dict[int, str]:
    """SKU id -> code, deleted SKUs included (so an edit page shows what the promotion holds)."""
    return dict(Sku.objects.filter(merchant_id=merchant_id, pk__in=list(ids)).values_list("pk", "code"))


def sku_options(merchant_id: int, limit: int = 500) -> list[Sku]:
    """The merchant's live SKUs for the code suggestions (a datalist), by product name."""
    return list(live_skus(merchant_id).select_related("product").order_by("product__name", "pk")[:limit])


class ActionErrorsMixin:
    """Puts a marketing action's refusal (params ``field`` and ``problem``) next to the input it
    names; one it cannot place goes above the form."""

    ACTION_FIELDS: dict[str, str] = {}

    def field_for(self, name: str) -> str | None:
        if name in self.ACTION_FIELDS:
            return self.ACTION_FIELDS[name]
        return name if name in self.fields else None

    def add_action_error(self, error: DomainError) -> None:
        name = self.field_for(str(error.params.get("field", "")))
        problem = error.params.get("problem")
        if name and problem:
            self.add_error(name, str(problem))
        else:
            self.add_error(None, error.message)

    def error_summary(self) -> list[str]:
        """Every error as "label: message", for the preview box."""
        lines = [str(e) for e in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name == NON_FIELD_ERRORS:
                continue
            label = self.fields[name].label if name in self.fields else name
            lines += [_("%(field)s: %(error)s") % {"field": label, "error": e} for e in errors]
        return lines


class InputForm(ActionErrorsMixin, forms.Form):
    """A form of the merchant ``merchant_id`` with the parsing helpers of the marketing forms."""

    def __init__(self, *args, merchant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant_id = merchant_id

    # --- parsing helpers (they add the error to the field and return None) ---------------------

    def _raw(self, name: str) -> str:
        return str(self.data.get(self.add_prefix(name), "") or "").strip()

    def parse_int(self, name: str) -> int | None:
        text = self._raw(name)
        if not text:
            return None
        if not re.fullmatch(r"-?\d{1,12}", text):
            self.add_error(name, _("Enter a whole number."))
            return None
        return int(text)

    def parse_fen(self, name: str) -> int | None:
        try:
            return parse_yuan(self._raw(name), required=False)
        except forms.ValidationError as error:
            self.add_error(name, error)
            return None

    def resolve_skus(self, name: str, tokens: list[str]) -> dict[str, int] | None:
        """{token: SKU id} for codes or barcodes of the merchant's live SKUs; None (and an error on
        ``name``) when one is unknown."""
        if len(tokens) > MAX_CODES:
            self.add_error(name, _("At most %(max)s products.") % {"max": MAX_CODES})
            return None
        wanted = set(tokens)
        found: dict[str, int] = {}
        if wanted:
            rows = live_skus(self.merchant_id).filter(Q(code__in=wanted) | Q(barcode__in=wanted))
            rows = list(rows.values_list("pk", "code", "barcode"))
            found = {barcode: pk for pk, _code, barcode in rows if barcode}
            found.update({code: pk for pk, code, _barcode in rows})  # a SKU code wins over a barcode
        unknown = [token for token in tokens if token not in found]
        if unknown:
            self.add_error(
                name,
                _("No product with the code or barcode %(codes)s.") % {"codes": "、".join(unknown[:10])},
            )
            return None
        return found

    def parse_sku_list(self, name: str) -> list[int] | None:
        tokens = [token for token in SPLIT.split(self._raw(name)) if token]
        found = self.resolve_skus(name, tokens)
        if found is None:
            return None
        return sorted({found[token] for token in tokens})

    def parse_sku(self, name: str) -> int | None:
        tokens = [token for token in SPLIT.split(self._raw(name)) if token]
        if not tokens:
            return None
        if len(tokens) > 1:
            self.add_error(name, _("Enter one product."))
            return None
        found = self.resolve_skus(name, tokens)
        return None if found is None else found[tokens[0]]

    def parse_pairs(self, name: str, parse_value) -> list[tuple[int, object]] | None:
        """Lines of "code value" -> [(SKU id, parsed value)]."""
        pairs = []
        for number, line in enumerate(self._raw(name).splitlines(), start=1):
            parts = [part for part in SPLIT.split(line.strip()) if part]
            if not parts:
                continue
            if len(parts) != 2:
                self.add_error(
                    name, _("Line %(line)s: write the code, a space, then the number.") % {"line": number}
                )
                return None
            value = parse_value(parts[1])
            if value is None:
                self.add_error(
                    name, _("Line %(line)s: “%(value)s” is not valid.") % {"line": number, "value": parts[1]}
                )
                return None
            pairs.append((parts[0], value))
        found = self.resolve_skus(name, [code for code, _value in pairs])
        if found is None:
            return None
        return [(found[code], value) for code, value in pairs]


class ScopeForm(InputForm):
    """Inputs for the goods a promotion or coupon applies to: everything (minus some SKUs), or
    chosen SKUs and categories. SKUs are typed or scanned by code or barcode."""

    scope_all = forms.ChoiceField(
        label=_("Applies to"),
        choices=[("all", _("All goods")), ("chosen", _("Chosen products and categories"))],
        initial="all",
        widget=forms.RadioSelect,
    )
    scope_skus = forms.CharField(
        label=_("Products (SKU codes or barcodes)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("One per line, or separated by commas; a scanner can type them."),
    )
    scope_categories = forms.MultipleChoiceField(
        label=_("Categories"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("A category includes its subcategories. Ctrl/⌘-click to choose several."),
    )
    excluded_skus = forms.CharField(
        label=_("Except these products (SKU codes or barcodes)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )

    ACTION_FIELDS = {
        "scope": "scope_all",
        "scope.sku_ids": "scope_skus",
        "scope.category_ids": "scope_categories",
        "scope.excluded_sku_ids": "excluded_skus",
        "store_ids": "stores",
    }

    def __init__(self, *args, merchant_id: int, **kwargs):
        super().__init__(*args, merchant_id=merchant_id, **kwargs)
        self.fields["scope_categories"].choices = [
            (str(c.pk), c.tree_label) for c in category_choices(merchant_id)
        ]

    def scope_data(self) -> dict | None:
        excluded = self.parse_sku_list("excluded_skus")
        if self.cleaned_data.get("scope_all", "all") == "all":
            return None if excluded is None else {"all": True, "excluded_sku_ids": excluded}
        skus = self.parse_sku_list("scope_skus")
        if skus is None or excluded is None:
            return None
        return {
            "all": False,
            "sku_ids": skus,
            "category_ids": sorted(int(pk) for pk in self.cleaned_data.get("scope_categories", [])),
            "excluded_sku_ids": excluded,
        }

    @staticmethod
    def scope_initial(merchant_id: int, scope: dict) -> dict:
        scope = scope or {"all": True}
        codes = sku_codes(merchant_id, [*scope.get("sku_ids", []), *scope.get("excluded_sku_ids", [])])
        return {
            "scope_all": "all" if scope.get("all") else "chosen",
            "scope_skus": "\n".join(codes.get(pk, str(pk)) for pk in scope.get("sku_ids", [])),
            "scope_categories": [str(pk) for pk in scope.get("category_ids", [])],
            "excluded_skus": "\n".join(codes.get(pk, str(pk)) for pk in scope.get("excluded_sku_ids", [])),
        }


def _int_or_none(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,6}", text) else None


def _fen_or_none(text: str) -> int | None:
    try:
        return parse_yuan(text, required=False)
    except forms.ValidationError:
        return None


class PromotionForm(ScopeForm):
    """Every promotion kind in one form: the common settings, the kind's numbers (shown for the
    chosen kind), up to five tiers, where and for whom it runs, and its limits."""

    name = forms.CharField(
        label=_("Name"), max_length=50, widget=_text_input(placeholder=_("e.g. 满100减20"))
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=K.choices)
    starts_at = _datetime_field(_("Starts at"))
    ends_at = _datetime_field(_("Ends at"))
    # The kind's numbers (parsed in clean(), only for the chosen kind).
    rate_percent = forms.CharField(
        label=_("Rate paid (per cent of the price)"),
        required=False,
        widget=_number_input(),
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
        widget=_number_input(),
        help_text=_("N for a fixed price / pick N: the set size. N-th piece discount: which piece."),
    )
    price = forms.CharField(label=_("Price of the set (yuan)"), required=False, widget=_yuan_input())
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
        label=_("Gifts in total"), required=False, widget=_number_input(), help_text=_("Empty: no limit.")
    )
    # Where and for whom.
    stores = forms.MultipleChoiceField(
        label=_("Stores"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("None chosen: every store."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        required=False,
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every channel."),
    )
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
        widget=_number_input(),
        help_text=_("From -100 to 100; higher is tried first."),
    )
    # Limits.
    max_discount = forms.CharField(
        label=_("Cap per order (yuan)"), required=False, widget=_yuan_input(), help_text=_("Empty: no cap.")
    )
    usage_limit = forms.CharField(
        label=_("Orders in total"), required=False, widget=_number_input(), help_text=_("Empty: no limit.")
    )
    per_member_limit = forms.CharField(
        label=_("Orders per member"), required=False, widget=_number_input(), help_text=_("Empty: no limit.")
    )
    budget = forms.CharField(
        label=_("Budget (yuan)"),
        required=False,
        widget=_yuan_input(),
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
        self.fields["stores"].choices = [
            (str(s.pk), s.name) for s in Store.objects.for_merchant(merchant_id).order_by("code", "pk")
        ]
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
                label=_("Tier %(n)s: threshold") % {"n": row + 1}, required=False, widget=_yuan_input()
            )
            self.fields[prefix + "off"] = forms.CharField(
                label=_("Tier %(n)s: amount off (yuan)") % {"n": row + 1},
                required=False,
                widget=_yuan_input(),
            )
            self.fields[prefix + "rate"] = forms.CharField(
                label=_("Tier %(n)s: rate (%%)") % {"n": row + 1}, required=False, widget=_number_input()
            )
            self.fields[prefix + "gift_sku"] = forms.CharField(
                label=_("Tier %(n)s: gift (SKU code or barcode)") % {"n": row + 1},
                required=False,
                widget=_text_input(list="sku-options"),
            )
            self.fields[prefix + "gift_quantity"] = forms.CharField(
                label=_("Tier %(n)s: gifts") % {"n": row + 1}, required=False, widget=_number_input()
            )
            self.fields[prefix + "coupon_template"] = forms.ChoiceField(
                label=_("Tier %(n)s: coupon") % {"n": row + 1}, required=False, choices=templates
            )
            self.fields[prefix + "coupon_quantity"] = forms.CharField(
                label=_("Tier %(n)s: coupons") % {"n": row + 1}, required=False, widget=_number_input()
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
            pairs = self.parse_pairs("sku_prices", _fen_or_none)
            if pairs:
                rules["sku_prices"] = {str(sku_id): fen for sku_id, fen in pairs}
        if "quantity" in shown:
            rules["quantity"] = self.parse_int("quantity")
        if "price" in shown:
            rules["price_fen"] = self.parse_fen("price")
        if "components" in shown:
            pairs = self.parse_pairs("components", _int_or_none)
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
            "store_ids": [int(pk) for pk in data["stores"]] or None,
            "channels": list(data["channels"]) or None,
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
            "stores": [str(pk) for pk in promotion.store_ids or []],
            "channels": list(promotion.channels or []),
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
                widget=_text_input(
                    list="sku-options", placeholder=_("SKU code or barcode"), **{"aria-label": product}
                ),
            )
            self.fields[f"qty{row}"] = forms.CharField(
                label=quantity,
                required=False,
                widget=_number_input(placeholder="1", **{"class": "qty-input", "aria-label": quantity}),
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


class CouponTemplateForm(ScopeForm):
    """Every coupon kind: its value, the goods it applies to, when it is valid (a fixed window, or
    N days from the claim), how many there are, and how members get it."""

    name = forms.CharField(label=_("Name"), max_length=50, widget=_text_input(placeholder=_("e.g. 满59减10")))
    kind = forms.ChoiceField(label=_("Kind"), choices=CK.choices)
    description = forms.CharField(
        label=_("Description shown to shoppers"), max_length=200, required=False, widget=_text_input()
    )
    threshold = forms.CharField(
        label=_("Threshold (yuan)"),
        required=False,
        widget=_yuan_input(),
        help_text=_("The eligible goods must reach this amount. Empty or 0: no threshold."),
    )
    off = forms.CharField(label=_("Amount off (yuan)"), required=False, widget=_yuan_input())
    rate_percent = forms.CharField(
        label=_("Rate paid (per cent of the price)"),
        required=False,
        widget=_number_input(),
        help_text=_("85 means 8.5/10, i.e. 15 per cent off."),
    )
    max_off = forms.CharField(
        label=_("Most it takes off (yuan)"),
        required=False,
        widget=_yuan_input(),
        help_text=_("Empty: no cap."),
    )
    exchange_sku = forms.CharField(
        label=_("Item it is exchanged for (SKU code or barcode)"),
        required=False,
        widget=_text_input(list="sku-options"),
    )
    validity = forms.ChoiceField(
        label=_("Validity"),
        choices=[("fixed", _("A fixed period")), ("days", _("A number of days after it is claimed"))],
        initial="fixed",
        widget=forms.RadioSelect,
    )
    valid_from = _datetime_field(_("Valid from"))
    valid_until = _datetime_field(_("Valid until"))
    valid_days = forms.CharField(
        label=_("Days valid after the claim"),
        required=False,
        widget=_number_input(),
        help_text=_("Coupons can be claimed between the two dates above; none is valid past the end date."),
    )
    total_stock = forms.CharField(
        label=_("Coupons in total"), required=False, widget=_number_input(), help_text=_("Empty: no limit.")
    )
    per_member_limit = forms.CharField(label=_("Per member"), initial="1", widget=_number_input())
    in_claim_centre = forms.BooleanField(label=_("Shown in the claim centre"), required=False, initial=True)
    stackable = forms.BooleanField(label=_("Stacks with other coupons"), required=False)
    issue_on = forms.MultipleChoiceField(
        label=_("Issued automatically"),
        required=False,
        choices=EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        required=False,
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every channel."),
    )
    stores = forms.MultipleChoiceField(
        label=_("Stores"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("None chosen: every store."),
    )

    ACTION_FIELDS = {
        **ScopeForm.ACTION_FIELDS,
        "threshold_fen": "threshold",
        "off_fen": "off",
        "max_off_fen": "max_off",
        "exchange_sku_id": "exchange_sku",
    }

    def __init__(self, *args, merchant_id: int, **kwargs):
        super().__init__(*args, merchant_id=merchant_id, **kwargs)
        self.fields["stores"].choices = [
            (str(s.pk), s.name) for s in Store.objects.for_merchant(merchant_id).order_by("code", "pk")
        ]

    def kind_value(self) -> str:
        return str(self["kind"].value() or CK.CASH_OFF)

    def value_fields(self) -> list[tuple[forms.BoundField, str]]:
        order = ("off", "rate_percent", "max_off", "exchange_sku")
        return [
            (self[name], kinds_attr(k for k, names in COUPON_KIND_FIELDS.items() if name in names))
            for name in order
        ]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        shown = COUPON_KIND_FIELDS[kind]
        values = {
            "threshold_fen": self.parse_fen("threshold") or 0,
            "off_fen": self.parse_fen("off") if "off" in shown else None,
            "rate_percent": self.parse_int("rate_percent") if "rate_percent" in shown else None,
            "max_off_fen": self.parse_fen("max_off") if "max_off" in shown else None,
            "exchange_sku_id": self.parse_sku("exchange_sku") if "exchange_sku" in shown else None,
            "valid_days": self.parse_int("valid_days") if data.get("validity") == "days" else None,
            "total_stock": self.parse_int("total_stock"),
            "per_member_limit": self.parse_int("per_member_limit"),
        }
        # Left empty, the action's own default applies (or its "required" for this kind).
        self.values = {
            key: value
            for key, value in values.items()
            if value is not None or key in ("max_off_fen", "valid_days", "total_stock")
        }
        self.scope = self.scope_data()
        return data

    def action_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "description": data["description"],
            "scope": self.scope,
            "stackable": data["stackable"],
            "channels": list(data["channels"]) or None,
            "store_ids": [int(pk) for pk in data["stores"]] or None,
            "valid_from": data["valid_from"],
            "valid_until": data["valid_until"],
            "in_claim_centre": data["in_claim_centre"],
            "issue_on": list(data["issue_on"]),
            **self.values,
        }

    @classmethod
    def initial_for(cls, template: CouponTemplate) -> dict:
        codes = sku_codes(
            template.merchant_id, [template.exchange_sku_id] if template.exchange_sku_id else []
        )
        return {
            "name": template.name,
            "kind": template.kind,
            "description": template.description,
            "threshold": yuan_text(template.threshold_fen) if template.threshold_fen else "",
            "off": yuan_text(template.off_fen) if template.off_fen else "",
            "rate_percent": template.rate_percent if template.kind == CK.DISCOUNT else "",
            "max_off": yuan_text(template.max_off_fen),
            "exchange_sku": codes.get(template.exchange_sku_id, ""),
            "validity": "days" if template.valid_days else "fixed",
            "valid_from": template.valid_from,
            "valid_until": template.valid_until,
            "valid_days": template.valid_days or "",
            "total_stock": template.total_stock if template.total_stock is not None else "",
            "per_member_limit": template.per_member_limit,
            "in_claim_centre": template.in_claim_centre,
            "stackable": template.stackable,
            "issue_on": list(template.issue_on or []),
            "channels": list(template.channels or []),
            "stores": [str(pk) for pk in template.store_ids or []],
            **cls.scope_initial(template.merchant_id, template.scope),
        }


# --- lists, status, issuing ---------------------------------------------------------------------


class PromotionFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    timing = forms.ChoiceField(label=_("Time"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + list(K.choices)
        self.fields["status"].choices = everything + list(Promotion.Status.choices)
        self.fields["timing"].choices = everything + [
            ("running", _("Running now")),
            ("upcoming", _("Not started")),
            ("ended", _("Ended")),
        ]

    def value(self, name: str) -> str:
        """A valid filter value, or "" (a bad one is ignored)."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return "" if name in self.errors else (self.cleaned_data.get(name) or "")


class CouponFilterForm(PromotionFilterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All"))] + list(CK.choices)
        self.fields["status"].choices = [("", _("All"))] + list(CouponTemplate.Status.choices)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Promotion.Status.choices)


class BulkIssueForm(forms.Form):
    """Members by id or mobile number, one a line. Phones are looked up here (input parsing);
    the action checks the ids again and does the issuing."""

    members = forms.CharField(
        label=_("Members (member ids or mobile numbers)"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "placeholder": "13812345678\n1024"}),
        help_text=_("One a line (commas work too). Each member gets one coupon."),
    )

    def __init__(self, *args, merchant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant_id = merchant_id

    def clean_members(self) -> list[int]:
        tokens = [token.strip() for token in LINE_SPLIT.split(self.cleaned_data["members"]) if token.strip()]
        if len(tokens) > 10_000:
            raise forms.ValidationError(_("At most 10,000 members at a time."))
        ids: set[int] = set()
        phones: dict[str, str] = {}
        bad = []
        for token in tokens:
            phone = mobile_or_none(token)
            if phone:
                phones[phone] = token
            elif token.isdigit() and 0 < int(token) < 2**63:  # a mobile number is read as a phone first
                ids.add(int(token))
            else:
                bad.append(token)
        if bad:
            raise forms.ValidationError(
                _("Not a member id or mobile number: %(values)s") % {"values": "、".join(bad[:10])}
            )
        found = dict(
            Member.objects.for_merchant(self.merchant_id)
            .filter(phone__in=list(phones))
            .values_list("phone", "pk")
        )
        unknown = [token for phone, token in phones.items() if phone not in found]
        if unknown:
            raise forms.ValidationError(
                _("No member with the mobile number %(values)s.") % {"values": "、".join(unknown[:10])}
            )
        ids.update(found.values())
        if not ids:
            raise forms.ValidationError(_("Enter at least one member."))
        return sorted(ids)


class RedeemCodesForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many codes"),
        min_value=1,
        max_value=10_000,
        initial=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
