"""Masking of personal data shown to people other than the member or authorised staff."""


def mask_phone(phone: str | None) -> str:
    """13812341234 -> 138****1234; short or empty values are masked whole."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * len(digits)


def mask_name(name: str | None) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***, Alice -> A****."""
    if not name:
        return ""
    name = name.strip()
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name
