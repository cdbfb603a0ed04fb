"""Phone numbers as members type them.

A member is identified by a mainland China mobile number, stored as its 11 digits
(``13812345678``). People type numbers with spaces, hyphens, brackets, a ``+86``/``0086``/``86``
country prefix or full-width digits from a Chinese input method; ``normalise_mobile`` accepts all
of those and refuses anything that is not ``1[3-9]`` followed by nine digits.

An address book entry may also carry a landline (couriers accept them, and a shop or office often
receives parcels on one): ``normalise_address_phone`` takes a mobile number first and otherwise a
domestic landline with its area code, written with a separator or not. Beijing (010) and the 02x
cities have three-digit area codes, every other area code has four, so "01012345678" is read as
``010-12345678`` and "057188888888" as ``0571-88888888``. An extension follows ``-`` or ``转``.
Landlines are stored as ``area-number[-extension]``.
"""

from __future__ import annotations

import re
import unicodedata

from newretail.core.errors import DomainError
from newretail.members.errors import MemberError

MOBILE_RE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_SEPARATORS = re.compile(r"[\s\-().]+")


def _compact(value: str) -> str:
    # NFKC turns full-width digits and signs (１３８, ＋) into ASCII.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "").strip())


def mobile_or_none(value: str) -> str | None:
    """The 11-digit form of a mainland mobile number, or None for anything else."""
    digits = _compact(value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if MOBILE_RE.fullmatch(digits) else None


def normalise_mobile(value: str) -> str:
    """The 11-digit form of a mainland mobile number, or ``members.invalid_phone``."""
    mobile = mobile_or_none(value)
    if mobile is None:
        raise DomainError(MemberError.INVALID_PHONE)
    return mobile


def is_mobile(value: str) -> bool:
    return mobile_or_none(value) is not None


def _split_landline(number: str, extension: str) -> str | None:
    if not re.fullmatch(r"0[1-9][0-9]{8,10}", number, re.ASCII):
        return None
    if extension and not re.fullmatch(r"[0-9]{1,6}", extension, re.ASCII):
        return None
    area_length = 3 if number.startswith(("010", "02")) else 4
    area, local = number[:area_length], number[area_length:]
    if not re.fullmatch(r"[1-9][0-9]{6,7}", local, re.ASCII):
        return None
    return f"{area}-{local}" + (f"-{extension}" if extension else "")


def _landline_or_none(value: str) -> str | None:
    text = unicodedata.normalize("NFKC", value or "").strip()
    parts = re.split(r"转|ext\.?|#", text, maxsplit=1, flags=re.IGNORECASE)
    if len(parts) > 1:
        return _split_landline(_SEPARATORS.sub("", parts[0]), _SEPARATORS.sub("", parts[1]))
    found = _split_landline(_SEPARATORS.sub("", text), "")
    groups = [g for g in text.split("-") if g.strip()]
    if found is None and len(groups) >= 3:
        # "010-12345678-123": after the number, a last hyphenated group is the extension.
        found = _split_landline(_SEPARATORS.sub("", "".join(groups[:-1])), groups[-1].strip())
    return found


def normalise_address_phone(value: str) -> str:
    """A recipient's phone: an 11-digit mobile, or a landline as ``area-number[-extension]``;
    anything else is ``members.invalid_address_phone``."""
    mobile = mobile_or_none(value)
    if mobile is not None:
        return mobile
    landline = _landline_or_none(value)
    if landline is None:
        raise DomainError(MemberError.INVALID_ADDRESS_PHONE)
    return landline
