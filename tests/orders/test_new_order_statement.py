"""On PostgreSQL a new order's rows are written by one statement (``orders.actions.new_order``);
elsewhere through the ORM. The statement must write exactly the rows the ORM path writes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newretail.core.events import subscribe, unsubscribe
from newretail.core.models import Event, EventDelivery
from newretail.inventory.actions.ledger import set_low_stock_threshold
from newretail.inventory.models import DocumentSequence, Reservation
from newretail.orders.actions import new_order
from newretail.orders.models import Order, OrderAdjustment, OrderEvent, OrderLine
from tests.inventory.conftest import level_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _rows(order: Order) -> dict:
    """What was written for ``order``, without ids, numbers and times."""
    lines = list(OrderLine.objects.filter(order=order).order_by("pk"))
    line_sku = {line.pk: (line.sku_id, line.is_gift) for line in lines}
    event = Event.objects.get(name="order.created", aggregate_id=str(order.pk))
    payload = dict(event.payload)
    assert payload.pop("order_id") == order.pk and payload.pop("number") == order.number
    for line, written in zip(payload["lines"], lines, strict=True):
        assert line.pop("line_id") == written.pk
    skip = {"id", "number", "idempotency_key", "created_at", "expires_at"}
    return {
        "order": {
            f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields if f.attname not in skip
        },
        "lines": [
            {
                f.attname: getattr(line, f.attname)
                for f in OrderLine._meta.concrete_fields
                if f.attname not in ("id", "order_id")
            }
            for line in lines
        ],
        "adjustments": [
            (line_sku.get(a.line_id), a.source, a.kind, a.amount_fen, a.explanation)
            for a in OrderAdjustment.objects.filter(order=order).order_by("pk")
        ],
        "holds": [
            (
                h.warehouse_id,
                h.sku_id,
                h.quantity,
                h.status,
                round((h.expires_at - order.expires_at).total_seconds()),
            )
            for h in Reservation.objects.filter(reference=f"order:{order.pk}").order_by("pk")
        ],
        "timeline": list(OrderEvent.objects.filter(order=order).values_list("kind", "actor_id", "note")),
        "event": (event.aggregate_type, payload),
        "deliveries": list(
            EventDelivery.objects.filter(event=event).values_list("handler", "status", "attempts")
        ),
    }


@pytest.fixture
def subscribed():
    subscribe("order.created", handler="tests.order_created_probe")(lambda event: None)
    yield
    unsubscribe("order.created", "tests.order_created_probe")


def test_the_statement_writes_what_the_orm_writes(place, water, cola, subscribed, monkeypatch, owner):
    items = {water: 2, cola: 3}  # cola at its store price: a line adjustment; express: a shipping fee
    in_one = place(items, idempotency_key="one-statement", actor=owner)
    monkeypatch.setattr(new_order, "_in_one_statement", new_order._through_the_orm)
    through_orm = place(items, idempotency_key="through-the-orm", actor=owner)

    ours, theirs = _rows(Order.objects.get(pk=in_one.pk)), _rows(Order.objects.get(pk=through_orm.pk))
    assert ours == theirs
    assert ours["adjustments"] and ours["deliveries"] == [("tests.order_created_probe", "pending", 0)]
    assert in_one.number[:-4] == through_orm.number[:-4]
    assert int(through_orm.number[-4:]) == int(in_one.number[-4:]) + 1


def test_the_order_placed_carries_its_rows(place, water, cola):
    order = place({water: 1, cola: 2}, idempotency_key="carried")

    assert order.pk and not order._state.adding
    assert [line.pk for line in order.lines.all()] == list(
        OrderLine.objects.filter(order=order).order_by("pk").values_list("pk", flat=True)
    )
    assert all(a.pk and a.order_id == order.pk for a in order.adjustments.all())
    assert order.events.all()[0].pk == OrderEvent.objects.get(order=order).pk


def test_number_past_the_four_digits(place, water, merchant):
    first = place({water: 1})
    DocumentSequence.objects.filter(merchant=merchant, prefix="SO").update(last_value=9999)

    assert place({water: 1}).number == first.number[:-4] + "10000"


def test_a_line_that_cannot_be_held_writes_nothing(place, water, cola, warehouse):
    with pytest.raises(Exception) as caught:
        place({water: 1, cola: 11})  # 10 colas in stock

    assert getattr(caught.value, "code", None) == "inventory.insufficient_stock"
    assert Order.objects.count() == 0 and Reservation.objects.count() == 0
    assert level_of(warehouse, water).reserved == 0 and level_of(warehouse, cola).reserved == 0


def test_holding_stock_below_the_threshold_records_low_stock(place, cola, warehouse, owner):
    set_low_stock_threshold(actor=owner, warehouse_id=warehouse.pk, sku_id=cola.pk, threshold=5)

    place({cola: 4})
    assert not Event.objects.filter(name="inventory.low_stock").exists()
    place({cola: 1})  # 10 - 5 = 5 left: at the threshold

    low = Event.objects.get(name="inventory.low_stock")
    assert low.payload["sku_id"] == cola.pk and low.payload["available"] == 5


def test_a_used_key_answers_with_its_order(place, water):
    first = place({water: 1}, idempotency_key="same-key")
    # A concurrent create that lost the race: the statement's insert hits the unique key.
    with pytest.raises(new_order.KeyTaken):
        from django.db import transaction

        with transaction.atomic():
            new_order.write_new_order(
                merchant=first.merchant,
                prefix="SO",
                order=Order(
                    merchant_id=first.merchant_id,
                    channel="mall",
                    fulfilment="pickup",
                    warehouse_id=first.warehouse_id,
                    idempotency_key="same-key",
                    expires_at=first.expires_at,
                    goods_list_fen=0,
                    discount_fen=0,
                    shipping_fen=0,
                    payable_fen=0,
                ),
                lines=[],
                adjustments=[],
                hold_ttl=first.expires_at - first.created_at,
                actor=None,
            )
    assert place({water: 1}, idempotency_key="same-key").pk == first.pk


def test_placing_an_order_is_one_write_statement(place, water, cola):
    place({water: 1})  # the statements are prepared on first use
    with CaptureQueriesContext(connection) as captured:
        place({water: 1, cola: 1}, idempotency_key="counted")
    writes = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "WITH"))
    ]
    assert len(writes) == 1 and writes[0].lstrip().startswith("WITH number AS")
