"""The console's bargain (砍价) form: a SKU code or barcode, the start and floor prices in yuan,
the helpers needed, the hours a bargain runs, the campaign stock, the per-member limit and the
window. It parses only; every rule (floor below start, at least 1 fen per helper, start not
above the list price…) is ``marketing.bargain.setup``'s, and ``add_action_error`` puts its
refusal next to the input it names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.console.forms.marketing import (
    CampaignFilterForm,
    InputForm,
    datetime_field,
    number_input,
    text_input,
    yuan_input,
)
from newretail.core.money import format_fen
from newretail.marketing.bargain.models import BargainCampaign


def _yuan(fen: int) -> str:
    return format_fen(fen, symbol="").replace(",", "")


class BargainForm(InputForm):
    ACTION_FIELDS = {"sku_id": "sku", "start_price_fen": "start_price", "floor_price_fen": "floor_price"}

    name = forms.CharField(label=_("Name"), max_length=50, widget=text_input(placeholder="好友砍价"))
    sku = forms.CharField(
        label=_("Product code or barcode"), max_length=64, widget=text_input(list="sku-options")
    )
    start_price = forms.CharField(
        label=_("Start price (yuan)"),
        max_length=14,
        widget=yuan_input(),
        help_text=_("At most the list price."),
    )
    floor_price = forms.CharField(
        label=_("Lowest price (yuan)"),
        max_length=14,
        widget=yuan_input(),
        help_text=_("Reached on exactly the last friend's cut, never below."),
    )
    helpers_needed = forms.IntegerField(
        label=_("Friends needed"), min_value=1, max_value=100, initial=5, widget=number_input()
    )
    hours_to_finish = forms.IntegerField(
        label=_("Hours a bargain runs"), min_value=1, max_value=168, initial=24, widget=number_input()
    )
    stock = forms.IntegerField(
        label=_("Campaign stock"), min_value=1, max_value=1_000_000, widget=number_input()
    )
    per_member_limit = forms.IntegerField(
        label=_("Bargains per member"), min_value=1, max_value=99, initial=1, widget=number_input()
    )
    starts_at = datetime_field(_("Starts at"))
    ends_at = datetime_field(_("Ends at"))

    @staticmethod
    def initial_for(campaign: BargainCampaign) -> dict:
        return {
            "name": campaign.name,
            "sku": campaign.sku.code,
            "start_price": _yuan(campaign.start_price_fen),
            "floor_price": _yuan(campaign.floor_price_fen),
            "helpers_needed": campaign.helpers_needed,
            "hours_to_finish": campaign.hours_to_finish,
            "stock": campaign.stock,
            "per_member_limit": campaign.per_member_limit,
            "starts_at": campaign.starts_at,
            "ends_at": campaign.ends_at,
        }

    def clean(self):
        cleaned = super().clean()
        found = self.resolve_skus("sku", [cleaned["sku"].strip()]) if cleaned.get("sku") else None
        cleaned["sku_id"] = found[cleaned["sku"].strip()] if found else None
        for name in ("start_price", "floor_price"):
            if name in cleaned:
                cleaned[f"{name}_fen"] = self.parse_fen(name)
                if cleaned[f"{name}_fen"] is None and name not in self.errors:
                    self.add_error(name, _("Enter a price."))
        return cleaned

    def action_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "sku_id": data["sku_id"],
            "start_price_fen": data["start_price_fen"],
            "floor_price_fen": data["floor_price_fen"],
            "helpers_needed": data["helpers_needed"],
            "hours_to_finish": data["hours_to_finish"],
            "stock": data["stock"],
            "per_member_limit": data["per_member_limit"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
        }


class BargainFilterForm(CampaignFilterForm):
    statuses = BargainCampaign.Status.choices
