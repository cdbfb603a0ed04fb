"""Pure rules of source tracking: which channel a request came from, and whether a request is
a page view worth counting. No database here (the middleware and tests call these)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from newretail.analytics.models import Channel

VISITOR_COOKIE = "nr_vid"
VISITOR_COOKIE_AGE = 2 * 365 * 24 * 3600
# A browsing session ends after 30 minutes without a mall page view (the usual web-analytics
# definition); the cookie is per merchant and holds the tag code the session arrived with.
SESSION_COOKIE_PREFIX = "nr_vs_"
SESSION_COOKIE_AGE = 30 * 60
MAX_CODE_LENGTH = 24
VISITOR_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{4,24}$")

# Host suffixes of the search engines Chinese shoppers use (百度, 搜狗, 360搜索, 神马, 必应, 谷歌).
SEARCH_ENGINES = ("baidu.com", "sogou.com", "so.com", "sm.cn", "bing.com", "google.com", "google.com.hk")
BOT_RE = re.compile(
    r"bot|spider|crawl|slurp|curl|wget|python-|httpclient|okhttp|go-http|java/|scrapy|headlesschrome/.*lighthouse|"
    r"facebookexternalhit|preview|monitor|uptime|feed",
    re.IGNORECASE,
)


def new_visitor_id() -> str:
    return secrets.token_urlsafe(16)  # 22 characters, 128 bits


def new_tag_code() -> str:
    """A tag code: 12 url-safe characters (72 bits), unguessable, short enough for a QR code."""
    return secrets.token_urlsafe(9)


def clean_visitor_id(value: str | None) -> str:
    value = value or ""
    return value if VISITOR_ID_RE.match(value) else ""


def clean_code(value: str | None) -> str:
    value = (value or "").strip()
    return value if CODE_RE.match(value) else ""


def referrer_host(referer: str | None) -> str:
    try:
        return (urlsplit(referer or "").hostname or "").lower()[:100]
    except ValueError:
        return ""


def is_search_engine(host: str) -> bool:
    return any(host == engine or host.endswith("." + engine) for engine in SEARCH_ENGINES)


def derived_channel(referrer: str, own_host: str) -> str:
    """The channel of a visit without a tag: a search engine's referrer is search, another site
    is other, none (typed, bookmarked, opened in an app) or our own host is direct."""
    if not referrer or referrer == own_host:
        return Channel.DIRECT
    if is_search_engine(referrer):
        return Channel.SEARCH
    return Channel.OTHER


def is_bot(user_agent: str | None) -> bool:
    return not user_agent or bool(BOT_RE.search(user_agent))
