"""QR codes as SVG (segno): a standalone document for an ``<img src>`` or a download (it needs
the XML namespace, which segno's inline form leaves out), or inline markup for a page."""

from __future__ import annotations

import io

import segno


def qr_svg_document(data: str, *, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(data, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False)
    return buffer.getvalue()


def qr_svg_inline(data: str, *, scale: int = 5) -> str:
    return segno.make_qr(data, error="m").svg_inline(scale=scale, border=2)
