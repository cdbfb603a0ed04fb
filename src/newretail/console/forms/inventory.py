"""Forms of the inventory console pages. They parse and validate input only (SKU code or barcode
to a SKU, yuan to fen); every rule is enforced by the inventory actions."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.core.money import MoneyFormatError, yuan_to_fen
from newretail.inventory.actions.checks import MAX_LINES
from newretail.inventory.models import MAX_QUANTITY, Supplier
from newretail.inventory.queries import find_sku
from newretail.tenancy.access import scoped_warehouses
from newretail.tenancy.models import User, Warehouse


class SkuField(forms.CharField):
    """A SKU typed or scanned as its code or barcode; cleans to the merchant's live SKU."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("SKU code or barcode"))
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.merchant_id: int | None = None
        self.widget.attrs.update({"autocomplete": "off", "inputmode": "text", "class": "sku-input"})

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        sku = find_sku(self.merchant_id, text)
        if sku is None:
            raise forms.ValidationError(_("No SKU with code or barcode “%(code)s”."), params={"code": text})
        return sku


def _quantity_field(**kwargs) -> forms.IntegerField:
    kwargs.setdefault("label", _("Quantity"))
    kwargs.setdefault("min_value", 1)
    kwargs.setdefault("max_value", MAX_QUANTITY)
    field = forms.IntegerField(**kwargs)
    field.widget.attrs.update({"inputmode": "numeric"})
    return field


class ScopedWarehouseField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Warehouse.objects.none())
        kwargs.setdefault("label", _("Warehouse"))
        super().__init__(*args, **kwargs)


