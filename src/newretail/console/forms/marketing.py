"""The shared parts of the promotion and coupon forms (``promotions.py``, ``coupons.py``) and the
list filters. The forms parse input only (yuan amounts, whole numbers,
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
from newretail.console.forms.catalog import category_choices, parse_yuan
from newretail.core.errors import DomainError
from newretail.marketing.models import CouponTemplate, Promotion
from newretail.marketing.pricing import CHANNELS
from newretail.orders.models import Order
from newretail.tenancy.models import Store

K = Promotion.Kind
CK = CouponTemplate.Kind
# An action's error field about one item row of a campaign: "items.2.price_fen".
ITEM_ERROR = re.compile(r"^items\.(\d+)\.")
MAX_CODES = 2000
SPLIT = re.compile(r"[\s,，、;；]+")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
CHANNEL_CHOICES = [(value, label) for value, label in Order.Channel.choices if value in CHANNELS]
EVENT_LABELS = {
    "member.registered": _("When a member signs up (new-member coupon)"),
    "member.birthday": _("On the member's birthday"),
    "member.level_changed": _("When a member moves up a level"),
}


def kinds_attr(kinds: Iterable[str]) -> str:
    """The value of a ``data-show-values`` attribute (space-separated kinds)."""
    return " ".join(sorted(str(kind) for kind in kinds))


def text_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "off", **attrs})


def number_input(**attrs) -> forms.TextInput:
    return text_input(inputmode="numeric", **attrs)


def yuan_input(**attrs) -> forms.TextInput:
    return text_input(inputmode="decimal", **attrs)


def datetime_field(label) -> forms.DateTimeField:
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
        self.fields["stores"].choices = [
            (str(s.pk), s.name) for s in Store.objects.for_merchant(merchant_id).order_by("code", "pk")
        ]

    def where_data(self) -> dict:
        """The stores and channels chosen, as the actions take them (none: all)."""
        data = self.cleaned_data
        return {
            "store_ids": [int(pk) for pk in data["stores"]] or None,
            "channels": list(data["channels"]) or None,
        }

    @staticmethod
    def where_initial(row) -> dict:
        return {"stores": [str(pk) for pk in row.store_ids or []], "channels": list(row.channels or [])}

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


def int_or_none(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,6}", text) else None


def fen_or_none(text: str) -> int | None:
    try:
        return parse_yuan(text, required=False)
    except forms.ValidationError:
        return None


class CampaignFilterForm(forms.Form):
    """A campaign list's filters: status (the model's ``statuses``) and time; a bad value is
    ignored, not an error page."""

    statuses: Iterable[tuple[str, str]] = ()
    status = forms.ChoiceField(label=_("Status"), required=False)
    timing = forms.ChoiceField(label=_("Time"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(self.statuses)
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


class PromotionFilterForm(CampaignFilterForm):
    statuses = Promotion.Status.choices
    kinds: Iterable[tuple[str, str]] = K.choices
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    field_order = ["kind", "status", "timing"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All"))] + list(self.kinds)


class CouponFilterForm(PromotionFilterForm):
    statuses = CouponTemplate.Status.choices
    kinds = CK.choices


class ItemRowsForm(InputForm):
    """A campaign form with a table of item rows (``self.item_rows``, each with its ``errors``):
    the action's refusal about one item (field ``items.<n>.…``) goes on that row."""

    item_rows: list[dict]

    def add_action_error(self, error) -> None:
        field = str(error.params.get("field", ""))
        match = ITEM_ERROR.match(field)
        if match and 0 < int(match[1]) <= len(self.item_rows):
            self.item_rows[int(match[1]) - 1]["errors"].append(
                str(error.params.get("problem", error.message))
            )
            self.add_error("items", _("Check the product rows."))
            return
        super().add_action_error(error)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Promotion.Status.choices)
