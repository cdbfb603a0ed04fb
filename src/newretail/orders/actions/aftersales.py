"""After-sales (售后): the shopper (or staff on their behalf) asks for a refund of some lines and
quantities, with a reason and photos; the merchant approves or rejects.

- Refund only (仅退款): approved → refunded through the original tenders. Before the goods left
  (paid, fulfilling, ready for pickup) the units go back on the shelf, and a request covering
  everything still unrefunded also refunds the shipping.
- Return and refund (退货退款): only once the shopper has the goods; approved → awaiting the
  return; the merchant counts what came back (fit to sell → the order's warehouse, damaged →
  the damaged-goods warehouse) and the refund follows.
- Completed orders accept requests for ``OrderSettings.after_sale_days`` days.
- A line can never be asked for more than was bought minus what is refunded or already asked for
  in an open request; the refund itself is capped again by ``payments.actions.refunds``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from newretail.core import clock
from newretail.core.errors import DomainError, not_found
from newretail.core.events import record_event
from newretail.core.images import ImageInvalid, ImageTooLarge, image_extension
from newretail.core.tenancy import get_owned
from newretail.inventory.actions.numbers import next_document_number
from newretail.members.models import Member
from newretail.orders.access import member_order, staff_order
from newretail.orders.actions.stock import return_to_stock
from newretail.orders.errors import OrderError
from newretail.orders.models import AfterSale, AfterSaleLine, AfterSalePhoto, Order, OrderLine
from newretail.orders.queries import order_settings_for, refundable_quantities, scoped_after_sales
from newretail.orders.state import NOT_YET_FULFILLED, PAID_STATUSES
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

AFTER_SALE = "AS"  # AS20261123-0001
MAX_PHOTOS = 6
MAX_DESCRIPTION = 500
MAX_NOTE = 200
S = Order.Status
AS = AfterSale.Status
# Goods are with the shopper: a return is possible.
GOODS_WITH_SHOPPER = frozenset({S.SHIPPED, S.OUT_FOR_DELIVERY, S.COMPLETED})


def _event(after_sale: AfterSale, name: str, **extra: Any) -> None:
    record_event(
        merchant_id=after_sale.merchant_id,
        name=name,
        aggregate=after_sale,
        payload={
            "after_sale_id": after_sale.pk,
            "number": after_sale.number,
            "order_id": after_sale.order_id,
            "kind": after_sale.kind,
            "status": after_sale.status,
            "amount_fen": after_sale.amount_fen,
            **extra,
        },
    )


def _not_allowed(reason: str) -> DomainError:
    return DomainError(OrderError.AFTER_SALE_NOT_ALLOWED, reason=reason)


def _check_order(order: Order, kind: str, now: dt.datetime) -> None:
    if order.status not in PAID_STATUSES:
        raise _not_allowed(
            _("Order %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if order.status == S.COMPLETED and order.completed_at is not None:
        days = order_settings_for(order.merchant_id).after_sale_days
        closes_at = order.completed_at + dt.timedelta(days=days)
        if now >= closes_at:
            raise _not_allowed(
                _("After-sales for order %(number)s closed on %(date)s.")
                % {"number": order.number, "date": f"{closes_at.astimezone(clock.DEFAULT_ZONE):%Y-%m-%d}"}
            )
    if kind == AfterSale.Kind.RETURN_REFUND and order.status not in GOODS_WITH_SHOPPER:
        raise _not_allowed(_("The goods have not been handed over yet; ask for a refund only."))


def _clean_lines(order: Order, lines: Any) -> list[tuple[OrderLine, int]]:
    if not isinstance(lines, (list, tuple)) or not lines:
        raise DomainError(OrderError.AFTER_SALE_LINES_REQUIRED)
    order_lines = {line.pk: line for line in OrderLine.objects.filter(order=order)}
    refundable = refundable_quantities(order, order_lines.values())
    cleaned: dict[int, int] = {}
    for line in lines:
        line_id = line.get("order_line_id") if isinstance(line, Mapping) else None
        quantity = line.get("quantity") if isinstance(line, Mapping) else None
        if any(isinstance(n, bool) or not isinstance(n, int) for n in (line_id, quantity)) or quantity < 1:
            raise DomainError(OrderError.AFTER_SALE_LINES_REQUIRED)
        if line_id not in order_lines:
            raise not_found()
        cleaned[line_id] = cleaned.get(line_id, 0) + quantity
    result = []
    for line_id, quantity in sorted(cleaned.items()):
        line = order_lines[line_id]
        available = refundable[line_id]
        if quantity > available:
            raise DomainError(
                OrderError.AFTER_SALE_QUANTITY, available=max(available, 0), product=line.product_name
            )
        result.append((line, quantity))
    return result



def _check_photos(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(photos) > MAX_PHOTOS:
        raise DomainError(OrderError.TOO_MANY_PHOTOS, maximum=MAX_PHOTOS)
    checked = []
    for upload in photos:
        try:
            checked.append((upload, image_extension(upload)))
        except (ImageInvalid, ImageTooLarge):
            raise DomainError(OrderError.PHOTO_INVALID, name=(upload.name or "")[:60]) from None
    return checked


def request_after_sale(
    *,
    order_id: int,
    kind: str,
    reason: str,
    lines: Sequence[Mapping[str, Any]],
    description: str = "",
    photos: Sequence[UploadedFile] = (),
    member: Member | None = None,
    actor: User | None = None,
    idempotency_key: str | None = None,
) -> AfterSale:
    """Open an after-sales request on one of the member's orders (or, for staff with
    ``orders.refund``, on any order of their stores). Idempotent per key. Checks everything before
    writing: the order's state and after-sales window, the kind, each quantity, the photos."""
    if (member is None) == (actor is None):
        raise ValueError("request_after_sale needs exactly one of member and actor")
    merchant_id = member.merchant_id if member else actor.merchant_id
    key = (idempotency_key or "").strip()[:64] or None
    if key:
        existing = AfterSale.objects.filter(merchant_id=merchant_id, idempotency_key=key).first()
        if existing is not None:
            return existing
    if kind not in AfterSale.Kind.values:
        raise DomainError(
            OrderError.AFTER_SALE_NOT_ALLOWED, reason=_("Choose refund only or return and refund.")
        )
    if reason not in AfterSale.Reason.values:
        raise DomainError(OrderError.AFTER_SALE_REASON)
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(OrderError.NOTE_TOO_LONG, maximum=MAX_DESCRIPTION)
    checked_photos = _check_photos(list(photos))
    try:
        with transaction.atomic():
            return _request(
                merchant_id=merchant_id,
                order_id=order_id,
                kind=kind,
                reason=reason,
                lines=lines,
                description=description,
                photos=checked_photos,
                member=member,
                actor=actor,
                key=key,
            )
    except IntegrityError:
        existing = (
            AfterSale.objects.filter(merchant_id=merchant_id, idempotency_key=key).first() if key else None
        )
        if existing is None:
            raise
        return existing


