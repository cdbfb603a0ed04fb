"""Generated members and order history for benchmarks (``load_demo --scale --members N
--order-lines M``): the member list, spend filters and member pages at a million members.

Written in bulk on purpose (the actions would take hours): members with phones in the 15x range,
and completed historical orders (numbered ``HIS…``, no stock movements, no events: history from an
older system, as an import brings it), each with 1–5 lines of real SKUs at their list prices."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction

from newretail.catalog.models import Sku
from newretail.core import clock
from newretail.members.models import Member
from newretail.tenancy.models import Merchant, Store

BATCH = 5_000


def generate_scale_members(
    merchant: Merchant, *, members: int, order_lines: int, log: Callable[[str], None] = print, seed: int = 7
) -> tuple[int, int]:
    """Add ``members`` members and about ``order_lines`` order lines over the last year. Returns
    (members added, lines added)."""
    from newretail.orders.models import Order, OrderLine

    rng = random.Random(seed)
    stores = list(Store.objects.for_merchant(merchant).select_related().prefetch_related("warehouses"))
    warehouses = {store.pk: store.warehouses.first().pk for store in stores}
    start = Member.objects.for_merchant(merchant).filter(phone__startswith="15").count()
    for offset in range(0, members, BATCH):
        rows = [
            Member(
                merchant=merchant,
                phone=f"15{(start + n) % 1_000_000_000:09d}",
                registered_store=rng.choice(stores),
                source=Member.Source.IMPORT,
            )
            for n in range(offset, min(offset + BATCH, members))
        ]
        Member.objects.bulk_create(rows, ignore_conflicts=True)
        log(f"members: {offset + len(rows)} / {members}")
    member_ids = list(
        Member.objects.for_merchant(merchant).filter(phone__startswith="15").values_list("pk", flat=True)
    )
    skus = list(
        Sku.objects.for_merchant(merchant).filter(is_deleted=False).values_list("pk", "price_fen")[:20_000]
    )
    sku_names = dict(Sku.objects.filter(pk__in=[pk for pk, _ in skus]).values_list("pk", "product__name"))
    now = clock.now()
    lines_added = 0
    number = Order.objects.for_merchant(merchant).filter(number__startswith="HIS").count()
    while lines_added < order_lines and member_ids and skus:
        with transaction.atomic():
            orders, planned = [], []
            while len(orders) < BATCH // 3 and lines_added + sum(len(p) for p in planned) < order_lines:
                number += 1
                store = rng.choice(stores)
                # Distinct SKUs: an order has one line per SKU.
                picked = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, min(len(skus), rng.randint(1, 5)))]
                goods = sum(price * quantity for (_pk, price), quantity in picked)
                when = now - dt.timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1440))
                orders.append(
                    Order(
                        merchant=merchant,
                        number=f"HIS{number:010d}",
                        channel=rng.choice([Order.Channel.POS, Order.Channel.POS, Order.Channel.MALL]),
                        store=store,
                        member_id=rng.choice(member_ids),
                        fulfilment=Order.Fulfilment.IN_STORE,
                        warehouse_id=warehouses[store.pk],
                        status=Order.Status.COMPLETED,
                        goods_list_fen=goods,
                        payable_fen=goods,
                        paid_at=when,
                        completed_at=when,
                    )
                )
                planned.append(picked)
            Order.objects.bulk_create(orders)
            created = Order.objects.filter(
                merchant=merchant, number__in=[o.number for o in orders]
            ).values_list("number", "pk")
            ids = dict(created)
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        merchant=merchant,
                        order_id=ids[order.number],
                        sku_id=sku_id,
                        product_name=sku_names.get(sku_id, "")[:100],
                        quantity=quantity,
                        unit_price_fen=price,
                        list_amount_fen=price * quantity,
                        final_amount_fen=price * quantity,
                    )
                    for order, picked in zip(orders, planned, strict=True)
                    for (sku_id, price), quantity in picked
                ],
                batch_size=BATCH,
            )
            lines_added += sum(len(p) for p in planned)
        log(f"order lines: {lines_added} / {order_lines}")
    return members, lines_added
