"""The mall's image library (素材库): pictures a merchant uploads for banners, hotspot images and
rich text. Checked by content (JPEG, PNG or WebP, at most 5 MB), stored under a name chosen here;
blocks keep the picture's /media/ URL."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.images import MAX_IMAGE_BYTES, ImageInvalid, ImageTooLarge, image_extension
from newretail.core.tenancy import get_owned
from newretail.storefront.decoration.errors import DecorationError
from newretail.storefront.models import MallImage
from newretail.tenancy.access import require_perm
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

MAX_LIBRARY = 500


@transaction.atomic
def upload_mall_image(*, actor: User, upload: UploadedFile) -> MallImage:
    merchant_id = require_perm(actor, Perm.MALL_DECORATE).merchant_id
    name = (upload.name or "")[:100]
    try:
        extension = image_extension(upload, max_bytes=MAX_IMAGE_BYTES)
    except ImageTooLarge:
        raise DomainError(
            DecorationError.IMAGE_TOO_LARGE, name=name[:60], max_mb=MAX_IMAGE_BYTES // 2**20
        ) from None
    except ImageInvalid:
        raise DomainError(DecorationError.IMAGE_INVALID, name=name[:60]) from None
    if MallImage.objects.filter(merchant_id=merchant_id).count() >= MAX_LIBRARY:
        raise DomainError(DecorationError.IMAGE_LIBRARY_FULL, max=MAX_LIBRARY)
    image = MallImage(merchant_id=merchant_id, name=name, uploaded_by=actor)
    image.image.save(f"m{merchant_id}.{extension}", upload, save=False)
    image.save()
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="mall.image_uploaded",
        obj=image,
        before={},
        after={"name": name},
    )
    return image


@transaction.atomic
def delete_mall_image(*, actor: User, image_id: int) -> None:
    """Remove a picture from the library (pages that still show it lose the picture, as the
    editor warns)."""
    merchant_id = require_perm(actor, Perm.MALL_DECORATE).merchant_id
    image = get_owned(MallImage.objects.select_for_update(), merchant_id, pk=image_id)
    stored = image.image
    record_audit(
        actor=actor,
        merchant_id=merchant_id,
        action="mall.image_deleted",
        obj=image,
        before={"name": image.name},
        after={},
    )
    image.delete()
    transaction.on_commit(lambda: stored.delete(save=False))
