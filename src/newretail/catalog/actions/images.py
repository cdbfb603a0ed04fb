"""Product pictures: upload (checked to be a real image), remove, and choose the main one."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max

from newretail.catalog.errors import CatalogError
from newretail.catalog.models import Product, ProductImage
from newretail.core.errors import DomainError
from newretail.core.images import MAX_IMAGE_BYTES, ImageInvalid, ImageTooLarge, image_extension
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

MAX_IMAGES = 10
MAX_BYTES = MAX_IMAGE_BYTES


def _image_format(upload: UploadedFile) -> str:
    """The file's real format from its content (not its name), or IMAGE_INVALID."""
    name = (upload.name or "")[:60]
    try:
        return image_extension(upload, max_bytes=MAX_BYTES)
    except ImageTooLarge:
        raise DomainError(CatalogError.IMAGE_TOO_LARGE, name=name, max_mb=MAX_BYTES // 2**20) from None
    except ImageInvalid:
        raise DomainError(CatalogError.IMAGE_INVALID, name=name) from None


@transaction.atomic
def add_product_image(*, actor: User, product_id: int, upload: UploadedFile) -> ProductImage:
    """Attach an uploaded picture after the existing ones. The stored name is chosen here from
    the real format, never from the uploader's file name."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    product = get_owned(
        Product.objects.select_for_update(), actor.merchant_id, pk=product_id, is_deleted=False
    )
    extension = _image_format(upload)
    images = ProductImage.objects.filter(product=product)
    if images.count() >= MAX_IMAGES:
        raise DomainError(CatalogError.TOO_MANY_IMAGES, max=MAX_IMAGES)
    next_order = (images.aggregate(top=Max("sort_order"))["top"] or 0) + 1
    image = ProductImage(merchant_id=actor.merchant_id, product=product, sort_order=next_order)
    image.image.save(f"p{product.pk}.{extension}", upload, save=False)
    image.save()
    return image


@transaction.atomic
def remove_product_image(*, actor: User, image_id: int) -> None:
    require_perm(actor, Perm.CATALOG_MANAGE)
    image = get_owned(ProductImage.objects.select_for_update(), actor.merchant_id, pk=image_id)
    stored = image.image
    image.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


@transaction.atomic
def make_main_image(*, actor: User, image_id: int) -> ProductImage:
    """Put a picture first (the mall and share cards show the first one)."""
    require_perm(actor, Perm.CATALOG_MANAGE)
    image = get_owned(ProductImage.objects.select_for_update(), actor.merchant_id, pk=image_id)
    ProductImage.objects.filter(product_id=image.product_id).update(sort_order=F("sort_order") + 1)
    ProductImage.objects.filter(pk=image.pk).update(sort_order=0)
    image.refresh_from_db()
    return image
