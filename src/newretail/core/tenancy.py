"""Merchant scoping. Every merchant-owned row carries ``merchant_id``; every query that serves a
request goes through ``for_merchant`` or ``get_owned`` so that no view can forget the merchant.
Another merchant's id is answered with 404 (not 403) so that ids do not leak.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from newretail.core.errors import not_found

if TYPE_CHECKING:
    from newretail.tenancy.models import Merchant

M = TypeVar("M", bound=models.Model)


def merchant_id_of(merchant: Merchant | int) -> int:
    """The id of a merchant given as a row or an id; a missing or unsaved one is a bug."""
    merchant_id = merchant if isinstance(merchant, int) else merchant.pk
    if not merchant_id:
        raise ValueError("a saved merchant is required")
    return merchant_id


class MerchantOwnedQuerySet(models.QuerySet):
    def for_merchant(self, merchant: Merchant | int) -> MerchantOwnedQuerySet:
        return self.filter(merchant_id=merchant_id_of(merchant))


class MerchantOwned(models.Model):
    """Abstract base for every table a merchant owns (Citus would distribute on merchant_id)."""

    merchant = models.ForeignKey("tenancy.Merchant", on_delete=models.PROTECT, related_name="+")

    objects = MerchantOwnedQuerySet.as_manager()

    class Meta:
        abstract = True


def get_owned(model_or_queryset: type[M] | models.QuerySet, merchant: Merchant | int, **lookup: Any) -> M:
    """Fetch one row of ``merchant`` or raise the 404 domain error (also for another merchant's id)."""
    queryset = (
        model_or_queryset._default_manager.all() if isinstance(model_or_queryset, type) else model_or_queryset
    )
    try:
        return queryset.get(merchant_id=merchant_id_of(merchant), **lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise not_found() from None