def _request(
    *,
    merchant_id: int,
    order_id: int,
    kind: str,
    reason: str,
    lines: Sequence[Mapping[str, Any]],
    description: str,
    photos: list[tuple[UploadedFile, str]],
    member: Member | None,
    actor: User | None,
    key: str | None,
) -> AfterSale:
    now = clock.now()
    order = (
        member_order(member, order_id, lock=True)
        if member
        else staff_order(actor, order_id, Perm.ORDERS_REFUND, lock=True)
    )
    _check_order(order, kind, now)
    cleaned = _clean_lines(order, lines)
    amounts = [(line, quantity, line.refund_for(quantity)) for line, quantity in cleaned]
    unrefunded = set(
        OrderLine.objects.filter(order=order, refunded_quantity__lt=F("quantity")).values_list(
            "pk", flat=True
        )
    )
    everything_left = {line.pk for line, _q in cleaned} == unrefunded and all(
        quantity == line.quantity - line.refunded_quantity for line, quantity in cleaned
    )
    include_shipping = (
        kind == AfterSale.Kind.REFUND_ONLY and order.status in NOT_YET_FULFILLED and everything_left
    )
    shipping = order.shipping_fen - order.shipping_refunded_fen if include_shipping else 0
    after_sale = AfterSale.objects.create(
        merchant_id=merchant_id,
        number=next_document_number(merchant=order.merchant, prefix=AFTER_SALE),
        order=order,
        kind=kind,
        reason=reason,
        description=description,
        amount_fen=sum(amount for _l, _q, amount in amounts) + shipping,
        include_shipping=include_shipping,
        requested_by_member=member,
        requested_by_staff=actor,
        idempotency_key=key,
    )
    AfterSaleLine.objects.bulk_create(
        AfterSaleLine(
            merchant_id=merchant_id,
            after_sale=after_sale,
            order_line=line,
            quantity=quantity,
            amount_fen=amount,
        )
        for line, quantity, amount in amounts
    )
    for index, (upload, extension) in enumerate(photos, start=1):
        photo = AfterSalePhoto(merchant_id=merchant_id, after_sale=after_sale)
        photo.image.save(f"as{after_sale.pk}-{index}.{extension}", upload, save=False)
        photo.save()
    _event(after_sale, "after_sale.requested", reason=reason)
    return after_sale


