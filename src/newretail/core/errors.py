"""Domain errors with stable codes.

Each domain declares an enum of its errors (``catalog/errors.py``: ``CatalogError``). An action
raises ``DomainError(CatalogError.BARCODE_INVALID, barcode=...)``; the API turns it into
``{"code": "catalog.barcode_invalid", "message": "…"}`` with the enum's HTTP status, and the
console shows the message. Codes never change once released; messages are translated.
"""

from __future__ import annotations

import enum
from typing import Any

from django.utils.translation import gettext_lazy as _


class ErrorCode(enum.Enum):
    """Base for per-domain error enums. Each member is (code, message template, http status)."""

    def __init__(self, code: str, message: Any, status: int = 400) -> None:
        self.code = code
        self.message_template = message
        self.status = status


class CoreError(ErrorCode):
    # The same body as the API's refusal of a missing or dead bearer token.
    UNAUTHENTICATED = ("unauthenticated", _("Authentication required."), 401)
    NOT_FOUND = ("not_found", _("Not found."), 404)
    PERMISSION_DENIED = ("permission_denied", _("You do not have permission to do this."), 403)
    INVALID_INPUT = ("invalid_input", _("Invalid input: {detail}"), 400)
    RATE_LIMITED = ("rate_limited", _("Too many attempts. Try again in {seconds} seconds."), 429)
    CONFLICT = ("conflict", _("This record was changed by someone else. Reload and try again."), 409)
    INVALID_AMOUNT = (
        "invalid_amount",
        _("“{value}” is not a valid amount in yuan (at most two decimals)."),
        400,
    )


class DomainError(Exception):
    """A business rule refused the request. Carries a stable code and a human message."""

    def __init__(self, error: ErrorCode, **params: Any) -> None:
        self.error = error
        self.params = params
        super().__init__(f"{error.code}: {self.message}")

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def status(self) -> int:
        return self.error.status

    @property
    def message(self) -> str:
        template = str(self.error.message_template)
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):
            return template

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def not_found() -> DomainError:
    return DomainError(CoreError.NOT_FOUND)
