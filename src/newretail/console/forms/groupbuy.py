"""The console's group-buy (拼团) form: settings plus item rows (a SKU code or barcode and the
group price in yuan). It parses only; every rule (group price below the list price, the leader
discount below every group price, no SKU in two group buys at once…) is
``marketing.groupbuy.campaigns``'s, and ``add_action_error`` puts its refusal next to the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.console.forms.catalog import parse_yuan
from newretail.console.forms.marketing import (
    CampaignFilterForm,
    ItemRowsForm,
    datetime_field,
    number_input,
    text_input,
    yuan_input,
)
from newretail.core.money import format_fen
from newretail.marketing.groupbuy.campaigns import MAX_ITEMS
from newretail.marketing.groupbuy.models import GroupBuyCampaign


def _yuan(fen: int) -> str:
    return format_fen(fen, symbol="").replace(",", "")


class GroupBuyForm(ItemRowsForm):
    ACTION_FIELDS = {"items": "items", "leader_discount_fen": "leader_discount"}

    name = forms.CharField(label=_("Name"), max_length=50, widget=text_input(placeholder="三人团"))
    starts_at = datetime_field(_("Starts at"))
    ends_at = datetime_field(_("Ends at"))
    group_size = forms.IntegerField(
        label=_("Group size"),
        min_value=2,
        max_value=50,
        initial=3,
        widget=number_input(),
        help_text=_("Members in a group, the leader included."),
    )
    fill_minutes = forms.IntegerField(
        label=_("Minutes to fill a group"),
        min_value=5,
        max_value=7 * 24 * 60,
        initial=1440,
        widget=number_input(),
        help_text=_("From the leader's payment; a group not full by then fails and everyone is refunded."),
    )
    per_member_limit = forms.IntegerField(
        label=_("Pieces per member"), min_value=1, max_value=99, initial=1, widget=number_input()
    )
    leader_discount = forms.CharField(
        label=_("Leader discount per piece (yuan)"),
        required=False,
        widget=yuan_input(placeholder="0.00"),
        help_text=_("The leader pays the group price less this (团长优惠)."),
    )
    unpaid_minutes = forms.IntegerField(
        label=_("Minutes to pay"),
        min_value=1,
        max_value=60,
        initial=10,
        widget=number_input(),
        help_text=_("A seat is held this long for an unpaid order, then freed."),
    )
    new_members_only = forms.BooleanField(label=_("New members only may join"), required=False)
    items = forms.CharField(required=False, widget=forms.HiddenInput)  # errors of the item rows

    def __init__(self, *args, merchant_id: int, campaign: GroupBuyCampaign | None = None, **kwargs):
        super().__init__(*args, merchant_id=merchant_id, **kwargs)
        self.item_rows = self._rows(campaign)

    @staticmethod
    def initial_for(campaign: GroupBuyCampaign) -> dict:
        return {
            "name": campaign.name,
            "starts_at": campaign.starts_at,
            "ends_at": campaign.ends_at,
            "group_size": campaign.group_size,
            "fill_minutes": campaign.fill_minutes,
            "per_member_limit": campaign.per_member_limit,
            "leader_discount": _yuan(campaign.leader_discount_fen) if campaign.leader_discount_fen else "",
            "unpaid_minutes": campaign.unpaid_minutes,
            "new_members_only": campaign.new_members_only,
        }

    def _rows(self, campaign: GroupBuyCampaign | None) -> list[dict]:
        if self.is_bound:
            rows = [
                {"sku": c.strip(), "price": p.strip(), "errors": []}
                for c, p in zip(self.data.getlist("item_sku"), self.data.getlist("item_price"), strict=False)
                if c.strip() or p.strip()
            ]
            return rows[: MAX_ITEMS + 1] or [{"sku": "", "price": "", "errors": []}]
        if campaign is not None:
            return [
                {
                    "sku": item.sku.code,
                    "price": _yuan(item.group_price_fen),
                    "name": f"{item.sku.display_name} {format_fen(item.sku.price_fen)}",
                    "errors": [],
                }
                for item in campaign.items.select_related("sku__product").order_by("id")
            ]
        return [{"sku": "", "price": "", "errors": []}]

    def clean(self):
        cleaned = super().clean()
        cleaned["leader_discount_fen"] = self.parse_fen("leader_discount") or 0
        items = []
        found = self.resolve_skus("items", [row["sku"] for row in self.item_rows if row["sku"]]) or {}
        for row in self.item_rows:
            try:
                price = parse_yuan(row["price"], required=True)
            except forms.ValidationError as error:
                row["errors"] += error.messages
                price = None
            if not row["sku"]:
                row["errors"].append(str(_("Enter a product code or barcode.")))
            if row["errors"] or row["sku"] not in found:
                continue
            items.append({"sku_id": found[row["sku"]], "group_price_fen": price})
        if any(row["errors"] for row in self.item_rows):
            self.add_error("items", _("Check the product rows."))
        cleaned["item_list"] = items
        return cleaned

    def action_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "group_size": data["group_size"],
            "fill_minutes": data["fill_minutes"],
            "per_member_limit": data["per_member_limit"],
            "leader_discount_fen": data["leader_discount_fen"],
            "unpaid_minutes": data["unpaid_minutes"],
            "new_members_only": data["new_members_only"],
            "items": data["item_list"],
        }


class GroupBuyFilterForm(CampaignFilterForm):
    statuses = GroupBuyCampaign.Status.choices
