"""Shared pieces of the JSON API: authentication, the error body, and the error responses that
every route documents so that clients (and schemathesis) know the shape of a refusal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.security import HttpBearer, SessionAuth

from newretail.core.errors import CoreError, DomainError
from newretail.tenancy.actions.auth import user_for_token
from newretail.tenancy.models import User


class AddressIn(Schema):
    """An address as a shopper gives it (address book, checkout preview)."""

    recipient: str = Field(..., max_length=50)
    phone: str = Field(..., max_length=30, description="A mobile number or a landline with area code.")
    province: str = Field(..., max_length=32)
    city: str = Field(..., max_length=32)
    district: str = Field("", max_length=32)
    detail: str = Field(..., max_length=200)
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)


class ErrorOut(Schema):
    code: str
    message: str


class ValidationErrorOut(ErrorOut):
    detail: list[dict[str, Any]] = []


# Spread into every route's ``response=``: {200: X, **ERRORS}
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}


class StaffSession(SessionAuth):
    """The console's session cookie (CSRF-checked by ninja for unsafe methods)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_merchant_staff:
            return user
        return None


class StaffToken(HttpBearer):
    """``Authorization: Bearer nr_…`` for other software acting as a staff account."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


STAFF_AUTH = [StaffToken(), StaffSession()]


def actor_of(request: HttpRequest) -> User:
    actor = getattr(request, "auth", None)
    if not isinstance(actor, User) or not actor.is_merchant_staff:
        raise DomainError(CoreError.PERMISSION_DENIED)
    return actor
