"""The benchmark generator for members and order history writes what it says, quickly, and the
member list's spend filter reads it."""

from __future__ import annotations

import pytest

from newretail.members.models import Member
from newretail.members.scale import generate_scale_members
from newretail.orders.models import Order, OrderLine
from newretail.orders.queries import members_with_spend

pytestmark = pytest.mark.django_db


def test_generated_members_and_history(merchant, store, water, cola):
    added, lines = generate_scale_members(merchant, members=300, order_lines=1200, log=lambda _: None)
    assert added == 300 and Member.objects.filter(merchant=merchant, phone__startswith="15").count() == 300
    assert 1200 <= lines <= 1205 and OrderLine.objects.filter(merchant=merchant).count() == lines
    order = Order.objects.filter(merchant=merchant, number__startswith="HIS").first()
    assert order.status == "completed" and order.payable_fen == sum(
        line.final_amount_fen for line in order.lines.all()
    )
    spenders = members_with_spend(merchant.pk, min_spend=1)
    assert 0 < spenders.count() <= 300
