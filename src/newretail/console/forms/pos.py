"""Forms of the console's POS pages (setup, shifts, exit codes, roster, dashboard). They parse
input only; every rule is enforced by the POS actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.pos import rounding
from newretail.pos.models import PosSettings, ScaleLabelFormat, StoreDevice
from newretail.tenancy.access import scoped_stores
from newretail.tenancy.models import User

MAX_YUAN = 100_000


def store_choices(actor: User) -> list[tuple[int, str]]:
    return [(s.pk, s.name) for s in scoped_stores(actor).filter(is_active=True).order_by("code")]


class StoreField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Store"), coerce=int, **kwargs)


class _StoreForm(forms.Form):
    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = store_choices(actor)


class PosSettingsForm(forms.Form):
    cash_rounding = forms.ChoiceField(label=_("Cash rounding"), choices=PosSettings.CashRounding.choices)
    offline_limit = forms.DecimalField(
        label=_("Offline limit per ticket (¥)"), min_value=0, max_value=MAX_YUAN, decimal_places=2
    )
    receipt_header = forms.CharField(label=_("Receipt header"), max_length=100, required=False)
    receipt_footer = forms.CharField(label=_("Receipt footer"), max_length=200, required=False)

    def clean_cash_rounding(self):
        value = self.cleaned_data["cash_rounding"]
        if value not in rounding.RULES:
            raise forms.ValidationError(_("Choose a rounding rule."))
        return value


class TerminalForm(_StoreForm):
    store = StoreField()
    code = forms.CharField(label=_("Terminal code"), max_length=16)
    name = forms.CharField(label=_("Name"), max_length=50, required=False)


class ScaleFormatForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    pattern = forms.CharField(
        label=_("Pattern"),
        max_length=13,
        initial="FFPPPPPVVVVVC",
        help_text=_("13 characters: FF prefix, P PLU, V value, X ignored, C check digit."),
    )
    prefixes = forms.CharField(
        label=_("Prefixes"),
        max_length=50,
        initial="20,21",
        help_text=_("Two-digit prefixes 20–29, comma separated."),
    )
    kind = forms.ChoiceField(label=_("Value"), choices=ScaleLabelFormat.Kind.choices)


class DeviceForm(_StoreForm):
    store = StoreField()
    kind = forms.ChoiceField(label=_("Kind"), choices=StoreDevice.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=50, required=False)


class ShiftFilterForm(forms.Form):
    store = forms.TypedChoiceField(label=_("Store"), coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All"))] + store_choices(actor)


class ExitCodeForm(_StoreForm):
    store = StoreField()
    code = forms.CharField(
        label=_("Exit code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "numeric", "autocomplete": "off"}),
    )


class WeekForm(_StoreForm):
    store = StoreField(required=False)
    week = forms.DateField(label=_("Week of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class RosterShiftForm(forms.Form):
    staff = forms.TypedChoiceField(label=_("Staff"), coerce=int)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    note = forms.CharField(label=_("Note"), max_length=50, required=False)

    def __init__(self, *args, staff: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = staff


class DayForm(_StoreForm):
    store = StoreField(required=False)
    day = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
