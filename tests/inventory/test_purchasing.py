import datetime as dt

import pytest
import time_machine

from newretail.core.errors import DomainError
from newretail.inventory.actions.purchasing import (
    cancel_purchase_order,
    create_purchase_order,
    create_supplier,
    delete_supplier,
    place_purchase_order,
    receive_purchase_order,
    update_supplier,
)
from newretail.inventory.models import GoodsReceipt, PurchaseOrder, StockMovement
from tests.inventory.conftest import level_of, make_sku

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(owner):
    return create_supplier(actor=owner, name="华东饮料批发", contact="王经理", phone="13800001111")


def _po(owner, supplier, warehouse, *lines, **kwargs):
    return create_purchase_order(
        actor=owner,
        supplier_id=supplier.pk,
        warehouse_id=warehouse.pk,
        lines=[{"sku_id": sku.pk, "quantity": qty, "unit_cost_fen": cost} for sku, qty, cost in lines],
        **kwargs,
    )


def test_numbers_are_per_merchant_per_day_in_the_merchant_zone(owner, other_owner, supplier, warehouse, sku):
    # 2026-11-22 17:30 UTC is already 2026-11-23 in Shanghai.
    with time_machine.travel(dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC), tick=False):
        first = _po(owner, supplier, warehouse, (sku, 10, 200))
        second = _po(owner, supplier, warehouse, (sku, 5, 200))
        other_supplier = create_supplier(actor=other_owner, name="X")
    assert (first.number, second.number) == ("PO20261123-0001", "PO20261123-0002")
    assert other_supplier.merchant_id != supplier.merchant_id
    with time_machine.travel(dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC), tick=False):
        assert _po(owner, supplier, warehouse, (sku, 1, 1)).number == "PO20261124-0001"


def test_partial_receipts_then_complete(owner, supplier, warehouse, sku, sku2):
    po = _po(owner, supplier, warehouse, (sku, 10, 150), (sku2, 4, 220), note="first order")
    assert po.status == PurchaseOrder.Status.DRAFT
    lines = {line.sku_id: line for line in po.lines.all()}
    with pytest.raises(DomainError) as exc:  # a draft is not received
        receive_purchase_order(actor=owner, purchase_order_id=po.pk, quantities={lines[sku.pk].pk: 1})
    assert exc.value.code == "inventory.invalid_status"

    place_purchase_order(actor=owner, purchase_order_id=po.pk)
    receipt = receive_purchase_order(
        actor=owner, purchase_order_id=po.pk, quantities={lines[sku.pk].pk: 6, lines[sku2.pk].pk: 0}
    )
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.PARTIALLY_RECEIVED
    assert receipt.number.startswith("GR") and receipt.lines.count() == 1
    assert level_of(warehouse, sku).on_hand == 6
    movement = StockMovement.objects.get(kind="receipt")
    assert (movement.reference_type, movement.reference_id, movement.note) == (
        "purchase_order",
        po.number,
        receipt.number,
    )

    receive_purchase_order(
        actor=owner, purchase_order_id=po.pk, quantities={lines[sku.pk].pk: 4, lines[sku2.pk].pk: 4}
    )
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.RECEIVED and po.closed_at is not None
    assert level_of(warehouse, sku).on_hand == 10 and level_of(warehouse, sku2).on_hand == 4
    assert GoodsReceipt.objects.filter(purchase_order=po).count() == 2
    sku.refresh_from_db()
    assert sku.cost_fen == 200  # the catalog cost is never touched by purchasing


def test_over_receipt_is_refused_and_writes_nothing(owner, supplier, warehouse, sku, sku2):
    po = _po(owner, supplier, warehouse, (sku, 10, 150), (sku2, 3, 100))
    place_purchase_order(actor=owner, purchase_order_id=po.pk)
    lines = {line.sku_id: line for line in po.lines.all()}
    receive_purchase_order(actor=owner, purchase_order_id=po.pk, quantities={lines[sku.pk].pk: 8})
    with pytest.raises(DomainError) as exc:
        receive_purchase_order(
            actor=owner, purchase_order_id=po.pk, quantities={lines[sku2.pk].pk: 3, lines[sku.pk].pk: 3}
        )
    assert exc.value.code == "inventory.over_receipt"
    assert exc.value.params == {"quantity": 3, "sku": "农夫山泉 550ml", "outstanding": 2, "number": po.number}
    assert level_of(warehouse, sku).on_hand == 8
    assert not StockMovement.objects.filter(sku=sku2).exists()
    assert GoodsReceipt.objects.count() == 1


