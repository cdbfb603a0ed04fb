"""Phone normalisation: what people type -> what is stored."""

import pytest

from newretail.core.errors import DomainError
from newretail.members.phones import is_mobile, normalise_address_phone, normalise_mobile


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "+86 138-1234-5678",
        "8613812345678",
        " 138 1234 5678 ",
        "+8613812345678",
        "0086 138 1234 5678",
        "(+86) 138.1234.5678",
        "１３８１２３４５６７８",  # full-width digits from a Chinese input method
        "+86\t13812345678\n",
    ],
)
def test_mobile_forms_normalise_to_eleven_digits(typed):
    assert normalise_mobile(typed) == "13812345678"
    assert is_mobile(typed)


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mobile_prefix_is_accepted(prefix):
    assert normalise_mobile(f"{prefix}012345678") == f"{prefix}012345678"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "12812345678",  # 12x is no mobile prefix
        "10812345678",
        "23812345678",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "86138123456",  # 86 + 9 digits
        "+1 138 1234 5678",
        "138abcd5678",
        "١٣٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits are not \d here
        "010-12345678",  # a landline is no member phone
        None,
    ],
)
def test_invalid_mobiles_are_refused_in_chinese(typed):
    with pytest.raises(DomainError) as refused:
        normalise_mobile(typed)
    assert refused.value.code == "members.invalid_phone"
    assert "手机号" in refused.value.message
    assert not is_mobile(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+86 139-0000-1111", "13900001111"),
        ("010-12345678", "010-12345678"),
        ("(010) 1234 5678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("021-6123456", "021-6123456"),
        ("0571-88888888", "0571-88888888"),
        ("057188888888", "0571-88888888"),
        ("0755 8765 4321", "0755-87654321"),
        ("010-12345678-123", "010-12345678-123"),
        ("010-12345678转8001", "010-12345678-8001"),
        ("0571 8888 8888 ext 12", "0571-88888888-12"),
    ],
)
def test_address_phones_take_mobiles_and_landlines(typed, stored):
    assert normalise_address_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345678",
        "0012345678",
        "010-0234567",
        "010-123456",
        "0571-888888888",
        "010-12345678转abc",
        "电话",
    ],
)
def test_bad_address_phones_are_refused(typed):
    with pytest.raises(DomainError) as refused:
        normalise_address_phone(typed)
    assert refused.value.code == "members.invalid_address_phone"
