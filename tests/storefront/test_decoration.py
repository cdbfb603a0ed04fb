"""Shop decoration: the page JSON's validation and limits, the strict rich-text sanitiser, the
renderer (unknown blocks skipped, every text escaped: a test pushes script tags, attribute breaks
and javascript: URLs through every field of every block), draft → publish → versions → rollback
with the mall's cache, the theme colours, and the console's access rules (another merchant's
ids are 404 on every route, a role without mall.decorate is refused)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, get_resolver, reverse
from django.utils import translation

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry
from newretail.core.testing import make_merchant, make_staff, make_store
from newretail.marketing.actions.coupons import create_coupon_template
from newretail.marketing.actions.promotions import create_promotion
from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyItem
from newretail.storefront.decoration import actions, blocks, images
from newretail.storefront.decoration.blocks import BLOCK_MODELS, EDITOR_FIELDS, PageInvalid, validate_page
from newretail.storefront.decoration.render import render_content, render_published
from newretail.storefront.decoration.sanitize import sanitize_html
from newretail.storefront.decoration.starters import STARTERS
from newretail.storefront.models import MallPage, MallPageVersion
from newretail.storefront.theme import DEFAULT_THEME, theme_for
from newretail.tenancy.roles import Role
from tests.orders.isolation import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the source strings); the pages' language is the site's."""
    with translation.override("en"):
        yield


SCRIPT = "<script>alert(1)</script>"
ATTR = '" onmouseover=alert(1) x="'
JS_URL = "javascript:alert(1)"
PAYLOADS = (SCRIPT, ATTR, JS_URL)


def page_of(*blocks_: dict) -> dict:
    return {"blocks": [{"id": f"b{i}", **block} for i, block in enumerate(blocks_, 1)]}


def problems_of(data) -> list[str]:
    with pytest.raises(PageInvalid) as caught:
        validate_page(data) if not isinstance(data, str) else blocks.parse_page_json(data)
    return [str(p) for p in caught.value.problems]


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be an object"),
        ('{"blocks": 5}', "wrong shape"),
        ('{"blocks": [], "extra": 1}', "Unknown setting"),
        ('{"blocks": [{"id": "a", "type": "marquee"}]}', "Unknown block type “marquee”"),
        ('{"blocks": [{"id": "a"}]}', "no type"),
        ('{"blocks": [{"id": "a", "type": "notice", "text": "hi", "colour": "red"}]}', "Unknown setting"),
        ('{"blocks": [{"id": "a", "type": "notice", "text": ""}]}', "required"),
        (
            '{"blocks": [{"id": "a", "type": "notice", "text": "' + "长" * 121 + '"}]}',
            "At most 120 characters",
        ),
        ('{"blocks": [{"id": "a", "type": "product_grid", "limit": "many"}]}', "Enter a number"),
        ('{"blocks": [{"id": "a", "type": "product_grid", "limit": 50}]}', "at most 20"),
        ('{"blocks": [{"id": "a", "type": "product_grid", "source": "manual"}]}', "at least one product"),
        ('{"blocks": [{"id": "a", "type": "search"}, {"id": "a", "type": "search"}]}', "same id"),
        ('{"blocks": [{"id": "<b>", "type": "search"}]}', "expected format"),
    ],
)
def test_validation_refuses_bad_pages_with_clear_messages(data, expected):
    problems = problems_of(data)
    assert any(expected in problem for problem in problems), problems


def test_validation_names_the_block_and_the_field():
    problems = problems_of(page_of({"type": "search"}, {"type": "banner", "slides": [{"title": "x" * 21}]}))
    assert problems == ["Block 2 · Slides 1 · Title: At most 20 characters."]


