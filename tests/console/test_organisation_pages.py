import pytest
from django.urls import reverse

from newretail.core.models import AuditEntry
from newretail.core.testing import PASSWORD, make_staff, make_store
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, owner):
    client.force_login(owner)
    return client


def test_store_create_page_creates_store_and_warehouse(console, owner):
    response = console.post(
        reverse("console:store_create"),
        {"code": "JA01", "name": "静安寺店", "address": "南京西路1618号", "opens_at": "07:00", "closes_at": "23:00",
         "latitude": "31.2243", "longitude": "121.4459", "floor_area_m2": "120", "is_online": "on", "is_active": "on"},
    )
    assert response.status_code == 302
    store = Store.objects.get(merchant=owner.merchant, code="JA01")
    assert store.warehouses.count() == 1
    assert "静安寺店" in console.get(reverse("console:store_list")).content.decode()


def test_store_form_shows_errors_inline_and_writes_nothing(console, owner):
    response = console.post(
        reverse("console:store_create"),
        {"code": "bad code!", "name": "", "address": "x", "opens_at": "22:00", "closes_at": "07:00", "latitude": "200"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "打烊时间必须晚于开门时间" in html
    assert html.count('class="error"') >= 3
    assert not Store.objects.filter(merchant=owner.merchant).exists()


def test_duplicate_store_code_is_a_form_error(console, owner):
    make_store(owner, code="JA01")
    response = console.post(reverse("console:store_create"), {"code": "JA01", "name": "x", "address": "x"})
    assert response.status_code == 200
    assert "门店编码 JA01 已被使用" in response.content.decode()


def test_staff_pages_create_and_change_access_with_audit(console, owner):
    store = make_store(owner)
    response = console.post(
        reverse("console:staff_create"),
        {"username": "cashier.a", "password": "good-pass-2026", "role": Role.CASHIER, "stores": [store.pk]},
    )
    assert response.status_code == 302
    cashier = User.objects.get(username="cashier.a")
    assert cashier.merchant == owner.merchant and list(cashier.stores.all()) == [store]
    response = console.post(
        reverse("console:staff_edit", args=[cashier.pk]), {"role": Role.STORE_MANAGER, "stores": [store.pk], "is_active": "on"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=cashier.pk).role == Role.STORE_MANAGER
    assert AuditEntry.objects.filter(action="staff.access_changed", object_id=str(cashier.pk)).exists()
    assert "staff.access_changed" in console.get(reverse("console:audit_list")).content.decode()


def test_navigation_follows_the_role(client, owner):
    store = make_store(owner)
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    client.force_login(cashier)
    html = client.get(reverse("console:home")).content.decode()
    assert reverse("console:store_list") in html
    assert reverse("console:staff_list") not in html
    assert reverse("console:audit_list") not in html
    assert client.get(reverse("console:staff_list")).status_code == 403
    assert client.get(reverse("console:store_create")).status_code == 403


def test_password_change(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("console:password_change"),
        {"old_password": PASSWORD, "new_password1": "another-pass-2026", "new_password2": "another-pass-2026"},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("another-pass-2026")


def test_platform_user_without_merchant_cannot_use_the_console(client, db):
    admin = User.objects.create_superuser("platform", password="platform-pass-1")
    client.force_login(admin)
    assert client.get(reverse("console:home")).status_code == 403


def test_new_staff_form_defaults_to_the_cashier_role(console):
    html = console.get(reverse("console:staff_create")).content.decode()
    assert '<option value="cashier" selected>' in html
