"""Private file storage: files that belong to one merchant's staff (import uploads, export
results) live outside MEDIA_ROOT, have no public URL, and are served only through views that
check the merchant (console job pages, the jobs API)."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("private files have no URL; serve them through a view that checks the merchant")


def private_storage() -> PrivateStorage:
    return PrivateStorage(location=settings.PRIVATE_ROOT)
