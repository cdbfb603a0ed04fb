"""Identifying the shopper at the till: the rotating member code (会员码) they show, or their
phone (a new number signs them up, registered at this store)."""

from __future__ import annotations

import re

from newretail.members.actions.members import find_or_create_member
from newretail.members.models import Member
from newretail.members.phones import normalise_mobile
from newretail.pos.models import Terminal

MEMBER_CODE_RE = re.compile(r"^66\d{16}$")


def looks_like_member_code(text: str) -> bool:
    return bool(MEMBER_CODE_RE.match("".join((text or "").split())))


def member_by_code(terminal: Terminal, code: str) -> Member:
    """The member whose code was scanned (members domain resolver; DomainError when invalid or
    expired; wrong codes are rate-limited per terminal)."""
    from newretail.members.actions.member_code import resolve_member_code

    return resolve_member_code(terminal.merchant_id, code, till=f"terminal:{terminal.pk}")


def member_by_phone(terminal: Terminal, phone: str, *, sign_up: bool) -> tuple[Member | None, bool]:
    """(member, created): the member with this mobile number; with ``sign_up`` a new number
    becomes a member registered at the terminal's store. Without it, (None, False)."""
    if sign_up:
        return find_or_create_member(
            merchant=terminal.merchant_id, phone=phone, source=Member.Source.POS, store=terminal.store_id
        )
    found = Member.objects.filter(
        merchant_id=terminal.merchant_id, phone=normalise_mobile(phone), is_active=True
    ).first()
    return found, False
