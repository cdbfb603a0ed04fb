"""Idempotency keys (ARCHITECTURE.md rule 4): creating routes take a client-chosen key; replaying
it returns the first result. One rule for their shape."""

from __future__ import annotations

from newretail.core.errors import DomainError, ErrorCode

MAX_KEY_LENGTH = 64


def clean_idempotency_key(key: str | None, *, error: ErrorCode) -> str | None:
    """The key stripped, or None when none was given; ``error`` (the domain's own code) for a
    blank or over-long one."""
    if key is None:
        return None
    key = str(key).strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(error)
    return key