def _staff_after_sale(actor: User, after_sale_id: int) -> AfterSale:
    require_perm(actor, Perm.ORDERS_REFUND)
    if not isinstance(after_sale_id, int) or not 0 < after_sale_id <= 2**63 - 1:
        raise not_found()
    return get_owned(scoped_after_sales(actor).select_for_update(), actor.merchant_id, pk=after_sale_id)


def _refuse(after_sale: AfterSale) -> DomainError:
    return DomainError(
        OrderError.AFTER_SALE_STATUS, number=after_sale.number, status=after_sale.get_status_display()
    )


def _set_status(after_sale: AfterSale, status: str, *, from_statuses: Sequence[str], **fields: Any) -> None:
    updated = AfterSale.objects.filter(pk=after_sale.pk, status__in=list(from_statuses)).update(
        status=status, **fields
    )
    if updated != 1:
        raise _refuse(after_sale)
    after_sale.status = status
    for name, value in fields.items():
        setattr(after_sale, name, value)


def _refund(after_sale: AfterSale, actor: User | None) -> None:
    from newretail.payments.actions.refunds import create_refund
    from newretail.payments.models import Refund

    lines = [(line.order_line_id, line.quantity) for line in after_sale.lines.all()]
    _set_status(after_sale, AS.REFUNDING, from_statuses=(AS.REQUESTED, AS.AWAITING_RETURN))
    refund = create_refund(
        order=after_sale.order,
        kind=Refund.Kind.AFTER_SALE,
        lines=lines,
        include_shipping=after_sale.include_shipping,
        reason=f"{after_sale.number} {after_sale.get_reason_display()}",
        actor=actor,
        idempotency_key=f"after-sale:{after_sale.pk}",
        after_sale=after_sale,
    )
    AfterSale.objects.filter(pk=after_sale.pk).update(amount_fen=refund.amount_fen)
    after_sale.amount_fen = refund.amount_fen
    if refund.status == Refund.Status.SUCCEEDED:
        mark_after_sale_refunded(refund=refund)
        after_sale.refresh_from_db()


