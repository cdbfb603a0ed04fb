import pytest

from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry
from newretail.inventory.actions.ledger import post_movement
from newretail.inventory.actions.reservations import reserve_stock
from newretail.inventory.actions.stocktakes import (
    cancel_stocktake,
    post_stocktake,
    record_stocktake_counts,
    start_stocktake,
)
from newretail.inventory.models import StockMovement, Stocktake
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = pytest.mark.django_db


def test_posting_respects_sales_made_while_counting(owner, warehouse, sku, sku2):
    receive(warehouse, sku, 10)
    receive(warehouse, sku2, 20)
    stocktake = start_stocktake(actor=owner, warehouse_id=warehouse.pk)
    assert stocktake.number.startswith("ST")
    assert {line.sku_id: line.expected_on_hand for line in stocktake.lines.all()} == {sku.pk: 10, sku2.pk: 20}

    # Two sold while the shelf was being counted; the counter then sees 8 on the shelf.
    post_movement(merchant=owner.merchant, warehouse=warehouse, sku=sku, kind="sale", quantity=-2)
    found = make_sku(owner.merchant_id, name="散装糖果")
    record_stocktake_counts(
        actor=owner, stocktake_id=stocktake.pk, counts={sku.pk: 8, sku2.pk: 17, found.pk: 4}
    )
    post_stocktake(actor=owner, stocktake_id=stocktake.pk)

    stocktake.refresh_from_db()
    assert stocktake.status == Stocktake.Status.POSTED and stocktake.posted_by == owner
    lines = {line.sku_id: line for line in stocktake.lines.all()}
    assert (lines[sku.pk].expected_on_hand, lines[sku.pk].on_hand_at_post, lines[sku.pk].difference) == (
        10,
        8,
        0,
    )
    assert lines[sku2.pk].difference == -3  # 盘亏
    assert lines[found.pk].expected_on_hand == 0 and lines[found.pk].difference == 4  # 盘盈
    assert level_of(warehouse, sku).on_hand == 8
    assert level_of(warehouse, sku2).on_hand == 17
    assert level_of(warehouse, found).on_hand == 4
    moves = StockMovement.objects.filter(kind="stocktake", reference_id=stocktake.number)
    assert sorted(m.quantity for m in moves) == [-3, 4]  # no movement for a zero difference
    audit = AuditEntry.objects.get(action="inventory.stocktake_posted")
    assert audit.before == {str(sku2.pk): 20, str(found.pk): 0}
    assert audit.after == {str(sku2.pk): 17, str(found.pk): 4}


def test_uncounted_lines_are_left_alone_and_nothing_counted_is_refused(owner, warehouse, sku, sku2):
    receive(warehouse, sku, 10)
    receive(warehouse, sku2, 5)
    stocktake = start_stocktake(actor=owner, warehouse_id=warehouse.pk, sku_ids=[sku.pk, sku2.pk])
    with pytest.raises(DomainError) as exc:
        post_stocktake(actor=owner, stocktake_id=stocktake.pk)
    assert exc.value.code == "inventory.nothing_counted"
    record_stocktake_counts(actor=owner, stocktake_id=stocktake.pk, counts={sku.pk: 11})
    post_stocktake(actor=owner, stocktake_id=stocktake.pk)
    assert level_of(warehouse, sku).on_hand == 11 and level_of(warehouse, sku2).on_hand == 5


def test_one_count_at_a_time_per_warehouse(owner, warehouse, central, sku):
    first = start_stocktake(actor=owner, warehouse_id=warehouse.pk)
    with pytest.raises(DomainError) as exc:
        start_stocktake(actor=owner, warehouse_id=warehouse.pk)
    assert exc.value.code == "inventory.stocktake_in_progress"
    start_stocktake(actor=owner, warehouse_id=central.pk)  # another warehouse may be counted
    cancel_stocktake(actor=owner, stocktake_id=first.pk)
    with pytest.raises(DomainError) as exc:
        record_stocktake_counts(actor=owner, stocktake_id=first.pk, counts={sku.pk: 1})
    assert exc.value.code == "inventory.invalid_status"
    start_stocktake(actor=owner, warehouse_id=warehouse.pk)


def test_count_below_reserved_is_refused(owner, warehouse, sku):
    receive(warehouse, sku, 10)
    reserve_stock(merchant=owner.merchant, warehouse=warehouse, sku=sku, quantity=6, reference="order:5")
    stocktake = start_stocktake(actor=owner, warehouse_id=warehouse.pk)
    record_stocktake_counts(actor=owner, stocktake_id=stocktake.pk, counts={sku.pk: 4})
    with pytest.raises(DomainError) as exc:
        post_stocktake(actor=owner, stocktake_id=stocktake.pk)
    assert exc.value.code == "inventory.count_below_reserved"
    assert level_of(warehouse, sku).on_hand == 10
    stocktake.refresh_from_db()
    assert stocktake.status == Stocktake.Status.COUNTING


def test_counts_are_validated(owner, warehouse, sku, other_owner):
    stocktake = start_stocktake(actor=owner, warehouse_id=warehouse.pk)
    with pytest.raises(DomainError) as exc:
        record_stocktake_counts(actor=owner, stocktake_id=stocktake.pk, counts={sku.pk: -1})
    assert exc.value.code == "inventory.invalid_quantity"
    with pytest.raises(DomainError) as exc:
        record_stocktake_counts(
            actor=owner, stocktake_id=stocktake.pk, counts={make_sku(other_owner.merchant_id).pk: 1}
        )
    assert exc.value.status == 404
