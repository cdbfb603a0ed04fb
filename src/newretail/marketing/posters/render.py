"""Drawing a poster: a 750×1334 canvas (the size WeChat shares well), Chinese text wrapped per
character and measured with the font, a picture fitted into its slot, and the QR code drawn
module by module on whole pixels so that it scans (and a test can read it back).

Pure: no database. ``render_poster(spec)`` returns the image and where everything went."""

from __future__ import annotations

import dataclasses
import functools
import io
import re
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, ImageDraw, ImageFont, ImageOps

WIDTH, HEIGHT = 750, 1334
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
ELLIPSIS = "…"
# A line may not start with closing punctuation, nor end with opening punctuation (禁则).
NO_LINE_START = set("，。！？、；：）》」』】〕,.!?;:)]}%…—")
NO_LINE_END = set("（《「『【〔([{¥$")
TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:[.,:/%-][A-Za-z0-9]+)*%?|\s|.", re.DOTALL)

Box = tuple[int, int, int, int]  # left, top, right, bottom


def font_path() -> str:
    """The CJK font posters are drawn with: ``settings.POSTER_FONT_PATH`` (environment variable
    of that name), by default WenQuanYi Micro Hei (Debian: fonts-wqy-microhei)."""
    return settings.POSTER_FONT_PATH or DEFAULT_FONT


@functools.lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    if not Path(path).is_file():
        raise ImproperlyConfigured(
            f"The poster font {path} is missing: install fonts-wqy-microhei (apt-get install "
            f"fonts-wqy-microhei) or set POSTER_FONT_PATH to a CJK TrueType/OpenType font."
        )
    return ImageFont.truetype(path, size)


def font(size: int) -> ImageFont.FreeTypeFont:
    return _font(font_path(), size)


