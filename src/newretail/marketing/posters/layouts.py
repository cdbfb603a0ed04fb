"""The poster templates (海报模板): each a layout on 750×1334 with its texts, picture slot, theme
colours, the merchant's name and the QR code. A layout says which texts it has (with their
limits), its default Chinese copy and colours, and which facts of the poster's target fill a
text when the merchant leaves it empty (a product poster shows the product's name and price).

Add a layout by writing a ``draw_*`` function and a ``Layout`` entry in ``LAYOUTS``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from newretail.marketing.posters.render import (
    HEIGHT,
    INK,
    INK_2,
    INK_3,
    WHITE,
    WIDTH,
    Box,
    Canvas,
    PosterSpec,
    Rendered,
    ink_on,
    mix,
)


@dataclasses.dataclass(frozen=True)
class TextField:
    key: str
    label: object
    max_chars: int
    multiline: bool = False


TITLE = TextField("title", _("Title"), 24)
SUBTITLE = TextField("subtitle", _("Subtitle"), 40)
PRICE = TextField("price", _("Price or highlight"), 14)
BODY = TextField("body", _("Body text"), 160, multiline=True)
BADGE = TextField("badge", _("Badge"), 8)
CTA = TextField("cta", _("Call to action"), 14)
FIELDS = {f.key: f for f in (TITLE, SUBTITLE, PRICE, BODY, BADGE, CTA)}


@dataclasses.dataclass(frozen=True)
class Layout:
    key: str
    name: object
    group: object
    fields: tuple[TextField, ...]
    defaults: dict[str, str]
    primary: str
    accent: str
    draw_fn: Callable[[Canvas], None]
    # text field -> fact of the target ("name", "subtitle", "price", "detail") used when empty
    bind: dict[str, str] = dataclasses.field(default_factory=dict)
    target: str = "home"  # the kind of target the layout is made for (the form's default)

    def draw(self, spec: PosterSpec) -> Rendered:
        canvas = Canvas(spec)
        self.draw_fn(canvas)
        return canvas.finish()


# --- shared pieces ---------------------------------------------------------------------------


def footer(c: Canvas, box: Box, *, qr_side: int = 150, qr_right: bool = True, fill=WHITE, radius: int = 24,
           name_ink=INK, cta_ink=INK_2) -> None:
    """A rounded panel with the QR code on one side and the merchant's name and the call to
    action ("长按识别二维码") on the other."""
    left, top, right, bottom = box
    c.rect(box, fill=fill, radius=radius)
    inner = bottom - top
    qr_top = top + (inner - qr_side) // 2
    qr_left = right - qr_side - 24 if qr_right else left + 24
    c.qr((qr_left, qr_top), qr_side, card=False)
    text_left = left + 36 if qr_right else qr_left + qr_side + 28
    text_width = (qr_left - 28 - text_left) if qr_right else (right - 28 - text_left)
    y = top + inner // 2 - 44
    c.text("merchant", (text_left, y, text_width), 30, name_ink, bold=True, text=c.spec.merchant_name)
    c.text("cta", (text_left, y + 52, text_width), 24, cta_ink)
    c.draw.line([(text_left, y + 96), (text_left + 48, y + 96)], fill=c.primary, width=4)


# --- the layouts -----------------------------------------------------------------------------


def draw_product_classic(c: Canvas) -> None:
    background = mix(c.primary, WHITE, 0.92)
    c.rect((0, 0, WIDTH, HEIGHT), fill=background)
    c.rect((0, 0, WIDTH, 120), fill=c.primary)
    c.text("merchant", (48, 40, 460), 34, ink_on(c.primary), bold=True, text=c.spec.merchant_name)
    c.pill("badge", (702, 36), 26, c.accent, ink_on(c.accent), align="right")
    c.rect((36, 150, 714, 1300), fill=WHITE, radius=28)
    c.picture((66, 180, 684, 760), radius=18)
    bottom = c.text("title", (66, 788, 618), 44, INK, max_lines=2, bold=True, line_height=1.3)
    bottom = c.text("subtitle", (66, max(bottom, 788) + 18, 618), 28, INK_3)
    c.price("price", (66, min(max(bottom, 860) + 26, 972)), 76, c.primary, width=618)
    c.dashed_line((66, 1078), (684, 1078), mix(c.primary, WHITE, 0.6))
    footer(c, (36, 1090, 714, 1290), qr_side=164, radius=0)


def draw_product_bold(c: Canvas) -> None:
    c.picture((0, 0, WIDTH, 860))
    c.pill("badge", (40, 40), 28, c.accent, ink_on(c.accent))
    c.rect((0, 800, WIDTH, HEIGHT + 60), fill=c.primary, radius=44)
    ink = ink_on(c.primary)
    c.text("title", (52, 844, 646), 52, ink, max_lines=2, bold=True, line_height=1.25)
    c.text("subtitle", (52, 982, 646), 28, mix(ink, c.primary, 0.25))
    c.rect((52, 1034, 420, 1112), fill=WHITE, radius=39)
    c.price("price", (80, 1042), 60, c.primary, width=320, align="center")
    footer(c, (40, 1138, 710, 1310), qr_side=148, fill=WHITE)


def draw_flash_sale(c: Canvas) -> None:
    dark = mix(c.primary, (0, 0, 0), 0.35)
    c.vertical_gradient((0, 0, WIDTH, HEIGHT), c.primary, dark)
    c.overlay_circle((680, 120), 220, WHITE, 28)
    c.overlay_circle((40, 620), 160, WHITE, 18)
    ink = ink_on(c.primary)
    c.text("merchant", (0, 48, WIDTH), 28, mix(ink, c.primary, 0.2), align="center", text=c.spec.merchant_name)
    c.pill("badge", (WIDTH // 2, 104), 28, c.accent, ink_on(c.accent), align="center")
    c.text("title", (40, 180, 670), 92, ink, align="center", bold=True)
    c.price("price", (40, 310), 110, c.accent, width=670, align="center")
    c.text("subtitle", (40, 452, 670), 34, ink, align="center")
    c.rect((56, 520, 694, 1010), fill=WHITE, radius=28)
    c.picture((76, 540, 674, 990), radius=18)
    c.text("body", (60, 1036, 630), 26, ink, max_lines=2, align="center")
    footer(c, (56, 1124, 694, 1300), qr_side=144, qr_right=False, name_ink=c.primary)


def draw_coupon(c: Canvas) -> None:
    background = mix(c.accent, WHITE, 0.86)
    c.rect((0, 0, WIDTH, HEIGHT), fill=background)
    c.text("merchant", (0, 60, WIDTH), 28, INK_2, align="center", text=c.spec.merchant_name)
    c.text("title", (40, 118, 670), 64, c.primary, align="center", bold=True)
    c.text("subtitle", (40, 214, 670), 30, INK_2, align="center")
    ticket = (60, 300, 690, 820)
    c.rect(ticket, fill=c.primary, radius=28)
    ink = ink_on(c.primary)
    c.price("price", (60, 350), 150, ink, width=630, align="center")
    c.pill("badge", (WIDTH // 2, 530), 28, c.accent, ink_on(c.accent), align="center")
    c.circle((60, 620), 26, background)
    c.circle((690, 620), 26, background)
    c.dashed_line((100, 620), (650, 620), mix(ink, c.primary, 0.5))
    c.picture((100, 660, 220, 780), radius=16)
    c.text("body", (244, 664, 410), 24, ink, max_lines=4, line_height=1.4)
    qr_side = 260
    c.qr(((WIDTH - qr_side) // 2 + 8, 880), qr_side, card=True)
    c.text("cta", (0, 1180, WIDTH), 32, c.primary, align="center", bold=True)
    c.text("footnote", (0, 1236, WIDTH), 22, INK_3, align="center", text=str(_("Scan with WeChat")))


def draw_store_opening(c: Canvas) -> None:
    c.vertical_gradient((0, 0, WIDTH, HEIGHT), c.primary, mix(c.primary, (0, 0, 0), 0.25))
    c.overlay_circle((110, 90), 150, c.accent, 40)
    c.overlay_circle((680, 300), 120, c.accent, 30)
    c.text("deco", (0, 60, WIDTH), 24, c.accent, align="center", text="G R A N D   O P E N I N G")
    c.text("title", (30, 110, 690), 120, c.accent, align="center", bold=True)
    ink = ink_on(c.primary)
    c.text("subtitle", (40, 272, 670), 40, ink, align="center", bold=True)
    c.rect((120, 346, 630, 430), fill=c.accent, radius=42)
    c.price("price", (130, 356), 58, c.primary, width=490, align="center")
    c.rect((52, 464, 698, 930), fill=c.accent, radius=26)
    c.picture((60, 472, 690, 922), radius=22)
    c.text("body", (60, 958, 630), 28, ink, max_lines=3, align="center", line_height=1.45)
    footer(c, (52, 1110, 698, 1296), qr_side=148, qr_right=False, name_ink=c.primary)


def draw_recruit_leader(c: Canvas) -> None:
    c.rect((0, 0, WIDTH, HEIGHT), fill=WHITE)
    c.rect((0, 0, WIDTH, 560), fill=c.primary)
    c.overlay_circle((700, 80), 200, WHITE, 26)
    ink = ink_on(c.primary)
    c.pill("badge", (60, 56), 26, c.accent, ink_on(c.accent))
    c.text("title", (60, 120, 630), 100, ink, bold=True)
    c.text("subtitle", (60, 256, 630), 32, ink, max_lines=2)
    c.picture((60, 370, 690, 760), radius=24)
    c.price("price", (60, 790), 52, c.primary, width=630)
    c.text("body", (60, 870, 630), 30, INK, max_lines=5, line_height=1.45)
    footer(c, (0, 1120, WIDTH, HEIGHT), qr_side=160, fill=mix(c.primary, WHITE, 0.9), radius=0)


def draw_staff_hiring(c: Canvas) -> None:
    c.rect((0, 0, WIDTH, HEIGHT), fill=mix(c.primary, WHITE, 0.94))
    c.picture((0, 0, WIDTH, 520))
    c.rect((40, 440, 710, 1090), fill=WHITE, radius=28)
    c.rect((40, 440, 710, 452), fill=c.primary)
    c.pill("badge", (72, 480), 26, c.accent, ink_on(c.accent))
    c.text("title", (72, 540, 606), 80, c.primary, bold=True)
    c.text("subtitle", (72, 650, 606), 30, INK_2, max_lines=2)
    c.price("price", (72, 730), 48, c.accent if c.accent != c.primary else INK, width=606)
    c.text("body", (72, 810, 606), 28, INK, max_lines=6, line_height=1.42)
    footer(c, (40, 1114, 710, 1300), qr_side=150)


def draw_member_join(c: Canvas) -> None:
    deep = mix(c.primary, (0, 0, 0), 0.55)
    c.vertical_gradient((0, 0, WIDTH, HEIGHT), deep, mix(c.primary, (0, 0, 0), 0.25))
    ink = WHITE
    c.text("title", (40, 70, 670), 84, c.accent, align="center", bold=True)
    c.text("subtitle", (40, 186, 670), 32, ink, align="center")
    card = (90, 262, 660, 600)
    c.gradient_card(card, mix(c.accent, WHITE, 0.3), mix(c.accent, (0, 0, 0), 0.08), 28)
    card_ink = ink_on(c.accent)
    c.text("card_name", (130, 300, 360), 30, card_ink, bold=True, text=c.spec.merchant_name)
    c.text("card_vip", (430, 290, 200), 64, card_ink, align="right", bold=True, text="VIP")
    c.pill("badge", (130, 500), 26, deep, WHITE)
    c.price("price", (130, 400), 64, card_ink, width=480)
    c.picture((90, 640, 660, 860), radius=22)
    c.text("body", (90, 890, 570), 30, ink, max_lines=5, line_height=1.42)
    footer(c, (60, 1120, 690, 1296), qr_side=148, name_ink=deep)


def draw_new_arrival(c: Canvas) -> None:
    c.rect((0, 0, WIDTH, HEIGHT), fill=WHITE)
    c.text("deco", (44, 0, 660), 200, mix(c.accent, WHITE, 0.72), bold=True, text="NEW")
    c.pill("badge", (60, 232), 28, c.primary, ink_on(c.primary))
    c.text("merchant", (300, 240, 390), 26, INK_3, align="right", text=c.spec.merchant_name)
    c.picture((60, 300, 690, 880), radius=24)
    bottom = c.text("title", (60, 910, 630), 48, INK, max_lines=2, bold=True, line_height=1.28)
    c.text("subtitle", (60, max(bottom, 910) + 20, 420), 28, INK_3, max_lines=2)
    c.price("price", (60, 1130), 70, c.primary, width=420)
    c.qr((522, 1030), 168, card=False)
    c.text("cta", (500, 1212, 212), 22, INK_2, align="center")
    c.rect((0, HEIGHT - 18, WIDTH, HEIGHT), fill=c.primary)


# --- the catalogue of templates --------------------------------------------------------------

PRODUCT_BIND = {"title": "name", "subtitle": "subtitle", "price": "price"}

LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in [
        Layout(
            "product_classic",
            _("Product · classic"),
            _("Product"),
            (TITLE, SUBTITLE, PRICE, BADGE, CTA),
            {"title": "精选好物 品质之选", "subtitle": "门店同款 线上下单 到店自提", "price": "¥9.90",
             "badge": "店长推荐", "cta": "长按识别二维码购买"},
            "#e4393c", "#ffb400", draw_product_classic, PRODUCT_BIND, "product",
        ),
        Layout(
            "product_bold",
            _("Product · big picture"),
            _("Product"),
            (TITLE, SUBTITLE, PRICE, BADGE, CTA),
            {"title": "今日爆款 限量抢购", "subtitle": "新鲜直达 下单立享", "price": "¥19.90", "badge": "爆款",
             "cta": "长按识别 立即抢购"},
            "#ff5a1f", "#ffd400", draw_product_bold, PRODUCT_BIND, "product",
        ),
        Layout(
            "flash_sale",
            _("Limited-time sale / spend and save"),
            _("Campaign"),
            (TITLE, PRICE, SUBTITLE, BODY, BADGE, CTA),
            {"title": "周末狂欢节", "price": "满100减20", "subtitle": "零食饮料 全场参与", "badge": "限时特惠",
             "body": "活动时间：本周六至周日 每人限用一次", "cta": "长按识别 进店抢购"},
            # A promotion has no price or subtitle fact (they fall back to the defaults); a
            # seckill, group buy or bargain gives its campaign price.
            "#d7262b", "#ffd84d", draw_flash_sale,
            {"title": "name", "price": "price", "subtitle": "subtitle", "body": "detail"}, "promotion",
        ),
        Layout(
            "coupon",
            _("Coupon"),
            _("Campaign"),
            (TITLE, SUBTITLE, PRICE, BODY, BADGE, CTA),
            {"title": "新人专享券", "subtitle": "注册会员即可领取", "price": "¥10", "badge": "满59元可用",
             "body": "全场通用（特价商品除外）\n领取后7天内有效", "cta": "扫码立即领取"},
            "#f0353d", "#ffc53d", draw_coupon, {"title": "name", "price": "price", "badge": "subtitle",
                                                 "body": "detail"}, "coupon",
        ),
        Layout(
            "store_opening",
            _("Store opening"),
            _("Store"),
            (TITLE, SUBTITLE, PRICE, BODY, CTA),
            {"title": "盛大开业", "subtitle": "邻里优选 新店开张", "price": "开业全场8折",
             "body": "开业三天 进店有礼 扫码入会再送10元券", "cta": "长按识别 查看门店"},
            "#c8161d", "#ffd36b", draw_store_opening, {"subtitle": "name", "body": "detail"}, "store",
        ),
        Layout(
            "recruit_leader",
            _("Group leader recruitment"),
            _("Recruitment"),
            (TITLE, SUBTITLE, PRICE, BODY, BADGE, CTA),
            {"title": "招募团长", "subtitle": "在家就能做的小生意 零门槛 零囤货", "price": "佣金最高15%",
             "badge": "社区团购", "body": "· 平台供货 统一配送到小区\n· 每单都有佣金 每周结算\n· 专人带教 手把手开团",
             "cta": "长按识别 立即报名"},
            "#07a35a", "#ffb400", draw_recruit_leader, {}, "home",
        ),
        Layout(
            "staff_hiring",
            _("Staff hiring"),
            _("Recruitment"),
            (TITLE, SUBTITLE, PRICE, BODY, BADGE, CTA),
            {"title": "导购招聘", "subtitle": "门店导购 / 收银员 若干名", "price": "月薪 5000-8000元",
             "badge": "诚聘", "body": "· 五险一金 带薪年假\n· 就近门店上班 排班灵活\n· 有零售经验者优先",
             "cta": "扫码了解门店"},
            "#1f6feb", "#ff8a00", draw_staff_hiring, {}, "store",
        ),
        Layout(
            "member_join",
            _("Member recruitment"),
            _("Members"),
            (TITLE, SUBTITLE, PRICE, BODY, BADGE, CTA),
            {"title": "会员招募", "subtitle": "入会即享 专属权益", "price": "入会送10元",
             "badge": "免费注册", "body": "· 会员价 天天低价\n· 消费积分 积分抵现\n· 生日礼券 专属活动",
             "cta": "长按识别 立即入会"},
            "#6d3bd2", "#f5c451", draw_member_join, {}, "home",
        ),
        Layout(
            "new_arrival",
            _("New arrival"),
            _("Product"),
            (TITLE, SUBTITLE, PRICE, BADGE, CTA),
            {"title": "新品上市 抢先尝鲜", "subtitle": "本周新到 限时尝鲜价", "price": "¥12.80",
             "badge": "新品上市", "cta": "长按识别购买"},
            "#111827", "#22c55e", draw_new_arrival, PRODUCT_BIND, "product",
        ),
    ]
}


def layout_choices() -> list[tuple[str, object]]:
    return [(layout.key, layout.name) for layout in LAYOUTS.values()]
