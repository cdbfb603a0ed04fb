"""Templates a merchant starts decorating from (装修模板), one per kind of shop.

They are merchant content (Chinese, like the blocks they fill), valid pages by construction
(a test validates each one), and know nothing of the merchant's catalog: product grids show the
newest products, icons link to searches and the category page, so each works in any shop. Each
suggests theme colours the merchant may take with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newretail.storefront.decoration.blocks import validate_page


@dataclass(frozen=True)
class Starter:
    key: str
    name: str
    description: str
    blocks: list[dict]
    theme: dict[str, str] = field(default_factory=dict)

    def page(self) -> dict:
        """The starter as a clean page with fresh block ids."""
        blocks = [{**block, "id": f"b{i + 1}"} for i, block in enumerate(self.blocks)]
        return validate_page({"blocks": blocks})


def _search(words: str) -> dict:
    return {"to": "search", "value": words}


def _icons(*items: tuple[str, ...]) -> list[dict]:
    """(label, search words[, icon character]): an icon shows its character, else the label's first
    (emoji need a font not every phone has)."""
    return [
        {
            "label": label,
            "icon": icon[0] if icon else "",
            "link": _search(words) if words else {"to": "category"},
        }
        for label, words, *icon in items
    ]


def _slide(title: str, subtitle: str, background: str, link: dict | None = None) -> dict:
    return {"title": title, "subtitle": subtitle, "background": background, "link": link or {"to": "none"}}


STORE_INFO = {"type": "store_info", "title": "附近门店", "limit": 3}

STARTERS: dict[str, Starter] = {
    starter.key: starter
    for starter in [
        Starter(
            key="convenience",
            name="社区便利店",
            description="24小时便利：搜索、领券、限时秒杀、30分钟送达，附近门店一目了然。",
            theme={"brand": "#e4393c", "brand_ink": "#ffffff", "accent": "#ff9500"},
            blocks=[
                {"type": "search", "placeholder": "搜索饮料、零食、日用品"},
                {
                    "type": "banner",
                    "slides": [
                        _slide("早餐 7 点前送到", "包子豆浆咖啡，下单即做", "#e4393c", _search("早餐")),
                        _slide("饮料第二件半价", "夏日冰饮 全场参与", "#ff9500", _search("饮料")),
                    ],
                },
                {
                    "type": "icon_nav",
                    "columns": 5,
                    "items": _icons(
                        ("饮料", "饮料"),
                        ("零食", "零食"),
                        ("早餐", "早餐"),
                        ("日用", "日用"),
                        ("全部", ""),
                    ),
                },
                {"type": "notice", "text": "满39元免配送费，3公里内30分钟送达", "link": {"to": "stores"}},
                {"type": "coupons", "title": "新人领券", "limit": 3},
                {"type": "seckill", "title": "限时秒杀", "limit": 6},
                {"type": "group_buy", "title": "邻居拼团", "limit": 4},
                {"type": "product_grid", "title": "店长推荐", "source": "newest", "limit": 6, "columns": 2},
                STORE_INFO,
            ],
        ),
        Starter(
            key="supermarket",
            name="连锁超市",
            description="品类多、活动多：十宫格分类导航、今日特价、热销榜和多门店自提。",
            theme={"brand": "#d81e06", "brand_ink": "#ffffff", "accent": "#f7b500"},
            blocks=[
                {"type": "search", "placeholder": "搜索商品，拼音也可以"},
                {
                    "type": "banner",
                    "interval": 5,
                    "slides": [
                        _slide("周末超市节", "满100减20 全场通用", "#d81e06", {"to": "coupons"}),
                        _slide("粮油囤货季", "大米食用油 低至8折", "#f7b500", _search("粮油")),
                        _slide("门店自提 免运费", "线上下单 到店即取", "#2b7de9", {"to": "stores"}),
                    ],
                },
                {
                    "type": "icon_nav",
                    "columns": 5,
                    "items": _icons(
                        ("生鲜", "生鲜"),
                        ("粮油", "粮油"),
                        ("乳品", "牛奶"),
                        ("零食", "零食"),
                        ("酒水", "酒"),
                        ("日化", "洗护"),
                        ("纸品", "纸"),
                        ("冷冻", "冷冻"),
                        ("母婴", "母婴"),
                        ("全部", ""),
                    ),
                },
                {"type": "coupons", "title": "超市优惠券", "limit": 4},
                {"type": "seckill", "title": "今日特价", "limit": 8},
                {"type": "product_grid", "title": "热销榜", "source": "newest", "limit": 9, "columns": 3},
                {"type": "notice", "text": "会员日每周三：积分双倍，部分商品会员价"},
                STORE_INFO,
            ],
        ),
        Starter(
            key="fresh",
            name="生鲜果蔬",
            description="新鲜看得见：清晨到货公告、产地直采介绍、拼团和限时抢购。",
            theme={"brand": "#2e9d4d", "brand_ink": "#ffffff", "accent": "#ff7a00"},
            blocks=[
                {
                    "type": "banner",
                    "slides": [
                        _slide("今日现摘", "清晨 6 点到店 当天售完", "#2e9d4d", _search("水果")),
                        _slide("坏果包赔", "收货 24 小时内拍照即赔", "#ff7a00"),
                    ],
                },
                {"type": "notice", "text": "每日清晨到货，晚8点后部分商品7折"},
                {
                    "type": "icon_nav",
                    "columns": 5,
                    "items": _icons(
                        ("水果", "水果", "果"),
                        ("蔬菜", "蔬菜", "菜"),
                        ("肉禽", "肉"),
                        ("水产", "鱼", "鱼"),
                        ("蛋奶", "蛋"),
                    ),
                },
                {"type": "seckill", "title": "限时抢鲜", "limit": 6},
                {"type": "group_buy", "title": "邻里拼团", "limit": 4},
                {"type": "product_grid", "title": "当季新鲜", "source": "newest", "limit": 6, "columns": 2},
                {
                    "type": "rich_text",
                    "html": "<h3>产地直采</h3><p>我们每天从合作基地和批发市场直接进货，<strong>不过夜</strong>，"
                    "让你吃到当天最新鲜的果蔬。</p>",
                },
                STORE_INFO,
            ],
        ),
        Starter(
            key="imported",
            name="进口食品微商",
            description="讲清楚正品来源：品牌故事、分类导航、专属优惠券和精选好物。",
            theme={"brand": "#1f3a5f", "brand_ink": "#ffffff", "accent": "#c8a45d"},
            blocks=[
                {
                    "type": "banner",
                    "slides": [
                        _slide("全球好物 正品直邮", "海关清关 假一赔十", "#1f3a5f"),
                        _slide("新客立减20元", "首单满99可用", "#c8a45d", {"to": "coupons"}),
                    ],
                },
                {
                    "type": "rich_text",
                    "html": "<h3>正品保障</h3><ul><li>一般贸易进口，附报关单</li><li>保税仓发货，48小时内发出</li>"
                    "<li>不满意7天无理由退货</li></ul>",
                },
                {
                    "type": "icon_nav",
                    "columns": 4,
                    "items": _icons(
                        ("零食", "零食"),
                        ("酒水", "酒"),
                        ("咖啡", "咖啡"),
                        ("全部", ""),
                    ),
                },
                {"type": "coupons", "title": "专属优惠券", "limit": 3},
                {"type": "product_grid", "title": "精选好物", "source": "newest", "limit": 6, "columns": 2},
                {"type": "search", "placeholder": "搜品牌、产地"},
            ],
        ),
        Starter(
            key="live_fashion",
            name="直播服饰",
            description="配合直播带货：开播公告、直播秒杀、拼团、三列同款和尺码说明。",
            theme={"brand": "#ff2d6f", "brand_ink": "#ffffff", "accent": "#7b3fe4"},
            blocks=[
                {
                    "type": "banner",
                    "slides": [
                        _slide("今晚 8 点直播上新", "主播同款 限时福利价", "#ff2d6f"),
                        _slide("秋冬新款 第二件5折", "毛衣外套 全场参与", "#7b3fe4", _search("外套")),
                    ],
                },
                {"type": "notice", "text": "直播间下单备注主播名，额外赠运费险"},
                {"type": "seckill", "title": "直播秒杀", "limit": 6},
                {"type": "coupons", "title": "粉丝专享券", "limit": 3},
                {"type": "product_grid", "title": "直播同款", "source": "newest", "limit": 9, "columns": 3},
                {"type": "group_buy", "title": "两人拼单更优惠", "limit": 4},
                {
                    "type": "rich_text",
                    "html": "<h4>尺码说明</h4><p>身高160–165cm 体重50kg左右建议选 <b>M</b>；"
                    "偏胖或喜欢宽松建议拍大一码。</p>",
                },
            ],
        ),
    ]
}
