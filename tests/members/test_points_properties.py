"""Property: over any sequence of earning, spending at checkout, refunds (take-backs and points
returned), expiry and adjustments, a member's points balance equals the sum of the ledger, no
batch goes below zero or above what it got, and the balance is never negative."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newretail.core.errors import DomainError
from newretail.core.ledgers import find_differences
from newretail.members.actions import points
from newretail.members.models import PointsAccount, PointsBatch
from newretail.members.testing import make_member


def _balance(member) -> int:
    account = PointsAccount.objects.filter(member=member).first()
    return account.balance if account else 0


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["earn", "spend", "reverse", "return", "expire", "adjust"]),
        st.integers(min_value=1, max_value=5000),
    ),
    max_size=15,
)


@given(STEPS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
def test_points_balance_is_the_ledger_and_never_negative(owner, steps):
    member = make_member(owner.merchant)
    orders: list[int] = []
    for index, (step, amount) in enumerate(steps):
        order_id = member.pk * 1000 + index  # unique across examples (one database)
        if step == "earn":
            points.earn_for_order(member=member, order_id=order_id, goods_fen=amount * 100, refunded_fen=0)
            orders.append(order_id)
        elif step == "spend":
            try:
                points.spend_for_order(member=member, order_id=order_id, points=amount)
                orders.append(order_id)
            except DomainError:
                assert amount > _balance(member)
        elif step == "reverse" and orders:
            earned = orders[-1]
            points.reverse_for_refund(
                member=member,
                order_id=earned,
                refund_id=order_id,
                goods_fen=10_000,
                refunded_goods_fen=min(amount, 10_000),
            )
        elif step == "return" and orders:
            points.return_spent_points(
                member=member, order_id=orders[-1], reference=f"r:{order_id}", share=(min(amount, 100), 100)
            )
        elif step == "expire":
            PointsBatch.objects.filter(member=member).update(
                expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
            )
            points.expire_points()
        elif step == "adjust":
            try:
                points.adjust_points(actor=owner, member=member, points=-amount, reason="x")
            except DomainError:
                assert amount > _balance(member)
        account = PointsAccount.objects.filter(member=member).first()
        if account is not None:
            assert account.balance >= 0 and account.owed >= 0
    assert not PointsBatch.objects.filter(member=member, remaining__lt=0).exists()
    assert not find_differences(["points"])
