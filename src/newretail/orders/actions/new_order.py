"""Writing a new order's rows: its number, the order, its lines and price adjustments, the stock
holds in its warehouse, the first timeline entry and ``order.created`` in the outbox.

``checkout.create_order`` prices and builds the rows (unsaved model instances) and calls
``write_new_order`` inside its transaction. On PostgreSQL every row is written by ONE statement
(``_statement``, data-modifying CTEs): placing an order is the platform's hottest write and a
statement's round trip and ORM compilation cost more than its execution (bench/bench_orders.py).
Elsewhere (SQLite) the same rows are written through the ORM, one table after another. Both give
the same rows and the same guarantees:

* the day's document number comes from the merchant's counter row (``inventory.actions.numbers``),
  whose lock is held to commit, so numbers are distinct and a rolled-back order gives its back;
* stock is held with one conditional increment per SKU (``reserved + q`` only where
  ``on_hand >= reserved + q``), the rows locked in SKU-id order so concurrent orders never
  deadlock; a line that cannot be held raises ``INSUFFICIENT_STOCK`` and the caller's
  transaction must roll back;
* an idempotency key already used by another order (a concurrent create of the same order)
  raises ``KeyTaken``: the caller rolls back and returns that order.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache

from django.db import IntegrityError, connection

from newretail.core import clock
from newretail.core.events import deliver_after_commit, new_event, record_event
from newretail.core.models import Event, EventDelivery
from newretail.core.prepared import fetch_prepared
from newretail.core.rows import (
    column_names,
    insert_columns,
    many_rows,
    many_rows_params,
    one_row,
    one_row_params,
    unnested,
)
from newretail.inventory import events as stock_events
from newretail.inventory.actions.ledger import insufficient
from newretail.inventory.actions.numbers import NUMBER_DIGITS, next_document_number, number_head, sequence_day
from newretail.inventory.actions.reservations import reserve_stock_lines
from newretail.inventory.models import DocumentSequence, Reservation, StockLevel
from newretail.orders.models import Order, OrderAdjustment, OrderEvent, OrderLine
from newretail.orders.payloads import line_payload, order_payload
from newretail.tenancy.models import Merchant, User, Warehouse


class KeyTaken(Exception):
    """The order's idempotency key is already another order's."""

    def __init__(self, error: IntegrityError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class NewOrder:
    """What ``write_new_order`` writes (its arguments)."""

    merchant: Merchant
    prefix: str
    order: Order
    lines: list[OrderLine]
    adjustments: list[OrderAdjustment]
    hold_ttl: dt.timedelta
    actor: User | None


@dataclass(frozen=True)
class Written:
    order: Order
    lines: list[OrderLine]
    adjustments: list[OrderAdjustment]
    created: OrderEvent


def write_new_order(
    *,
    merchant: Merchant,
    prefix: str,
    order: Order,
    lines: list[OrderLine],
    adjustments: list[OrderAdjustment],
    hold_ttl: dt.timedelta,
    actor: User | None,
) -> Written:
    """Write ``order`` (its number is set here) with ``lines`` (in the order given) and
    ``adjustments`` (each with ``line`` one of ``lines``, or None for an order-level one), hold
    each line's quantity in ``order.warehouse`` for ``hold_ttl``, and record the timeline's
    "created" and ``order.created``. Inside the caller's transaction; see the module docstring."""
    new = NewOrder(merchant, prefix, order, lines, adjustments, hold_ttl, actor)
    return _in_one_statement(new) if connection.vendor == "postgresql" else _through_the_orm(new)


def _created_payload(order: Order, lines: list[OrderLine]) -> dict:
    return order_payload(
        order,
        warehouse_id=order.warehouse_id,
        goods_list_fen=order.goods_list_fen,
        goods_final_fen=order.goods_final_fen,
        discount_fen=order.discount_fen,
        shipping_fen=order.shipping_fen,
        payable_fen=order.payable_fen,
        lines=[line_payload(line) for line in lines],
    )


def _through_the_orm(new: NewOrder) -> Written:
    merchant, order, lines, adjustments = new.merchant, new.order, new.lines, new.adjustments
    order.number = next_document_number(merchant=merchant, prefix=new.prefix)
    try:
        order.save(force_insert=True)
    except IntegrityError as error:
        raise KeyTaken(error) from None
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    if any(line.pk is None for line in lines):  # backends without RETURNING ids
        by_sku = {(line.sku_id, line.is_gift): line for line in OrderLine.objects.filter(order=order)}
        lines[:] = [by_sku[(line.sku_id, line.is_gift)] for line in lines]
    written = {(line.sku_id, line.is_gift): line for line in lines}
    for adjustment in adjustments:
        adjustment.order = order
        if adjustment.line is not None:
            adjustment.line = written[(adjustment.line.sku_id, adjustment.line.is_gift)]
    OrderAdjustment.objects.bulk_create(adjustments)
    reserve_stock_lines(
        merchant=merchant.pk,
        warehouse=order.warehouse,
        lines=[(line.sku, line.quantity) for line in lines],
        reference=order.reservation_reference,
        ttl=new.hold_ttl,
    )
    created = OrderEvent.objects.create(merchant_id=merchant.pk, order=order, kind="created", actor=new.actor)
    record_event(
        merchant_id=merchant.pk, name="order.created", aggregate=order, payload=_created_payload(order, lines)
    )
    return Written(order=order, lines=lines, adjustments=adjustments, created=created)


