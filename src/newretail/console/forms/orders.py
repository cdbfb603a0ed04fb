"""Forms of the order, after-sales and payment settings pages. They parse input only (dates,
digits, quantities); every rule is enforced by the order and payment actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.orders.models import AfterSale, Order
from newretail.orders.queries import STATUS_GROUPS
from newretail.payments.accounts import PUBLIC_FIELDS, SECRET_FIELDS
from newretail.payments.models import PaymentAccount, PaymentNotification
from newretail.tenancy.access import scoped_stores
from newretail.tenancy.models import User

MAX_QUANTITY = 10**9


class OrderFilterForm(forms.Form):
    """The order list's filters (GET). A bad value is shown on its field and otherwise ignored."""

    number = forms.CharField(label=_("Order number"), max_length=32, required=False)
    member_phone = forms.CharField(
        label=_("Member phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": _("11 digits or last 4")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    fulfilment = forms.ChoiceField(label=_("Fulfilment"), required=False)
    store = forms.TypedChoiceField(label=_("Store"), coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = (
            everything
            + [(key, label) for key, (label, _statuses) in STATUS_GROUPS.items()]
            + list(Order.Status.choices)
        )
        self.fields["channel"].choices = everything + list(Order.Channel.choices)
        self.fields["fulfilment"].choices = everything + list(Order.Fulfilment.choices)
        self.fields["store"].choices = everything + [(s.pk, s.name) for s in scoped_stores(actor)]

    def clean_member_phone(self):
        text = self.cleaned_data["member_phone"].strip()
        digits = "".join(ch for ch in text if ch.isdigit())
        if text and len(digits) not in (4, 11):
            raise forms.ValidationError(_("Enter the 11-digit phone number or its last 4 digits."))
        return digits

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict:
        """The valid filters as ``orders.exports.filtered_orders`` reads them."""
        data = self.cleaned_data if self.is_bound else {}
        valid = {name: value for name, value in data.items() if name not in self.errors}
        return {
            "number": valid.get("number") or "",
            "member_phone": valid.get("member_phone") or "",
            "status": valid.get("status") or "",
            "channel": valid.get("channel") or "",
            "fulfilment": valid.get("fulfilment") or "",
            "store_id": valid.get("store"),
            "date_from": valid.get("date_from"),
            "date_to": valid.get("date_to"),
        }


class ExportFormatForm(forms.Form):
    format = forms.ChoiceField(
        label=_("File type"),
        choices=[("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV (UTF-8, opens in Excel)"))],
        initial="xlsx",
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(
        label=_("Carrier"), max_length=50, widget=forms.TextInput(attrs={"placeholder": _("e.g. SF Express")})
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class RefundItemsForm(forms.Form):
    """Staff enter an after-sales request on the shopper's behalf: a quantity per line (at most
    what can still be refunded, prefilled with 0), the kind and the reason."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=AfterSale.Kind.choices, initial=AfterSale.Kind.REFUND_ONLY
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=AfterSale.Reason.choices)
    description = forms.CharField(
        label=_("Problem description"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, rows: list[tuple[int, str, int]], **kwargs):
        """``rows``: (order line id, label, quantity still refundable)."""
        super().__init__(*args, **kwargs)
        self.rows = rows
        for line_id, label, available in rows:
            field = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=max(available, 0),
                required=False,
                initial=0,
                help_text=_("At most %(available)s") % {"available": available},
            )
            field.widget.attrs.update({"inputmode": "numeric"})
            self.fields[f"line_{line_id}"] = field

    def line_fields(self):
        return [self[f"line_{line_id}"] for line_id, _label, _available in self.rows]

    def lines(self) -> list[dict[str, int]]:
        return [
            {"order_line_id": line_id, "quantity": self.cleaned_data[f"line_{line_id}"]}
            for line_id, _label, _available in self.rows
            if self.cleaned_data.get(f"line_{line_id}")
        ]


class PickupVerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Pickup code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "inputmode": "numeric",
                "enterkeyhint": "done",
                "placeholder": _("Scan or type the 6-digit code"),
                "class": "pickup-input",
            }
        ),
    )


class AfterSaleFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    number = forms.CharField(label=_("Number"), max_length=32, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), ("open", _("In progress"))] + list(
            AfterSale.Status.choices
        )
        self.fields["kind"].choices = [("", _("All"))] + list(AfterSale.Kind.choices)

    def value(self, name: str) -> str:
        """A valid filter value, or "" (a bad one is ignored)."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return "" if name in self.errors else (self.cleaned_data.get(name) or "")


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note to the shopper"), max_length=200, required=False)


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why is it rejected?"),
        max_length=200,
        help_text=_("The shopper sees this."),
    )


class ReceiveReturnForm(forms.Form):
    """Per after-sales line: how many came back fit to sell and how many damaged (prefilled: all
    fit to sell). The action checks that they add up to the line's quantity."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            for name, label, initial in (
                ("restock", _("Fit to sell"), line.quantity),
                ("damaged", _("Damaged"), 0),
            ):
                field = forms.IntegerField(label=label, min_value=0, max_value=MAX_QUANTITY, initial=initial)
                field.widget.attrs.update({"inputmode": "numeric"})
                self.fields[f"{name}_{line.pk}"] = field

    def rows(self):
        return [(line, self[f"restock_{line.pk}"], self[f"damaged_{line.pk}"]) for line in self.lines]

    def counts(self) -> dict[int, tuple[int, int]]:
        return {
            line.pk: (self.cleaned_data[f"restock_{line.pk}"], self.cleaned_data[f"damaged_{line.pk}"])
            for line in self.lines
        }


# --- payment settings ------------------------------------------------------------------------


class SecretTextarea(forms.Textarea):
    """Never renders a value, not even the one just submitted: secrets are write-only."""

    def format_value(self, value):
        return None


class SecretInput(forms.PasswordInput):
    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, render_value=False)


PUBLIC_LABELS = {
    "app_id": _("App ID"),
    "mch_id": _("Merchant number (mchid)"),
    "cert_serial_no": _("API certificate serial number"),
    "platform_public_key_id": _("Platform public key ID"),
}
SECRET_LABELS = {
    "private_key_pem": _("API private key (PEM)"),
    "apiv3_key": _("APIv3 key"),
    "platform_public_key_pem": _("Platform public key (PEM)"),
    "api_v2_key": _("API v2 key (payment codes)"),
    "app_private_key_pem": _("App private key (PEM)"),
    "alipay_public_key_pem": _("Alipay public key (PEM)"),
}
PEM_FIELDS = frozenset(
    {"private_key_pem", "platform_public_key_pem", "app_private_key_pem", "alipay_public_key_pem"}
)


class LiveAccountForm(forms.Form):
    """Live credentials of one provider. Public fields are prefilled from a live account; secret
    fields are always blank ("leave blank to keep" when a live account has them)."""

    def __init__(self, *args, provider: str, account: PaymentAccount | None, **kwargs):
        kwargs.setdefault("prefix", provider)
        live = account is not None and account.mode == PaymentAccount.Mode.LIVE
        if live:
            kwargs.setdefault("initial", {name: getattr(account, name) for name in PUBLIC_FIELDS[provider]})
        super().__init__(*args, **kwargs)
        self.provider = provider
        for name in PUBLIC_FIELDS[provider]:
            self.fields[name] = forms.CharField(label=PUBLIC_LABELS[name], max_length=64)
        keep = _("Leave blank to keep the saved one.")
        for name in SECRET_FIELDS[provider]:
            widget = (
                SecretTextarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"})
                if name in PEM_FIELDS
                else SecretInput(attrs={"autocomplete": "new-password"})
            )
            self.fields[name] = forms.CharField(
                label=SECRET_LABELS[name],
                # A first live setup needs every key (the v2 key only serves payment codes).
                required=not live and name != "api_v2_key",
                max_length=10_000,
                strip=True,
                widget=widget,
                help_text=keep if live else "",
            )

    def public(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in PUBLIC_FIELDS[self.provider]}

    def secrets(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in SECRET_FIELDS[self.provider]}


class NotificationFilterForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", _("All")), ("rejected", _("Rejected"))] + list(
            PaymentNotification.Outcome.choices
        )
