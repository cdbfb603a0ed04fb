import pytest

from newretail.core.models import Event
from newretail.inventory import events
from newretail.inventory.actions.ledger import adjust_stock, post_movement, set_low_stock_threshold
from newretail.inventory.actions.purchasing import (
    create_purchase_order,
    create_supplier,
    place_purchase_order,
    receive_purchase_order,
)
from newretail.inventory.actions.reservations import consume_reservation, reserve_stock
from newretail.inventory.actions.stocktakes import post_stocktake, record_stocktake_counts, start_stocktake
from newretail.inventory.actions.transfers import create_transfer, receive_transfer, ship_transfer
from tests.inventory.conftest import receive

pytestmark = pytest.mark.django_db


def _names() -> list[str]:
    return list(Event.objects.order_by("pk").values_list("name", flat=True))


def test_low_stock_is_announced_once_per_crossing(owner, warehouse, sku):
    receive(warehouse, sku, 10)
    set_low_stock_threshold(actor=owner, warehouse_id=warehouse.pk, sku_id=sku.pk, threshold=5)
    post_movement(merchant=owner.merchant, warehouse=warehouse, sku=sku, kind="sale", quantity=-4)  # 6 left
    assert events.LOW_STOCK not in _names()
    hold = reserve_stock(
        merchant=owner.merchant, warehouse=warehouse, sku=sku, quantity=2, reference="o:1"
    )  # 4
    low = Event.objects.get(name=events.LOW_STOCK)
    assert low.payload == {"warehouse_id": warehouse.pk, "sku_id": sku.pk, "available": 4, "threshold": 5}
    consume_reservation(merchant=owner.merchant, reservation_id=hold.pk)  # available unchanged
    post_movement(
        merchant=owner.merchant, warehouse=warehouse, sku=sku, kind="sale", quantity=-1
    )  # still low
    assert _names().count(events.LOW_STOCK) == 1
    receive(warehouse, sku, 10)  # back above
    post_movement(merchant=owner.merchant, warehouse=warehouse, sku=sku, kind="sale", quantity=-9)  # 4 again
    assert _names().count(events.LOW_STOCK) == 2


def test_document_writes_record_events(owner, warehouse, central, sku):
    supplier = create_supplier(actor=owner, name="S")
    po = create_purchase_order(
        actor=owner,
        supplier_id=supplier.pk,
        warehouse_id=central.pk,
        lines=[{"sku_id": sku.pk, "quantity": 9}],
    )
    place_purchase_order(actor=owner, purchase_order_id=po.pk)
    receipt = receive_purchase_order(actor=owner, purchase_order_id=po.pk, quantities={po.lines.get().pk: 9})
    received = Event.objects.get(name=events.GOODS_RECEIVED)
    assert received.payload["receipt"] == receipt.number and received.payload["lines"] == {str(sku.pk): 9}

    transfer = create_transfer(
        actor=owner,
        from_warehouse_id=central.pk,
        to_warehouse_id=warehouse.pk,
        lines=[{"sku_id": sku.pk, "quantity": 4}],
    )
    ship_transfer(actor=owner, transfer_id=transfer.pk)
    receive_transfer(actor=owner, transfer_id=transfer.pk, quantities={transfer.lines.get().pk: 3})
    arrived = Event.objects.get(name=events.TRANSFER_RECEIVED)
    assert arrived.payload["lines"] == {str(sku.pk): [4, 3]}

    adjust_stock(actor=owner, warehouse_id=warehouse.pk, sku_id=sku.pk, quantity=1, reason="找到一瓶")
    stocktake = start_stocktake(actor=owner, warehouse_id=warehouse.pk)
    record_stocktake_counts(actor=owner, stocktake_id=stocktake.pk, counts={sku.pk: 2})
    post_stocktake(actor=owner, stocktake_id=stocktake.pk)
    posted = Event.objects.get(name=events.STOCKTAKE_POSTED)
    assert posted.payload["differences"] == {str(sku.pk): -2}
    assert [n for n in _names() if n != events.LOW_STOCK] == [
        events.GOODS_RECEIVED,
        events.TRANSFER_SHIPPED,
        events.TRANSFER_RECEIVED,
        events.STOCK_ADJUSTED,
        events.STOCKTAKE_POSTED,
    ]
