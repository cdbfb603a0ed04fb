"""Forms of the product import/export page. They check what a browser can get wrong (file type
and size, choices); the file's header and rows are checked by the import itself."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.catalog.io_format import FORMATS, MAX_UPLOAD_BYTES
from newretail.catalog.models import Product
from newretail.console.forms.catalog import category_choices


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Product file"),
        help_text=_(".xlsx or .csv (UTF-8 or GBK), at most 20 MB, one row per SKU."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not any(name.endswith(f".{kind}") for kind in FORMATS):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max_mb)s MB."),
                params={"max_mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return upload


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("File type"),
        choices=[("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV (UTF-8, opens in Excel)"))],
        initial="xlsx",
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, merchant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.pk, c.tree_label) for c in category_choices(merchant_id)
        ]
        self.fields["status"].choices = [("", _("All"))] + list(Product.Status.choices)
