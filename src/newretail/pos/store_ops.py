"""Reads for the store dashboard: visitors (footfall), purchases and conversion hour by hour of
one day in the merchant's time zone. A purchase is a completed till sale (a POS ticket) or a
paid scan-to-buy order of the store; conversion is purchases ÷ visitors."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from newretail.orders.models import Order
from newretail.pos.models import FootfallCount, Ticket


def day_bounds(day: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def hourly(*, merchant_id: int, store_id: int, day: dt.date, zone: str) -> dict:
    """{"hours": [{hour, visitors, tickets, scan_to_buy, purchases, conversion}], totals…} for
    the hours that saw anything (and the store's usual 8–22 span)."""
    tz = ZoneInfo(zone)
    start, end = day_bounds(day, zone)
    visitors = [0] * 24
    tickets = [0] * 24
    scans = [0] * 24
    for slot, count in FootfallCount.objects.filter(
        merchant_id=merchant_id, store_id=store_id, slot_start__gte=start, slot_start__lt=end
    ).values_list("slot_start", "visitors"):
        visitors[slot.astimezone(tz).hour] += count
    for at in Ticket.objects.filter(
        merchant_id=merchant_id,
        store_id=store_id,
        kind=Ticket.Kind.SALE,
        status=Ticket.Status.COMPLETED,
        completed_at__gte=start,
        completed_at__lt=end,
    ).values_list("completed_at", flat=True):
        tickets[at.astimezone(tz).hour] += 1
    for at in Order.objects.filter(
        merchant_id=merchant_id,
        store_id=store_id,
        channel=Order.Channel.SCAN_TO_BUY,
        paid_at__gte=start,
        paid_at__lt=end,
    ).values_list("paid_at", flat=True):
        scans[at.astimezone(tz).hour] += 1
    busy = [h for h in range(24) if visitors[h] or tickets[h] or scans[h]]
    first, last = min([8, *busy]), max([21, *busy])
    hours = []
    for hour in range(first, last + 1):
        purchases = tickets[hour] + scans[hour]
        hours.append(
            {
                "hour": hour,
                "visitors": visitors[hour],
                "tickets": tickets[hour],
                "scan_to_buy": scans[hour],
                "purchases": purchases,
                "conversion": (purchases / visitors[hour]) if visitors[hour] else None,
            }
        )
    total_visitors, total_purchases = sum(visitors), sum(tickets) + sum(scans)
    return {
        "day": day,
        "hours": hours,
        "visitors": total_visitors,
        "tickets": sum(tickets),
        "scan_to_buy": sum(scans),
        "purchases": total_purchases,
        "conversion": (total_purchases / total_visitors) if total_visitors else None,
        "peak": max(visitors) if any(visitors) else 0,
    }
