"""Bearer tokens as staff (``nr_…``) and members (``nrm_…``) hold them: a random string shown
once, of which the database keeps only the SHA-256, so a leaked table cannot be replayed."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import models


def new_raw_token(prefix: str) -> str:
    """A fresh token: ``prefix`` + 32 random bytes, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    """What is stored and looked up instead of the token itself."""
    return hashlib.sha256(raw.encode()).hexdigest()


def record_use(token: models.Model, *, now: dt.datetime, every: dt.timedelta) -> None:
    """Set ``token.last_used_at`` to ``now``, writing it at most once per ``every``: it is
    informative, and writing it on every request would turn each read into a write."""
    last_used_at = token.last_used_at  # type: ignore[attr-defined]
    if last_used_at is None or now - last_used_at >= every:
        type(token)._default_manager.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now  # type: ignore[attr-defined]