# --- PostgreSQL: one statement ---------------------------------------------------------------

_ORDER = insert_columns(Order, skip=("number",))
_LINE = insert_columns(OrderLine, skip=("order_id",))
_ADJUSTMENT = insert_columns(OrderAdjustment, skip=("order_id", "line_id"))
_HOLD = insert_columns(Reservation, skip=("reference",))
_TIMELINE = insert_columns(OrderEvent, skip=("order_id",))
_EVENT = insert_columns(Event, skip=("aggregate_id", "payload"))
_DELIVERY = insert_columns(EventDelivery, skip=("event_id",))


@cache
def _statement() -> str:
    """The statement, built once from the models' columns (its text never changes, whatever the
    number of lines). Each CTE writes one table; ``locked`` takes the stock rows' locks in SKU-id
    order before ``held`` increments them (the UPDATE itself locks in no defined order)."""
    q = connection.ops.quote_name
    order_values = one_row(_ORDER, "o")
    line_source = many_rows(_LINE, "l")
    adjustment_source = many_rows(_ADJUSTMENT, "a", extra=(("line_sku", "bigint"), ("line_gift", "boolean")))
    hold_source = many_rows(_HOLD, "h")
    timeline_values = one_row(_TIMELINE, "t")
    event_values = one_row(_EVENT, "e")
    delivery_source = many_rows(_DELIVERY, "d")
    line_id = q(OrderLine._meta.get_field("id").column)
    return f"""
WITH number AS (
    INSERT INTO {q(DocumentSequence._meta.db_table)} (merchant_id, prefix, day, last_value)
    VALUES (%(merchant)s::bigint, %(prefix)s::varchar, %(day)s::date, 1)
    ON CONFLICT (merchant_id, prefix, day)
    DO UPDATE SET last_value = {q(DocumentSequence._meta.db_table)}.last_value + 1
    RETURNING %(number_head)s::varchar
        || lpad(last_value::text, greatest(%(number_digits)s::int, length(last_value::text)), '0') AS number
), new_order AS (
    INSERT INTO {q(Order._meta.db_table)} ({column_names(_ORDER)}, number)
    SELECT {order_values}, number.number FROM number
    RETURNING id, number
), new_lines AS (
    INSERT INTO {q(OrderLine._meta.db_table)} (order_id, {column_names(_LINE)})
    SELECT new_order.id, {unnested("l", _LINE)} FROM new_order, {line_source} ORDER BY l.n
    RETURNING {line_id}, sku_id, is_gift
), adjustments AS (
    INSERT INTO {q(OrderAdjustment._meta.db_table)} (order_id, line_id, {column_names(_ADJUSTMENT)})
    SELECT new_order.id, new_lines.id, {unnested("a", _ADJUSTMENT)}
    FROM new_order CROSS JOIN {adjustment_source}
    LEFT JOIN new_lines ON new_lines.sku_id = a.line_sku AND new_lines.is_gift = a.line_gift
    ORDER BY a.n
    RETURNING id
), wanted AS (
    SELECT * FROM unnest(%(hold_skus)s::bigint[], %(hold_quantities)s::bigint[]) AS wanted(sku_id, quantity)
), locked AS (
    SELECT level.id FROM {q(StockLevel._meta.db_table)} level JOIN wanted ON wanted.sku_id = level.sku_id
    WHERE level.merchant_id = %(merchant)s::bigint AND level.warehouse_id = %(warehouse)s::bigint
    ORDER BY level.sku_id
    FOR UPDATE OF level
), held AS (
    UPDATE {q(StockLevel._meta.db_table)} level
    SET reserved = level.reserved + wanted.quantity, updated_at = %(now)s::timestamptz
    FROM wanted, locked
    WHERE level.id = locked.id AND level.sku_id = wanted.sku_id AND level.on_hand >= level.reserved + wanted.quantity
    RETURNING level.sku_id, level.on_hand, level.reserved, level.low_stock_threshold
), holds AS (
    INSERT INTO {q(Reservation._meta.db_table)} (reference, {column_names(_HOLD)})
    SELECT %(reference_prefix)s::varchar || new_order.id, {unnested("h", _HOLD)} FROM new_order, {hold_source}
    ORDER BY h.n
    RETURNING id
), timeline AS (
    INSERT INTO {q(OrderEvent._meta.db_table)} (order_id, {column_names(_TIMELINE)})
    SELECT new_order.id, {timeline_values} FROM new_order
    RETURNING id
), line_payloads AS (
    SELECT jsonb_agg(payload.value || jsonb_build_object('line_id', written.id) ORDER BY payload.n) AS lines
    FROM jsonb_array_elements(%(line_payloads)s::jsonb) WITH ORDINALITY AS payload(value, n)
    JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM new_lines) written ON written.n = payload.n
), outbox AS (
    INSERT INTO {q(Event._meta.db_table)} (aggregate_id, payload, {column_names(_EVENT)})
    SELECT new_order.id::text,
        %(payload)s::jsonb || jsonb_build_object(
            'order_id', new_order.id, 'number', new_order.number, 'lines', coalesce(line_payloads.lines, '[]')
        ),
        {event_values}
    FROM new_order, line_payloads
    RETURNING id
), deliveries AS (
    INSERT INTO {q(EventDelivery._meta.db_table)} (event_id, {column_names(_DELIVERY)})
    SELECT outbox.id, {unnested("d", _DELIVERY)} FROM outbox, {delivery_source}
    RETURNING id
)
SELECT new_order.id, new_order.number,
    (SELECT array_agg(id ORDER BY id) FROM new_lines),
    (SELECT array_agg(id ORDER BY id) FROM adjustments),
    (SELECT coalesce(json_agg(json_build_array(sku_id, on_hand, reserved, low_stock_threshold)), '[]') FROM held),
    (SELECT id FROM timeline),
    (SELECT id FROM outbox),
    (SELECT count(*) FROM deliveries)
FROM new_order
"""  # noqa: S608 (table and column names from the models; every value is a parameter)


