"""The blocks a mall page is built from, and the validation of a page's JSON.

A page is ``{"blocks": [block, …]}``; a block is ``{"id": "b1", "type": "banner", …settings}``.
Every block type is a Pydantic model that forbids unknown fields and bounds every length and
count; URLs are http(s) (images may also be /media/ paths), colours are ``#rrggbb``, hotspots lie
inside the picture (0–100 %). Rich text is sanitised when it is validated.

``validate_page`` is what saving uses: any problem refuses the whole page with a list of
readable problems (which block, which field, what is wrong). ``renderable_blocks`` is what the
renderer uses: it keeps the blocks that validate and skips the rest (an unknown type written by
a newer release, a product grid whose settings an older one did not know), so a page never
breaks the mall.

``EDITOR_FIELDS`` describes each block's settings for the console's editor (labels, inputs,
limits); a test checks that it covers every field of every model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from newretail.storefront.decoration.sanitize import is_http_url, is_image_url, sanitize_html

MAX_BLOCKS = 30
MAX_JSON_BYTES = 200_000
MAX_ID = 2**63 - 1


def _image_url(value: str) -> str:
    if value and not is_image_url(value):
        raise ValueError(_("Use an image address starting with https:// (or a /media/ path)."))
    return value


def _lower(value: str) -> str:
    return value.lower()


def Text(max_length: int, min_length: int = 0):
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)
    ]


ImageUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_image_url)
]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$"), AfterValidator(_lower)]
BlockId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,16}$")]
ObjectId = Annotated[int, Field(gt=0, le=MAX_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


LINK_TARGETS = ("none", "home", "category", "product", "search", "coupons", "stores", "url")


class Link(Strict):
    """Where a tap goes: a mall page (a product or category by id, a search, the coupon centre,
    the store list) or an http(s) address."""

    to: Literal["none", "home", "category", "product", "search", "coupons", "stores", "url"] = "none"
    value: Text(300) = ""

    @model_validator(mode="after")
    def _check_value(self) -> Link:
        if self.to == "product" and not _is_id(self.value):
            raise ValueError(_("A product link needs the product's id."))
        if self.to == "category" and self.value and not _is_id(self.value):
            raise ValueError(_("A category link needs the category's id."))
        if self.to == "search" and not self.value:
            raise ValueError(_("A search link needs the words to search for."))
        if self.to == "url" and not is_http_url(self.value):
            raise ValueError(_("Use a web address starting with https://."))
        if self.to in ("none", "home", "coupons", "stores"):
            self.value = ""
        return self


def _is_id(value: str) -> bool:
    return value.isdigit() and 0 < int(value) <= MAX_ID


class Block(Strict):
    id: BlockId


class Slide(Strict):
    image: ImageUrl = ""
    title: Text(20) = ""
    subtitle: Text(40) = ""
    background: Colour = "#e4393c"
    link: Link = Link()


class BannerBlock(Block):
    type: Literal["banner"]
    slides: list[Slide] = Field(min_length=1, max_length=8)
    interval: int = Field(4, ge=2, le=10)


class IconItem(Strict):
    icon: Text(4) = ""
    image: ImageUrl = ""
    label: Text(8, 1)
    link: Link = Link()


class IconNavBlock(Block):
    type: Literal["icon_nav"]
    items: list[IconItem] = Field(min_length=1, max_length=10)
    columns: Literal[4, 5] = 5


class NoticeBlock(Block):
    type: Literal["notice"]
    text: Text(120, 1)
    link: Link = Link()


class ProductGridBlock(Block):
    type: Literal["product_grid"]
    title: Text(20) = ""
    source: Literal["newest", "category", "tag", "manual"] = "newest"
    category_id: ObjectId | None = None
    tag_id: ObjectId | None = None
    product_ids: list[ObjectId] = Field(default_factory=list, max_length=20)
    limit: int = Field(6, ge=1, le=20)
    columns: Literal[2, 3] = 2

    @model_validator(mode="after")
    def _check_source(self) -> ProductGridBlock:
        if self.source == "category" and self.category_id is None:
            raise ValueError(_("Choose the category to show."))
        if self.source == "tag" and self.tag_id is None:
            raise ValueError(_("Choose the tag to show."))
        if self.source == "manual" and not self.product_ids:
            raise ValueError(_("Choose at least one product."))
        return self


class CouponsBlock(Block):
    type: Literal["coupons"]
    title: Text(20) = ""
    template_ids: list[ObjectId] = Field(default_factory=list, max_length=10)
    limit: int = Field(3, ge=1, le=10)


class SeckillBlock(Block):
    type: Literal["seckill"]
    title: Text(20) = ""
    promotion_id: ObjectId | None = None
    limit: int = Field(6, ge=1, le=12)


class GroupBuyBlock(Block):
    type: Literal["group_buy"]
    title: Text(20) = ""
    limit: int = Field(4, ge=1, le=12)


def _sanitized(value: str) -> str:
    return sanitize_html(value)


class RichTextBlock(Block):
    type: Literal["rich_text"]
    html: Annotated[str, StringConstraints(max_length=5000), AfterValidator(_sanitized)] = ""


class Hotspot(Strict):
    x: float = Field(ge=0, le=100)
    y: float = Field(ge=0, le=100)
    w: float = Field(gt=0, le=100)
    h: float = Field(gt=0, le=100)
    label: Text(20) = ""
    link: Link = Link()

    @model_validator(mode="after")
    def _inside(self) -> Hotspot:
        if self.x + self.w > 100 or self.y + self.h > 100:
            raise ValueError(
                _("A hotspot must lie inside the picture (left + width and top + height at most 100%).")
            )
        return self


class HotspotImageBlock(Block):
    type: Literal["hotspot_image"]
    image: ImageUrl
    alt: Text(40) = ""
    hotspots: list[Hotspot] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _has_image(self) -> HotspotImageBlock:
        if not self.image:
            raise ValueError(_("Give the picture's address."))
        return self


class StoreInfoBlock(Block):
    type: Literal["store_info"]
    title: Text(20) = ""
    limit: int = Field(3, ge=1, le=5)


class SearchBlock(Block):
    type: Literal["search"]
    placeholder: Text(30) = ""


BLOCK_MODELS: dict[str, type[Block]] = {
    "banner": BannerBlock,
    "icon_nav": IconNavBlock,
    "notice": NoticeBlock,
    "product_grid": ProductGridBlock,
    "coupons": CouponsBlock,
    "seckill": SeckillBlock,
    "group_buy": GroupBuyBlock,
    "rich_text": RichTextBlock,
    "hotspot_image": HotspotImageBlock,
    "store_info": StoreInfoBlock,
    "search": SearchBlock,
}

BLOCK_LABELS = {
    "banner": gettext_lazy("Banner carousel"),
    "icon_nav": gettext_lazy("Icon navigation"),
    "notice": gettext_lazy("Notice bar"),
    "product_grid": gettext_lazy("Product grid"),
    "coupons": gettext_lazy("Coupon claim"),
    "seckill": gettext_lazy("Seckill countdown"),
    "group_buy": gettext_lazy("Group-buy list"),
    "rich_text": gettext_lazy("Rich text"),
    "hotspot_image": gettext_lazy("Image with hotspots"),
    "store_info": gettext_lazy("Store info"),
    "search": gettext_lazy("Search bar"),
}

AnyBlock = Annotated[
    BannerBlock
    | IconNavBlock
    | NoticeBlock
    | ProductGridBlock
    | CouponsBlock
    | SeckillBlock
    | GroupBuyBlock
    | RichTextBlock
    | HotspotImageBlock
    | StoreInfoBlock
    | SearchBlock,
    Field(discriminator="type"),
]


class Page(Strict):
    blocks: list[AnyBlock] = Field(default_factory=list, max_length=MAX_BLOCKS)

    @model_validator(mode="after")
    def _unique_ids(self) -> Page:
        ids = [block.id for block in self.blocks]
        if len(ids) != len(set(ids)):
            raise ValueError(_("Two blocks have the same id."))
        return self


_PAGE = TypeAdapter(Page)


# --- problems --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a page: the block (index from 0, None for the page), the field's
    path inside it ("slides.0.title") and what is wrong."""

    block: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.block is not None:
            where.append(_("Block %(n)s") % {"n": self.block + 1})
        if self.field:
            where.append(field_label(self.field))
        return f"{' · '.join(where)}: {self.message}" if where else self.message


class PageInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "missing":
        return _("This is required.")
    if kind == "string_too_long":
        return _("At most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("This is required.") if ctx.get("min_length") == 1 else error["msg"]
    if kind == "too_long":
        return _("At most %(n)s items.") % {"n": ctx.get("max_length")}
    if kind == "too_short":
        return _("At least %(n)s items.") % {"n": ctx.get("min_length")}
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(n)s.") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind == "extra_forbidden":
        return _("Unknown setting.")
    if kind == "union_tag_invalid":
        return _("Unknown block type “%(type)s”.") % {"type": str(ctx.get("tag", ""))[:40]}
    if kind == "union_tag_not_found":
        return _("The block has no type.")
    if kind == "string_pattern_mismatch":
        return _("Not in the expected format.")
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"):
        return _("Enter a number.")
    if kind in ("string_type",):
        return _("Enter text.")
    if kind in ("list_type", "model_type", "dict_type", "model_attributes_type"):
        return _("The value has the wrong shape.")
    return error["msg"]


def _problems(error: ValidationError) -> list[Problem]:
    found = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        block = None
        if len(loc) >= 2 and loc[0] == "blocks" and isinstance(loc[1], int):
            block = loc[1]
            loc = loc[2:]
            if loc and isinstance(loc[0], str) and loc[0] in BLOCK_MODELS:  # the union's tag
                loc = loc[1:]
        field = ".".join(str(part) for part in loc)
        problem = Problem(block, field, _message(item))
        if problem not in found:
            found.append(problem)
    return found[:50]


def validate_page(data: Any) -> dict:
    """The page as clean JSON (defaults filled in, rich text sanitised), or ``PageInvalid``."""
    if isinstance(data, dict) and isinstance(data.get("blocks"), list):
        # An unknown type gets its own message rather than the union's long one.
        problems = [
            Problem(i, "type", _("Unknown block type “%(type)s”.") % {"type": str(block.get("type"))[:40]})
            for i, block in enumerate(data["blocks"])
            if isinstance(block, dict) and "type" in block and block["type"] not in BLOCK_MODELS
        ]
        if problems:
            raise PageInvalid(problems)
    try:
        page = _PAGE.validate_python(data)
    except ValidationError as error:
        raise PageInvalid(_problems(error)) from None
    return page.model_dump(mode="json")


def parse_page_json(raw: str) -> dict:
    """``validate_page`` of a JSON text (from the editor), refusing oversized or malformed text."""
    if len(raw.encode("utf-8")) > MAX_JSON_BYTES:
        raise PageInvalid([Problem(None, "", _("The page is too large (at most 200 KB)."))])
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise PageInvalid([Problem(None, "", _("The page is not valid JSON."))]) from None
    if not isinstance(data, dict):
        raise PageInvalid([Problem(None, "", _("The page must be an object with a list of blocks."))])
    return validate_page(data)


def renderable_blocks(content: Any) -> list[Block]:
    """The blocks of stored content that are valid now; unknown or invalid ones are skipped."""
    blocks = content.get("blocks") if isinstance(content, dict) else None
    if not isinstance(blocks, list):
        return []
    found = []
    for data in blocks[:MAX_BLOCKS]:
        model = BLOCK_MODELS.get(data.get("type")) if isinstance(data, dict) else None
        if model is None:
            continue
        try:
            found.append(model.model_validate(data))
        except ValidationError:
            continue
    return found


# --- the editor's description of each block ------------------------------------------------

LINK_LABELS = {
    "none": gettext_lazy("No link"),
    "home": gettext_lazy("Home page"),
    "category": gettext_lazy("Category (id, or empty for all)"),
    "product": gettext_lazy("Product (id)"),
    "search": gettext_lazy("Search (words)"),
    "coupons": gettext_lazy("Coupon centre"),
    "stores": gettext_lazy("Store list"),
    "url": gettext_lazy("Web address"),
}

FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "subtitle": gettext_lazy("Subtitle"),
    "image": gettext_lazy("Picture address"),
    "background": gettext_lazy("Background colour"),
    "link": gettext_lazy("Link"),
    "slides": gettext_lazy("Slides"),
    "interval": gettext_lazy("Seconds per slide"),
    "icon": gettext_lazy("Icon (emoji or 1–2 characters)"),
    "label": gettext_lazy("Label"),
    "items": gettext_lazy("Icons"),
    "columns": gettext_lazy("Per row"),
    "text": gettext_lazy("Text"),
    "source": gettext_lazy("Products to show"),
    "category_id": gettext_lazy("Category"),
    "tag_id": gettext_lazy("Tag"),
    "product_ids": gettext_lazy("Products"),
    "limit": gettext_lazy("How many"),
    "template_ids": gettext_lazy("Coupons (none chosen: those in the claim centre)"),
    "promotion_id": gettext_lazy("Limited-time discount (none chosen: the one ending soonest)"),
    "html": gettext_lazy("Content"),
    "alt": gettext_lazy("Description of the picture"),
    "hotspots": gettext_lazy("Hotspots"),
    "x": gettext_lazy("Left (%)"),
    "y": gettext_lazy("Top (%)"),
    "w": gettext_lazy("Width (%)"),
    "h": gettext_lazy("Height (%)"),
    "placeholder": gettext_lazy("Placeholder text"),
    "type": gettext_lazy("Block type"),
    "id": gettext_lazy("Block id"),
}


