"""A member's address book (收货地址).

Rules: at most MAX_ADDRESSES per member; recipient, phone, province, city and street address are
required (district is optional: some prefecture-level cities have none); the phone is a mobile or
a landline with area code (see ``members.phones``); a location needs both coordinates in range,
rounded to 6 decimals. The first address becomes the default, and there is never more than one
default (also enforced by a partial unique constraint); deleting the default promotes the most
recently updated remaining address, so a non-empty book always has one. Every change locks the
member row first, so concurrent edits of one book are applied one after the other. An address id
of another member (or merchant) is the 404 domain error.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from newretail.core.errors import DomainError
from newretail.members.errors import MemberError
from newretail.members.models import Member, MemberAddress
from newretail.members.phones import normalise_address_phone
from newretail.members.queries import member_address

MAX_ADDRESSES = 20
REQUIRED_TEXT = ("recipient", "province", "city", "detail")
OPTIONAL_TEXT = ("district",)
EDITABLE = (*REQUIRED_TEXT, *OPTIONAL_TEXT, "phone", "latitude", "longitude")
SIX_PLACES = Decimal("0.000001")


def _field(name: str):
    return MemberAddress._meta.get_field(name)


def _text(name: str, value: Any, *, required: bool) -> str:
    field = _field(name)
    text = " ".join(str(value or "").split())  # collapse newlines and runs of spaces
    if required and not text:
        raise DomainError(MemberError.ADDRESS_FIELD_REQUIRED, field=field.verbose_name)
    if len(text) > field.max_length:
        raise DomainError(
            MemberError.ADDRESS_FIELD_TOO_LONG, field=field.verbose_name, max_length=field.max_length
        )
    return text


def _coordinate(value: Any, bound: int) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(MemberError.ADDRESS_LOCATION_INVALID) from None
    if not number.is_finite() or not -bound <= number <= bound:
        raise DomainError(MemberError.ADDRESS_LOCATION_INVALID)
    return number.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name in REQUIRED_TEXT:
        cleaned[name] = _text(name, values.get(name), required=True)
    for name in OPTIONAL_TEXT:
        cleaned[name] = _text(name, values.get(name), required=False)
    phone = str(values.get("phone") or "").strip()
    if not phone:
        raise DomainError(MemberError.ADDRESS_FIELD_REQUIRED, field=_field("phone").verbose_name)
    cleaned["phone"] = normalise_address_phone(phone)
    cleaned["latitude"] = _coordinate(values.get("latitude"), 90)
    cleaned["longitude"] = _coordinate(values.get("longitude"), 180)
    if (cleaned["latitude"] is None) != (cleaned["longitude"] is None):
        raise DomainError(MemberError.ADDRESS_LOCATION_INVALID)
    return cleaned


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


def _make_default(member: Member, address: MemberAddress) -> None:
    # Clear the old default first: the partial unique constraint allows one at any moment.
    MemberAddress.objects.filter(member_id=member.pk, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default", "updated_at"])


@transaction.atomic
def add_address(
    *,
    member: Member,
    recipient: str,
    phone: str,
    province: str,
    city: str,
    detail: str,
    district: str = "",
    latitude: Decimal | float | str | None = None,
    longitude: Decimal | float | str | None = None,
    is_default: bool = False,
) -> MemberAddress:
    """Add an address to ``member``'s book, validated and normalised as the module says. It
    becomes the default when asked or when it is the first; ``members.address_limit`` once the
    book holds MAX_ADDRESSES."""
    member = _lock(member)
    cleaned = _clean(
        {
            "recipient": recipient,
            "phone": phone,
            "province": province,
            "city": city,
            "district": district,
            "detail": detail,
            "latitude": latitude,
            "longitude": longitude,
        }
    )
    existing = MemberAddress.objects.filter(member_id=member.pk).count()
    if existing >= MAX_ADDRESSES:
        raise DomainError(MemberError.ADDRESS_LIMIT, limit=MAX_ADDRESSES)
    address = MemberAddress.objects.create(
        merchant_id=member.merchant_id, member=member, is_default=False, **cleaned
    )
    if is_default or existing == 0:
        _make_default(member, address)
    return address


@transaction.atomic
def update_address(*, member: Member, address_id: int, **changes: Any) -> MemberAddress:
    """Change some fields of one of ``member``'s addresses (the names in EDITABLE, plus
    ``is_default=True`` to make it the default). The result is validated as a whole, as
    ``add_address`` does; nothing is written when it is refused. ``is_default=False`` is ignored:
    a book keeps a default (choose another one instead)."""
    unknown = set(changes) - {*EDITABLE, "is_default"}
    if unknown:
        raise TypeError(f"update_address() got unexpected fields {sorted(unknown)}")
    member = _lock(member)
    address = member_address(member=member, address_id=address_id)
    make_default = changes.pop("is_default", False) is True
    values = {name: getattr(address, name) for name in EDITABLE}
    values.update(changes)
    cleaned = _clean(values)
    changed = [name for name, value in cleaned.items() if getattr(address, name) != value]
    for name in changed:
        setattr(address, name, cleaned[name])
    if changed:
        address.save(update_fields=[*changed, "updated_at"])
    if make_default:
        _make_default(member, address)
    return address


@transaction.atomic
def delete_address(*, member: Member, address_id: int) -> None:
    """Delete one of ``member``'s addresses. Orders keep their own copy, so they do not change.
    When the default goes, the most recently updated remaining address becomes the default."""
    member = _lock(member)
    address = member_address(member=member, address_id=address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = MemberAddress.objects.filter(member_id=member.pk).order_by("-updated_at", "-id").first()
        if successor is not None:
            _make_default(member, successor)


@transaction.atomic
def set_default_address(*, member: Member, address_id: int) -> MemberAddress:
    """Make one of ``member``'s addresses the default; the previous default stops being one."""
    member = _lock(member)
    address = member_address(member=member, address_id=address_id)
    _make_default(member, address)
    return address