def test_validation_limits_sizes_counts_urls_colours_and_hotspots():
    assert "too large" in problems_of(json.dumps({"blocks": [], "pad": "x" * 200_001}))[0]
    assert "At most 30 items" in problems_of(page_of(*[{"type": "search"}] * 31))[0]
    assert "At most 8 items" in problems_of(page_of({"type": "banner", "slides": [{}] * 9}))[0]
    for url in (
        JS_URL,
        "JaVaScRiPt:alert(1)",
        "data:image/png;base64,xx",
        "//evil.test/a.png",
        "/media/../x",
        "/static/a.png",
    ):
        assert problems_of(page_of({"type": "hotspot_image", "image": url})), url
        slide = {"type": "banner", "slides": [{"link": {"to": "url", "value": url}}]}
        assert problems_of(page_of(slide)), url
    assert validate_page(page_of({"type": "hotspot_image", "image": "/media/decor/a.png"}))
    assert problems_of(page_of({"type": "banner", "slides": [{"background": "red"}]}))
    assert problems_of(page_of({"type": "banner", "slides": [{"background": "#fff"}]}))
    spot = {"x": 80, "y": 10, "w": 30, "h": 10}
    assert (
        "inside the picture"
        in problems_of(page_of({"type": "hotspot_image", "image": "/media/a.png", "hotspots": [spot]}))[0]
    )
    spot = {"x": -1, "y": 10, "w": 10, "h": 10}
    assert (
        "at least 0"
        in problems_of(page_of({"type": "hotspot_image", "image": "/media/a.png", "hotspots": [spot]}))[0]
    )
    assert (
        "product's id"
        in problems_of(page_of({"type": "notice", "text": "a", "link": {"to": "product", "value": "x"}}))[0]
    )


def test_valid_pages_are_cleaned_with_defaults_and_colours_lowercased():
    page = validate_page(
        page_of({"type": "banner", "slides": [{"title": " 新品 ", "background": "#ABCDEF"}]})
    )
    slide = page["blocks"][0]["slides"][0]
    assert slide["title"] == "新品" and slide["background"] == "#abcdef"
    assert slide["link"] == {"to": "none", "value": ""} and page["blocks"][0]["interval"] == 4


def test_starters_are_valid_and_cover_five_kinds_of_shop():
    assert len(STARTERS) >= 5
    assert {"社区便利店", "连锁超市", "生鲜果蔬", "进口食品微商", "直播服饰"} <= {
        s.name for s in STARTERS.values()
    }
    for starter in STARTERS.values():
        page = starter.page()
        assert len(page["blocks"]) >= 5, starter.key
        assert all(value.startswith("#") for value in starter.theme.values())


def test_the_editor_describes_every_setting_of_every_block():
    def names(model) -> set[str]:
        return set(model.model_fields) - {"id", "type"}

    nested = {"slides": blocks.Slide, "items": blocks.IconItem, "hotspots": blocks.Hotspot}
    assert set(EDITOR_FIELDS) == set(BLOCK_MODELS) == set(blocks.NEW_BLOCKS)
    for key, model in BLOCK_MODELS.items():
        fields = EDITOR_FIELDS[key]
        assert {f["name"] for f in fields} == names(model), key
        for field in fields:
            if field["kind"] == "list":
                assert {f["name"] for f in field["item"]} == names(nested[field["name"]]), (
                    key,
                    field["name"],
                )
    spec = blocks.editor_spec()
    assert [t["type"] for t in spec["types"]] == list(BLOCK_MODELS)


# --- sanitising and rendering ------------------------------------------------------------------


def test_rich_text_keeps_only_the_whitelist():
    dirty = (
        '<p style="color:red" onclick="x()">Hi <b>there</b><script>alert(1)</script><style>p{}</style>'
        '<a href="javascript:alert(1)">bad</a> <a href="https://shop.test/a?b=1&c=2" onclick=x>ok</a>'
        '<img src="x" onerror="alert(1)"><img src="https://img.test/a.png" alt=\'"x\'>'
        "<iframe src=https://evil.test></iframe><h3>T</h3><ul><li>one<li>two</ul><table><tr><td>cell"
        "<!-- note --><em>unclosed"
    )
    clean = sanitize_html(dirty)
    assert clean == (
        '<p>Hi <b>there</b><a>bad</a> <a href="https://shop.test/a?b=1&amp;c=2" rel="nofollow noopener" '
        'target="_blank">ok</a><img src="https://img.test/a.png" alt="&quot;x" loading="lazy"><h3>T</h3>'
        "<ul><li>one<li>two</li></li></ul>cell<em>unclosed</em></p>"
    )
    assert sanitize_html("a < b & c") == "a &lt; b &amp; c"
    assert sanitize_html("<scr<script>ipt>alert(1)</script>") == "ipt&gt;alert(1)"


@pytest.fixture
def mall_request(merchant):
    request = RequestFactory().get(f"/m/{merchant.slug}/")
    request.mall = merchant
    request.mall_by_host = False
    request.session = {}
    request.user = None
    return request


