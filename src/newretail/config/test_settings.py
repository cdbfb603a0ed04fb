"""Settings for the test suite: the real settings with fast password hashing and Huey tasks run
inline. DATABASE_URL / REDIS_URL still choose the profile (make test runs both)."""

import tempfile

from newretail.config.settings import *  # noqa: F403
from newretail.config.settings import HUEY, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}
if not REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newretail-tests"}
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploaded and generated files of a test run never land in var/media.
MEDIA_ROOT = tempfile.mkdtemp(prefix="newretail-media-")
PRIVATE_ROOT = tempfile.mkdtemp(prefix="newretail-private-")
