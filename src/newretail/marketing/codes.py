"""Codes people type or scan (coupon 核销码, redeem codes): no 0/O, 1/I/L; 12 characters of 31 are
59 bits, unguessable at the redeem rate limit (10 tries per member per minute)."""

from __future__ import annotations

import secrets
from typing import Any

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def normalize_code(text: Any) -> str:
    """What a person typed or a scanner read, as stored: no spaces or dashes, upper case."""
    return "".join(str(text or "").split()).replace("-", "").upper()[:20]