@pytest.fixture
def world(owner, store, cola):
    """A product, a coupon in the claim centre and a running limited-time discount: every block
    has something to show."""
    now = clock.now()
    template = create_coupon_template(
        actor=owner,
        name="满59减10",
        kind="cash_off",
        threshold_fen=5900,
        off_fen=1000,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
    )
    promotion = create_promotion(
        actor=owner,
        name="饮料限时8.8折",
        kind="flash_discount",
        rules={"rate_percent": 88},
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=5),
    )
    groupbuy = GroupBuyCampaign.objects.create(
        merchant=owner.merchant, name="三人团", group_size=3, starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=2),
    )
    item = GroupBuyItem.objects.create(merchant=owner.merchant, campaign=groupbuy, sku=cola, group_price_fen=299)
    return {
        "product": cola.product, "template": template, "promotion": promotion, "store": store,
        "groupbuy_item": item,
    }  # fmt: skip


def full_page(world) -> dict:
    """One block of every type with every setting filled."""
    link = {"to": "search", "value": "牛奶"}
    product_id = world["product"].pk
    return page_of(
        {"type": "search", "placeholder": "搜索"},
        {"type": "banner", "slides": [{"title": "新品", "subtitle": "副标题", "image": "https://img.test/a.png", "background": "#112233", "link": link}]},
        {"type": "icon_nav", "items": [{"label": "饮料", "icon": "🥤", "image": "", "link": link}]},
        {"type": "notice", "text": "公告", "link": link},
        {"type": "product_grid", "title": "推荐", "source": "manual", "product_ids": [product_id]},
        {"type": "coupons", "title": "领券", "template_ids": [world["template"].pk]},
        {"type": "seckill", "title": "秒杀", "promotion_id": world["promotion"].pk},
        {"type": "group_buy", "title": "拼团"},
        {"type": "rich_text", "html": "<p>介绍</p>"},
        {"type": "hotspot_image", "image": "/media/a.png", "alt": "图", "hotspots": [{"x": 1, "y": 1, "w": 10, "h": 10, "label": "点", "link": link}]},
        {"type": "store_info", "title": "门店"},
    )  # fmt: skip


def test_every_block_renders(mall_request, merchant, world):
    with translation.override("zh-hans"):
        html = render_content(mall_request, merchant, validate_page(full_page(world)))
    shown = re.findall(r'data-block="(\w+)"', html)
    assert shown == [b["type"] for b in full_page(world)["blocks"]]  # in the page's order
    assert set(shown) == set(BLOCK_MODELS)
    assert "可口可乐 330ml" in html and "满59减10" in html and world["store"].name in html
    assert f'action="/m/{merchant.slug}/coupons/{world["template"].pk}/claim/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'action="/m/{merchant.slug}/search/"' in html and 'name="q"' in html
    assert f'href="/m/{merchant.slug}/search/?q=%E7%89%9B%E5%A5%B6"' in html
    assert f'data-countdown="{int(world["promotion"].ends_at.timestamp() * 1000)}"' in html
    assert "left:1.00%;top:1.00%;width:10.00%;height:10.00%" in html
    # The group buy running: its item, group size and group price, opening the item's page.
    assert f'href="/m/{merchant.slug}/groupbuys/{world["groupbuy_item"].pk}/"' in html
    assert "3人团" in html and "¥2.99" in html


def test_the_group_buy_block_shows_nothing_when_no_group_buy_runs(mall_request, merchant, world):
    GroupBuyCampaign.objects.filter(merchant=merchant).update(status=GroupBuyCampaign.Status.PAUSED)
    html = render_content(mall_request, merchant, validate_page(full_page(world)))
    shown = re.findall(r'data-block="(\w+)"', html)
    assert "group_buy" not in shown and "seckill" in shown


def test_unknown_and_invalid_blocks_are_skipped_when_rendering(mall_request, merchant):
    stored = {
        "blocks": [
            {"id": "a", "type": "marquee", "text": SCRIPT},
            {"id": "b", "type": "notice", "text": "仍然显示"},
            {"id": "c", "type": "notice", "text": "x" * 500},
            "not a block",
            None,
            {"id": "d", "type": "banner", "slides": [{"image": JS_URL}]},
        ]
    }
    html = render_content(mall_request, merchant, stored)
    assert "仍然显示" in html and "marquee" not in html and "alert" not in html
    assert re.findall(r'data-block="(\w+)"', html) == ["notice"]
    assert render_content(mall_request, merchant, "garbage") is not None
    assert render_content(mall_request, merchant, {"blocks": "x"}) is not None


