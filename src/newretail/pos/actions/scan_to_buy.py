"""Scan-to-buy (扫码购): a shopper in a store scans shelf barcodes with their phone, pays online,
and leaves through the door with an exit code.

- Scanning reads the same codes as the till (``pos.scan``: barcodes, the merchant's scale labels
  with their check digit); a PLU typed without a label is refused for weighed goods (the shopper
  has no scale), so every weighed line comes from a printed label.
- The basket is priced by the one pricing engine through the order core (channel
  ``scan_to_buy``, fulfilment ``in_store`` at the chosen store, the member's level price and
  promotions), and placing it creates an order of that channel, keyed by an idempotency key,
  whose stock comes from the store's own warehouse. Paid online, the order completes at once
  (the goods leave with the shopper), as a till sale does.
- A paid order has one exit pass: an 8-digit code (shown with a QR code) that staff or a door
  scanner of **that store** verify **once** (a conditional update from unused). A wrong code is
  counted against the store's limit of failed guesses, so codes cannot be tried in bulk."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from newretail.core import clock, ratelimit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.members.models import Member
from newretail.orders.actions.checkout import Quote, create_order, quote_order
from newretail.orders.models import Order
from newretail.pos.errors import PosError
from newretail.pos.models import ExitPass, StoreDevice
from newretail.pos.scan import Scanned, resolve_scan
from newretail.tenancy.access import require_perm, require_store_access
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm

CHANNEL = Order.Channel.SCAN_TO_BUY
FULFILMENT = Order.Fulfilment.IN_STORE
CODE_DIGITS = 8
MAX_LINES = 100
FAILED_GUESSES_PER_MINUTE = 20
DONE_STATUSES = (Order.Status.PAID, Order.Status.COMPLETED)


def selling_store(merchant_id: int, store_id: int) -> Store:
    """A store of the merchant where shoppers may scan to buy (active; 404 otherwise)."""
    store = get_owned(Store, merchant_id, pk=store_id)
    if not store.is_active:
        raise DomainError(PosError.STORE_INACTIVE)
    return store


def scan_item(*, merchant_id: int, store_id: int, code: str) -> Scanned:
    """The item a shelf barcode or scale label names, with its quantity (pieces or grams)."""
    found = resolve_scan(merchant_id=merchant_id, store_id=store_id, code=code)
    if found.quantity is None:
        if found.sku.product.sold_by_weight:
            # A bare PLU of loose goods: only the scale's label says how much.
            raise DomainError(PosError.UNKNOWN_CODE, code=(code or "")[:32])
        return Scanned(sku=found.sku, quantity=1, label=found.label)
    return found


@dataclass(frozen=True)
class BasketLine:
    sku_id: int
    quantity: int


def add_to_basket(lines: Sequence[BasketLine], scanned: Scanned) -> list[BasketLine]:
    """The basket with one more scan: the same SKU adds up (two labels of apples add grams)."""
    out = list(lines)
    for index, line in enumerate(out):
        if line.sku_id == scanned.sku.pk:
            out[index] = BasketLine(line.sku_id, line.quantity + (scanned.quantity or 1))
            return out
    if len(out) >= MAX_LINES:
        return out
    out.append(BasketLine(scanned.sku.pk, scanned.quantity or 1))
    return out


def quote_basket(
    *, merchant_id: int, store_id: int, lines: Sequence[BasketLine], member: Member | None
) -> Quote:
    """Price the basket as placing it would (reads only)."""
    if not lines:
        raise DomainError(PosError.SCAN_BASKET_EMPTY)
    return quote_order(
        merchant=merchant_id,
        channel=CHANNEL,
        fulfilment=FULFILMENT,
        lines=sorted((line.sku_id, line.quantity) for line in lines),
        store_id=store_id,
        member=member,
    )


def place_scan_order(
    *,
    member: Member,
    store_id: int,
    lines: Sequence[BasketLine],
    idempotency_key: str,
    expected_payable_fen: int | None = None,
) -> Order:
    """The basket as an order of channel ``scan_to_buy`` at the store, pending payment, its stock
    held in the store's warehouse. A replayed key returns the first order."""
    if not lines:
        raise DomainError(PosError.SCAN_BASKET_EMPTY)
    selling_store(member.merchant_id, store_id)
    return create_order(
        merchant=member.merchant_id,
        channel=CHANNEL,
        fulfilment=FULFILMENT,
        lines=[{"sku_id": line.sku_id, "quantity": line.quantity} for line in lines],
        store_id=store_id,
        member=member,
        idempotency_key=f"stb:{idempotency_key}"[:64],
        expected_payable_fen=expected_payable_fen,
    )


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def exit_pass_for(order: Order) -> ExitPass:
    """The order's exit pass, issued the first time it is asked for once the order is paid."""
    if order.channel != CHANNEL or order.status not in DONE_STATUSES or order.store_id is None:
        raise DomainError(PosError.NOT_SCAN_TO_BUY, number=order.number)
    existing = ExitPass.objects.filter(order=order).first()
    if existing is not None:
        return existing
    for _attempt in range(20):
        try:
            with transaction.atomic():
                return ExitPass.objects.create(
                    merchant_id=order.merchant_id, order=order, store_id=order.store_id, code=_new_code()
                )
        except IntegrityError:
            existing = ExitPass.objects.filter(order=order).first()
            if existing is not None:  # a concurrent request issued it
                return existing
    raise RuntimeError("could not draw a free exit code")


