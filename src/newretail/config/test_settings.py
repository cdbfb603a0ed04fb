"""Settings for the test suite: the real settings with fast password hashing and Huey tasks run
inline. DATABASE_URL / REDIS_URL still choose the profile (make test runs both)."""

import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

from newretail.config.settings import *  # noqa: F403
from newretail.config.settings import HUEY, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}
if not REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newretail-tests"}
    }
elif os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # Tests clear the cache between them, and RedisCache.clear() flushes the whole database:
    # each xdist worker gets a database of its own so one worker never wipes another's keys.
    _url = urlsplit(REDIS_URL)
    _db = (int(_url.path.strip("/") or 0) - int(os.environ["PYTEST_XDIST_WORKER"][2:])) % 16
    CACHES = {
        "default": {
            "BACKEND": "newretail.core.cache.RedisCache",
            "LOCATION": urlunsplit(_url._replace(path=f"/{_db}")),
        }
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploaded and generated files of a test run never land in var/media.
MEDIA_ROOT = tempfile.mkdtemp(prefix="newretail-media-")
PRIVATE_ROOT = tempfile.mkdtemp(prefix="newretail-private-")

# Notification URLs and sandbox pages are built on the test client's host.
PUBLIC_BASE_URL = "http://testserver"