def test_receipt_needs_a_quantity_and_known_lines(owner, supplier, warehouse, sku, sku2):
    po = _po(owner, supplier, warehouse, (sku, 10, 150))
    other = _po(owner, supplier, warehouse, (sku2, 1, 1))
    place_purchase_order(actor=owner, purchase_order_id=po.pk)
    with pytest.raises(DomainError) as exc:
        receive_purchase_order(actor=owner, purchase_order_id=po.pk, quantities={po.lines.get().pk: 0})
    assert exc.value.code == "inventory.no_lines"
    with pytest.raises(DomainError) as exc:
        receive_purchase_order(actor=owner, purchase_order_id=po.pk, quantities={other.lines.get().pk: 1})
    assert exc.value.code == "inventory.line_not_found"


def test_lines_are_validated(owner, supplier, warehouse, sku, other_owner):
    with pytest.raises(DomainError) as exc:
        _po(owner, supplier, warehouse)
    assert exc.value.code == "inventory.no_lines"
    with pytest.raises(DomainError) as exc:
        _po(owner, supplier, warehouse, (sku, 1, 1), (sku, 2, 1))
    assert exc.value.code == "inventory.duplicate_line"
    with pytest.raises(DomainError) as exc:
        _po(owner, supplier, warehouse, (sku, 0, 1))
    assert exc.value.code == "inventory.invalid_quantity"
    with pytest.raises(DomainError) as exc:
        _po(owner, supplier, warehouse, (sku, 1, -1))
    assert exc.value.code == "inventory.invalid_cost"
    with pytest.raises(DomainError) as exc:
        _po(owner, supplier, warehouse, (make_sku(other_owner.merchant_id), 1, 1))
    assert exc.value.status == 404
    assert not PurchaseOrder.objects.exists()


def test_unit_cost_defaults_to_the_sku_cost(owner, supplier, warehouse, sku):
    po = create_purchase_order(
        actor=owner,
        supplier_id=supplier.pk,
        warehouse_id=warehouse.pk,
        lines=[{"sku_id": sku.pk, "quantity": 2}],
    )
    assert po.lines.get().unit_cost_fen == sku.cost_fen == 200


def test_cancel_rules(owner, supplier, warehouse, sku):
    draft = _po(owner, supplier, warehouse, (sku, 5, 100))
    assert cancel_purchase_order(actor=owner, purchase_order_id=draft.pk).status == "cancelled"
    with pytest.raises(DomainError) as exc:
        place_purchase_order(actor=owner, purchase_order_id=draft.pk)
    assert exc.value.code == "inventory.invalid_status"

    partial = _po(owner, supplier, warehouse, (sku, 5, 100))
    place_purchase_order(actor=owner, purchase_order_id=partial.pk)
    receive_purchase_order(actor=owner, purchase_order_id=partial.pk, quantities={partial.lines.get().pk: 2})
    cancel_purchase_order(actor=owner, purchase_order_id=partial.pk)  # closed short
    assert level_of(warehouse, sku).on_hand == 2
    with pytest.raises(DomainError):
        receive_purchase_order(
            actor=owner, purchase_order_id=partial.pk, quantities={partial.lines.get().pk: 1}
        )


def test_supplier_crud(owner, supplier, warehouse, sku):
    with pytest.raises(DomainError) as exc:
        create_supplier(actor=owner, name="华东饮料批发")
    assert exc.value.code == "inventory.supplier_name_taken"
    update_supplier(actor=owner, supplier_id=supplier.pk, phone="13900002222", is_active=False)
    supplier.refresh_from_db()
    assert supplier.phone == "13900002222" and not supplier.is_active
    _po(owner, supplier, warehouse, (sku, 1, 1))
    with pytest.raises(DomainError) as exc:
        delete_supplier(actor=owner, supplier_id=supplier.pk)
    assert exc.value.code == "inventory.supplier_in_use"
    spare = create_supplier(actor=owner, name="备用供应商")
    delete_supplier(actor=owner, supplier_id=spare.pk)


def test_another_merchants_purchase_order_is_not_found(owner, other_owner, supplier, warehouse, sku):
    po = _po(owner, supplier, warehouse, (sku, 1, 1))
    with pytest.raises(DomainError) as exc:
        place_purchase_order(actor=other_owner, purchase_order_id=po.pk)
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        create_purchase_order(
            actor=other_owner,
            supplier_id=supplier.pk,
            warehouse_id=warehouse.pk,
            lines=[{"sku_id": sku.pk, "quantity": 1}],
        )
    assert exc.value.status == 404
