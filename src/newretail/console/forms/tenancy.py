from django import forms
from django.utils.translation import gettext_lazy as _

from newretail.tenancy.models import Store
from newretail.tenancy.roles import Role


class StoreForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = [
            "code",
            "name",
            "province",
            "city",
            "district",
            "address",
            "phone",
            "latitude",
            "longitude",
            "opens_at",
            "closes_at",
            "floor_area_m2",
            "is_online",
            "is_active",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Closing time must be after opening time."))
        return data

    def validate_unique(self):
        # Uniqueness per merchant is checked by the action (the form has no merchant field).
        pass


class WarehouseForm(forms.Form):
    code = forms.RegexField(label=_("Warehouse code"), regex=r"^[A-Za-z0-9_-]{1,32}$", max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class StaffAccessForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    stores = forms.ModelMultipleChoiceField(
        label=_("Stores"),
        queryset=Store.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Store managers, cashiers and guides act only on these stores."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, merchant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stores"].queryset = Store.objects.for_merchant(merchant_id)


class StaffCreateForm(StaffAccessForm):
    username = forms.RegexField(label=_("Username"), regex=r"^[\w.@+-]{3,150}$", max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=50, required=False)
    phone = forms.RegexField(label=_("Phone"), regex=r"^1\d{10}$", required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, min_length=8)
    field_order = ["username", "display_name", "phone", "password", "role", "stores"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]
        # The least powerful role by default: granting more is a deliberate choice.
        self.fields["role"].initial = Role.CASHIER


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, min_length=8)