def _clean_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())[: CODE_DIGITS + 4]


def _verify(
    *, merchant_id: int, store: Store, code: str, user: User | None, device: StoreDevice | None
) -> ExitPass:
    limit_key = f"exit-code:{store.pk}"
    ratelimit.check(limit_key, limit=FAILED_GUESSES_PER_MINUTE, window_seconds=60)
    cleaned = _clean_code(code)
    found = (
        ExitPass.objects.select_related("order", "store")
        .filter(merchant_id=merchant_id, code=cleaned)
        .first()
        if len(cleaned) == CODE_DIGITS
        else None
    )
    if found is None:
        ratelimit.hit(limit_key, limit=FAILED_GUESSES_PER_MINUTE, window_seconds=60)
        raise DomainError(PosError.EXIT_CODE_UNKNOWN, code=cleaned or (code or "")[:12])
    if found.store_id != store.pk:
        raise DomainError(PosError.EXIT_CODE_OTHER_STORE, code=cleaned, store=found.store.name)
    now = clock.now()
    used = ExitPass.objects.filter(pk=found.pk, used_at__isnull=True).update(
        used_at=now, used_by=user, used_device=device
    )
    found.refresh_from_db()
    if not used:
        at = timezone.localtime(found.used_at)
        raise DomainError(PosError.EXIT_CODE_USED, code=cleaned, at=f"{at:%m-%d %H:%M}")
    return found


def verify_exit_code(*, actor: User, store_id: int, code: str) -> ExitPass:
    """Staff at the door of ``store_id`` check a shopper's exit code: good once, for that store
    only. Needs ``orders.fulfil`` and access to the store."""
    require_perm(actor, Perm.ORDERS_FULFIL)
    store = get_owned(Store, actor.merchant_id, pk=store_id)
    require_store_access(actor, store.pk)
    return _verify(merchant_id=actor.merchant_id, store=store, code=code, user=actor, device=None)


def verify_exit_code_by_device(*, device: StoreDevice, code: str) -> ExitPass:
    """A door scanner of the store checks a code (its key is for exit codes and its store)."""
    from newretail.pos.actions.devices import require_kind

    require_kind(device, StoreDevice.Kind.DOOR_SCANNER)
    return _verify(merchant_id=device.merchant_id, store=device.store, code=code, user=None, device=device)
