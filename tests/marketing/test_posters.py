"""Share posters: every template draws a 750×1334 PNG with real Chinese glyphs (not tofu), long
texts wrap inside their slots, the QR code in the picture is the tracked link, and the actions
refuse bad colours, oversized texts and other merchants' targets, writing nothing."""

from __future__ import annotations

import io

import pytest
import segno
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops

from newretail.analytics.models import Channel, SourceTag
from newretail.core.errors import DomainError
from newretail.marketing.models import Poster
from newretail.marketing.posters import actions, render
from newretail.marketing.posters.layouts import LAYOUTS
from newretail.marketing.posters.render import HEIGHT, WIDTH, PosterSpec, render_poster, wrap
from tests.inventory.conftest import make_sku

URL = "https://shop.example.com/m/linli/p/123/?src=AbCdEfGh1234"
NOT_IN_FONT = "\U000f0001"  # a private-use code point: drawn as the font's .notdef box


def spec(layout: str, **texts) -> PosterSpec:
    found = LAYOUTS[layout]
    return PosterSpec(layout, {**found.defaults, **texts}, found.primary, found.accent, "邻里优选便利店", URL)


def qr_modules(image: Image.Image, placement) -> list[list[bool]]:
    """Read the QR code back from the pixels: the centre of every module, dark or light."""
    grey = image.convert("L")
    half = placement.module // 2
    return [
        [
            grey.getpixel((placement.left + column * placement.module + half, placement.top + row * placement.module + half)) < 128
            for column in range(placement.modules)
        ]
        for row in range(placement.modules)
    ]


def crop(image: Image.Image, box) -> Image.Image:
    return image.crop(box)


def test_there_are_at_least_eight_templates():
    assert len(LAYOUTS) >= 8
    assert {"product_classic", "product_bold", "flash_sale", "coupon", "store_opening", "recruit_leader",
            "staff_hiring", "member_join", "new_arrival"} <= set(LAYOUTS)


@pytest.mark.parametrize("key", list(LAYOUTS))
def test_each_template_renders_a_png_with_the_tracked_qr(key):
    rendered = render_poster(spec(key))
    png = rendered.png()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    expected = [[bool(v) for v in row] for row in segno.make(URL, error="m", micro=False).matrix]
    assert qr_modules(rendered.image, rendered.qr) == expected
    assert rendered.qr.module >= 3  # big enough to scan from a phone screen
    assert not rendered.overflowing
    for name, block in rendered.texts.items():
        left, top, right, bottom = block.box
        assert 0 <= left and right <= WIDTH and 0 <= top and bottom <= HEIGHT, (key, name, block.box)
    qr_left, qr_top, qr_right, qr_bottom = rendered.qr.box
    for name in ("title", "subtitle", "price", "body"):
        block = rendered.texts.get(name)
        if block and block.lines:
            left, top, right, bottom = block.box
            overlaps = left < qr_right and qr_left < right and top < qr_bottom and qr_top < bottom
            assert not overlaps, (key, name)


def test_chinese_is_drawn_with_glyphs_not_tofu():
    fnt = render.font(60)
    tofu = fnt.getmask(NOT_IN_FONT)
    for char in "邻里优选限时满减新品上市招募团长会员¥":
        assert bytes(fnt.getmask(char)) != bytes(tofu), char
    # On the poster: the title drawn as 春 differs from 夏 and from the .notdef box.
    spring, summer, boxes = (render_poster(spec("product_classic", title=t)) for t in ("春", "夏", NOT_IN_FONT))
    box = spring.texts["title"].box
    assert ImageChops.difference(crop(spring.image, box), crop(summer.image, box)).getbbox() is not None
    assert ImageChops.difference(crop(spring.image, box), crop(boxes.image, box)).getbbox() is not None


def test_long_texts_wrap_per_character_within_the_slot():
    fnt = render.font(30)
    text = "这是一段很长的中文说明文字，用来检查换行是否按字符进行，并且每一行都不会超出给定的宽度。"
    lines = wrap(text, fnt, 300)
    assert len(lines) > 3 and "".join(lines) == text
    assert all(fnt.getlength(line) <= 300 for line in lines)
    assert not any(line[0] in "，。" for line in lines)  # no line starts with closing punctuation
    assert wrap("Coca-Cola 330ml 可口可乐", render.font(30), 2000) == ["Coca-Cola 330ml 可口可乐"]
    body = "· 平台供货 统一配送到小区\n· 每单都有佣金 每周结算"
    assert wrap(body, fnt, 600) == ["· 平台供货 统一配送到小区", "· 每单都有佣金 每周结算"]
    rendered = render_poster(spec("recruit_leader", body=text * 3))
    block = rendered.texts["body"]
    assert rendered.overflowing == ["body"] and block.lines[-1].endswith("…")
    assert all(render.font(block.size).getlength(line) <= block.width for line in block.lines)


