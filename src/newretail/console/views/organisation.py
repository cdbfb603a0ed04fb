"""Console pages for stores, warehouses, staff and the audit log."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from newretail.console.decorators import console_view
from newretail.console.forms.tenancy import (
    PasswordResetForm,
    StaffAccessForm,
    StaffCreateForm,
    StoreForm,
    WarehouseForm,
)
from newretail.console.paging import paginate
from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import scoped_stores, scoped_warehouses
from newretail.tenancy.actions import staff as staff_actions
from newretail.tenancy.actions import stores as store_actions
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def _form_error(form, error: DomainError) -> None:
    form.add_error(None, error.message)


@console_view(Perm.STORES_VIEW)
def store_list(request):
    stores = scoped_stores(request.user).prefetch_related("warehouses")
    q = request.GET.get("q", "").strip()
    if q:
        stores = stores.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
    return render(request, "console/store_list.html", {"q": q, **paginate(request, stores)})


@console_view(Perm.STORES_MANAGE)
def store_create(request):
    form = StoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            store = store_actions.create_store(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Store %(name)s created with its warehouse.") % {"name": store.name})
            return redirect("console:store_list")
    return render(request, "console/store_form.html", {"form": form, "store": None})


@console_view(Perm.STORES_MANAGE)
def store_edit(request, pk: int):
    store = get_owned(scoped_stores(request.user), request.user.merchant_id, pk=pk)
    form = StoreForm(request.POST or None, instance=store)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            store_actions.update_store(actor=request.user, store_id=store.pk, **data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Store saved."))
            return redirect("console:store_list")
    return render(request, "console/store_form.html", {"form": form, "store": store})


@console_view(Perm.STORES_VIEW)
def warehouse_list(request):
    warehouses = scoped_warehouses(request.user).select_related("store")
    return render(request, "console/warehouse_list.html", paginate(request, warehouses))


@console_view(Perm.STORES_MANAGE)
def warehouse_create(request):
    form = WarehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            store_actions.create_warehouse(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Central warehouse created."))
            return redirect("console:warehouse_list")
    return render(request, "console/warehouse_form.html", {"form": form})


@console_view(Perm.STAFF_VIEW)
def staff_list(request):
    staff = (
        User.objects.filter(merchant_id=request.user.merchant_id)
        .prefetch_related("stores")
        .order_by("username")
    )
    ids = request.user.store_ids()
    if ids is not None:  # store managers see the staff of their stores
        staff = staff.filter(stores__in=ids).distinct()
    return render(request, "console/staff_list.html", paginate(request, staff))


@console_view(Perm.STAFF_MANAGE)
def staff_create(request):
    form = StaffCreateForm(request.POST or None, merchant_id=request.user.merchant_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff_actions.create_staff(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                store_ids=[s.pk for s in data["stores"]],
                display_name=data["display_name"],
                phone=data["phone"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Staff account %(username)s created.") % {"username": data["username"]}
            )
            return redirect("console:staff_list")
    return render(request, "console/staff_form.html", {"form": form, "staff": None})


@console_view(Perm.STAFF_MANAGE)
def staff_edit(request, pk: int):
    staff = get_owned(User, request.user.merchant_id, pk=pk)
    initial = {"role": staff.role, "stores": list(staff.stores.all()), "is_active": staff.is_active}
    form = StaffAccessForm(request.POST or None, initial=initial, merchant_id=request.user.merchant_id)
    reset_form = PasswordResetForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff_actions.change_staff_access(
                actor=request.user,
                staff_id=staff.pk,
                role=data["role"],
                store_ids=[s.pk for s in data["stores"]],
                is_active=data["is_active"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Access of %(username)s saved.") % {"username": staff.username})
            return redirect("console:staff_list")
    return render(
        request, "console/staff_form.html", {"form": form, "staff": staff, "reset_form": reset_form}
    )


@console_view(Perm.STAFF_MANAGE)
def staff_reset_password(request, pk: int):
    staff = get_owned(User, request.user.merchant_id, pk=pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_actions.reset_staff_password(
                actor=request.user, staff_id=staff.pk, password=form.cleaned_data["password"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Password of %(username)s reset.") % {"username": staff.username})
    elif request.method == "POST":
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("console:staff_edit", pk=staff.pk)


@console_view(Perm.AUDIT_VIEW)
def audit_list(request):
    entries = AuditEntry.objects.for_merchant(request.user.merchant_id).select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    return render(request, "console/audit_list.html", {"action": action, **paginate(request, entries)})


urlpatterns = [
    path("stores/", store_list, name="store_list"),
    path("stores/new/", store_create, name="store_create"),
    path("stores/<int:pk>/", store_edit, name="store_edit"),
    path("warehouses/", warehouse_list, name="warehouse_list"),
    path("warehouses/new/", warehouse_create, name="warehouse_create"),
    path("staff/", staff_list, name="staff_list"),
    path("staff/new/", staff_create, name="staff_create"),
    path("staff/<int:pk>/", staff_edit, name="staff_edit"),
    path("staff/<int:pk>/password/", staff_reset_password, name="staff_reset_password"),
    path("audit/", audit_list, name="audit_list"),
]
