"""Console forms for the catalog. They check what can be checked without the database (required
fields, amounts in yuan, barcode check digits, spec values per row) so that errors show inline;
the actions check the rest (uniqueness, permissions) and the view puts those errors on the
right row."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.catalog import limits
from newretail.catalog.barcodes import normalize_plu, validate_barcode
from newretail.catalog.models import Brand, Category, Product, Tag, Unit
from newretail.catalog.queries import category_tree, flatten_tree
from newretail.core.errors import DomainError
from newretail.core.money import MoneyFormatError, fen_to_yuan, yuan_to_fen

SPEC_SPLIT = re.compile(r"\s*[/／]\s*")
NAMES_SPLIT = re.compile(r"\s*[,，、]\s*")


def parse_yuan(value: str, *, required: bool) -> int | None:
    """Yuan text -> fen, or a ValidationError in words (never rounds)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise forms.ValidationError(_("Enter a price."))
        return None
    try:
        fen = yuan_to_fen(text)
    except MoneyFormatError:
        raise forms.ValidationError(
            _("“%(value)s” is not a valid amount in yuan (at most two decimals)."), params={"value": text}
        ) from None
    if not 0 <= fen <= limits.MAX_FEN:
        raise forms.ValidationError(_("Enter an amount between 0 and 999,999,999.99."))
    return fen


def yuan_text(fen: int | None) -> str:
    return "" if fen is None else str(fen_to_yuan(fen))


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return getattr(obj, "tree_label", obj.name)


