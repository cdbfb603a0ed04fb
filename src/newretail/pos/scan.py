"""What a scan or a typed code at the till means: a scale label (PLU + price or weight), a
product barcode, or a PLU typed by hand. Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from newretail.catalog.barcodes import normalize_barcode
from newretail.catalog.models import Sku, StorePrice
from newretail.catalog.queries import sku_by_barcode, sku_by_plu
from newretail.core.errors import DomainError
from newretail.pos import scale
from newretail.pos.errors import PosError
from newretail.pos.queries import scale_formats


@dataclass(frozen=True)
class Scanned:
    sku: Sku
    # Pieces, or grams for a weighed item read from a label; None: the cashier enters the weight.
    quantity: int | None
    label: scale.ScaleReading | None = None


def shelf_price_fen(sku: Sku, store_id: int) -> int:
    """The store's price of a SKU before promotions (a store price, else the list price)."""
    store_price = (
        StorePrice.objects.filter(store_id=store_id, sku=sku).values_list("price_fen", flat=True).first()
    )
    return sku.price_fen if store_price is None else store_price


def resolve_scan(*, merchant_id: int, store_id: int, code: str) -> Scanned:
    """The item a scanned or typed code names. Scale labels are read with the merchant's formats
    (check digit verified); a price label becomes the grams that price stands for at the shelf
    price per kg. Unknown codes are ``pos.unknown_code``."""
    code = normalize_barcode(code)[:32]
    if not code or not code.isascii():
        raise DomainError(PosError.UNKNOWN_CODE, code=code[:32])
    if scale.looks_like_scale_label(code):
        reading = scale.read_label(code, scale_formats(merchant_id))
        if reading is not None:
            sku = sku_by_plu(merchant_id, reading.plu)
            if sku is None:
                raise DomainError(PosError.SCALE_LABEL_UNKNOWN_PLU, plu=reading.plu)
            if reading.kind == scale.WEIGHT:
                grams = reading.value
            else:
                grams = scale.grams_for_price(reading.value, shelf_price_fen(sku, store_id))
            return Scanned(sku=sku, quantity=max(grams, 1), label=reading)
    if code.isdigit() and len(code) in (8, 12, 13, 14):
        sku = sku_by_barcode(merchant_id, code)
        if sku is not None:
            return Scanned(sku=sku, quantity=1)
    if code.isdigit() and len(code) <= 5:
        sku = sku_by_plu(merchant_id, code)
        if sku is not None:
            return Scanned(sku=sku, quantity=None)
    raise DomainError(PosError.UNKNOWN_CODE, code=code)
