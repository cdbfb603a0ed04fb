import pytest

from newretail.catalog.actions.prices import clear_store_price, set_store_price
from newretail.catalog.actions.products import update_product
from newretail.catalog.actions.skus import change_sku_price, update_sku
from newretail.catalog.models import StorePrice
from newretail.catalog.queries import effective_price_fen
from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry
from newretail.core.testing import make_staff, make_store
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sku(coke):
    return coke.skus.get(code="COKE-500")


def test_list_price_change_is_audited_with_before_and_after(owner, sku):
    change_sku_price(actor=owner, sku_id=sku.pk, price_fen=380, cost_fen=210, reason="供应商调价")
    entry = AuditEntry.objects.get(action="catalog.price_changed", object_id=str(sku.pk))
    assert entry.before == {"price_fen": 350, "cost_fen": 0}
    assert entry.after == {"price_fen": 380, "cost_fen": 210}
    assert entry.actor == owner and entry.reason == "供应商调价" and entry.object_type == "catalog.sku"
    change_sku_price(actor=owner, sku_id=sku.pk, price_fen=380)  # no change, no entry
    assert AuditEntry.objects.filter(action="catalog.price_changed").count() == 1


def test_price_changes_through_sku_and_product_updates_are_audited_too(owner, coke, sku):
    update_sku(actor=owner, sku_id=sku.pk, price_fen=360)
    update_product(actor=owner, product_id=coke.pk, skus=[{"id": sku.pk, "cost_fen": 199}])
    entries = AuditEntry.objects.filter(action="catalog.price_changed", object_id=str(sku.pk)).order_by("id")
    assert [(e.before, e.after) for e in entries] == [
        ({"price_fen": 350, "cost_fen": 0}, {"price_fen": 360, "cost_fen": 0}),
        ({"price_fen": 360, "cost_fen": 0}, {"price_fen": 360, "cost_fen": 199}),
    ]


def test_store_manager_cannot_change_list_price_but_sets_own_store_price(owner, coke, sku):
    own, other = make_store(owner), make_store(owner)
    manager = make_staff(owner, Role.STORE_MANAGER, stores=[own])
    with pytest.raises(DomainError) as exc:
        change_sku_price(actor=manager, sku_id=sku.pk, price_fen=1)
    assert exc.value.code == "permission_denied"
    with pytest.raises(DomainError):
        update_product(actor=manager, product_id=coke.pk, skus=[{"id": sku.pk, "price_fen": 1}])
    price = set_store_price(actor=manager, store_id=own.pk, sku_id=sku.pk, price_fen=320)
    assert price.price_fen == 320 and effective_price_fen(sku, own.pk) == 320
    assert effective_price_fen(sku, other.pk) == 350 and effective_price_fen(sku) == 350
    with pytest.raises(DomainError) as exc:
        set_store_price(actor=manager, store_id=other.pk, sku_id=sku.pk, price_fen=300)
    assert exc.value.code == "tenancy.store_out_of_scope"
    assert not StorePrice.objects.filter(store=other).exists()


def test_store_price_set_change_and_clear_are_audited(owner, store, sku):
    set_store_price(actor=owner, store_id=store.pk, sku_id=sku.pk, price_fen=320)
    set_store_price(actor=owner, store_id=store.pk, sku_id=sku.pk, price_fen=330)
    set_store_price(actor=owner, store_id=store.pk, sku_id=sku.pk, price_fen=330)  # unchanged
    assert clear_store_price(actor=owner, store_id=store.pk, sku_id=sku.pk)
    assert not clear_store_price(actor=owner, store_id=store.pk, sku_id=sku.pk)
    entries = AuditEntry.objects.filter(
        object_id=str(sku.pk), action__startswith="catalog.store_price"
    ).order_by("id")
    assert [(e.action, e.before["price_fen"], e.after["price_fen"]) for e in entries] == [
        ("catalog.store_price_set", None, 320),
        ("catalog.store_price_set", 320, 330),
        ("catalog.store_price_cleared", 330, None),
    ]


def test_cashier_cannot_set_store_prices(owner, store, sku):
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    with pytest.raises(DomainError) as exc:
        set_store_price(actor=cashier, store_id=store.pk, sku_id=sku.pk, price_fen=1)
    assert exc.value.code == "permission_denied"


def test_store_price_of_another_merchant_is_not_found(owner, other_owner, store, sku):
    foreign_store = make_store(other_owner)
    for actor, store_id in ((other_owner, foreign_store.pk), (owner, foreign_store.pk)):
        with pytest.raises(DomainError) as exc:
            set_store_price(actor=actor, store_id=store_id, sku_id=sku.pk, price_fen=1)
        assert exc.value.status == 404


def test_bad_store_price_is_refused(owner, store, sku):
    with pytest.raises(DomainError) as exc:
        set_store_price(actor=owner, store_id=store.pk, sku_id=sku.pk, price_fen=-1)
    assert exc.value.code == "catalog.amount_out_of_range"
