"""Forms of the member pages. They parse input only (digits, yuan amounts); every rule is enforced
by the members and orders actions."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.core.money import MoneyFormatError, yuan_to_fen
from newretail.members.models import LevelSettings, MemberLevel, PointsMallItem, PointsSettings, RechargePlan
from newretail.tenancy.access import scoped_stores
from newretail.tenancy.models import User


class YuanField(forms.DecimalField):
    """A yuan amount with at most two decimals, cleaned to fen."""

    def __init__(self, *, signed: bool = False, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        if not signed:
            kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("step", "0.01")

    def clean(self, value):
        amount = super().clean(value)
        if amount is None:
            return None
        try:
            return yuan_to_fen(amount)
        except MoneyFormatError:
            raise forms.ValidationError(_("Enter an amount in yuan with at most two decimals.")) from None


class MemberFilterForm(forms.Form):
    """The member list's filters (GET). A bad value is shown on its field and otherwise ignored."""

    q = forms.CharField(
        label=_("Phone or name"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("11 digits, last 4, or a name")}),
    )
    level = forms.TypedChoiceField(label=_("Level"), coerce=int, required=False, empty_value=None)
    store = forms.TypedChoiceField(
        label=_("Store of registration"), coerce=int, required=False, empty_value=None
    )
    min_spend = YuanField(label=_("Spent at least (¥)"), required=False)
    ordered_within_days = forms.IntegerField(
        label=_("Ordered in the last days"), min_value=1, max_value=3650, required=False
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["level"].choices = everything + [
            (level.pk, level.name) for level in MemberLevel.objects.for_merchant(actor.merchant_id)
        ]
        self.fields["store"].choices = everything + [(s.pk, s.name) for s in scoped_stores(actor)]

    def filters(self) -> dict:
        """The valid filters (call ``is_valid`` first); a bad field is left out."""
        data = self.cleaned_data if self.is_bound else {}
        return {
            name: value for name, value in data.items() if name not in self.errors and value not in (None, "")
        }


class PointsAdjustForm(forms.Form):
    points = forms.IntegerField(label=_("Points (+ add, − take)"), min_value=-1_000_000, max_value=1_000_000)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class WalletAdjustForm(forms.Form):
    principal = YuanField(label=_("Principal (¥, + or −)"), signed=True, required=False)
    bonus = YuanField(label=_("Bonus (¥, + or −)"), signed=True, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CounterRechargeForm(forms.Form):
    """A recharge paid in cash at the counter."""

    plan = forms.TypedChoiceField(label=_("Plan"), coerce=int, required=False, empty_value=None)
    amount = YuanField(label=_("Or an amount (¥)"), required=False)
    store = forms.TypedChoiceField(label=_("Store"), coerce=int)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [("", _("No plan: the amount below"))] + [
            (plan.pk, f"{plan.pay_fen / 100:.2f} + {plan.bonus_fen / 100:.2f} {plan.name}".strip())
            for plan in RechargePlan.objects.for_merchant(actor.merchant_id).filter(is_active=True)
        ]
        self.fields["store"].choices = [(s.pk, s.name) for s in scoped_stores(actor)]


class WithdrawForm(forms.Form):
    amount = YuanField(label=_("Principal to pay back (¥)"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class RechargePlanForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "充100送20"}),
    )
    pay = YuanField(label=_("Pay (¥)"), min_value=Decimal("0.01"))
    bonus = YuanField(label=_("Bonus (¥)"), required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=999, required=False)
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)


class WalletSettingsForm(forms.Form):
    custom_recharge_min = YuanField(label=_("Least free recharge (¥, 0: plans only)"), required=False)
    withdrawal_allowed = forms.BooleanField(label=_("Unspent principal can be withdrawn"), required=False)


class PointsSettingsForm(forms.ModelForm):
    class Meta:
        model = PointsSettings
        fields = [
            "earn_per_yuan",
            "earn_on",
            "signin_points",
            "signin_streak_days",
            "signin_streak_bonus",
            "redeem_per_yuan",
            "redeem_max_percent",
            "redeem_min_points",
        ]


class LevelSettingsForm(forms.ModelForm):
    class Meta:
        model = LevelSettings
        fields = ["growth_per_yuan", "yearly_review"]


class LevelForm(forms.ModelForm):
    class Meta:
        model = MemberLevel
        fields = ["name", "rank", "growth_threshold", "points_multiplier_percent", "birthday_points"]


class MergeForm(forms.Form):
    """Merge another record of the same person into this member."""

    phone = forms.CharField(label=_("The other record's phone"), max_length=20)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CardPlanForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=30, widget=forms.TextInput(attrs={"placeholder": "PLUS年卡"})
    )
    price = YuanField(label=_("Price (¥, 0: only given by level)"))
    validity_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=3660, initial=365)
    points_multiplier_percent = forms.IntegerField(
        label=_("Points multiplier (%)"), min_value=100, max_value=1000, initial=100
    )
    priced_as_level = forms.ModelChoiceField(
        label=_("Priced as level"), queryset=MemberLevel.objects.none(), required=False
    )
    free_for_level = forms.ModelChoiceField(
        label=_("Free for members of level"), queryset=MemberLevel.objects.none(), required=False
    )
    coupon_templates = forms.MultipleChoiceField(label=_("Monthly coupons"), required=False)
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def __init__(self, *args, actor: User, **kwargs):
        from newretail.marketing.models import CouponTemplate

        super().__init__(*args, **kwargs)
        levels = MemberLevel.objects.for_merchant(actor.merchant_id).order_by("rank")
        self.fields["priced_as_level"].queryset = levels
        self.fields["free_for_level"].queryset = levels
        self.fields["coupon_templates"].choices = [
            (str(t.pk), t.name)
            for t in CouponTemplate.objects.for_merchant(actor.merchant_id).order_by("-id")[:200]
        ]


class PointsMallItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PointsMallItem.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=40)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=10_000_000)
    sku_code = forms.CharField(label=_("Product (SKU code or barcode)"), max_length=40, required=False)
    cash = YuanField(label=_("Cash part (¥, goods only)"), required=False)
    coupon_template = forms.TypedChoiceField(label=_("Coupon"), coerce=int, required=False, empty_value=None)
    bonus = YuanField(label=_("Bonus (¥)"), required=False)
    stock = forms.IntegerField(label=_("Left to exchange (empty: no limit)"), min_value=0, required=False)
    per_member_limit = forms.IntegerField(label=_("Per member"), min_value=1, max_value=1000, initial=1)
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def __init__(self, *args, actor: User, **kwargs):
        from newretail.marketing.models import CouponTemplate

        super().__init__(*args, **kwargs)
        self.fields["coupon_template"].choices = [("", "—")] + [
            (t.pk, t.name)
            for t in CouponTemplate.objects.for_merchant(actor.merchant_id).order_by("-id")[:200]
        ]