def category_choices(merchant_id: int, *, max_depth: int | None = None, exclude_ids=()) -> list[Category]:
    """Categories in tree order with an indented label ("饮料 / 碳酸饮料")."""
    by_id = {c.pk: c for c in Category.objects.for_merchant(merchant_id)}
    ordered: list[Category] = []
    paths: dict[int, str] = {}
    for node in flatten_tree(category_tree(merchant_id)):
        parent_path = paths.get(node.parent_id) if node.parent_id else None
        paths[node.id] = f"{parent_path} / {node.name}" if parent_path else node.name
        if node.id in exclude_ids or (max_depth and node.depth > max_depth):
            continue
        category = by_id[node.id]
        category.tree_label = paths[node.id]
        ordered.append(category)
    return ordered


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Product name"), max_length=limits.NAME_MAX_LEN)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=limits.SUBTITLE_MAX_LEN, required=False)
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none())
    brand = forms.ModelChoiceField(label=_("Brand"), queryset=Brand.objects.none(), required=False)
    unit = forms.ChoiceField(
        label=_("Unit"),
        choices=Unit.choices,
        initial=Unit.PIECE,
        help_text=_("Goods sold by weight (kg) are priced per kg and may have a PLU code."),
    )
    spec_names = forms.CharField(
        label=_("Spec names"),
        required=False,
        max_length=80,
        help_text=_("Comma-separated, e.g. “规格, 口味”. Leave empty for a single SKU."),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=Product.Status.choices, initial=Product.Status.ON_SALE
    )
    available_in_mall = forms.BooleanField(label=_("Sold in the mall"), required=False, initial=True)
    available_in_pos = forms.BooleanField(label=_("Sold at the POS"), required=False, initial=True)
    on_sale_from = forms.DateTimeField(
        label=_("On sale from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    on_sale_until = forms.DateTimeField(
        label=_("On sale until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"), queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=limits.DESCRIPTION_MAX_LEN,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, merchant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        categories = category_choices(merchant_id)
        self.fields["category"].queryset = Category.objects.for_merchant(merchant_id)
        self.fields["category"].choices = [("", "---------")] + [(c.pk, c.tree_label) for c in categories]
        self.fields["brand"].queryset = Brand.objects.for_merchant(merchant_id).order_by("name")
        self.fields["tags"].queryset = Tag.objects.for_merchant(merchant_id).order_by("name")

    def clean_spec_names(self) -> list[str]:
        text = self.cleaned_data.get("spec_names") or ""
        names = [n for n in NAMES_SPLIT.split(text.strip()) if n]
        if (
            len(names) > limits.MAX_SPEC_NAMES
            or len(set(names)) != len(names)
            or any(len(n) > limits.SPEC_NAME_MAX_LEN for n in names)
        ):
            raise forms.ValidationError(
                _("Use at most %(max)d distinct spec names."), params={"max": limits.MAX_SPEC_NAMES}
            )
        return names

    def clean(self):
        data = super().clean()
        start, end = data.get("on_sale_from"), data.get("on_sale_until")
        if start and end and end <= start:
            self.add_error("on_sale_until", _("The end of the sale window must be after its start."))
        return data

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "subtitle": data["subtitle"],
            "category_id": data["category"].pk,
            "brand_id": data["brand"].pk if data["brand"] else None,
            "tag_ids": [t.pk for t in data["tags"]],
            "unit": data["unit"],
            "spec_names": data["spec_names"],
            "status": data["status"],
            "available_in_mall": data["available_in_mall"],
            "available_in_pos": data["available_in_pos"],
            "on_sale_from": data["on_sale_from"],
            "on_sale_until": data["on_sale_until"],
            "description": data["description"],
        }


class SkuRowForm(forms.Form):
    """One row of the SKU table. Prices are typed in yuan and stored in fen."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    spec = forms.CharField(
        label=_("Spec values"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 500ml / 原味")}),
    )
    code = forms.RegexField(
        label=_("SKU code"),
        regex=limits.CODE_PATTERN,
        required=False,
        max_length=limits.CODE_MAX_LEN,
        error_messages={"invalid": _("Use letters, digits, hyphen, underscore or dot.")},
        widget=forms.TextInput(attrs={"placeholder": _("automatic")}),
    )
    barcode = forms.CharField(
        label=_("Barcode"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    plu = forms.CharField(
        label=_("PLU"), required=False, max_length=8, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    price = forms.CharField(
        label=_("Price (yuan)"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    cost = forms.CharField(
        label=_("Cost (yuan)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_barcode(self) -> str:
        try:
            return validate_barcode(self.cleaned_data.get("barcode"))
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def clean_plu(self) -> str:
        try:
            return normalize_plu(self.cleaned_data.get("plu"))
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def clean_price(self) -> int:
        return parse_yuan(self.cleaned_data.get("price"), required=True)

    def clean_cost(self) -> int:
        return parse_yuan(self.cleaned_data.get("cost"), required=False) or 0

    @classmethod
    def initial_for(cls, sku, spec_names: list[str]) -> dict:
        values = sku.spec_values or {}
        return {
            "id": sku.pk,
            "spec": " / ".join(str(values.get(n, "")) for n in spec_names),
            "code": sku.code,
            "barcode": sku.barcode,
            "plu": sku.plu,
            "price": yuan_text(sku.price_fen),
            "cost": yuan_text(sku.cost_fen),
            "is_active": sku.is_active,
        }


class BaseSkuFormSet(forms.BaseFormSet):
    """The SKU table: spec values must match the product's spec names; no code, barcode or PLU
    twice; PLUs only on goods sold by weight. After ``is_valid()``, ``payload`` holds
    (form index, SKU mapping for the action) and ``removed_ids`` the SKUs ticked for removal."""

    def __init__(self, *args, spec_names: list[str] | None = None, sold_by_weight: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec_names = spec_names or []
        self.sold_by_weight = sold_by_weight
        self.payload: list[tuple[int, dict]] = []
        self.removed_ids: list[int] = []

    def clean(self):
        self.payload, self.removed_ids = [], []
        if any(self.errors):
            return
        seen: dict[str, set[str]] = {"code": set(), "barcode": set(), "plu": set(), "spec": set()}
        for index, form in enumerate(self.forms):
            data = form.cleaned_data
            if self.can_delete and self._should_delete_form(form):
                if data.get("id"):
                    self.removed_ids.append(data["id"])
                continue
            if not data.get("id") and not form.has_changed():
                continue
            values = [v for v in SPEC_SPLIT.split((data.get("spec") or "").strip()) if v]
            if len(values) != len(self.spec_names):
                if self.spec_names:
                    form.add_error(
                        "spec",
                        _("Enter %(count)d values separated by “/” (%(names)s).")
                        % {"count": len(self.spec_names), "names": " / ".join(self.spec_names)},
                    )
                else:
                    form.add_error("spec", _("Add spec names above before giving spec values."))
                continue
            if data.get("plu") and not self.sold_by_weight:
                form.add_error("plu", _("Only products sold by weight (unit kg) can have a PLU code."))
            for key in ("code", "barcode", "plu"):
                value = data.get(key)
                if value and value in seen[key]:
                    form.add_error(key, _("Also used on another row."))
                elif value:
                    seen[key].add(value)
            spec_key = "/".join(values)
            if self.spec_names and spec_key in seen["spec"]:
                form.add_error("spec", _("Another row has the same spec values."))
            seen["spec"].add(spec_key)
            row = {
                "spec_values": dict(zip(self.spec_names, values, strict=True)),
                "code": data.get("code") or "",
                "barcode": data.get("barcode") or "",
                "plu": data.get("plu") or "",
                "price_fen": data["price"],
                "cost_fen": data.get("cost") or 0,
                "is_active": data.get("is_active", True),
            }
            if data.get("id"):
                row["id"] = data["id"]
            self.payload.append((index, row))
        if any(self.errors):
            return
        if not self.payload:
            raise forms.ValidationError(_("A product needs at least one SKU."))
        if len(self.payload) > 1 and not self.spec_names:
            raise forms.ValidationError(
                _("A product with several SKUs needs spec names (e.g. size, flavour) to tell them apart.")
            )


def sku_formset(*, extra: int):
    return forms.formset_factory(
        SkuRowForm,
        formset=BaseSkuFormSet,
        extra=extra,
        min_num=1,
        can_delete=True,
        max_num=limits.MAX_SKUS_PER_PRODUCT,
        validate_max=True,
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=limits.CATEGORY_NAME_MAX_LEN)
    parent = CategoryChoiceField(
        label=_("Parent category"),
        queryset=Category.objects.none(),
        required=False,
        help_text=_("Leave empty for a top-level category. The tree is at most three levels deep."),
    )
    sort_order = forms.IntegerField(label=_("Sort order"), initial=0, min_value=-100_000, max_value=100_000)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, merchant_id: int, exclude_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        parents = category_choices(
            merchant_id, max_depth=limits.CATEGORY_MAX_DEPTH - 1, exclude_ids=exclude_ids
        )
        self.fields["parent"].queryset = Category.objects.for_merchant(merchant_id)
        self.fields["parent"].choices = [("", _("(top level)"))] + [(c.pk, c.tree_label) for c in parents]


class BrandForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=limits.BRAND_NAME_MAX_LEN)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag name"), max_length=limits.TAG_NAME_MAX_LEN)


class StorePriceForm(forms.Form):
    store = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    price = forms.CharField(label=_("Store price (yuan)"), max_length=20)

    def clean_price(self) -> int:
        return parse_yuan(self.cleaned_data.get("price"), required=True)
