"""Console forms for coupon templates, bulk issue and redeem codes."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.console.forms.catalog import yuan_text
from newretail.console.forms.marketing import (
    CK,
    EVENT_LABELS,
    ScopeForm,
    datetime_field,
    kinds_attr,
    number_input,
    sku_codes,
    text_input,
    yuan_input,
)
from newretail.marketing.actions.coupons import AUTO_EVENTS
from newretail.marketing.models import CouponTemplate
from newretail.members.models import Member
from newretail.members.phones import mobile_or_none

COUPON_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    CK.CASH_OFF: ("off",),
    CK.DISCOUNT: ("rate_percent", "max_off"),
    CK.FREE_SHIPPING: (),
    CK.EXCHANGE: ("exchange_sku",),
}
EVENT_CHOICES = [(name, EVENT_LABELS.get(name, name)) for name in sorted(AUTO_EVENTS)]
LINE_SPLIT = re.compile(r"[\r\n,，、;；]+")  # a phone may be typed with spaces: 138 1234 5678


class CouponTemplateForm(ScopeForm):
    """Every coupon kind: its value, the goods it applies to, when it is valid (a fixed window, or
    N days from the claim), how many there are, and how members get it."""

    name = forms.CharField(label=_("Name"), max_length=50, widget=text_input(placeholder=_("e.g. 满59减10")))
    kind = forms.ChoiceField(label=_("Kind"), choices=CK.choices)
    description = forms.CharField(
        label=_("Description shown to shoppers"), max_length=200, required=False, widget=text_input()
    )
    threshold = forms.CharField(
        label=_("Threshold (yuan)"),
        required=False,
        widget=yuan_input(),
        help_text=_("The eligible goods must reach this amount. Empty or 0: no threshold."),
    )
    off = forms.CharField(label=_("Amount off (yuan)"), required=False, widget=yuan_input())
    rate_percent = forms.CharField(
        label=_("Rate paid (per cent of the price)"),
        required=False,
        widget=number_input(),
        help_text=_("85 means 8.5/10, i.e. 15 per cent off."),
    )
    max_off = forms.CharField(
        label=_("Most it takes off (yuan)"),
        required=False,
        widget=yuan_input(),
        help_text=_("Empty: no cap."),
    )
    exchange_sku = forms.CharField(
        label=_("Item it is exchanged for (SKU code or barcode)"),
        required=False,
        widget=text_input(list="sku-options"),
    )
    validity = forms.ChoiceField(
        label=_("Validity"),
        choices=[("fixed", _("A fixed period")), ("days", _("A number of days after it is claimed"))],
        initial="fixed",
        widget=forms.RadioSelect,
    )
    valid_from = datetime_field(_("Valid from"))
    valid_until = datetime_field(_("Valid until"))
    valid_days = forms.CharField(
        label=_("Days valid after the claim"),
        required=False,
        widget=number_input(),
        help_text=_("Coupons can be claimed between the two dates above; none is valid past the end date."),
    )
    total_stock = forms.CharField(
        label=_("Coupons in total"), required=False, widget=number_input(), help_text=_("Empty: no limit.")
    )
    per_member_limit = forms.CharField(label=_("Per member"), initial="1", widget=number_input())
    in_claim_centre = forms.BooleanField(label=_("Shown in the claim centre"), required=False, initial=True)
    stackable = forms.BooleanField(label=_("Stacks with other coupons"), required=False)
    issue_on = forms.MultipleChoiceField(
        label=_("Issued automatically"),
        required=False,
        choices=EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
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
            **self.where_data(),
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
            **cls.where_initial(template),
            **cls.scope_initial(template.merchant_id, template.scope),
        }


# --- lists, status, issuing ---------------------------------------------------------------------


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
