"""Builders for tests, benchmarks and demo data, through the real actions:

member = make_member(merchant, phone="13800000001")
client.get(f"/api/v1/shop/{merchant.slug}/me", **member_bearer(member))
"""

from __future__ import annotations

import itertools

from newretail.members.actions.members import find_or_create_member
from newretail.members.actions.tokens import issue_member_token
from newretail.members.models import Member
from newretail.tenancy.models import Merchant

_seq = itertools.count(1)


def next_phone() -> str:
    """A fresh valid mobile number (unique within this process)."""
    return f"1990000{next(_seq) % 10000:04d}"


def make_member(
    merchant: Merchant | int, phone: str | None = None, *, name: str = "", source: str = Member.Source.MALL
) -> Member:
    """The merchant's member with ``phone`` (a fresh number by default), created when missing."""
    member, _created = find_or_create_member(
        merchant=merchant, phone=phone or next_phone(), source=source, name=name
    )
    return member


def member_bearer(member: Member) -> dict[str, str]:
    """Headers for the test Client: {"HTTP_AUTHORIZATION": "Bearer nrm_…"} (no SMS round trip)."""
    _token, raw = issue_member_token(member=member)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
