"""Brands and tags. Brand names are searchable, so a rename reindexes the brand's products."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from newretail.catalog import limits
from newretail.catalog.actions.validation import clean_name
from newretail.catalog.errors import CatalogError
from newretail.catalog.models import Brand, Product, Tag
from newretail.catalog.search import index_products
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def _save_unique(obj, error: CatalogError) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise DomainError(error, name=obj.name) from None


@transaction.atomic
def create_brand(*, actor: User, name: str, is_active: bool = True) -> Brand:
    """Create a brand; names are unique per merchant."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    name = clean_name(name, limits.BRAND_NAME_MAX_LEN)
    if Brand.objects.for_merchant(actor.merchant_id).filter(name=name).exists():
        raise DomainError(CatalogError.BRAND_NAME_TAKEN, name=name)
    brand = Brand(merchant_id=actor.merchant_id, name=name, is_active=is_active)
    _save_unique(brand, CatalogError.BRAND_NAME_TAKEN)
    return brand


@transaction.atomic
def update_brand(
    *, actor: User, brand_id: int, name: str | None = None, is_active: bool | None = None
) -> Brand:
    """Rename or (de)activate a brand; a rename reindexes its products."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    brand = get_owned(Brand.objects.select_for_update(), actor.merchant_id, pk=brand_id)
    renamed = False
    if name is not None:
        name = clean_name(name, limits.BRAND_NAME_MAX_LEN)
        if name != brand.name:
            if Brand.objects.for_merchant(actor.merchant_id).filter(name=name).exclude(pk=brand.pk).exists():
                raise DomainError(CatalogError.BRAND_NAME_TAKEN, name=name)
            brand.name, renamed = name, True
    if is_active is not None:
        brand.is_active = is_active
    _save_unique(brand, CatalogError.BRAND_NAME_TAKEN)
    if renamed:
        index_products(Product.objects.filter(brand=brand, is_deleted=False).values_list("pk", flat=True))
    return brand


@transaction.atomic
def delete_brand(*, actor: User, brand_id: int) -> None:
    """Delete a brand no product uses (deleted products keep theirs for history)."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    brand = get_owned(Brand.objects.select_for_update(), actor.merchant_id, pk=brand_id)
    count = Product.objects.filter(brand=brand).count()
    if count:
        raise DomainError(CatalogError.BRAND_HAS_PRODUCTS, name=brand.name, count=count)
    brand.delete()


@transaction.atomic
def create_tag(*, actor: User, name: str) -> Tag:
    require_perm(actor, Perm.CATALOG_MANAGE)
    name = clean_name(name, limits.TAG_NAME_MAX_LEN)
    if Tag.objects.for_merchant(actor.merchant_id).filter(name=name).exists():
        raise DomainError(CatalogError.TAG_NAME_TAKEN, name=name)
    tag = Tag(merchant_id=actor.merchant_id, name=name)
    _save_unique(tag, CatalogError.TAG_NAME_TAKEN)
    return tag


@transaction.atomic
def delete_tag(*, actor: User, tag_id: int) -> None:
    """Delete a tag; products simply lose it."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    tag = get_owned(Tag, actor.merchant_id, pk=tag_id)
    tag.products.clear()
    tag.delete()
