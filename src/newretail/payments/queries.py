"""Reads of payments that pages use."""

from __future__ import annotations

from newretail.payments.models import PaymentIntent


def paid_so_far(order_id: int) -> int:
    """What the order's open payment has received (a part paid by the wallet, say); 0 if none."""
    paid = (
        PaymentIntent.objects.filter(order_id=order_id, status=PaymentIntent.Status.PENDING)
        .values_list("paid_fen", flat=True)
        .first()
    )
    return paid or 0
