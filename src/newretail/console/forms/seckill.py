"""The console's seckill (秒杀) form: settings plus item rows (a SKU code or barcode, the seckill
price in yuan, the campaign stock). It parses only; every rule (price below the list price, no
SKU in two seckills at once, stock not below what is sold…) is ``marketing.seckill.campaigns``'s,
and ``add_action_error`` puts its refusal next to the input it names."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.console.forms.catalog import parse_yuan
from newretail.console.forms.marketing import (
    CampaignFilterForm,
    ItemRowsForm,
    datetime_field,
    number_input,
    text_input,
)
from newretail.core.money import format_fen
from newretail.marketing.models import SeckillCampaign
from newretail.marketing.seckill.campaigns import MAX_ITEMS
from newretail.marketing.seckill.stock import redis_available
from newretail.members.models import MemberLevel


class SeckillForm(ItemRowsForm):
    ACTION_FIELDS = {"items": "items", "level_ids": "level_ids"}

    name = forms.CharField(label=_("Name"), max_length=50, widget=text_input(placeholder="整点秒杀"))
    starts_at = datetime_field(_("Starts at"))
    ends_at = datetime_field(_("Ends at"))
    per_member_limit = forms.IntegerField(
        label=_("Pieces per member"), min_value=1, max_value=99, initial=1, widget=number_input()
    )
    unpaid_minutes = forms.IntegerField(
        label=_("Minutes to pay"),
        min_value=1,
        max_value=60,
        initial=5,
        widget=number_input(),
        help_text=_("An unpaid order closes after this and its pieces go back to the campaign."),
    )
    stock_path = forms.ChoiceField(
        label=_("Stock counted in"),
        choices=SeckillCampaign.StockPath.choices,
        help_text=_("Redis takes the flood of buyers off the database; the database path works everywhere."),
    )
    level_ids = forms.MultipleChoiceField(
        label=_("Member levels"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked: every member may buy."),
    )
    items = forms.CharField(required=False, widget=forms.HiddenInput)  # errors of the item rows

    def __init__(self, *args, merchant_id: int, campaign: SeckillCampaign | None = None, **kwargs):
        super().__init__(*args, merchant_id=merchant_id, **kwargs)
        self.fields["level_ids"].choices = [
            (str(pk), name)
            for pk, name in MemberLevel.objects.filter(merchant_id=merchant_id)
            .order_by("rank")
            .values_list("pk", "name")
        ]
        if not self.is_bound and campaign is None:
            self.initial.setdefault("stock_path", "redis" if redis_available() else "database")
        self.item_rows = self._rows(campaign)

    @staticmethod
    def initial_for(campaign: SeckillCampaign) -> dict:
        return {
            "name": campaign.name,
            "starts_at": campaign.starts_at,
            "ends_at": campaign.ends_at,
            "per_member_limit": campaign.per_member_limit,
            "unpaid_minutes": campaign.unpaid_minutes,
            "stock_path": campaign.stock_path,
            "level_ids": [str(pk) for pk in campaign.level_ids or []],
        }

    def _rows(self, campaign: SeckillCampaign | None) -> list[dict]:
        """What the item table shows: the posted rows, the campaign's items, or one empty row."""
        if self.is_bound:
            codes = self.data.getlist("item_sku")
            prices = self.data.getlist("item_price")
            stocks = self.data.getlist("item_stock")
            rows = [
                {"sku": c.strip(), "price": p.strip(), "stock": s.strip(), "errors": []}
                for c, p, s in zip(codes, prices, stocks, strict=False)
                if c.strip() or p.strip() or s.strip()
            ]
            return rows[: MAX_ITEMS + 1] or [{"sku": "", "price": "", "stock": "", "errors": []}]
        if campaign is not None:
            return [
                {
                    "sku": item.sku.code,
                    "price": format_fen(item.price_fen, symbol="").replace(",", ""),
                    "stock": str(item.stock),
                    "sold": item.sold,
                    "name": item.sku.display_name,
                    "errors": [],
                }
                for item in campaign.items.select_related("sku__product").order_by("id")
            ]
        return [{"sku": "", "price": "", "stock": "", "errors": []}]

    def clean(self):
        cleaned = super().clean()
        items = []
        tokens = [row["sku"] for row in self.item_rows if row["sku"]]
        found = self.resolve_skus("items", tokens) or {}
        for row in self.item_rows:
            try:
                price = parse_yuan(row["price"], required=True)
            except forms.ValidationError as error:
                row["errors"] += error.messages
                price = None
            stock = int(row["stock"]) if re.fullmatch(r"\d{1,7}", row["stock"]) else None
            if stock is None:
                row["errors"].append(str(_("Enter a whole number.")))
            if not row["sku"]:
                row["errors"].append(str(_("Enter a product code or barcode.")))
            if row["errors"] or row["sku"] not in found:
                continue
            items.append({"sku_id": found[row["sku"]], "price_fen": price, "stock": stock})
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
            "per_member_limit": data["per_member_limit"],
            "unpaid_minutes": data["unpaid_minutes"],
            "stock_path": data["stock_path"],
            "level_ids": [int(pk) for pk in data["level_ids"]] or None,
            "items": data["item_list"],
        }


class SeckillFilterForm(CampaignFilterForm):
    statuses = SeckillCampaign.Status.choices
