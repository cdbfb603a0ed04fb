"""The source report (来源报表): visits, sign-ups, orders and paid amount by channel and by tag,
over a range of days in the merchant's time zone, with sign-ups and orders credited to their
first or their last touch. Visits are touches themselves and count under their own source in
both views."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum

from newretail.analytics.models import Attribution, Channel, SourceTag, Visit
from newretail.tenancy.models import Merchant

TOUCHES = ("first", "last")
MAX_RANGE_DAYS = 366


@dataclasses.dataclass
class SourceRow:
    key: str  # channel value, or tag id
    label: str
    channel: str
    channel_label: str
    tag_code: str = ""
    visits: int = 0
    signups: int = 0
    orders: int = 0
    paid_orders: int = 0
    paid_fen: int = 0


@dataclasses.dataclass
class SourceReport:
    start: dt.date
    end: dt.date
    touch: str
    by_channel: list[SourceRow]
    by_tag: list[SourceRow]
    totals: SourceRow


def local_window(merchant: Merchant, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the merchant's zone, as aware datetimes."""
    zone = ZoneInfo(merchant.timezone or "Asia/Shanghai")
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return since, until


def source_report(merchant: Merchant, *, start: dt.date, end: dt.date, touch: str = "first") -> SourceReport:
    if touch not in TOUCHES:
        touch = "first"
    since, until = local_window(merchant, start, end)
    visits = Visit.objects.filter(merchant_id=merchant.pk, created_at__gte=since, created_at__lt=until)
    attributions = Attribution.objects.filter(merchant_id=merchant.pk, created_at__gte=since, created_at__lt=until)
    channel_field, tag_field = f"{touch}_channel", f"{touch}_tag_id"
    paid = Q(kind=Attribution.Kind.ORDER, order__paid_at__isnull=False)
    measures = {
        "signups": Count("id", filter=Q(kind=Attribution.Kind.SIGNUP)),
        "orders": Count("id", filter=Q(kind=Attribution.Kind.ORDER)),
        "paid_orders": Count("id", filter=paid),
        "paid_fen": Sum("order__payable_fen", filter=paid),
    }
    labels = dict(Channel.choices)

    channels: dict[str, SourceRow] = {}

    def channel_row(value: str) -> SourceRow:
        if value not in channels:
            label = str(labels.get(value, value))
            channels[value] = SourceRow(key=value, label=label, channel=value, channel_label=label)
        return channels[value]

    for row in visits.values("channel").annotate(n=Count("id")):
        channel_row(row["channel"]).visits = row["n"]
    for row in attributions.values(channel_field).annotate(**measures):
        _fill(channel_row(row[channel_field]), row)

    tags: dict[int, SourceRow] = {}
    visit_counts = {r["tag_id"]: r["n"] for r in visits.filter(tag__isnull=False).values("tag_id").annotate(n=Count("id"))}
    attribution_rows = {
        r[tag_field]: r for r in attributions.filter(**{f"{tag_field}__isnull": False}).values(tag_field).annotate(**measures)
    }
    ids = set(visit_counts) | set(attribution_rows)
    for tag in SourceTag.objects.filter(merchant_id=merchant.pk, pk__in=ids):
        label = str(labels.get(tag.channel, tag.channel))
        row = SourceRow(
            key=str(tag.pk), label=tag.label, channel=tag.channel, channel_label=label, tag_code=tag.code
        )
        row.visits = visit_counts.get(tag.pk, 0)
        if tag.pk in attribution_rows:
            _fill(row, attribution_rows[tag.pk])
        tags[tag.pk] = row

    order = {value: i for i, value in enumerate(Channel.values)}
    by_channel = sorted(channels.values(), key=lambda r: (-r.visits, -r.orders, order.get(r.channel, 99)))
    by_tag = sorted(tags.values(), key=lambda r: (-r.visits, -r.orders, r.label))
    totals = SourceRow(key="total", label="", channel="", channel_label="")
    for row in by_channel:
        for name in ("visits", "signups", "orders", "paid_orders", "paid_fen"):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    return SourceReport(start=start, end=end, touch=touch, by_channel=by_channel, by_tag=by_tag, totals=totals)


def _fill(row: SourceRow, values: dict) -> None:
    row.signups = values["signups"]
    row.orders = values["orders"]
    row.paid_orders = values["paid_orders"]
    row.paid_fen = values["paid_fen"] or 0


def tag_counts(merchant_id: int, tag_ids: list[int]) -> dict[int, dict[str, int]]:
    """Visits, and orders by last touch, of some tags (all time): the poster list's figures."""
    found: dict[int, dict[str, int]] = {tag_id: {"visits": 0, "orders": 0} for tag_id in tag_ids}
    for row in (
        Visit.objects.filter(merchant_id=merchant_id, tag_id__in=tag_ids).values("tag_id").annotate(n=Count("id"))
    ):
        found[row["tag_id"]]["visits"] = row["n"]
    for row in (
        Attribution.objects.filter(merchant_id=merchant_id, kind=Attribution.Kind.ORDER, last_tag_id__in=tag_ids)
        .values("last_tag_id")
        .annotate(n=Count("id"))
    ):
        found[row["last_tag_id"]]["orders"] = row["n"]
    return found