class AdjustForm(forms.Form):
    warehouse = ScopedWarehouseField()
    sku = SkuField()
    quantity = _quantity_field(
        min_value=-MAX_QUANTITY,
        help_text=_("Positive adds stock, negative removes it. Grams for products sold by weight."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = scoped_warehouses(actor)
        self.fields["sku"].merchant_id = actor.merchant_id

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise forms.ValidationError(_("Enter a quantity other than 0."))
        return quantity


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(
        label=_("Low-stock threshold"),
        min_value=0,
        max_value=MAX_QUANTITY,
        help_text=_("Warn when the available quantity falls to this level; 0 turns the warning off."),
    )


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["name", "contact", "phone", "address", "note", "is_active"]

    def validate_unique(self):
        # Names are unique per merchant; the action checks (the form has no merchant field).
        pass


class PurchaseOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Supplier.objects.none())
    warehouse = ScopedWarehouseField()
    expected_on = forms.DateField(
        label=_("Expected on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.for_merchant(actor.merchant_id).filter(
            is_active=True
        )
        self.fields["warehouse"].queryset = scoped_warehouses(actor)


class LineForm(forms.Form):
    sku = SkuField(required=False)
    quantity = _quantity_field(required=False)

    def __init__(self, *args, merchant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sku"].merchant_id = merchant_id

    def clean(self):
        data = super().clean()
        if data.get("sku") and not data.get("quantity") and "quantity" not in self.errors:
            self.add_error("quantity", _("Enter a quantity."))
        if data.get("quantity") and not data.get("sku") and "sku" not in self.errors:
            self.add_error("sku", _("Enter a SKU code or barcode."))
        return data


class PurchaseLineForm(LineForm):
    unit_cost = forms.CharField(
        label=_("Unit cost (¥)"),
        max_length=16,
        required=False,
        help_text=_("Empty: the SKU's cost."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def clean_unit_cost(self):
        text = (self.cleaned_data.get("unit_cost") or "").strip()
        if not text:
            return None
        try:
            fen = yuan_to_fen(text)
        except MoneyFormatError:
            raise forms.ValidationError(
                _("“%(value)s” is not a valid amount in yuan (at most two decimals)."), params={"value": text}
            )
        if fen < 0:
            raise forms.ValidationError(_("The unit cost cannot be negative."))
        return fen


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            sku = form.cleaned_data.get("sku")
            if sku is None:
                continue
            if sku.pk in seen:
                raise forms.ValidationError(
                    _("%(sku)s appears on more than one line."), params={"sku": sku.display_name}
                )
            seen.add(sku.pk)
        if not seen:
            raise forms.ValidationError(_("Add at least one line with a quantity."))

    def lines(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data.get("sku")]


PurchaseLineFormSet = forms.formset_factory(
    PurchaseLineForm, formset=BaseLineFormSet, extra=5, max_num=MAX_LINES, absolute_max=MAX_LINES
)
TransferLineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=5, max_num=MAX_LINES, absolute_max=MAX_LINES
)


class PerLineQuantityForm(forms.Form):
    """One quantity input per document line, named ``line_<id>`` (id ``id_line_<id>``)."""

    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, rows: list[tuple[int, str, str, int]], **kwargs):
        """``rows``: (line id, SKU code, label, initial quantity)."""
        super().__init__(*args, **kwargs)
        for line_id, code, label, initial in rows:
            field = forms.IntegerField(
                label=label, min_value=0, max_value=MAX_QUANTITY, required=False, initial=initial
            )
            field.widget.attrs.update({"inputmode": "numeric", "data-sku": code})
            self.fields[f"line_{line_id}"] = field
        self.order_fields([f"line_{row[0]}" for row in rows] + ["note"])

    def quantities(self) -> dict[int, int]:
        return {
            int(name.removeprefix("line_")): value or 0
            for name, value in self.cleaned_data.items()
            if name.startswith("line_")
        }


class TransferForm(forms.Form):
    from_warehouse = ScopedWarehouseField(label=_("From warehouse"))
    to_warehouse = forms.ModelChoiceField(label=_("To warehouse"), queryset=Warehouse.objects.none())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_warehouse"].queryset = scoped_warehouses(actor)
        self.fields["to_warehouse"].queryset = Warehouse.objects.for_merchant(actor.merchant_id)

    def clean(self):
        data = super().clean()
        if data.get("from_warehouse") and data.get("from_warehouse") == data.get("to_warehouse"):
            self.add_error("to_warehouse", _("Choose two different warehouses."))
        return data


class StocktakeForm(forms.Form):
    warehouse = ScopedWarehouseField()
    skus = forms.CharField(
        label=_("SKUs to count"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Codes or barcodes, one per line. Empty: every SKU stocked in the warehouse."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = scoped_warehouses(actor)
        self.merchant_id = actor.merchant_id

    def clean_skus(self):
        codes = [c for c in re.split(r"[\s,，;；]+", self.cleaned_data.get("skus") or "") if c]
        if not codes:
            return None
        if len(codes) > MAX_LINES:
            raise forms.ValidationError(
                _("A document holds at most %(maximum)s lines."), params={"maximum": MAX_LINES}
            )
        skus, missing = [], []
        for code in dict.fromkeys(codes):
            sku = find_sku(self.merchant_id, code)
            if sku is None:
                missing.append(code)
            elif sku.pk not in skus:
                skus.append(sku.pk)
        if missing:
            raise forms.ValidationError(
                _("No SKU with code or barcode “%(code)s”."), params={"code": "”, “".join(missing)}
            )
        return skus


class CountSheetForm(forms.Form):
    """The count sheet: one input per line (``count_<line id>``) and one row to add a SKU found on
    the shelf that is not on the sheet."""

    extra_sku = SkuField(required=False, label=_("Add a SKU (code or barcode)"))
    extra_count = forms.IntegerField(label=_("Counted"), min_value=0, max_value=MAX_QUANTITY, required=False)

    def __init__(self, *args, lines, merchant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extra_sku"].merchant_id = merchant_id
        self.line_fields = []
        for line in lines:
            field = forms.IntegerField(
                label=line.sku.display_name,
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
                initial=line.counted_quantity,
            )
            field.widget.attrs.update({"inputmode": "numeric", "data-sku": line.sku.code})
            self.fields[f"count_{line.pk}"] = field
            self.line_fields.append((line, f"count_{line.pk}"))

    def clean(self):
        data = super().clean()
        if data.get("extra_sku") and data.get("extra_count") is None and "extra_count" not in self.errors:
            self.add_error("extra_count", _("Enter a quantity."))
        return data

    def counts(self) -> dict[int, int]:
        """Counts by SKU id; empty inputs are left uncounted."""
        counts = {
            line.sku_id: self.cleaned_data[name]
            for line, name in self.line_fields
            if self.cleaned_data.get(name) is not None
        }
        extra = self.cleaned_data.get("extra_sku")
        if extra is not None and self.cleaned_data.get("extra_count") is not None:
            counts[extra.pk] = self.cleaned_data["extra_count"]
        return counts
