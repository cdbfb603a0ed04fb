"""QR codes as SVG (segno): a standalone document for an ``<img src>`` or a download (it needs
the XML namespace, which segno's inline form leaves out), or inline markup for a page; and Code 128
barcodes (python-barcode) for codes a till scans."""

from __future__ import annotations

import io

import segno
from barcode import Code128
from barcode.writer import SVGWriter


def qr_svg_document(data: str, *, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(data, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False)
    return buffer.getvalue()


def qr_svg_inline(data: str, *, scale: int = 5) -> str:
    return segno.make_qr(data, error="m").svg_inline(scale=scale, border=2)


def code128_svg_inline(data: str, *, module_width_mm: float = 0.45, height_mm: float = 16) -> str:
    """A Code 128 barcode (what handheld scanners at the till read best) as inline SVG markup."""
    buffer = io.BytesIO()
    Code128(data, writer=SVGWriter()).write(
        buffer,
        options={
            "write_text": False,
            "module_width": module_width_mm,
            "module_height": height_mm,
            "quiet_zone": 3,
        },
    )
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]
