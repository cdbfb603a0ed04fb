"""A strict HTML sanitiser for the rich-text block, on the standard library's ``html.parser``.

Only a small whitelist survives: p, br, b, strong, i, em, u, span, h3, h4, ul, ol, li, a (href
http(s) only) and img (src http(s) or /media/, alt). Every other tag is dropped with its
attributes; script, style and the like are dropped with their content. Text is re-escaped and
the output is always well-formed (unclosed tags are closed), so it can be marked safe.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset(
    {"p", "br", "b", "strong", "i", "em", "u", "span", "h3", "h4", "ul", "ol", "li", "a", "img"}
)
VOID_TAGS = frozenset({"br", "img"})
# Dropped together with everything inside them.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "object", "embed", "template", "noscript", "textarea",
        "select", "svg", "math", "title", "head", "frameset", "frame", "xmp", "noembed",
    }
)  # fmt: skip

_HTTP_URL = re.compile(r"^https?://[^\s\"'<>\\`]+$", re.IGNORECASE)
_MEDIA_PATH = re.compile(r"^/media/[A-Za-z0-9._~%/+-]+$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def is_http_url(value: str) -> bool:
    return bool(_HTTP_URL.match(value)) and not _CONTROL.search(value)


def is_image_url(value: str) -> bool:
    """An absolute http(s) URL or a path in the site's media (never javascript:, data:, //host)."""
    if _MEDIA_PATH.match(value):
        return ".." not in value.split("/")
    return is_http_url(value)


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self.skipping += 1
            return
        if self.skipping or tag not in ALLOWED_TAGS:
            return
        kept = []
        values = {name: (value or "").strip() for name, value in attrs}
        if tag == "a":
            href = values.get("href", "")
            if is_http_url(href):
                kept += [("href", href), ("rel", "nofollow noopener"), ("target", "_blank")]
        elif tag == "img":
            src = values.get("src", "")
            if not is_image_url(src):
                return
            kept += [("src", src), ("alt", values.get("alt", "")[:100]), ("loading", "lazy")]
        rendered = "".join(f' {name}="{escape(value, quote=True)}"' for name, value in kept)
        self.out.append(f"<{tag}{rendered}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            return
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.open and self.open[-1] == tag and not self.skipping:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping or tag not in self.open:
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(escape(data, quote=True))

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out)


def sanitize_html(value: str) -> str:
    """``value`` with only the whitelisted tags and attributes; safe to put in a page as is."""
    parser = _Sanitiser()
    parser.feed(value)
    return parser.result()
