"""Demo step: categories, brands, tags and ~800 SKUs of the convenience-store assortment."""

from __future__ import annotations

from newretail.catalog.actions.brands import create_brand, create_tag
from newretail.catalog.actions.categories import create_category
from newretail.catalog.actions.products import create_product
from newretail.catalog.barcodes import with_check_digit
from newretail.catalog.models import Unit
from newretail.demo.catalog_data import ASSORTMENT
from newretail.tenancy.models import User

WEIGHED = "称重"
# Pack variants per top category: (label, units in the pack, price factor per unit)
PACKS = {
    "饮料": [("单件", 1, 1.0), ("6件装", 6, 0.95), ("整箱", 24, 0.9)],
    "零食": [("单件", 1, 1.0), ("3件装", 3, 0.95), ("整箱", 20, 0.88)],
    "乳品": [("单件", 1, 1.0), ("整箱", 12, 0.92)],
    "日用": [("单件", 1, 1.0), ("2件装", 2, 0.95), ("6件装", 6, 0.9)],
    "生鲜": [("单件", 1, 1.0)],
}
HOT = {
    "可口可乐",
    "农夫山泉饮用天然水",
    "伊利纯牛奶",
    "乐事薯片",
    "康师傅红烧牛肉面",
    "关东煮",
    "青岛啤酒经典",
}
NEW = {"元气森林苏打气泡水", "外星人电解质水", "三顿半精品速溶咖啡", "每日鲜语鲜牛奶", "阳光玫瑰葡萄"}
IMPORTED = {"依云天然矿泉水", "奇异果", "安佳黄油", "品客薯片", "费列罗榛果威化巧克力"}


def round_price(fen: float) -> int:
    """Retail prices end in 0 or 9 jiao-fen the way shelf labels do: round to 10 fen."""
    return max(10, int(round(fen / 10.0)) * 10)


def build_catalog(owner: User, context: dict) -> None:
    rng = context["random"]
    brands: dict[str, int] = {}
    tags = {name: create_tag(actor=owner, name=name).pk for name in ("热销", "新品", "进口")}
    barcode_seq = 0
    plu_seq = 1000
    skus_made = 0
    for top_name, subcategories in ASSORTMENT.items():
        top = create_category(actor=owner, name=top_name)
        for sub_name, lines in subcategories.items():
            sub = create_category(actor=owner, name=sub_name, parent_id=top.pk)
            for name, brand, specs, base_price in lines:
                if brand and brand not in brands:
                    brands[brand] = create_brand(actor=owner, name=brand).pk
                product_tags = [
                    tags[t]
                    for t, names in (("热销", HOT), ("新品", NEW), ("进口", IMPORTED))
                    if name in names
                ]
                cost_ratio = rng.uniform(0.6, 0.78)
                if specs == [WEIGHED]:
                    plu_seq += 1
                    sku_rows = [
                        {
                            "plu": str(plu_seq),
                            "price_fen": base_price,
                            "cost_fen": int(base_price * cost_ratio),
                            "code": f"F{plu_seq}",
                        }
                    ]
                    extra = {"unit": Unit.KG, "spec_names": []}
                else:
                    sku_rows = []
                    packs = PACKS[top_name]
                    for index, spec in enumerate(specs):
                        # later specs are bigger sizes: a little dearer per item
                        sized = any(unit in spec for unit in ("ml", "L", "g", "装", "片", "抽"))
                        unit_price = base_price * (1 + 0.35 * index) if sized else base_price
                        for pack, count, factor in packs:
                            barcode_seq += 1
                            price = round_price(unit_price * count * factor)
                            sku_rows.append(
                                {
                                    "spec_values": {"规格": spec, "包装": pack},
                                    "barcode": with_check_digit(f"6923{barcode_seq:08d}"),
                                    "price_fen": price,
                                    "cost_fen": int(price * cost_ratio),
                                    "weight_g": 0,
                                    "code": f"D{barcode_seq:05d}",
                                }
                            )
                    extra = {"unit": Unit.PIECE, "spec_names": ["规格", "包装"]}
                create_product(
                    actor=owner,
                    name=name,
                    category_id=sub.pk,
                    skus=sku_rows,
                    brand_id=brands.get(brand),
                    tag_ids=product_tags,
                    subtitle=f"{brand}{sub_name}" if brand else f"新鲜{sub_name}，当日到店",
                    **extra,
                )
                skus_made += len(sku_rows)
    context["sku_count"] = skus_made
