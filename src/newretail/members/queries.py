"""Reads of members that other domains and the API use (orders snapshot addresses, the POS finds a
member by phone)."""

from __future__ import annotations

from newretail.core.tenancy import get_owned, merchant_id_of
from newretail.members.models import Member, MemberAddress
from newretail.members.phones import is_mobile, normalise_mobile
from newretail.tenancy.models import Merchant


def member_by_phone(*, merchant: Merchant | int, phone: str) -> Member | None:
    """The merchant's member with this mobile number however it is written, or None (also for a
    string that is no mobile number)."""
    if not is_mobile(phone):
        return None
    return Member.objects.filter(merchant_id=merchant_id_of(merchant), phone=normalise_mobile(phone)).first()


def member_addresses(*, member: Member) -> list[MemberAddress]:
    """The member's address book, default first, then most recently updated."""
    return list(MemberAddress.objects.filter(member_id=member.pk, merchant_id=member.merchant_id))


def member_address(*, member: Member, address_id: int) -> MemberAddress:
    """One of the member's addresses, or the 404 domain error (another member's id included)."""
    return get_owned(MemberAddress.objects.filter(member_id=member.pk), member.merchant_id, pk=address_id)