def test_missing_font_fails_clearly(settings):
    settings.POSTER_FONT_PATH = "/nonexistent/font.ttc"
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-microhei"):
        render_poster(spec("coupon"))


# --- actions ---------------------------------------------------------------------------------


def data(**fields) -> actions.PosterInput:
    fields.setdefault("layout", "product_classic")
    return actions.PosterInput(**fields)


@pytest.fixture
def product(owner):
    return make_sku(owner.merchant_id, name="农夫山泉 天然饮用水 550ml", price_fen=200).product


@pytest.mark.django_db
def test_create_poster_makes_its_tag_and_png(owner, product):
    poster = actions.create_poster(
        actor=owner, data=data(target="product", target_id=product.pk, texts={"badge": "店长推荐"})
    )
    tag = poster.source_tag
    assert (tag.merchant_id, tag.channel, tag.target_kind, tag.target_id) == (
        owner.merchant_id, Channel.POSTER, "product", product.pk
    )
    url = actions.poster_url(poster)
    assert url.endswith(f"/m/{owner.merchant.slug}/p/{product.pk}/?src={tag.code}")
    with Image.open(poster.rendered.open("rb")) as image:
        assert image.size == (WIDTH, HEIGHT)
        picture = image.convert("RGB")
    # The stored PNG's QR code is the tracked URL; the product's name and price were filled in.
    checked = actions.check_input(owner.merchant_id, actions.poster_input_of(poster))
    drawn = actions._draw(owner.merchant, checked, code=tag.code, poster=poster)
    assert ImageChops.difference(picture, drawn.image).getbbox() is None
    expected = [[bool(v) for v in row] for row in segno.make(url, error="m", micro=False).matrix]
    assert qr_modules(picture, drawn.qr) == expected
    assert drawn.texts["title"].lines == ["农夫山泉 天然饮用水 550ml"]
    assert drawn.texts["price"].lines == ["¥2"]


@pytest.mark.django_db
def test_a_campaign_name_makes_a_campaign_tag(owner):
    poster = actions.create_poster(actor=owner, data=data(layout="flash_sale", campaign="双十一"))
    assert poster.source_tag.channel == Channel.CAMPAIGN and poster.source_tag.campaign == "双十一"
    assert actions.poster_url(poster).endswith(f"/m/{owner.merchant.slug}/?src={poster.source_tag.code}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"primary_color": "red"}, "marketing.poster_invalid_color"),
        ({"accent_color": "#12345g"}, "marketing.poster_invalid_color"),
        ({"primary_color": "#fff"}, "marketing.poster_invalid_color"),
        ({"texts": {"title": "长" * 25}}, "marketing.poster_text_too_long"),
        ({"layout": "flash_sale", "texts": {"title": "宽" * 20}}, "marketing.poster_text_does_not_fit"),
        ({"layout": "nope"}, "marketing.poster_unknown_layout"),
        ({"target": "product", "target_id": None}, "marketing.poster_invalid_target"),
        ({"target": "product", "target_id": 10**15}, "marketing.poster_invalid_target"),
        ({"target": "order", "target_id": 1}, "marketing.poster_invalid_target"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(owner, fields, code):
    with pytest.raises(DomainError) as caught:
        actions.create_poster(actor=owner, data=data(**fields))
    assert caught.value.code == code and caught.value.message
    assert Poster.objects.count() == 0 and SourceTag.objects.count() == 0


@pytest.mark.django_db
def test_another_merchants_target_is_refused(owner, other_owner):
    foreign = make_sku(other_owner.merchant_id).product
    from newretail.core.testing import make_store

    foreign_store = make_store(other_owner)
    for target, target_id in (("product", foreign.pk), ("store", foreign_store.pk)):
        with pytest.raises(DomainError) as caught:
            actions.create_poster(actor=owner, data=data(target=target, target_id=target_id))
        assert caught.value.code == "marketing.poster_invalid_target"
        assert caught.value.code == "marketing.poster_invalid_target"
    assert Poster.objects.count() == 0


@pytest.mark.django_db
def test_uploaded_picture_is_checked_and_drawn(owner):
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 200, 30)).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("photo.exe", buffer.getvalue(), content_type="image/jpeg")
    poster = actions.create_poster(actor=owner, data=data(), upload=upload)
    assert poster.image.name.endswith(".jpg")
    with Image.open(poster.rendered.open("rb")) as image:
        r, g, b = image.convert("RGB").getpixel((375, 470))  # the middle of the picture slot
    assert g > 150 and r < 80
    fake = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")
    with pytest.raises(DomainError) as caught:
        actions.create_poster(actor=owner, data=data(), upload=fake)
    assert caught.value.code == "marketing.poster_invalid_image"


