"""Members test helpers: the code a shopper received, read from the development SMS backend."""

from __future__ import annotations

import re

import pytest

from newretail.members.models import SmsMessage
from newretail.members.testing import make_member
from tests.orders.conftest import (  # noqa: F401  (fixtures for points and the wallet on orders)
    alipay_account,
    cola,
    committed,
    place,
    sandbox_keys,
    shopper,
    warehouse,
    water,
    wechat_account,
)

PHONE = "13812345678"
IP = "203.0.113.7"


def last_code(phone: str = PHONE) -> str:
    """The 6-digit code of the newest message sent to ``phone``."""
    message = SmsMessage.objects.filter(phone=phone).order_by("-id").first()
    assert message is not None, f"no text message was sent to {phone}"
    return re.search(r"验证码 (\d{6})", message.text).group(1)


def wrong(code: str) -> str:
    """A code that differs from ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def member(merchant):
    return make_member(merchant, PHONE, name="张三")