def _inject(value, payload):
    """Every text in a block's settings replaced by ``payload`` (ids, numbers, choices kept)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("id", "type", "source", "to", "background"):
                out[key] = item
            elif key == "link":
                out[key] = {"to": "search", "value": payload}
            else:
                out[key] = _inject(item, payload)
        return out
    if isinstance(value, list):
        return [_inject(item, payload) for item in value]
    if isinstance(value, str):
        return payload
    return value


URL_FIELDS = {"image"}


def _text_paths(value, path=""):
    """(path, is_url) of every text setting of a block (what the injection reaches)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in ("id", "type", "source", "to", "background"):
                yield from _text_paths(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _text_paths(item, f"{path}.{i}")
    elif isinstance(value, str):
        yield path, path.rsplit(".", 1)[-1] in URL_FIELDS


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_tags_attribute_breaks_and_javascript_urls_never_reach_the_page(
    client, owner, merchant, world, payload
):
    """Through every text field of every block: as text it is escaped; where a URL goes it is
    refused by validation; and through links it only becomes an encoded search."""
    page = MallPage.objects.create(merchant=merchant, key="inject", title="注入")
    base = full_page(world)
    injected = {"blocks": []}
    for block in base["blocks"]:
        assert list(_text_paths(block)), block["type"]
        dirty = _inject(block, payload)
        url_paths = [p for p, is_url in _text_paths(block) if is_url]
        if url_paths:
            with pytest.raises(PageInvalid) as caught:
                validate_page({"blocks": [dirty]})
            assert {p.field for p in caught.value.problems} >= set(url_paths), block["type"]
            dirty = _restore_urls(dirty, block)
        injected["blocks"].append(dirty)
    # Texts longer than a field allows are refused too; cut them to the limits and go on.
    content = _fit(injected)
    actions.save_draft(actor=owner, page_id=page.pk, content=content)
    client.force_login(owner)
    html = client.get(reverse("console:decoration_preview", args=[page.pk])).content.decode()
    body = html.split('<main class="mall-main">', 1)[1]
    # Every block is on the page (rich text that was only a script is empty, so it is left out).
    shown = set(re.findall(r'data-block="(\w+)"', body))
    assert shown == set(BLOCK_MODELS) - ({"rich_text"} if payload == SCRIPT else set())
    assert "<script>alert" not in body
    assert '" onmouseover' not in body
    for tag, name, value in attributes(body):
        assert not name.startswith("on"), f"an event handler got through: <{tag} {name}={value!r}>"
        if name in ("href", "src", "action", "formaction"):
            assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (
                tag,
                name,
                value,
            )
        if name == "style":
            assert "javascript" not in value.lower() and "url(" not in value.lower(), (tag, value)
    if payload == ATTR:
        assert "&quot; onmouseover=alert(1) x=&quot;" in body  # shown as text, escaped
    if payload == SCRIPT:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # shown as text, escaped


def attributes(html: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every attribute, as a browser's parser reads them."""
    found: list[tuple[str, str, str]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend((tag, name, value or "") for name, value in attrs)

    Collect().feed(html)
    return found


def _restore_urls(dirty: dict, clean: dict):
    if isinstance(dirty, dict):
        return {k: clean[k] if k in URL_FIELDS else _restore_urls(v, clean.get(k)) for k, v in dirty.items()}
    if isinstance(dirty, list):
        return [_restore_urls(d, c) for d, c in zip(dirty, clean, strict=True)]
    return dirty


def _fit(content: dict) -> dict:
    """Cut each text to its field's maximum (from the editor spec) so that the page validates."""
    limits = {}

    def collect(fields, prefix=""):
        for f in fields:
            if f["kind"] == "list":
                collect(f["item"], prefix + f["name"] + ".")
            elif "max" in f and f["kind"] in ("text", "html"):
                limits[prefix + f["name"]] = f["max"]

    content = copy.deepcopy(content)
    for block in content["blocks"]:
        limits.clear()
        collect(EDITOR_FIELDS[block["type"]])
        for key, value in list(block.items()):
            if isinstance(value, str) and key in limits:
                block[key] = value[: limits[key]]
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        for sub, text in list(item.items()):
                            if isinstance(text, str) and f"{key}.{sub}" in limits:
                                item[sub] = text[: limits[f"{key}.{sub}"]]
    return content


# --- draft, publish, versions, rollback ------------------------------------------------------


def test_draft_publish_version_and_rollback(
    owner, merchant, mall_request, django_capture_on_commit_callbacks
):
    page = actions.home_page(actor=owner)
    assert render_published(mall_request, merchant) is None
    first = page_of({"type": "notice", "text": "第一版"})
    with django_capture_on_commit_callbacks(execute=True):
        actions.save_draft(actor=owner, page_id=page.pk, content=json.dumps(first), revision=0)
    assert render_published(mall_request, merchant) is None  # a draft is not the mall
    with django_capture_on_commit_callbacks(execute=True):
        v1 = actions.publish_page(actor=owner, page_id=page.pk, note="开业")
    assert v1.number == 1 and "第一版" in render_published(mall_request, merchant)

    with django_capture_on_commit_callbacks(execute=True):
        actions.save_draft(
            actor=owner, page_id=page.pk, content=page_of({"type": "notice", "text": "第二版"})
        )
        v2 = actions.publish_page(actor=owner, page_id=page.pk)
    html = render_published(mall_request, merchant)
    assert v2.number == 2 and "第二版" in html and "第一版" not in html

    with django_capture_on_commit_callbacks(execute=True):
        v3 = actions.rollback_page(actor=owner, version_id=v1.pk)
    page.refresh_from_db()
    assert v3.number == 3 and v3.content == v1.content and "1" in v3.note
    assert page.published_version == v3 and page.draft == v1.content
    assert "第一版" in render_published(mall_request, merchant)
    assert list(MallPageVersion.objects.filter(page=page).values_list("number", flat=True)) == [3, 2, 1]
    assert MallPageVersion.objects.get(pk=v1.pk).content == validate_page(first)  # versions never change
    logged = list(
        AuditEntry.objects.filter(merchant=merchant, object_id=str(page.pk)).values_list("action", flat=True)
    )
    assert {"mall.page_created", "mall.draft_saved", "mall.page_published", "mall.page_rolled_back"} <= set(
        logged
    )


def test_a_save_over_someone_elses_is_refused_and_bad_input_changes_nothing(owner):
    page = actions.home_page(actor=owner)
    actions.save_draft(actor=owner, page_id=page.pk, content=page_of({"type": "search"}), revision=0)
    with pytest.raises(DomainError) as caught:
        actions.save_draft(
            actor=owner, page_id=page.pk, content=page_of({"type": "notice", "text": "x"}), revision=0
        )
    assert caught.value.code == "decoration.draft_changed"
    with pytest.raises(DomainError) as caught:
        actions.save_draft(actor=owner, page_id=page.pk, content='{"blocks": [{"id": "a", "type": "nope"}]}')
    assert caught.value.code == "decoration.page_invalid" and "nope" in caught.value.message
    page.refresh_from_db()
    assert [b["type"] for b in page.draft["blocks"]] == ["search"] and page.draft_revision == 1
    with pytest.raises(DomainError):
        actions.create_page(actor=owner, key="home", title="again")
    with pytest.raises(DomainError):
        actions.create_page(actor=owner, key="Bad Key!", title="x")


def test_the_published_page_is_read_from_the_cache(
    owner, merchant, mall_request, django_capture_on_commit_callbacks
):
    page = actions.home_page(actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        actions.save_draft(actor=owner, page_id=page.pk, content=page_of({"type": "search"}))
        actions.publish_page(actor=owner, page_id=page.pk)
    render_published(mall_request, merchant)
    with CaptureQueriesContext(connection) as queries:
        html = render_published(mall_request, merchant)
    assert 'data-block="search"' in html
    assert not [q for q in queries.captured_queries if "storefront_mall" in q["sql"]]


def test_starter_fills_the_draft_and_may_bring_its_colours(
    owner, merchant, django_capture_on_commit_callbacks
):
    page = actions.home_page(actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        actions.apply_starter(actor=owner, page_id=page.pk, starter="fresh", with_theme=True)
    page.refresh_from_db()
    assert [b["type"] for b in page.draft["blocks"]] == [b["type"] for b in STARTERS["fresh"].blocks]
    assert theme_for(merchant).brand == "#2e9d4d"
    with pytest.raises(DomainError):
        actions.apply_starter(actor=owner, page_id=page.pk, starter="nope")


# --- theme -----------------------------------------------------------------------------------


def test_theme_colours_are_strict_and_reach_the_mall(
    client, owner, merchant, django_capture_on_commit_callbacks
):
    assert theme_for(merchant) == DEFAULT_THEME
    for bad in ("red", "#fff", "#12345g", "#123456;}body{", "", "#1234567"):
        with pytest.raises(DomainError):
            actions.set_theme(actor=owner, brand=bad, brand_ink="#ffffff", accent="#ff9500")
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_theme(actor=owner, brand="#00AA55", brand_ink="#ffffff", accent="#ff9500")
    assert theme_for(merchant).brand == "#00aa55"
    assert "--nr-brand:#00aa55;" in client.get(f"/m/{merchant.slug}/").content.decode()

    client.force_login(owner)
    url = reverse("console:decoration_theme")
    response = client.post(url, {"brand": "#12;}x", "brand_ink": "#ffffff", "accent": "#ff9500"})
    assert response.status_code == 200 and 'data-error-for="brand"' in response.content.decode()
    assert theme_for(merchant).brand == "#00aa55"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"brand": "#d81e06", "brand_ink": "#ffffff", "accent": "#f7b500"})
    assert response.status_code == 302 and theme_for(merchant).accent == "#f7b500"


# --- the console -----------------------------------------------------------------------------


def test_editor_saves_shows_problems_inline_and_publishes(client, owner, merchant, world):
    client.force_login(owner)
    response = client.get(reverse("console:decoration_pages"))
    assert response.status_code == 200
    page = MallPage.objects.get(merchant=merchant, key="home")
    url = reverse("console:decoration_editor", args=[page.pk])
    html = client.get(url).content.decode()
    options = json.loads(
        re.search(r'<script id="dc-options" type="application/json">(.*?)</script>', html)[1]
    )
    assert [world["product"].pk, "可口可乐 330ml"] in options["products"]  # the product picker's choices
    assert [world["promotion"].pk, "饮料限时8.8折"] in options["promotions"]

    bad = page_of({"type": "notice", "text": ""})
    response = client.post(url, {"content": json.dumps(bad), "revision": "0", "action": "save"})
    text = response.content.decode()
    assert response.status_code == 200 and "dc-problems-list" in text
    problems = json.loads(
        re.search(r'<script id="dc-problems" type="application/json">(.*?)</script>', text)[1]
    )
    assert problems[0]["block_id"] == "b1" and problems[0]["field"] == "text"
    page.refresh_from_db()
    assert page.draft == {"blocks": []}

    good = page_of({"type": "notice", "text": "开业大吉"}, {"type": "product_grid", "title": "推荐"})
    response = client.post(
        url, {"content": json.dumps(good), "revision": "0", "action": "publish", "note": "v1"}
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.published_version.number == 1 and page.published_version.note == "v1"
    assert client.get(reverse("console:decoration_versions", args=[page.pk])).status_code == 200

    preview = client.get(reverse("console:decoration_preview", args=[page.pk]))
    assert preview.status_code == 200 and preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "开业大吉" in preview.content.decode() and '<base target="_blank">' in preview.content.decode()
    unsaved = client.post(
        reverse("console:decoration_preview", args=[page.pk]),
        {"content": json.dumps(page_of({"type": "notice", "text": "未保存"}))},
    )
    assert "未保存" in unsaved.content.decode()
    page.refresh_from_db()
    assert "未保存" not in json.dumps(page.draft, ensure_ascii=False)  # a preview stores nothing
    broken = client.post(reverse("console:decoration_preview", args=[page.pk]), {"content": "{"})
    assert "preview-problems" in broken.content.decode()


def decoration_routes() -> list[tuple[str, str]]:
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLPattern):
                if (p.name or "").startswith("decoration_"):
                    found.append((p.name, prefix + str(p.pattern)))
            else:
                walk(p.url_patterns, prefix + str(p.pattern))

    walk(get_resolver().url_patterns, "/")
    return found


def _objects(owner) -> dict[str, object]:
    page = actions.home_page(actor=owner)
    actions.save_draft(actor=owner, page_id=page.pk, content=page_of({"type": "search"}))
    version = actions.publish_page(actor=owner, page_id=page.pk)
    picture = images.upload_mall_image(actor=owner, upload=png_upload())
    return {"page": page, "version": version, "image": picture}


ROUTE_OBJECTS = {
    "decoration_editor": "page",
    "decoration_preview": "page",
    "decoration_starter": "page",
    "decoration_versions": "page",
    "decoration_version_preview": "version",
    "decoration_rollback": "version",
    "decoration_image_delete": "image",
}


def test_every_console_route_refuses_another_merchants_ids(client, owner, other_owner):
    mine, theirs = _objects(owner), _objects(other_owner)
    client.force_login(owner)
    routes = decoration_routes()
    with_ids = [(name, route) for name, route in routes if "<int:" in route]
    assert {name for name, _ in with_ids} == set(ROUTE_OBJECTS)
    for name, route in with_ids:
        key = ROUTE_OBJECTS[name]
        own = client.get(re.sub(r"<int:\w+>", str(mine[key].pk), route))
        assert own.status_code in (200, 405), (name, own.status_code)
        foreign = re.sub(r"<int:\w+>", str(theirs[key].pk), route)
        assert client.get(foreign).status_code in (404, 405), name
        assert client.post(foreign, {"content": '{"blocks": []}', "starter": "fresh"}).status_code == 404, (
            name
        )
    assert client.post(reverse("console:decoration_rollback", args=[2**63 + 5])).status_code == 404
    theirs["page"].refresh_from_db()
    assert theirs["page"].published_version == theirs["version"]


def test_a_role_without_mall_decorate_is_refused(client, owner):
    objects = _objects(owner)
    cashier = make_staff(owner, Role.CASHIER, stores=[make_store(owner)])
    client.force_login(cashier)
    for name, route in decoration_routes():
        key = ROUTE_OBJECTS.get(name)
        url = re.sub(r"<int:\w+>", str(objects[key].pk), route) if key else route
        assert client.get(url).status_code in (403, 405), name
        assert client.post(url, {"content": '{"blocks": []}'}).status_code == 403, name
    with pytest.raises(DomainError):
        actions.publish_page(actor=cashier, page_id=objects["page"].pk)
    with pytest.raises(DomainError):
        actions.set_theme(actor=cashier, brand="#000000", brand_ink="#ffffff", accent="#ff9500")
    nav = client.get(reverse("console:home")).content.decode()
    assert reverse("console:decoration_pages") not in nav


def test_a_merchant_cannot_show_another_merchants_products_coupons_or_promotions(
    owner, merchant, mall_request, world
):
    other_merchant, other_owner = make_merchant()
    foreign_page = full_page(world)
    request = RequestFactory().get("/")
    request.mall, request.mall_by_host, request.session, request.user = other_merchant, False, {}, None
    html = render_content(request, other_merchant, validate_page(foreign_page))
    assert "可口可乐" not in html and "满59减10" not in html and "饮料限时" not in html


def test_the_demo_step_publishes_a_decorated_home(
    owner, merchant, mall_request, django_capture_on_commit_callbacks
):
    from newretail.demo.decoration_step import build_decoration

    with django_capture_on_commit_callbacks(execute=True):
        build_decoration(owner, {})
    page = MallPage.objects.get(merchant=merchant, key="home")
    assert (
        page.published_version.number == 1
        and theme_for(merchant).brand == STARTERS["convenience"].theme["brand"]
    )
    assert 'data-block="search"' in render_published(mall_request, merchant)


def test_seckill_shows_the_chosen_running_discount_or_the_one_ending_soonest(owner, merchant, world):
    from newretail.storefront.decoration.render import running_flash_discount

    now = clock.now()
    sooner = create_promotion(
        actor=owner,
        name="马上结束",
        kind="flash_discount",
        rules={"rate_percent": 90},
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(minutes=30),
    )
    later = create_promotion(
        actor=owner,
        name="还没开始",
        kind="flash_discount",
        rules={"rate_percent": 90},
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
    )
    assert running_flash_discount(merchant.pk, now, None) == sooner
    assert running_flash_discount(merchant.pk, now, world["promotion"].pk) == world["promotion"]
    assert running_flash_discount(merchant.pk, now, later.pk) == sooner  # not running yet: the default
    other = make_merchant()[0]
    assert running_flash_discount(other.pk, now, sooner.pk) is None
