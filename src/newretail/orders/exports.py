"""The console's order list filters and the order export (a background job, ``orders.export``).

``filtered_orders(actor, filters)`` is the one reading of the filters: the console list shows
it and the export writes it, so the file always holds the rows the list showed. ``filters`` is
JSON-able (it is stored as the job's params): channel, status (or a status group such as
``to_fulfil``), store_id, fulfilment, date_from / date_to (the merchant's local dates, the
window is ``[date_from 00:00, date_to + 1 day 00:00)``), member_phone (full or last four
digits) and number.

The export writes one row per order line. Member and recipient phones are masked unless the
job's creator has ``members.view``; the file lands in private storage and is served by the job
pages only.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Mapping
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.files import File
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newretail.catalog.io_format import Column, TableWriter
from newretail.core import clock
from newretail.core.errors import CoreError, DomainError
from newretail.core.jobs import Progress, job_handler, start_job
from newretail.core.models import Job
from newretail.core.money import fen_to_yuan
from newretail.core.privacy import mask_name, mask_phone
from newretail.members.queries import sees_personal_data
from newretail.orders.models import Order, OrderLine
from newretail.orders.queries import STATUS_GROUPS, scoped_orders, search_orders
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

KIND = "orders.export"
FORMATS = ("xlsx", "csv")
CHUNK_ORDERS = 500
S = Order.Status

FILTER_KEYS = (
    "channel",
    "status",
    "store_id",
    "fulfilment",
    "date_from",
    "date_to",
    "member_phone",
    "number",
)


def merchant_zone(actor: User) -> ZoneInfo:
    try:
        return ZoneInfo(actor.merchant.timezone or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return clock.DEFAULT_ZONE


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def filtered_orders(actor: User, filters: Mapping[str, Any]) -> QuerySet[Order]:
    """The orders ``actor`` may see that match ``filters`` (unknown or bad values are ignored),
    newest first, with store and member joined."""
    zone = merchant_zone(actor)
    date_from, date_to = _date(filters.get("date_from")), _date(filters.get("date_to"))
    status = str(filters.get("status") or "")
    group = STATUS_GROUPS.get(status)
    store_id = filters.get("store_id")
    orders = search_orders(
        scoped_orders(actor),
        channel=str(filters.get("channel") or "") if filters.get("channel") in Order.Channel.values else "",
        status=status if status in S.values else "",
        store_id=store_id if isinstance(store_id, int) and not isinstance(store_id, bool) else None,
        fulfilment=str(filters.get("fulfilment") or "")
        if filters.get("fulfilment") in Order.Fulfilment.values
        else "",
        created_from=_local_midnight(date_from, zone) if date_from else None,
        created_before=_local_midnight(date_to + dt.timedelta(days=1), zone) if date_to else None,
        member_phone=str(filters.get("member_phone") or ""),
        number=str(filters.get("number") or ""),
    )
    if group is not None:
        orders = orders.filter(status__in=group[1])
    return orders


# --- the file --------------------------------------------------------------------------------

# (key, header msgid, is money)
COLUMNS: tuple[tuple[str, Any, bool], ...] = (
    ("number", gettext_lazy("Order number"), False),
    ("created_at", gettext_lazy("Ordered at"), False),
    ("channel", gettext_lazy("Channel"), False),
    ("store", gettext_lazy("Store"), False),
    ("status", gettext_lazy("Status"), False),
    ("fulfilment", gettext_lazy("Fulfilment"), False),
    ("member_phone", gettext_lazy("Member phone"), False),
    ("recipient", gettext_lazy("Recipient"), False),
    ("sku_code", gettext_lazy("SKU code"), False),
    ("product", gettext_lazy("Product"), False),
    ("quantity", gettext_lazy("Quantity"), False),
    ("unit_price", gettext_lazy("Unit price (¥)"), True),
    ("line_amount", gettext_lazy("Line amount (¥)"), True),
    ("refunded", gettext_lazy("Refunded (¥)"), True),
    ("payable", gettext_lazy("Order payable (¥)"), True),
    ("shipping", gettext_lazy("Shipping (¥)"), True),
)
# Column widths as TableWriter takes them (it adds 2); the others are 9.
WIDTHS = {"number": 16, "created_at": 15, "store": 12, "member_phone": 12, "recipient": 14, "product": 26}
TEXT_COLUMNS = frozenset({"number", "member_phone", "sku_code"})


class OrderFileWriter(TableWriter):
    """The export's rows through the product file's writer: .xlsx (write-only workbook; money as
    numbers with two decimals, numbers and codes as text) or .csv (UTF-8 with BOM so that Excel
    opens Chinese correctly). Headers are translated when the writer is made."""

    MONEY = frozenset(key for key, _header, money in COLUMNS if money)

    def __init__(self, fmt: str, target: IO[bytes]) -> None:
        columns = [
            Column(key, str(header), text=key in TEXT_COLUMNS, width=WIDTHS.get(key, 9))
            for key, header, _money in COLUMNS
        ]
        super().__init__(fmt, target, columns)
        if fmt == "xlsx":
            self.sheet.title = _("Orders")


def _recipient(address: Mapping[str, Any], *, show_personal: bool) -> str:
    if not address:
        return ""
    name, phone = str(address.get("recipient") or ""), str(address.get("phone") or "")
    if not show_personal:
        name, phone = mask_name(name), mask_phone(phone)
    return f"{name} {phone}".strip()


def line_values(order: Order, line: OrderLine, zone: ZoneInfo, *, show_personal: bool) -> dict[str, Any]:
    """One order line as a row of the export."""
    phone = order.member.phone if order.member_id else ""
    return {
        "number": order.number,
        "created_at": order.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "channel": order.get_channel_display(),
        "store": order.store.name if order.store_id else "",
        "status": order.get_status_display(),
        "fulfilment": order.get_fulfilment_display(),
        "member_phone": phone if show_personal else mask_phone(phone),
        "recipient": _recipient(order.shipping_address or {}, show_personal=show_personal),
        "sku_code": line.sku.code,
        "product": f"{line.product_name} {line.spec_text}".strip(),
        "quantity": line.quantity,
        "unit_price": fen_to_yuan(line.unit_price_fen),
        "line_amount": fen_to_yuan(line.final_amount_fen),
        "refunded": fen_to_yuan(line.refunded_fen),
        "payable": fen_to_yuan(order.payable_fen),
        "shipping": fen_to_yuan(order.shipping_fen),
    }


def export_rows(actor: User, filters: Mapping[str, Any]) -> tuple[int, Iterator[dict[str, Any]]]:
    """(number of lines, rows) of the filtered orders, newest order first, lines by SKU."""
    matching = filtered_orders(actor, filters)
    ids = list(matching.values_list("pk", flat=True))
    # A subquery, not ``ids``: tens of thousands of orders are more parameters than SQLite takes.
    total = OrderLine.objects.filter(order__in=matching.values("pk")).count() if ids else 0
    show_personal = sees_personal_data(actor)
    zone = merchant_zone(actor)

    def rows() -> Iterator[dict[str, Any]]:
        for start in range(0, len(ids), CHUNK_ORDERS):
            batch = ids[start : start + CHUNK_ORDERS]
            orders = {o.pk: o for o in Order.objects.filter(pk__in=batch).select_related("store", "member")}
            lines: dict[int, list[OrderLine]] = {}
            for line in OrderLine.objects.filter(order_id__in=batch).select_related("sku").order_by("sku_id"):
                lines.setdefault(line.order_id, []).append(line)
            for pk in batch:
                for line in lines.get(pk, ()):
                    yield line_values(orders[pk], line, zone, show_personal=show_personal)

    return total, rows()


def write_export(
    actor: User, target: IO[bytes], fmt: str, filters: Mapping[str, Any], *, progress: Progress | None = None
) -> int:
    """Write the export to ``target``; returns the number of line rows."""
    total, rows = export_rows(actor, filters)
    if progress:
        progress.set(0, total)
    writer = OrderFileWriter(fmt, target)
    count = 0
    for values in rows:
        writer.write(values)
        count += 1
        if progress and count % 500 == 0:
            progress.set(count, total)
    writer.close()
    if progress:
        progress.set(count, total)
    return count


@job_handler(KIND, label=gettext_lazy("Order export"))
def export_orders(job: Job, progress: Progress) -> dict[str, Any]:
    """Export for the job's creator (needs orders.view, sees only their stores' orders)."""
    actor = require_perm(job.created_by, Perm.ORDERS_VIEW)
    params = job.params
    fmt = params.get("format") if params.get("format") in FORMATS else "xlsx"
    filters = params.get("filters") or {}
    with translation.override(params.get("language") or settings.LANGUAGE_CODE):
        with tempfile.TemporaryFile() as handle:
            count = write_export(actor, handle, fmt, filters, progress=progress)
            handle.seek(0)
            stamp = clock.now().astimezone(merchant_zone(actor)).strftime("%Y%m%d-%H%M")
            job.result_file.save(f"orders-{stamp}.{fmt}", File(handle), save=False)
        summary = _("Exported %(lines)s order lines.") % {"lines": count}
        return {"summary": summary, "lines": count, "format": fmt}


def clean_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-able subset of ``filters`` that ``filtered_orders`` reads."""
    cleaned: dict[str, Any] = {}
    for key in FILTER_KEYS:
        value = filters.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif not isinstance(value, int) or isinstance(value, bool):
            value = str(value)[:64]
        cleaned[key] = value
    return cleaned


def start_order_export(*, actor: User, fmt: str = "xlsx", filters: Mapping[str, Any] | None = None) -> Job:
    """Queue an export of the orders matching ``filters`` (needs orders.view)."""
    require_perm(actor, Perm.ORDERS_VIEW)
    if fmt not in FORMATS:
        raise DomainError(CoreError.INVALID_INPUT, detail=f"format {str(fmt)[:10]}")
    return start_job(
        actor=actor,
        kind=KIND,
        params={
            "format": fmt,
            "filters": clean_filters(filters or {}),
            "language": translation.get_language() or "",
        },
    )
