import pytest

from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry
from newretail.core.testing import make_staff, make_store
from newretail.tenancy.access import scoped_stores, scoped_warehouses
from newretail.tenancy.actions.staff import change_staff_access, create_staff
from newretail.tenancy.actions.stores import create_store, update_store
from newretail.tenancy.models import Warehouse
from newretail.tenancy.roles import ROLE_PERMS, Perm, Role

pytestmark = pytest.mark.django_db


def test_every_role_has_a_documented_permission_set():
    assert set(ROLE_PERMS) == set(Role)
    assert ROLE_PERMS[Role.OWNER] == frozenset(Perm)
    assert Perm.MERCHANT_MANAGE not in ROLE_PERMS[Role.HQ_ADMIN]
    assert Perm.CATALOG_PRICE not in ROLE_PERMS[Role.CASHIER]


def test_creating_a_store_creates_its_warehouse(owner):
    store = create_store(actor=owner, code="SH01", name="静安店", address="南京西路1号")
    warehouse = Warehouse.objects.get(store=store)
    assert warehouse.kind == Warehouse.Kind.STORE
    assert warehouse.merchant_id == owner.merchant_id


def test_store_codes_are_unique_per_merchant_only(owner, other_owner):
    create_store(actor=owner, code="SH01", name="A", address="x")
    with pytest.raises(DomainError) as exc:
        create_store(actor=owner, code="SH01", name="B", address="y")
    assert exc.value.code == "tenancy.store_code_taken"
    create_store(actor=other_owner, code="SH01", name="C", address="z")  # another merchant may reuse it


def test_closing_before_opening_is_refused(owner):
    import datetime as dt

    with pytest.raises(DomainError) as exc:
        create_store(actor=owner, code="X", name="x", address="x", opens_at=dt.time(22), closes_at=dt.time(7))
    assert exc.value.code == "tenancy.invalid_hours"


def test_cashier_cannot_manage_stores(owner, store):
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    with pytest.raises(DomainError) as exc:
        create_store(actor=cashier, code="X1", name="x", address="x")
    assert exc.value.code == "permission_denied"


def test_store_bound_roles_see_only_their_stores(owner):
    a, _b = make_store(owner), make_store(owner)
    manager = make_staff(owner, Role.STORE_MANAGER, stores=[a])
    assert list(scoped_stores(manager)) == [a]
    assert set(scoped_warehouses(manager).values_list("store_id", flat=True)) == {a.pk}
    assert scoped_stores(owner).count() == 2


def test_store_bound_role_needs_a_store(owner):
    with pytest.raises(DomainError) as exc:
        create_staff(actor=owner, username="c1", password="pw-long-enough-1", role=Role.CASHIER)
    assert exc.value.code == "tenancy.store_required"


def test_cannot_assign_another_merchants_store(owner, other_owner):
    foreign = make_store(other_owner)
    with pytest.raises(DomainError):
        make_staff(owner, Role.CASHIER, stores=[foreign])


def test_only_an_owner_grants_owner_and_last_owner_is_kept(owner):
    admin = make_staff(owner, Role.HQ_ADMIN)
    with pytest.raises(DomainError) as exc:
        make_staff(admin, Role.OWNER)
    assert exc.value.code == "tenancy.owner_only"
    with pytest.raises(DomainError) as exc:
        change_staff_access(actor=owner, staff_id=owner.pk, role=Role.HQ_ADMIN, store_ids=[])
    assert exc.value.code == "tenancy.last_owner"


def test_role_change_is_audited_with_before_and_after(owner, store):
    clerk = make_staff(owner, Role.WAREHOUSE_CLERK)
    change_staff_access(actor=owner, staff_id=clerk.pk, role=Role.STORE_MANAGER, store_ids=[store.pk])
    entry = AuditEntry.objects.get(action="staff.access_changed", object_id=str(clerk.pk))
    assert entry.before["role"] == Role.WAREHOUSE_CLERK
    assert entry.after == {"role": Role.STORE_MANAGER, "stores": [store.pk], "is_active": True}
    assert entry.actor == owner


def test_update_of_another_merchants_store_is_not_found(owner, other_owner):
    foreign = make_store(other_owner)
    with pytest.raises(DomainError) as exc:
        update_store(actor=owner, store_id=foreign.pk, name="hijack")
    assert exc.value.status == 404
