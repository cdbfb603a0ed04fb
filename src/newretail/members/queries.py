"""Reads of members that other domains and the API use (orders snapshot addresses, the POS finds a
member by phone)."""

from __future__ import annotations

from newretail.core.privacy import mask_name, mask_phone
from newretail.core.tenancy import get_owned, merchant_id_of
from newretail.members.models import Member, MemberAddress
from newretail.members.phones import mobile_or_none
from newretail.tenancy.models import Merchant, User
from newretail.tenancy.roles import Perm


def member_by_phone(*, merchant: Merchant | int, phone: str) -> Member | None:
    """The merchant's member with this mobile number however it is written, or None (also for a
    string that is no mobile number)."""
    mobile = mobile_or_none(phone)
    if mobile is None:
        return None
    return Member.objects.filter(merchant_id=merchant_id_of(merchant), phone=mobile).first()


def member_addresses(*, member: Member) -> list[MemberAddress]:
    """The member's address book, default first, then most recently updated."""
    return list(MemberAddress.objects.filter(member_id=member.pk, merchant_id=member.merchant_id))


def member_address(*, member: Member, address_id: int) -> MemberAddress:
    """One of the member's addresses, or the 404 domain error (another member's id included)."""
    return get_owned(MemberAddress.objects.filter(member_id=member.pk), member.merchant_id, pk=address_id)


def sees_personal_data(actor: User) -> bool:
    """Staff who may see members' phones and names unmasked (``members.view``)."""
    return actor.has_perm_code(Perm.MEMBERS_VIEW)


def phone_for(actor: User, phone: str | None) -> str:
    """A phone as ``actor`` may see it: whole for authorised staff, 138****1234 for others."""
    return (phone or "") if sees_personal_data(actor) else mask_phone(phone)


def name_for(actor: User, name: str | None) -> str:
    """A name as ``actor`` may see it: whole for authorised staff, 张* for others."""
    return (name or "") if sees_personal_data(actor) else mask_name(name)
