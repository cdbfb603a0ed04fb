import pytest
from django.utils import translation

from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry
from newretail.inventory.actions.ledger import adjust_stock, post_movement, set_low_stock_threshold
from newretail.inventory.models import StockLevel, StockMovement
from newretail.inventory.queries import available_quantity, low_stock, stock_of_sku
from tests.inventory.conftest import level_of, make_sku, receive

pytestmark = pytest.mark.django_db
Kind = StockMovement.Kind


@pytest.mark.parametrize(
    ("kind", "quantity", "on_hand_after"),
    [
        (Kind.RECEIPT, 5, 15),
        (Kind.RETURN, 2, 12),
        (Kind.TRANSFER_IN, 3, 13),
        (Kind.SALE, -4, 6),
        (Kind.TRANSFER_OUT, -10, 0),
        (Kind.ADJUSTMENT, -1, 9),
        (Kind.ADJUSTMENT, 1, 11),
        (Kind.STOCKTAKE, -2, 8),
        (Kind.STOCKTAKE, 2, 12),
    ],
)
def test_every_movement_kind_moves_the_cache(owner, warehouse, sku, kind, quantity, on_hand_after):
    receive(warehouse, sku, 10)
    movement = post_movement(
        merchant=owner.merchant, warehouse=warehouse, sku=sku, kind=kind, quantity=quantity, actor=owner
    )
    assert movement.on_hand_after == on_hand_after
    assert level_of(warehouse, sku).on_hand == on_hand_after
    assert StockMovement.objects.filter(warehouse=warehouse, sku=sku).count() == 2
    assert movement.actor == owner and movement.merchant_id == owner.merchant_id


@pytest.mark.parametrize(
    ("kind", "quantity"), [(Kind.RECEIPT, -1), (Kind.SALE, 1), (Kind.RETURN, -2), (Kind.TRANSFER_OUT, 3)]
)
def test_quantity_sign_must_match_the_kind(merchant, warehouse, sku, kind, quantity):
    receive(warehouse, sku, 10)
    with pytest.raises(DomainError) as exc:
        post_movement(merchant=merchant, warehouse=warehouse, sku=sku, kind=kind, quantity=quantity)
    assert exc.value.code == "inventory.wrong_sign"
    assert level_of(warehouse, sku).on_hand == 10


@pytest.mark.parametrize("quantity", [0, 10_000_001, -10_000_001, 1.5, True])
def test_quantity_bounds(merchant, warehouse, sku, quantity):
    with pytest.raises(DomainError) as exc:
        post_movement(
            merchant=merchant, warehouse=warehouse, sku=sku, kind=Kind.ADJUSTMENT, quantity=quantity
        )
    assert exc.value.code == "inventory.invalid_quantity"
    assert not StockMovement.objects.exists()


def test_stock_never_goes_negative_and_the_refusal_writes_nothing(merchant, warehouse, sku):
    receive(warehouse, sku, 3)
    with pytest.raises(DomainError) as exc:
        post_movement(merchant=merchant, warehouse=warehouse, sku=sku, kind=Kind.SALE, quantity=-4)
    assert exc.value.code == "inventory.insufficient_stock" and exc.value.status == 409
    assert exc.value.params["available"] == 3 and exc.value.params["requested"] == 4
    assert level_of(warehouse, sku).on_hand == 3
    assert StockMovement.objects.count() == 1


def test_first_movement_creates_the_level_and_a_sale_from_nothing_is_refused(merchant, warehouse, sku):
    with pytest.raises(DomainError) as exc:
        post_movement(merchant=merchant, warehouse=warehouse, sku=sku, kind=Kind.SALE, quantity=-1)
    assert exc.value.params["available"] == 0
    assert not StockLevel.objects.exists()  # the refusal rolled back everything, the new row too
    receive(warehouse, sku, 1)
    assert level_of(warehouse, sku).on_hand == 1