def _in_one_statement(new: NewOrder) -> Written:
    merchant, prefix, order, lines, adjustments = (
        new.merchant,
        new.prefix,
        new.order,
        new.lines,
        new.adjustments,
    )
    now = clock.now()
    day = sequence_day(merchant)
    warehouse: Warehouse = order.warehouse
    by_sku = sorted(lines, key=lambda line: line.sku_id)
    wanted = {line.sku_id: line.quantity for line in by_sku}
    holds = [
        Reservation(
            merchant_id=merchant.pk,
            warehouse=warehouse,
            sku_id=line.sku_id,
            quantity=line.quantity,
            expires_at=now + new.hold_ttl,
        )
        for line in by_sku
    ]
    timeline = OrderEvent(merchant_id=merchant.pk, kind="created", actor=new.actor)
    # aggregate_id and payload are written by the statement, which knows the order's id.
    event, deliveries = new_event(merchant_id=merchant.pk, name="order.created", payload={}, aggregate=order)
    params: dict = {
        "merchant": merchant.pk,
        "prefix": prefix,
        "day": day,
        "number_head": number_head(prefix, day),
        "number_digits": NUMBER_DIGITS,
        "warehouse": warehouse.pk,
        "now": now,
        "hold_skus": list(wanted),
        "hold_quantities": list(wanted.values()),
        "reference_prefix": Order.RESERVATION_PREFIX,
        # As the payload's JSONField writes it (no encoder); the ids are added by the statement.
        "line_payloads": json.dumps([line_payload(line) for line in lines]),
        "payload": json.dumps(
            {k: v for k, v in _created_payload(order, []).items() if k not in ("order_id", "number", "lines")}
        ),
    }
    params.update(one_row_params(order, _ORDER, "o"))
    params.update(many_rows_params(lines, _LINE, "l"))
    params.update(
        many_rows_params(
            adjustments,
            _ADJUSTMENT,
            "a",
            extra={
                "line_sku": [a.line.sku_id if a.line else None for a in adjustments],
                "line_gift": [a.line.is_gift if a.line else None for a in adjustments],
            },
        )
    )
    params.update(many_rows_params(holds, _HOLD, "h"))
    params.update(one_row_params(timeline, _TIMELINE, "t"))
    params.update(one_row_params(event, _EVENT, "e"))
    params.update(many_rows_params(deliveries, _DELIVERY, "d"))
    try:
        row = fetch_prepared(_statement(), params)
    except IntegrityError as error:  # as through the ORM: the caller looks for the key's order
        raise KeyTaken(error) from None
    order_id, number, line_ids, adjustment_ids, held, timeline_id, event_id, _deliveries = row
    if len(held) != len(wanted):
        short = next(line for line in by_sku if line.sku_id not in {sku_id for sku_id, *_ in held})
        raise insufficient(warehouse, short.sku, short.quantity)
    for sku_id, on_hand, reserved, threshold in held:
        stock_events.check_low_stock(
            merchant_id=merchant.pk,
            warehouse_id=warehouse.pk,
            sku_id=sku_id,
            before=on_hand - reserved + wanted[sku_id],
            after=on_hand - reserved,
            threshold=threshold,
        )
    order.pk, order.number = order_id, number
    _saved(order)
    for line, pk in zip(lines, line_ids or [], strict=True):
        line.pk, line.order = pk, order
        _saved(line)
    for adjustment, pk in zip(adjustments, adjustment_ids or [], strict=True):
        adjustment.pk, adjustment.order = pk, order
        adjustment.line = adjustment.line  # its id, now that the line has one
        _saved(adjustment)
    timeline.pk, timeline.order = timeline_id, order
    _saved(timeline)
    event.pk = event_id
    deliver_after_commit(event, deliveries)
    return Written(order=order, lines=lines, adjustments=adjustments, created=timeline)


def _saved(obj) -> None:
    obj._state.adding = False
    obj._state.db = connection.alias
