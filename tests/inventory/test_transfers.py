import pytest

from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry
from newretail.inventory.actions.transfers import (
    cancel_transfer,
    create_transfer,
    receive_transfer,
    ship_transfer,
)
from newretail.inventory.models import StockMovement, Transfer
from newretail.inventory.queries import in_transit, stock_levels
from tests.inventory.conftest import level_of, receive

pytestmark = pytest.mark.django_db


def _transfer(owner, source, destination, *lines):
    return create_transfer(
        actor=owner,
        from_warehouse_id=source.pk,
        to_warehouse_id=destination.pk,
        lines=[{"sku_id": sku.pk, "quantity": qty} for sku, qty in lines],
    )


def test_ship_puts_goods_in_transit_then_receive_with_a_shortfall(owner, central, warehouse, sku, sku2):
    receive(central, sku, 100)
    receive(central, sku2, 20)
    transfer = _transfer(owner, central, warehouse, (sku, 30), (sku2, 10))
    assert transfer.number.startswith("TR") and transfer.status == Transfer.Status.DRAFT
    assert level_of(central, sku).on_hand == 100  # a draft moves nothing

    ship_transfer(actor=owner, transfer_id=transfer.pk)
    assert level_of(central, sku).on_hand == 70 and level_of(central, sku2).on_hand == 10
    assert in_transit(owner.merchant) == {(warehouse.pk, sku.pk): 30, (warehouse.pk, sku2.pk): 10}
    assert in_transit(owner.merchant, incoming=False) == {(central.pk, sku.pk): 30, (central.pk, sku2.pk): 10}
    row = stock_levels(owner.merchant, warehouse_id=warehouse.pk, sku_id=sku.pk).get()
    assert (row.on_hand, row.in_transit_qty) == (0, 30)  # visible at the destination before arrival

    lines = {line.sku_id: line for line in transfer.lines.all()}
    receive_transfer(
        actor=owner, transfer_id=transfer.pk, quantities={lines[sku.pk].pk: 28}, note="两箱破损"
    )  # sku2 not listed: arrived in full
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.RECEIVED
    assert level_of(warehouse, sku).on_hand == 28 and level_of(warehouse, sku2).on_hand == 10
    assert in_transit(owner.merchant) == {}
    lines[sku.pk].refresh_from_db()
    assert (lines[sku.pk].quantity_received, lines[sku.pk].shortfall) == (28, 2)

    moves = StockMovement.objects.filter(reference_type="transfer", reference_id=transfer.number, sku=sku)
    assert sorted((m.kind, m.quantity) for m in moves) == [
        ("adjustment", -2),
        ("transfer_in", 30),
        ("transfer_out", -30),
    ]
    loss = moves.get(kind="adjustment")
    assert transfer.number in loss.note and "两箱破损" in loss.note
    audit = AuditEntry.objects.get(action="inventory.transit_loss")
    assert audit.before == {str(sku.pk): 30} and audit.after == {str(sku.pk): 28}


def test_ship_without_enough_stock_ships_nothing(owner, central, warehouse, sku, sku2):
    receive(central, sku, 100)
    receive(central, sku2, 5)
    transfer = _transfer(owner, central, warehouse, (sku, 30), (sku2, 10))
    with pytest.raises(DomainError) as exc:
        ship_transfer(actor=owner, transfer_id=transfer.pk)
    assert exc.value.code == "inventory.insufficient_stock"
    assert level_of(central, sku).on_hand == 100
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.DRAFT


def test_receive_more_than_shipped_is_refused(owner, central, warehouse, sku):
    receive(central, sku, 10)
    transfer = _transfer(owner, central, warehouse, (sku, 5))
    ship_transfer(actor=owner, transfer_id=transfer.pk)
    with pytest.raises(DomainError) as exc:
        receive_transfer(actor=owner, transfer_id=transfer.pk, quantities={transfer.lines.get().pk: 6})
    assert exc.value.code == "inventory.over_transfer_receipt"
    assert not StockMovement.objects.filter(kind="transfer_in").exists()


def test_transfer_rules(owner, central, warehouse, sku):
    receive(central, sku, 10)
    with pytest.raises(DomainError) as exc:
        _transfer(owner, central, central, (sku, 1))
    assert exc.value.code == "inventory.same_warehouse"
    transfer = _transfer(owner, central, warehouse, (sku, 5))
    with pytest.raises(DomainError) as exc:  # not shipped yet
        receive_transfer(actor=owner, transfer_id=transfer.pk)
    assert exc.value.code == "inventory.invalid_status"
    ship_transfer(actor=owner, transfer_id=transfer.pk)
    with pytest.raises(DomainError) as exc:  # in transit cannot be cancelled
        cancel_transfer(actor=owner, transfer_id=transfer.pk)
    assert exc.value.code == "inventory.invalid_status"
    receive_transfer(actor=owner, transfer_id=transfer.pk)
    assert level_of(warehouse, sku).on_hand == 5

    draft = _transfer(owner, central, warehouse, (sku, 1))
    assert cancel_transfer(actor=owner, transfer_id=draft.pk).status == Transfer.Status.CANCELLED