# --- colours ---------------------------------------------------------------------------------


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    """``a`` moved towards ``b`` by ``t`` (0..1)."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def luminance(colour: tuple[int, int, int]) -> float:
    r, g, b = (c / 255 for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """Readable text on ``colour``: white on dark, near-black on light."""
    return (255, 255, 255) if luminance(colour) < 0.62 else (34, 34, 34)


WHITE = (255, 255, 255)
INK = (34, 34, 34)
INK_2 = (102, 102, 102)
INK_3 = (153, 153, 153)


# --- text ------------------------------------------------------------------------------------


def wrap(text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines of ``text`` that fit ``width`` pixels: Chinese breaks between any two characters,
    Latin words and numbers stay whole (unless longer than a line), explicit newlines are kept,
    and closing punctuation never starts a line."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        line = ""
        for token in TOKEN_RE.findall(paragraph):
            if not line and token.isspace():
                continue
            candidate = line + token
            if fnt.getlength(candidate) <= width:
                line = candidate
                continue
            if len(token) > 1 and fnt.getlength(token) > width:  # a word longer than a line
                for char in token:
                    if fnt.getlength(line + char) > width and line:
                        lines.append(line)
                        line = ""
                    line += char
                continue
            if token in NO_LINE_START and line:
                # Carry the last character down with the punctuation (it must not start a line).
                lines.append(line[:-1])
                line = line[-1] + token
            elif line and line[-1] in NO_LINE_END:
                lines.append(line[:-1])
                line = line[-1] + token.lstrip()
            else:
                lines.append(line.rstrip())
                line = token.lstrip()
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _shorten(line: str, fnt: ImageFont.FreeTypeFont, width: int) -> str:
    while line and fnt.getlength(line + ELLIPSIS) > width:
        line = line[:-1]
    return line + ELLIPSIS


@dataclasses.dataclass(frozen=True)
class PosterSpec:
    layout: str
    texts: dict[str, str]
    primary: str
    accent: str
    merchant_name: str
    qr_url: str
    picture: Image.Image | None = None


@dataclasses.dataclass
class TextBlock:
    field: str
    lines: list[str]
    box: Box
    size: int
    width: int
    overflow: bool


@dataclasses.dataclass
class QrPlacement:
    left: int
    top: int
    module: int
    modules: int

    @property
    def box(self) -> Box:
        side = self.module * self.modules
        return (self.left, self.top, self.left + side, self.top + side)


@dataclasses.dataclass
class Rendered:
    image: Image.Image
    texts: dict[str, TextBlock]
    qr: QrPlacement
    picture_box: Box | None

    @property
    def overflowing(self) -> list[str]:
        return [name for name, block in self.texts.items() if block.overflow]

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()


class Canvas:
    """What a layout draws with. Every helper records where it drew, for the checks."""

    def __init__(self, spec: PosterSpec, background: tuple[int, int, int] = WHITE):
        self.spec = spec
        self.primary = rgb(spec.primary)
        self.accent = rgb(spec.accent)
        self.image = Image.new("RGB", (WIDTH, HEIGHT), background)
        self.draw = ImageDraw.Draw(self.image)
        self.blocks: dict[str, TextBlock] = {}
        self.qr_placement: QrPlacement | None = None
        self.picture_box: Box | None = None

    def t(self, field: str) -> str:
        return (self.spec.texts.get(field) or "").strip()

    # shapes
    def rect(self, box: Box, fill, radius: int = 0, outline=None, width: int = 1) -> None:
        if radius:
            self.draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=width)
        else:
            self.draw.rectangle(box, fill=fill, outline=outline, width=width)

    def vertical_gradient(self, box: Box, top, bottom) -> None:
        left, y0, right, y1 = box
        for y in range(y0, y1):
            self.draw.line([(left, y), (right - 1, y)], fill=mix(top, bottom, (y - y0) / max(1, y1 - y0 - 1)))

    def gradient_card(self, box: Box, top, bottom, radius: int) -> None:
        """A rounded rectangle filled with a vertical gradient (member cards, tickets)."""
        left, y0, right, y1 = box
        size = (right - left, y1 - y0)
        tile = Image.new("RGB", size)
        draw = ImageDraw.Draw(tile)
        for y in range(size[1]):
            draw.line([(0, y), (size[0], y)], fill=mix(top, bottom, y / max(1, size[1] - 1)))
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=255)
        self.image.paste(tile, (left, y0), mask)

    def circle(self, centre: tuple[int, int], radius: int, fill) -> None:
        x, y = centre
        self.draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)

    def overlay_circle(self, centre: tuple[int, int], radius: int, colour, alpha: int) -> None:
        layer = Image.new("RGBA", self.image.size, (0, 0, 0, 0))
        x, y = centre
        ImageDraw.Draw(layer).ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*colour, alpha))
        self.image.paste(Image.alpha_composite(self.image.convert("RGBA"), layer).convert("RGB"))
        self.draw = ImageDraw.Draw(self.image)

    def dashed_line(self, start: tuple[int, int], end: tuple[int, int], fill, dash: int = 12, gap: int = 8,
                    width: int = 2) -> None:
        (x0, y0), (x1, _y1) = start, end
        x = x0
        while x < x1:
            self.draw.line([(x, y0), (min(x + dash, x1), y0)], fill=fill, width=width)
            x += dash + gap

    # text
    def text(
        self,
        field: str,
        box: tuple[int, int, int],
        size: int,
        fill,
        *,
        max_lines: int = 1,
        align: str = "left",
        bold: bool = False,
        line_height: float = 1.35,
        text: str | None = None,
    ) -> int:
        """Draw field ``field`` wrapped into ``box`` (left, top, width), at most ``max_lines``
        lines (the last one shortened with … and the block marked overflowing). Returns the
        bottom of what was drawn (``top`` when the field is empty)."""
        left, top, width = box
        value = self.t(field) if text is None else text
        fnt = font(size)
        lines = wrap(value, fnt, width) if value else []
        overflow = len(lines) > max_lines
        if overflow:
            lines = lines[:max_lines]
            lines[-1] = _shorten(lines[-1], fnt, width)
        step = round(size * line_height)
        stroke = max(1, size // 40) if bold else 0
        y = top
        for line in lines:
            measured = fnt.getlength(line)
            x = left + {"left": 0, "center": (width - measured) / 2, "right": width - measured}[align]
            self.draw.text((x, y), line, font=fnt, fill=fill, stroke_width=stroke, stroke_fill=fill)
            y += step
        bottom = top + (len(lines) - 1) * step + size + stroke * 2 if lines else top
        self.blocks[field] = TextBlock(field, lines, (left, top, left + width, bottom), size, width, overflow)
        return bottom

    def pill(self, field: str, centre_or_left: tuple[int, int], size: int, fill, ink, *, align: str = "left",
             pad: int | None = None, text: str | None = None) -> Box | None:
        """A rounded label (badge, call to action) sized to its text; None when empty."""
        value = self.t(field) if text is None else text
        if not value:
            return None
        fnt = font(size)
        pad = pad if pad is not None else size // 2 + 6
        max_width = WIDTH - 120
        lines = wrap(value, fnt, max_width - 2 * pad)
        line = lines[0] if lines else ""
        overflow = len(lines) > 1
        if overflow:
            line = _shorten(line, fnt, max_width - 2 * pad)
        width = round(fnt.getlength(line)) + 2 * pad
        height = size + pad + 4
        x, y = centre_or_left
        left = {"center": x - width // 2, "right": x - width}.get(align, x)
        box = (left, y, left + width, y + height)
        self.rect(box, fill=fill, radius=height // 2)
        self.draw.text((left + pad, y + (height - size) / 2 - size * 0.08), line, font=fnt, fill=ink)
        self.blocks[field] = TextBlock(field, [line], box, size, max_width, overflow)
        return box

    def price(self, field: str, left_top: tuple[int, int], size: int, fill, *, align: str = "left",
              width: int = 0) -> int:
        """A price in Chinese mall style: ``¥`` small, the number large ("¥12.80"); any other
        text (满100减20) is drawn as it is at the large size. Returns the bottom."""
        value = self.t(field)
        if not value:
            self.blocks[field] = TextBlock(field, [], (*left_top, left_top[0], left_top[1]), size, width, False)
            return left_top[1]
        x, y = left_top
        big, small = font(size), font(max(18, size * 45 // 100))
        if value[0] in "¥￥":
            head, rest = "¥", value[1:].strip()
        else:
            head, rest = "", value
        limit = width or (WIDTH - x - 40)
        overflow = False
        while rest and small.getlength(head) + 4 + big.getlength(rest) > limit:
            rest, overflow = rest[:-1], True
        if overflow:
            rest = rest[:-1] + ELLIPSIS
        total = (small.getlength(head) + 4 if head else 0) + big.getlength(rest)
        if align == "center":
            x = round(x + (limit - total) / 2)
        elif align == "right":
            x = round(x + limit - total)
        stroke = max(1, size // 30)
        if head:
            self.draw.text((x, y + size - small.size * 1.02), head, font=small, fill=fill, stroke_width=1,
                           stroke_fill=fill)
            x += round(small.getlength(head)) + 4
        self.draw.text((x, y - size * 0.06), rest, font=big, fill=fill, stroke_width=stroke, stroke_fill=fill)
        bottom = y + size
        self.blocks[field] = TextBlock(field, [head + rest], (left_top[0], y, left_top[0] + limit, bottom), size,
                                       limit, overflow)
        return bottom

    # picture
    def picture(self, box: Box, radius: int = 0, placeholder_label: str = "") -> None:
        """The poster's picture fitted (cropped to fill) into ``box``; a drawn placeholder in the
        theme's colours when there is none."""
        left, top, right, bottom = box
        size = (right - left, bottom - top)
        if self.spec.picture is not None:
            tile = ImageOps.fit(ImageOps.exif_transpose(self.spec.picture).convert("RGB"), size,
                                Image.Resampling.LANCZOS)
        else:
            tile = self._placeholder(size, placeholder_label or self.t("title") or self.spec.merchant_name)
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=255)
        self.image.paste(tile, (left, top), mask if radius else None)
        self.picture_box = box

    def _placeholder(self, size: tuple[int, int], label: str) -> Image.Image:
        w, h = size
        light = mix(self.primary, WHITE, 0.82)
        lighter = mix(self.accent, WHITE, 0.88)
        tile = Image.new("RGB", size, light)
        draw = ImageDraw.Draw(tile)
        for y in range(h):
            draw.line([(0, y), (w, y)], fill=mix(lighter, light, y / max(1, h - 1)))
        ring = mix(self.primary, WHITE, 0.7)
        r = min(w, h) * 38 // 100
        draw.ellipse((w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r), fill=mix(self.primary, WHITE, 0.6))
        draw.ellipse((w - r // 2 - 40, 20, w + r // 2, r + 20), fill=ring)
        draw.ellipse((-r // 3, h - r // 2, r // 2, h + r // 3), fill=ring)
        glyphs = "".join(ch for ch in label if not ch.isspace())[:2] or "★"
        size_px = r * (95 if len(glyphs) == 1 else 62) // 100
        fnt = font(size_px)
        length = fnt.getlength(glyphs)
        draw.text(((w - length) / 2, h / 2 - size_px * 0.62), glyphs, font=fnt, fill=WHITE, stroke_width=2,
                  stroke_fill=WHITE)
        return tile

    # QR code
    def qr(self, left_top: tuple[int, int], side: int, *, card: bool = True, caption: str | None = None,
           caption_fill=INK_2) -> Box:
        """The QR code of the poster's link, ``side`` pixels at most, on whole-pixel modules with a
        white quiet zone; an optional caption below. Returns the card's box."""
        code = segno.make(self.spec.qr_url, error="m", micro=False)
        matrix = code.matrix
        modules = len(matrix)
        quiet = 2
        module = max(2, side // (modules + 2 * quiet))
        drawn = module * (modules + 2 * quiet)
        x, y = left_top
        if card:
            self.rect((x - 10, y - 10, x + drawn + 10, y + drawn + 10), fill=WHITE, radius=14)
        self.rect((x, y, x + drawn - 1, y + drawn - 1), fill=WHITE)
        origin_x, origin_y = x + quiet * module, y + quiet * module
        for row, values in enumerate(matrix):
            for column, dark in enumerate(values):
                if dark:
                    mx, my = origin_x + column * module, origin_y + row * module
                    self.draw.rectangle((mx, my, mx + module - 1, my + module - 1), fill=(0, 0, 0))
        self.qr_placement = QrPlacement(origin_x, origin_y, module, modules)
        bottom = y + drawn + 10
        if caption:
            fnt = font(20)
            length = fnt.getlength(caption)
            self.draw.text((x + (drawn - length) / 2, bottom + 10), caption, font=fnt, fill=caption_fill)
            bottom += 40
        return (x - 10, y - 10, x + drawn + 10, bottom)

    def finish(self) -> Rendered:
        assert self.qr_placement is not None, "every layout draws the QR code"
        return Rendered(self.image, self.blocks, self.qr_placement, self.picture_box)


def render_poster(spec: PosterSpec) -> Rendered:
    from newretail.marketing.posters.layouts import LAYOUTS

    layout = LAYOUTS[spec.layout]
    return layout.draw(spec)
