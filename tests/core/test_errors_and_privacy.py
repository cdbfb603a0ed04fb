from newretail.core.errors import CoreError, DomainError
from newretail.core.privacy import mask_name, mask_phone


def test_domain_error_carries_code_status_and_formatted_message():
    error = DomainError(CoreError.RATE_LIMITED, seconds=300)
    assert error.code == "rate_limited"
    assert error.status == 429
    assert "300" in error.message
    assert error.as_dict() == {"code": "rate_limited", "message": error.message}


def test_masking():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("") == ""
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
