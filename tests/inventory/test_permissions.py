import pytest

from newretail.core import testing
from newretail.core.errors import DomainError
from newretail.inventory.actions.ledger import adjust_stock, set_low_stock_threshold
from newretail.inventory.actions.purchasing import create_purchase_order, create_supplier
from newretail.inventory.actions.reservations import reserve_stock
from newretail.inventory.actions.stocktakes import start_stocktake
from newretail.inventory.actions.transfers import create_transfer, receive_transfer, ship_transfer
from newretail.tenancy.roles import Role
from tests.inventory.conftest import level_of, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_store(owner):
    return testing.make_store(owner)


@pytest.fixture
def other_warehouse(other_store):
    return other_store.warehouses.get()


def test_cashier_cannot_adjust(owner, store, warehouse, sku):
    cashier = testing.make_staff(owner, Role.CASHIER, stores=[store])
    receive(warehouse, sku, 5)
    with pytest.raises(DomainError) as exc:
        adjust_stock(actor=cashier, warehouse_id=warehouse.pk, sku_id=sku.pk, quantity=-1, reason="x")
    assert exc.value.code == "permission_denied" and exc.value.status == 403
    with pytest.raises(DomainError):
        reserve_stock(
            merchant=owner.merchant, warehouse=warehouse, sku=sku, quantity=1, reference="r", actor=cashier
        )
    assert level_of(warehouse, sku).on_hand == 5


def test_store_manager_acts_on_own_store_only(owner, store, warehouse, other_warehouse, central, sku):
    manager = testing.make_staff(owner, Role.STORE_MANAGER, stores=[store])
    receive(warehouse, sku, 5)
    receive(other_warehouse, sku, 5)
    adjust_stock(actor=manager, warehouse_id=warehouse.pk, sku_id=sku.pk, quantity=-1, reason="破损")
    for call in (
        lambda: adjust_stock(
            actor=manager, warehouse_id=other_warehouse.pk, sku_id=sku.pk, quantity=-1, reason="x"
        ),
        lambda: set_low_stock_threshold(
            actor=manager, warehouse_id=other_warehouse.pk, sku_id=sku.pk, threshold=1
        ),
        lambda: start_stocktake(actor=manager, warehouse_id=other_warehouse.pk),
        lambda: create_transfer(
            actor=manager,
            from_warehouse_id=other_warehouse.pk,
            to_warehouse_id=warehouse.pk,
            lines=[{"sku_id": sku.pk, "quantity": 1}],
        ),
        lambda: reserve_stock(
            merchant=owner.merchant,
            warehouse=other_warehouse,
            sku=sku,
            quantity=1,
            reference="r",
            actor=manager,
        ),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "tenancy.store_out_of_scope" and exc.value.status == 403
    assert level_of(other_warehouse, sku).on_hand == 5


def test_store_manager_can_send_but_only_the_destination_receives(owner, store, warehouse, other_store, sku):
    manager = testing.make_staff(owner, Role.STORE_MANAGER, stores=[store])
    other_manager = testing.make_staff(owner, Role.STORE_MANAGER, stores=[other_store])
    receive(warehouse, sku, 5)
    transfer = create_transfer(
        actor=manager,
        from_warehouse_id=warehouse.pk,
        to_warehouse_id=other_store.warehouses.get().pk,
        lines=[{"sku_id": sku.pk, "quantity": 2}],
    )
    ship_transfer(actor=manager, transfer_id=transfer.pk)
    with pytest.raises(DomainError) as exc:
        receive_transfer(actor=manager, transfer_id=transfer.pk)
    assert exc.value.code == "tenancy.store_out_of_scope"
    receive_transfer(actor=other_manager, transfer_id=transfer.pk)
    assert level_of(other_store.warehouses.get(), sku).on_hand == 2


def test_warehouse_clerk_purchases_but_cannot_adjust(owner, central, sku):
    clerk = testing.make_staff(owner, Role.WAREHOUSE_CLERK)
    supplier = create_supplier(actor=clerk, name="供应商A")
    create_purchase_order(
        actor=clerk,
        supplier_id=supplier.pk,
        warehouse_id=central.pk,
        lines=[{"sku_id": sku.pk, "quantity": 1}],
    )
    with pytest.raises(DomainError) as exc:
        adjust_stock(actor=clerk, warehouse_id=central.pk, sku_id=sku.pk, quantity=1, reason="x")
    assert exc.value.code == "permission_denied"