def field_label(path: str) -> str:
    """ "slides.0.title" -> "Slides 1 · Title"."""
    parts = []
    for part in path.split("."):
        if part.isdigit() and parts:
            parts[-1] = f"{parts[-1]} {int(part) + 1}"
        else:
            parts.append(str(FIELD_LABELS.get(part, part)))
    return " · ".join(parts)


def _f(name: str, kind: str, **extra) -> dict:
    return {"name": name, "kind": kind, **extra}


LINK = _f("link", "link")
SOURCE_CHOICES = [
    ("newest", gettext_lazy("Newest products")),
    ("category", gettext_lazy("A category")),
    ("tag", gettext_lazy("A tag")),
    ("manual", gettext_lazy("Hand-picked")),
]

# kind: text, textarea, html, number, colour, image, link, choice (choices), select (options:
# the editor's option list by name), multi (options), list (item fields, max).
EDITOR_FIELDS: dict[str, list[dict]] = {
    "banner": [
        _f(
            "slides",
            "list",
            max=8,
            min=1,
            item=[
                _f("title", "text", max=20),
                _f("subtitle", "text", max=40),
                _f("image", "image"),
                _f("background", "colour"),
                LINK,
            ],
        ),
        _f("interval", "number", min=2, max=10),
    ],
    "icon_nav": [
        _f(
            "items",
            "list",
            max=10,
            min=1,
            item=[_f("label", "text", max=8), _f("icon", "text", max=4), _f("image", "image"), LINK],
        ),
        _f("columns", "choice", choices=[(4, "4"), (5, "5")]),
    ],
    "notice": [_f("text", "text", max=120), LINK],
    "product_grid": [
        _f("title", "text", max=20),
        _f("source", "choice", choices=SOURCE_CHOICES),
        _f("category_id", "select", options="categories", show_when=["source", "category"]),
        _f("tag_id", "select", options="tags", show_when=["source", "tag"]),
        _f("product_ids", "multi", options="products", show_when=["source", "manual"], max=20),
        _f("limit", "number", min=1, max=20),
        _f("columns", "choice", choices=[(2, "2"), (3, "3")]),
    ],
    "coupons": [
        _f("title", "text", max=20),
        _f("template_ids", "multi", options="coupons", max=10),
        _f("limit", "number", min=1, max=10),
    ],
    "seckill": [
        _f("title", "text", max=20),
        _f("promotion_id", "select", options="promotions"),
        _f("limit", "number", min=1, max=12),
    ],
    "group_buy": [_f("title", "text", max=20), _f("limit", "number", min=1, max=12)],
    "rich_text": [_f("html", "html", max=5000)],
    "hotspot_image": [
        _f("image", "image"),
        _f("alt", "text", max=40),
        _f(
            "hotspots",
            "list",
            max=10,
            min=0,
            item=[
                _f("label", "text", max=20),
                _f("x", "number", min=0, max=100),
                _f("y", "number", min=0, max=100),
                _f("w", "number", min=1, max=100),
                _f("h", "number", min=1, max=100),
                LINK,
            ],
        ),
    ],
    "store_info": [_f("title", "text", max=20), _f("limit", "number", min=1, max=5)],
    "search": [_f("placeholder", "text", max=30)],
}

