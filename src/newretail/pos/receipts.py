"""Receipts (小票): one set of receipt values from a ticket, rendered as printable HTML (58 mm or
80 mm paper, ``pos/receipt.html``) or as ESC/POS bytes for a thermal printer (python-escpos;
Chinese text in GB18030, which Chinese thermal printers read in their Chinese mode). The
receipt's barcode is the ticket number: scanning it starts a return."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from newretail.core.money import format_fen
from newretail.core.privacy import mask_phone
from newretail.orders.models import OrderAdjustment, OrderLine
from newretail.payments.models import Tender
from newretail.pos.models import Ticket
from newretail.pos.queries import pos_settings

WIDTHS = {58: 32, 80: 48}  # characters per line in the printer's 12×24 font
logging.getLogger("escpos").setLevel(logging.WARNING)


@dataclass
class ReceiptLine:
    name: str
    quantity: str
    unit_price: str
    amount: str
    discount: str = ""


@dataclass
class Receipt:
    title: str
    store: str
    header: str
    footer: str
    number: str
    order_number: str
    kind: str
    when: str
    terminal: str
    cashier: str
    member: str
    lines: list[ReceiptLine] = field(default_factory=list)
    totals: list[tuple[str, str]] = field(default_factory=list)
    tenders: list[tuple[str, str]] = field(default_factory=list)
    reprint: bool = False


def _quantity(quantity: int, weighed: bool) -> str:
    return f"{quantity / 1000:.3f}kg" if weighed else f"×{quantity}"


def build_receipt(ticket: Ticket, *, reprint: bool = False) -> Receipt:
    settings = pos_settings(ticket.merchant_id)
    order = ticket.order
    when = timezone.localtime(ticket.completed_at or ticket.created_at)
    member = ""
    if ticket.member_id:
        member = mask_phone(ticket.member.phone)
    receipt = Receipt(
        title=_("Return receipt") if ticket.kind == Ticket.Kind.RETURN else _("Sales receipt"),
        store=ticket.store.name,
        header=settings.receipt_header,
        footer=settings.receipt_footer or _("Thank you, come again"),
        number=ticket.number,
        order_number=order.number if order else "",
        kind=ticket.kind,
        when=f"{when:%Y-%m-%d %H:%M:%S}",
        terminal=ticket.terminal.code,
        cashier=ticket.cashier.get_full_name() or ticket.cashier.username,
        member=member,
        reprint=reprint,
    )
    sign = -1 if ticket.kind == Ticket.Kind.RETURN else 1
    if order is not None:
        order_lines = {
            line.pk: line for line in OrderLine.objects.filter(order=order).select_related("sku__product")
        }
        if ticket.kind == Ticket.Kind.RETURN:
            for item in ticket.lines:
                line = order_lines.get(item.get("order_line_id"))
                if line is None:
                    continue
                weighed = line.sku.product.sold_by_weight
                part = line.final_amount_fen * item["quantity"] // line.quantity
                receipt.lines.append(
                    ReceiptLine(
                        line.product_name,
                        _quantity(item["quantity"], weighed),
                        format_fen(line.unit_price_fen),
                        format_fen(-part),
                    )
                )
        else:
            discounts: dict[int, int] = {}
            for adj in OrderAdjustment.objects.filter(order=order, line__isnull=False):
                discounts[adj.line_id] = discounts.get(adj.line_id, 0) + adj.amount_fen
            for line in order_lines.values():
                weighed = line.sku.product.sold_by_weight
                off = line.final_amount_fen - line.list_amount_fen
                receipt.lines.append(
                    ReceiptLine(
                        line.product_name + (f" {line.spec_text}" if line.spec_text else ""),
                        _quantity(line.quantity, weighed),
                        format_fen(line.unit_price_fen),
                        format_fen(line.final_amount_fen),
                        format_fen(off) if off else "",
                    )
                )
            receipt.totals.append((_("Items"), format_fen(order.goods_list_fen)))
            if order.discount_fen:
                receipt.totals.append((_("Discount"), format_fen(-order.discount_fen)))
    receipt.totals.append(
        (_("Total"), format_fen(ticket.payable_fen if order else sign * ticket.payable_fen))
    )
    for kind, fen in ticket.tenders.items():
        label = Tender.Kind(kind).label if kind in Tender.Kind.values else kind
        receipt.tenders.append((str(label), format_fen(fen)))
    if ticket.rounding_fen:
        receipt.tenders.append((_("Cash rounding"), format_fen(ticket.rounding_fen)))
    if ticket.cash_received_fen:
        receipt.tenders.append((_("Cash received"), format_fen(ticket.cash_received_fen)))
        receipt.tenders.append((_("Change due"), format_fen(ticket.change_fen)))
    return receipt


def barcode_svg(number: str) -> str:
    """The receipt's Code 128 barcode as inline SVG (printing needs no image request)."""
    import io

    import barcode
    from barcode.writer import SVGWriter

    out = io.BytesIO()
    barcode.get("code128", number, writer=SVGWriter()).write(
        out, {"module_height": 9, "module_width": 0.22, "write_text": False, "quiet_zone": 1}
    )
    text = out.getvalue().decode()
    return text[text.index("<svg") :]


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pair(left: str, right: str, width: int) -> str:
    space = max(1, width - _display_width(left) - _display_width(right))
    return left + " " * space + right


def escpos_bytes(receipt: Receipt, *, paper_mm: int = 80) -> bytes:
    """The receipt as ESC/POS commands for a 58 or 80 mm thermal printer."""
    from escpos.printer import Dummy

    width = WIDTHS.get(paper_mm, 48)
    printer = Dummy()

    def text(value: str) -> None:
        printer._raw(value.encode("gb18030", errors="replace"))

    printer._raw(b"\x1b\x40\x1c\x26")  # initialise; FS & selects the printer's Chinese mode
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    text(receipt.store + "\n")
    printer.set(align="center", bold=False, normal_textsize=True)
    if receipt.header:
        text(receipt.header + "\n")
    text(receipt.title + (f" ({_('Reprint')})" if receipt.reprint else "") + "\n")
    printer.set(align="left", normal_textsize=True)
    text(f"{_('Ticket')}: {receipt.number}\n{_('Time')}: {receipt.when}\n")
    text(f"{_('Terminal')}: {receipt.terminal}  {_('Cashier')}: {receipt.cashier}\n")
    if receipt.member:
        text(f"{_('Member')}: {receipt.member}\n")
    text("-" * width + "\n")
    for line in receipt.lines:
        text(line.name + "\n")
        text(_pair(f"  {line.unit_price} {line.quantity}", line.amount, width) + "\n")
        if line.discount:
            text(_pair(f"  {_('Discount')}", line.discount, width) + "\n")
    text("-" * width + "\n")
    for label, value in receipt.totals:
        text(_pair(label, value, width) + "\n")
    for label, value in receipt.tenders:
        text(_pair(label, value, width) + "\n")
    text("-" * width + "\n")
    printer.set(align="center")
    printer.barcode("{B" + receipt.number, "CODE128", function_type="B", height=60, width=2, pos="BELOW")
    text("\n" + receipt.footer + "\n")
    printer.cut()
    return printer.output