@transaction.atomic
def approve_after_sale(*, actor: User, after_sale_id: int, note: str = "") -> AfterSale:
    """Accept a request. Refund only: the refund starts now (units of an order not yet handed
    over go back on the shelf). Return and refund: the shopper is asked to send the goods back."""
    after_sale = _staff_after_sale(actor, after_sale_id)
    if after_sale.status != AS.REQUESTED:
        raise _refuse(after_sale)
    order = Order.objects.select_for_update().get(pk=after_sale.order_id)
    now = clock.now()
    fields = {"decided_by": actor, "decided_at": now, "decision_note": (note or "").strip()[:MAX_NOTE]}
    if after_sale.kind == AfterSale.Kind.RETURN_REFUND:
        _set_status(after_sale, AS.AWAITING_RETURN, from_statuses=(AS.REQUESTED,), **fields)
        _event(after_sale, "after_sale.approved")
        return after_sale
    AfterSale.objects.filter(pk=after_sale.pk).update(**fields)
    if order.status in NOT_YET_FULFILLED:
        return_to_stock(
            order=order,
            quantities={line.order_line_id: (line.quantity, 0) for line in after_sale.lines.all()},
            actor=actor,
            reference_type="after_sale",
            reference_id=after_sale.number,
        )
        after_sale.lines.update(restocked_quantity=F("quantity"))
    _refund(after_sale, actor)
    _event(after_sale, "after_sale.approved")
    return after_sale


@transaction.atomic
def reject_after_sale(*, actor: User, after_sale_id: int, note: str) -> AfterSale:
    """Refuse a request, saying why (the shopper sees the note)."""
    note = (note or "").strip()[:MAX_NOTE]
    if not note:
        raise DomainError(OrderError.AFTER_SALE_NOTE_REQUIRED)
    after_sale = _staff_after_sale(actor, after_sale_id)
    now = clock.now()
    _set_status(
        after_sale,
        AS.REJECTED,
        from_statuses=(AS.REQUESTED, AS.AWAITING_RETURN),
        decided_by=actor,
        decided_at=now,
        decision_note=note,
        closed_at=now,
    )
    _event(after_sale, "after_sale.rejected", note=note)
    return after_sale


def _member_after_sale(member: Member, after_sale_id: int) -> AfterSale:
    if not isinstance(after_sale_id, int) or not 0 < after_sale_id <= 2**63 - 1:
        raise not_found()
    return get_owned(
        AfterSale.objects.select_for_update().filter(order__member=member),
        member.merchant_id,
        pk=after_sale_id,
    )


@transaction.atomic
def withdraw_after_sale(*, member: Member, after_sale_id: int) -> AfterSale:
    """The shopper withdraws a request the merchant has not refunded yet."""
    after_sale = _member_after_sale(member, after_sale_id)
    _set_status(
        after_sale, AS.WITHDRAWN, from_statuses=(AS.REQUESTED, AS.AWAITING_RETURN), closed_at=clock.now()
    )
    _event(after_sale, "after_sale.withdrawn")
    return after_sale


@transaction.atomic
def record_return_shipment(
    *, member: Member, after_sale_id: int, carrier: str, tracking_number: str
) -> AfterSale:
    """The shopper says how the goods come back (carrier and tracking number)."""
    carrier = (carrier or "").strip()[:50]
    tracking_number = "".join((tracking_number or "").split())[:50]
    if not carrier or not tracking_number:
        raise DomainError(OrderError.TRACKING_REQUIRED)
    after_sale = _member_after_sale(member, after_sale_id)
    if after_sale.status != AS.AWAITING_RETURN:
        raise _refuse(after_sale)
    AfterSale.objects.filter(pk=after_sale.pk).update(
        return_carrier=carrier, return_tracking_number=tracking_number
    )
    after_sale.return_carrier, after_sale.return_tracking_number = carrier, tracking_number
    return after_sale