@pytest.mark.django_db
def test_update_keeps_the_tag_and_follows_the_new_target(owner, product):
    poster = actions.create_poster(actor=owner, data=data())
    code = poster.source_tag.code
    updated = actions.update_poster(
        actor=owner, poster_id=poster.pk,
        data=data(layout="new_arrival", target="product", target_id=product.pk, primary_color="#123456"),
    )
    updated.source_tag.refresh_from_db()
    assert updated.source_tag.code == code and updated.source_tag.target_id == product.pk
    assert updated.layout == "new_arrival" and updated.primary_color == "#123456"
    assert f"/p/{product.pk}/?src={code}" in actions.poster_url(updated)


@pytest.mark.django_db
def test_a_cashier_cannot_make_posters(owner, store):
    from newretail.core.testing import make_staff
    from newretail.tenancy.roles import Role

    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    with pytest.raises(DomainError) as caught:
        actions.create_poster(actor=cashier, data=data())
    assert caught.value.status == 403
    with pytest.raises(DomainError):
        actions.preview_poster(actor=cashier, data=data())


def _campaigns(owner, sku) -> dict:
    """One campaign of each kind a poster can open (rows straight in: only their ids matter)."""
    import datetime as dt

    from newretail.core import clock
    from newretail.marketing.bargain.models import BargainCampaign
    from newretail.marketing.games.models import Game
    from newretail.marketing.groupbuy.models import GroupBuyCampaign, GroupBuyItem
    from newretail.marketing.models import SeckillCampaign, SeckillItem

    window = {"starts_at": clock.now(), "ends_at": clock.now() + dt.timedelta(days=1)}
    merchant_id = owner.merchant_id
    seckill = SeckillCampaign.objects.create(merchant_id=merchant_id, name="整点秒杀", **window)
    SeckillItem.objects.create(merchant_id=merchant_id, campaign=seckill, sku=sku, price_fen=990, stock=5)
    groupbuy = GroupBuyCampaign.objects.create(merchant_id=merchant_id, name="三人团", group_size=3, **window)
    item = GroupBuyItem.objects.create(merchant_id=merchant_id, campaign=groupbuy, sku=sku, group_price_fen=1290)
    bargain = BargainCampaign.objects.create(
        merchant_id=merchant_id, name="砍价0元拿", sku=sku, start_price_fen=5000, floor_price_fen=100,
        helpers_needed=5, stock=10, **window,
    )
    game = Game.objects.create(merchant_id=merchant_id, name="幸运大转盘", kind="wheel", description="天天抽奖", **window)
    slug = owner.merchant.slug
    return {
        "seckill": (seckill, f"/m/{slug}/seckill/", "¥9.90"),
        "groupbuy": (groupbuy, f"/m/{slug}/groupbuys/{item.pk}/", "¥12.90"),
        "bargain": (bargain, f"/m/{slug}/bargain/{bargain.pk}/", "¥1"),
        "game": (game, f"/m/{slug}/games/{game.pk}/", "每天免费抽1次"),
    }


@pytest.mark.django_db
def test_campaign_posters_open_the_campaign_page_with_its_name_and_price(owner, product):
    sku = product.skus.get()
    for kind, (campaign, path, price) in _campaigns(owner, sku).items():
        poster = actions.create_poster(actor=owner, data=data(target=kind, target_id=campaign.pk))
        tag = poster.source_tag
        assert (poster.target, poster.target_id, tag.target_kind, tag.target_id) == (
            kind, campaign.pk, kind, campaign.pk
        ), kind
        assert actions.poster_url(poster).endswith(f"{path}?src={tag.code}"), kind
        checked = actions.check_input(owner.merchant_id, actions.poster_input_of(poster))
        drawn = actions._draw(owner.merchant, checked, code=tag.code, poster=poster)
        assert drawn.texts["title"].lines == [campaign.name], kind
        if price:
            assert drawn.texts["price"].lines == [price], kind


@pytest.mark.django_db
def test_another_merchants_campaign_is_refused(owner, other_owner):
    theirs = _campaigns(other_owner, make_sku(other_owner.merchant_id))
    for kind, (campaign, _path, _price) in theirs.items():
        with pytest.raises(DomainError) as caught:
            actions.create_poster(actor=owner, data=data(target=kind, target_id=campaign.pk))
        assert caught.value.code == "marketing.poster_invalid_target", kind
    assert Poster.objects.filter(merchant_id=owner.merchant_id).count() == 0
