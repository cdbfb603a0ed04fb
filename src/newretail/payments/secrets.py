"""Encryption of stored payment credentials (private keys, API keys).

Secrets are a JSON object encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived
by HKDF from ``PAYMENT_SECRETS_KEY`` (or ``SECRET_KEY`` when that is unset). They are decrypted
only to build a gateway and are never logged, rendered or returned by the API."""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretsUnreadable(Exception):
    """Stored secrets were encrypted under another key (the key changed): enter them again."""


@lru_cache(maxsize=4)
def _fernet(material: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"newretail payment secrets").derive(
        material.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _current() -> Fernet:
    return _fernet(settings.PAYMENT_SECRETS_KEY or settings.SECRET_KEY)


def seal(values: dict[str, Any]) -> str:
    return _current().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def unseal(token: str) -> dict[str, Any]:
    try:
        return json.loads(_current().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        raise SecretsUnreadable from None