@transaction.atomic
def receive_returned_goods(
    *, actor: User, after_sale_id: int, counts: Mapping[int, tuple[int, int]]
) -> AfterSale:
    """The goods of a return arrived: ``counts`` is {after-sales line id: (fit to sell, damaged)},
    which must add up to each line's quantity. Stock is booked back and the refund starts."""
    after_sale = _staff_after_sale(actor, after_sale_id)
    if after_sale.status != AS.AWAITING_RETURN:
        raise _refuse(after_sale)
    lines = list(after_sale.lines.select_related("order_line"))
    quantities = {}
    for line in lines:
        restock, damaged = counts.get(line.pk, (0, 0))
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in (restock, damaged)) or (
            restock + damaged != line.quantity
        ):
            raise DomainError(
                OrderError.RETURN_COUNT_MISMATCH,
                product=line.order_line.product_name,
                expected=line.quantity,
                counted=restock + damaged if isinstance(restock, int) and isinstance(damaged, int) else "?",
            )
        quantities[line.order_line_id] = (restock, damaged)
        AfterSaleLine.objects.filter(pk=line.pk).update(restocked_quantity=restock, damaged_quantity=damaged)
    order = Order.objects.select_for_update().get(pk=after_sale.order_id)
    return_to_stock(
        order=order,
        quantities=quantities,
        actor=actor,
        reference_type="after_sale",
        reference_id=after_sale.number,
    )
    AfterSale.objects.filter(pk=after_sale.pk).update(returned_at=clock.now())
    _refund(after_sale, actor)
    _event(after_sale, "after_sale.returned")
    return after_sale


def mark_after_sale_refunded(*, refund: Any) -> None:
    """Called by payments when a refund has fully succeeded: its after-sales request (if any) is
    refunded. Idempotent."""
    if not refund.after_sale_id:
        return
    now = clock.now()
    if AfterSale.objects.filter(pk=refund.after_sale_id, status=AS.REFUNDING).update(
        status=AS.REFUNDED, closed_at=now
    ):
        after_sale = AfterSale.objects.get(pk=refund.after_sale_id)
        _event(after_sale, "after_sale.refunded", refund_id=refund.pk)


@transaction.atomic
def add_after_sale_photo(*, member: Member, after_sale_id: int, upload: UploadedFile) -> AfterSalePhoto:
    """Attach a photo to the member's request while the merchant has not decided yet (checked
    by content; at most ``MAX_PHOTOS``)."""
    after_sale = _member_after_sale(member, after_sale_id)
    if after_sale.status != AS.REQUESTED:
        raise _refuse(after_sale)
    if after_sale.photos.count() >= MAX_PHOTOS:
        raise DomainError(OrderError.TOO_MANY_PHOTOS, maximum=MAX_PHOTOS)
    ((upload, extension),) = _check_photos([upload])
    photo = AfterSalePhoto(merchant_id=after_sale.merchant_id, after_sale=after_sale)
    photo.image.save(f"as{after_sale.pk}-{after_sale.photos.count() + 1}.{extension}", upload, save=False)
    photo.save()
    return photo


@transaction.atomic
def refund_at_counter(
    *,
    actor: User,
    order_id: int,
    kind: str,
    reason: str,
    lines: Sequence[Mapping[str, Any]],
    description: str = "",
    idempotency_key: str | None = None,
) -> AfterSale:
    """Staff refund (a shopper at the counter, a call to customer service): the after-sales request
    is entered and approved at once, so every refund still has its request on record. For a
    return the goods are in hand: each line may say ``restock`` and ``damaged`` counts (default:
    all fit to sell). Needs ``orders.refund``."""
    after_sale = request_after_sale(
        order_id=order_id,
        kind=kind,
        reason=reason,
        lines=[
            {"order_line_id": line.get("order_line_id"), "quantity": line.get("quantity")} for line in lines
        ],
        description=description,
        actor=actor,
        idempotency_key=idempotency_key,
    )
    if after_sale.status != AS.REQUESTED:  # a replayed key: the first request as it is now
        return after_sale
    after_sale = approve_after_sale(actor=actor, after_sale_id=after_sale.pk)
    if after_sale.kind != AfterSale.Kind.RETURN_REFUND:
        return after_sale
    wanted = {line.get("order_line_id"): line for line in lines}
    counts = {}
    for line in after_sale.lines.all():
        given = wanted.get(line.order_line_id, {})
        damaged = given.get("damaged", 0) or 0
        restock = given.get("restock", line.quantity - damaged if isinstance(damaged, int) else 0)
        counts[line.pk] = (restock, damaged)
    return receive_returned_goods(actor=actor, after_sale_id=after_sale.pk, counts=counts)
