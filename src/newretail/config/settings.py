"""NewRetail settings: one module, driven by environment variables with safe defaults.

Embedded profile (default): SQLite file under var/, Huey on SQLite, no Redis.
Scale profile: DATABASE_URL=postgres://…, REDIS_URL=redis://… (see docs/deploy.md).
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # src/newretail
PROJECT_DIR = BASE_DIR.parent.parent  # repository root
VAR_DIR = Path(os.environ.get("NEWRETAIL_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# The default secret only exists so that a fresh clone runs in DEBUG; `make run` and the
# `check --deploy` hook refuse it when DEBUG is off (core.checks.check_secret_key).
DEFAULT_SECRET_KEY = "insecure-dev-only-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "newretail.core",
    "newretail.tenancy",
    "newretail.catalog",
    "newretail.inventory",
    "newretail.members",
    "newretail.marketing",
    "newretail.marketing.groupbuy",
    "newretail.marketing.bargain",
    "newretail.marketing.games",
    "newretail.orders",
    "newretail.payments",
    "newretail.payments.sandbox",
    "newretail.pos",
    "newretail.analytics",
    "newretail.storefront",
    "newretail.console",
    "newretail.api",
    "newretail.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "newretail.analytics.middleware.SourceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "newretail.storefront.middleware.MallHostMiddleware",
]

ROOT_URLCONF = "newretail.config.urls"
WSGI_APPLICATION = "newretail.config.wsgi.application"
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "newretail.console.context.console_context",
                "newretail.storefront.context.mall_context",
            ],
            "builtins": ["newretail.core.templatetags.money"],
        },
    },
]

# --- databases -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "newretail.sqlite3")),
            # WAL lets readers and the single writer work at once; IMMEDIATE takes the write lock
            # at BEGIN so concurrent writers queue instead of failing with "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- cache and Redis -------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "newretail.core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Database cache: shared by the web and worker processes (login rate limits must be shared).
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "newretail_cache"}
    }

# --- background jobs -------------------------------------------------------------------------
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "newretail",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "newretail",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread"},
    }

# --- auth and security -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Login attempts per (username, ip) and per ip within LOGIN_RATE_WINDOW seconds.
LOGIN_RATE_LIMIT = int(os.environ.get("LOGIN_RATE_LIMIT", "5"))
LOGIN_RATE_LIMIT_PER_IP = int(os.environ.get("LOGIN_RATE_LIMIT_PER_IP", "30"))
LOGIN_RATE_WINDOW = int(os.environ.get("LOGIN_RATE_WINDOW", "300"))

# --- i18n and time ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Merchant-private files (import uploads, export results): no URL, served through checked views.
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "django.db.backends": {"level": "WARNING"}},
}

# --- payments --------------------------------------------------------------------------------
# The address providers and browsers reach this installation at: notification URLs and the
# sandbox pay pages are built from it. In production, the public https origin.
_SERVE_HOST = os.environ.get("HOST", "127.0.0.1")
PUBLIC_BASE_URL = os.environ.get(
    "PUBLIC_BASE_URL",
    f"http://{'127.0.0.1' if _SERVE_HOST in ('0.0.0.0', '::') else _SERVE_HOST}:{os.environ.get('PORT', '8000')}",
).rstrip("/")
# The local payment sandbox (a fake WeChat Pay and Alipay, payments/sandbox). Merchants in sandbox
# mode use it; turn it off on a production installation where no merchant should.
PAYMENT_SANDBOX = env_bool("PAYMENT_SANDBOX", True)
# Key that encrypts stored payment credentials; derived from SECRET_KEY when unset. Changing it
# makes stored credentials unreadable (they must be entered again).
PAYMENT_SECRETS_KEY = os.environ.get("PAYMENT_SECRETS_KEY", "")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "newretail.members.sms.LogSmsBackend")  # see members/sms.py

# --- mall ------------------------------------------------------------------------------------
# A single-merchant install names its merchant here (slug): "/" is then that merchant's mall and
# the platform's list of malls is hidden. Empty with exactly one active merchant does the same;
# with several, "/" lists their malls (商户入驻).
MALL_MERCHANT = os.environ.get("MALL_MERCHANT", "")

# Share posters are drawn with this CJK font (Debian: fonts-wqy-microhei).
POSTER_FONT_PATH = os.environ.get("POSTER_FONT_PATH", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# Name shown in titles and the console header.
PLATFORM_NAME = _("NewRetail")
