import pytest

from newretail.catalog.barcodes import (
    barcode_kind,
    barcode_variants,
    is_valid_barcode,
    normalize_plu,
    validate_barcode,
    validate_plu,
    with_check_digit,
)
from newretail.core.errors import DomainError


@pytest.mark.parametrize(
    ("raw", "normalized", "kind"),
    [
        ("6901939621257", "6901939621257", "EAN-13"),  # 可口可乐 (China)
        ("6920202888883", "6920202888883", "EAN-13"),
        ("6921168509256", "6921168509256", "EAN-13"),
        ("6902083881412", "6902083881412", "EAN-13"),
        (" 690 1939-62125 7 ", "6901939621257", "EAN-13"),  # spaces and hyphens from a label
        ("６９０１９３９６２１２５７", "6901939621257", "EAN-13"),  # full-width digits from an IME
        ("96385074", "96385074", "EAN-8"),
        ("036000291452", "036000291452", "UPC-A"),
        ("10012345678902", "10012345678902", "GTIN-14"),
    ],
)
def test_valid_barcodes(raw, normalized, kind):
    assert validate_barcode(raw) == normalized
    assert is_valid_barcode(raw)
    assert barcode_kind(raw) == kind


@pytest.mark.parametrize(
    "raw", ["6901939621258", "6920202888884", "96385075", "036000291453", "10012345678903"]
)
def test_wrong_check_digit_is_refused_with_the_barcode_in_the_message(raw):
    with pytest.raises(DomainError) as exc:
        validate_barcode(raw, sku_index=3)
    assert exc.value.code == "catalog.barcode_invalid"
    assert raw in exc.value.message
    assert exc.value.params["sku_index"] == 3 and exc.value.params["field"] == "barcode"


@pytest.mark.parametrize("raw", ["12345", "690193962125A", "123456789012345", "6901939６2125７x"])
def test_malformed_barcodes(raw):
    with pytest.raises(DomainError) as exc:
        validate_barcode(raw)
    assert exc.value.code == "catalog.barcode_malformed"
    assert not is_valid_barcode(raw)


def test_empty_barcode_is_allowed():
    assert validate_barcode("") == "" and validate_barcode(None) == "" and validate_barcode("  ") == ""


def test_check_digit_generation_matches_validation():
    assert with_check_digit("690193962125") == "6901939621257"
    assert with_check_digit("9638507") == "96385074"
    with pytest.raises(ValueError):
        with_check_digit("12")


def test_upc_a_is_found_as_twelve_or_thirteen_digits():
    assert barcode_variants("036000291452") == ["036000291452", "0036000291452"]
    assert barcode_variants("0036000291452") == ["0036000291452", "036000291452"]
    assert barcode_variants("6901939621257") == ["6901939621257"]


@pytest.mark.parametrize(
    ("raw", "plu"), [("4101", "4101"), ("04101", "4101"), ("1", "1"), ("99999", "99999"), ("", "")]
)
def test_plu_normalisation(raw, plu):
    assert normalize_plu(raw) == plu


@pytest.mark.parametrize("raw", ["123456", "0", "00000", "12a", "-1"])
def test_bad_plu(raw):
    with pytest.raises(DomainError) as exc:
        normalize_plu(raw)
    assert exc.value.code == "catalog.plu_invalid"


def test_plu_only_on_weighed_goods():
    assert validate_plu("4101", sold_by_weight=True) == "4101"
    with pytest.raises(DomainError) as exc:
        validate_plu("4101", sold_by_weight=False, sku_index=0)
    assert exc.value.code == "catalog.plu_not_weighed" and exc.value.params["sku_index"] == 0
