"""Category tree: at most three levels, no cycles, names distinct among siblings; a category
with products cannot be deleted. Renames and moves reindex the products underneath, because
category names are searchable."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from newretail.catalog import limits
from newretail.catalog.actions.validation import clean_name
from newretail.catalog.errors import CatalogError
from newretail.catalog.models import Category, Product
from newretail.catalog.search import category_subtree_ids, index_products
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm


def depth_of(category: Category | None) -> int:
    """Levels from the root down to ``category`` (a root is 1, None is 0)."""
    depth, node = 0, category
    while node is not None and depth <= limits.CATEGORY_MAX_DEPTH + 1:
        depth += 1
        node = node.parent
    return depth


def _height(merchant_id: int, category: Category) -> int:
    """Levels of the subtree rooted at ``category`` (a leaf is 1)."""
    height, frontier = 1, [category.pk]
    while True:
        frontier = list(
            Category.objects.filter(merchant_id=merchant_id, parent_id__in=frontier).values_list(
                "pk", flat=True
            )
        )
        if not frontier:
            return height
        height += 1


def _check_name_free(
    merchant_id: int, parent_id: int | None, name: str, exclude_id: int | None = None
) -> None:
    # The unique constraint cannot see two roots with one name (NULL parents are distinct).
    siblings = Category.objects.for_merchant(merchant_id).filter(parent_id=parent_id, name=name)
    if exclude_id:
        siblings = siblings.exclude(pk=exclude_id)
    if siblings.exists():
        raise DomainError(CatalogError.CATEGORY_NAME_TAKEN, name=name)


def _save(category: Category) -> None:
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise DomainError(CatalogError.CATEGORY_NAME_TAKEN, name=category.name) from None


def _reindex_subtree(merchant_id: int, category_id: int) -> None:
    ids = category_subtree_ids(merchant_id, category_id)
    index_products(
        Product.objects.filter(merchant_id=merchant_id, category_id__in=ids, is_deleted=False).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def create_category(
    *, actor: User, name: str, parent_id: int | None = None, sort_order: int = 0, is_active: bool = True
) -> Category:
    """Create a category under ``parent_id`` (or a root). Refuses a fourth level."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    merchant_id = actor.merchant_id
    name = clean_name(name, limits.CATEGORY_NAME_MAX_LEN)
    parent = (
        get_owned(Category.objects.select_related("parent"), merchant_id, pk=parent_id) if parent_id else None
    )
    if depth_of(parent) + 1 > limits.CATEGORY_MAX_DEPTH:
        raise DomainError(CatalogError.CATEGORY_TOO_DEEP, max=limits.CATEGORY_MAX_DEPTH)
    _check_name_free(merchant_id, parent_id, name)
    category = Category(
        merchant_id=merchant_id, name=name, parent=parent, sort_order=sort_order, is_active=is_active
    )
    _save(category)
    return category


UNSET: Any = object()


@transaction.atomic
def update_category(
    *,
    actor: User,
    category_id: int,
    name: str | None = None,
    sort_order: int | None = None,
    is_active: bool | None = None,
    parent_id: int | None = UNSET,
) -> Category:
    """Rename, reorder, (de)activate and, with ``parent_id`` (None: to the root), move a
    category, all or nothing. A rename or move reindexes the products underneath."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    merchant_id = actor.merchant_id
    if parent_id is not UNSET:
        move_category(actor=actor, category_id=category_id, parent_id=parent_id)
    category = get_owned(Category.objects.select_for_update(), merchant_id, pk=category_id)
    renamed = False
    if name is not None:
        name = clean_name(name, limits.CATEGORY_NAME_MAX_LEN)
        if name != category.name:
            _check_name_free(merchant_id, category.parent_id, name, exclude_id=category.pk)
            category.name, renamed = name, True
    if sort_order is not None:
        category.sort_order = sort_order
    if is_active is not None:
        category.is_active = is_active
    _save(category)
    if renamed:
        _reindex_subtree(merchant_id, category.pk)
    return category


@transaction.atomic
def move_category(*, actor: User, category_id: int, parent_id: int | None) -> Category:
    """Move a category (with its subtree) under another parent or to the root. A category
    cannot become its own ancestor and the tree stays at most three levels deep."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    merchant_id = actor.merchant_id
    category = get_owned(Category.objects.select_for_update(), merchant_id, pk=category_id)
    if parent_id == category.parent_id:
        return category
    parent = None
    if parent_id is not None:
        parent = get_owned(Category.objects.select_related("parent"), merchant_id, pk=parent_id)
        if parent.pk in category_subtree_ids(merchant_id, category.pk):
            raise DomainError(CatalogError.CATEGORY_CYCLE)
    if depth_of(parent) + _height(merchant_id, category) > limits.CATEGORY_MAX_DEPTH:
        raise DomainError(CatalogError.CATEGORY_TOO_DEEP, max=limits.CATEGORY_MAX_DEPTH)
    _check_name_free(merchant_id, parent_id, category.name, exclude_id=category.pk)
    category.parent = parent
    _save(category)
    _reindex_subtree(merchant_id, category.pk)
    return category


@transaction.atomic
def delete_category(*, actor: User, category_id: int) -> None:
    """Delete an empty leaf category. Products (even deleted ones, which keep their category
    for order history) and subcategories block the deletion; deactivate it instead."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    category = get_owned(Category.objects.select_for_update(), actor.merchant_id, pk=category_id)
    if Category.objects.filter(parent=category).exists():
        raise DomainError(CatalogError.CATEGORY_HAS_CHILDREN, name=category.name)
    live = Product.objects.filter(category=category, is_deleted=False).count()
    if live:
        raise DomainError(CatalogError.CATEGORY_HAS_PRODUCTS, name=category.name, count=live)
    if Product.objects.filter(category=category).exists():
        raise DomainError(CatalogError.CATEGORY_IN_USE, name=category.name)
    category.delete()