def test_weighed_goods_are_counted_in_grams(merchant, warehouse):
    apples = make_sku(merchant.pk, name="红富士苹果", unit="kg", price_fen=1280)
    receive(warehouse, apples, 25_000)  # 25 kg
    post_movement(merchant=merchant, warehouse=warehouse, sku=apples, kind=Kind.SALE, quantity=-1_250)
    assert level_of(warehouse, apples).on_hand == 23_750


def test_movements_are_append_only(warehouse, sku):
    movement = receive(warehouse, sku, 5)
    with pytest.raises(TypeError):
        movement.save()
    with pytest.raises(TypeError):
        movement.delete()
    with pytest.raises(TypeError):
        StockMovement.objects.filter(pk=movement.pk).update(quantity=50)
    with pytest.raises(TypeError):
        StockMovement.objects.all().delete()


def test_another_merchants_sku_or_warehouse_is_not_found(merchant, warehouse, sku, other_owner):
    foreign_sku = make_sku(other_owner.merchant_id)
    with pytest.raises(DomainError) as exc:
        receive(warehouse, foreign_sku, 1)
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        post_movement(
            merchant=other_owner.merchant_id,
            warehouse=warehouse.pk,
            sku=foreign_sku,
            kind=Kind.RECEIPT,
            quantity=1,
        )
    assert exc.value.status == 404


def test_adjustment_needs_a_reason_and_is_audited(owner, warehouse, sku):
    receive(warehouse, sku, 10)
    with pytest.raises(DomainError) as exc:
        adjust_stock(actor=owner, warehouse_id=warehouse.pk, sku_id=sku.pk, quantity=-2, reason="  ")
    assert exc.value.code == "inventory.reason_required"
    movement = adjust_stock(actor=owner, warehouse_id=warehouse.pk, sku_id=sku.pk, quantity=-2, reason="破损")
    assert movement.kind == Kind.ADJUSTMENT and movement.note == "破损" and movement.on_hand_after == 8
    entry = AuditEntry.objects.get(action="inventory.stock_adjusted")
    assert entry.before["on_hand"] == 10 and entry.after["on_hand"] == 8
    assert entry.reason == "破损" and entry.actor == owner


def test_adjustment_cannot_take_reserved_stock(owner, warehouse, sku):
    from newretail.inventory.actions.reservations import reserve_stock

    receive(warehouse, sku, 10)
    reserve_stock(merchant=owner.merchant, warehouse=warehouse, sku=sku, quantity=8, reference="order:1")
    with pytest.raises(DomainError) as exc, translation.override("en"):
        adjust_stock(actor=owner, warehouse_id=warehouse.pk, sku_id=sku.pk, quantity=-3, reason="盘错")
    assert exc.value.params["available"] == 2
    assert level_of(warehouse, sku).on_hand == 10


def test_low_stock_threshold_and_queries(owner, warehouse, central, sku, sku2):
    receive(warehouse, sku, 3)
    receive(central, sku, 50)
    receive(warehouse, sku2, 30)
    set_low_stock_threshold(actor=owner, warehouse_id=warehouse.pk, sku_id=sku.pk, threshold=5)
    set_low_stock_threshold(actor=owner, warehouse_id=warehouse.pk, sku_id=sku2.pk, threshold=5)
    assert [level.sku_id for level in low_stock(owner.merchant)] == [sku.pk]
    assert available_quantity(owner.merchant, warehouse, sku) == 3
    assert available_quantity(owner.merchant, central.pk, sku2.pk) == 0
    assert {(row.warehouse_id, row.on_hand) for row in stock_of_sku(owner.merchant, sku)} == {
        (warehouse.pk, 3),
        (central.pk, 50),
    }
    with pytest.raises(DomainError) as exc:
        set_low_stock_threshold(actor=owner, warehouse_id=warehouse.pk, sku_id=sku.pk, threshold=-1)
    assert exc.value.code == "inventory.invalid_threshold"


def test_database_refuses_a_negative_cache(warehouse, sku):
    from django.db import IntegrityError, transaction

    receive(warehouse, sku, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(warehouse=warehouse, sku=sku).update(on_hand=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(warehouse=warehouse, sku=sku).update(reserved=2)
