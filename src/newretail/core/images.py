"""Uploaded pictures are checked by their content, never by their name: product pictures,
after-sales photos."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class ImageTooLarge(ValueError):
    pass


class ImageInvalid(ValueError):
    pass


def image_extension(upload: UploadedFile, *, max_bytes: int = MAX_IMAGE_BYTES) -> str:
    """The file extension of the upload's real format (jpg, png, webp). Raises ``ImageTooLarge``
    or ``ImageInvalid`` (truncated or forged files fail: the whole file is read)."""
    if upload.size > max_bytes:
        raise ImageTooLarge(upload.name)
    try:
        upload.seek(0)
        with Image.open(upload) as picture:
            picture.verify()
            kind = picture.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageInvalid(upload.name) from None
    finally:
        upload.seek(0)
    if kind not in FORMATS:
        raise ImageInvalid(upload.name)
    return FORMATS[kind]