# What "add block" starts with (valid as it is, except where the merchant must choose).
NEW_BLOCKS: dict[str, dict] = {
    "banner": {"slides": [{"title": "新品上市", "subtitle": "", "image": "", "background": "#e4393c"}]},
    "icon_nav": {"items": [{"label": "全部分类", "icon": "☰", "link": {"to": "category", "value": ""}}]},
    "notice": {"text": "欢迎光临本店"},
    "product_grid": {"title": "为你推荐", "source": "newest", "limit": 6},
    "coupons": {"title": "领券中心"},
    "seckill": {"title": "限时秒杀"},
    "group_buy": {"title": "拼团"},
    "rich_text": {"html": "<p>介绍一下你的店铺</p>"},
    "hotspot_image": {"image": "", "alt": "", "hotspots": []},
    "store_info": {"title": "附近门店"},
    "search": {"placeholder": "搜索商品"},
}


def new_block(key: str) -> dict:
    """A new block's settings with every default filled in (as far as they validate alone)."""
    data = {"id": "new", "type": key, **NEW_BLOCKS[key]}
    try:
        data = BLOCK_MODELS[key].model_validate(data).model_dump(mode="json")
    except ValidationError:  # the merchant must fill something in first (a picture)
        pass
    return {name: value for name, value in data.items() if name not in ("id", "type")}


def editor_spec() -> dict:
    """What the editor's JavaScript needs: each type's label, fields and starting settings."""

    def fields(items: Iterable[dict]) -> list[dict]:
        out = []
        for item in items:
            entry = {**item, "label": str(FIELD_LABELS[item["name"]])}
            if "choices" in entry:
                entry["choices"] = [[value, str(label)] for value, label in entry["choices"]]
            if "item" in entry:
                entry["item"] = fields(entry["item"])
            out.append(entry)
        return out

    return {
        "types": [
            {
                "type": key,
                "label": str(BLOCK_LABELS[key]),
                "fields": fields(EDITOR_FIELDS[key]),
                "new": new_block(key),
            }
            for key in BLOCK_MODELS
        ],
        "links": [[key, str(label)] for key, label in LINK_LABELS.items()],
    }
