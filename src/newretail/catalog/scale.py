"""A large, realistic catalog for benchmarks and load tests: ``generate_scale_catalog``.

It writes categories, brands, products, SKUs and their search tokens with ``bulk_create`` in
batches, bypassing the per-product actions (which validate and reindex one product at a time)
so that 100k SKUs take minutes, not hours. The tokens come from the same functions the actions
use, so search behaves exactly as on a catalog built through the console. Barcodes are valid
EAN-13 numbers with a Chinese 69x prefix; weighed fresh goods get PLU codes instead.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.db import connection, transaction

from newretail.catalog.barcodes import with_check_digit
from newretail.catalog.models import Brand, Category, Product, SearchToken, Sku, Unit
from newretail.catalog.search import product_tokens, sku_tokens
from newretail.core.tenancy import merchant_id_of

# root -> leaf -> (brands, base names, variants, specs, (min, max) price in fen of the first spec)
LINES: dict[str, dict[str, tuple[list[str], list[str], list[str], list[str], tuple[int, int]]]] = {
    "饮料": {
        "碳酸饮料": (
            ["可口可乐", "百事", "元气森林", "北冰洋", "屈臣氏", "健力宝"],
            ["可乐", "汽水", "苏打气泡水", "柠檬汽水", "橙味汽水"],
            ["经典", "零度", "无糖", "樱桃味", "青柠味", "白桃味", "香草味"],
            ["330ml", "500ml", "1.25L", "2L", "330ml*6罐", "330ml*24罐"],
            (250, 600),
        ),
        "饮用水": (
            ["农夫山泉", "怡宝", "百岁山", "娃哈哈", "康师傅", "依云"],
            ["饮用天然水", "纯净水", "矿泉水", "苏打水", "饮用水"],
            ["", "天然", "弱碱性", "含锂", "高端"],
            ["350ml", "550ml", "1.5L", "4L", "550ml*12瓶", "550ml*24瓶"],
            (150, 400),
        ),
        "茶饮料": (
            ["康师傅", "统一", "农夫山泉", "三得利", "娃哈哈", "维他"],
            ["冰红茶", "绿茶", "乌龙茶", "茉莉花茶", "柠檬茶", "奶茶"],
            ["", "无糖", "低糖", "蜜桃味", "青柑", "原味"],
            ["500ml", "1L", "500ml*15瓶"],
            (300, 650),
        ),
        "果汁": (
            ["汇源", "农夫山泉", "美汁源", "味全", "零度果坊"],
            ["橙汁", "苹果汁", "葡萄汁", "果粒橙", "芒果汁", "桃汁"],
            ["100%", "鲜榨", "NFC", "浓缩还原", "低糖"],
            ["300ml", "1L", "1.5L", "200ml*12盒"],
            (400, 1500),
        ),
        "功能饮料": (
            ["红牛", "东鹏", "脉动", "佳得乐", "宝矿力水特", "外星人"],
            ["维生素饮料", "功能饮料", "电解质水", "运动饮料", "能量饮料"],
            ["青柠味", "水蜜桃味", "原味", "荔枝海盐味", "西柚味", "牛磺酸"],
            ["250ml", "500ml", "600ml", "250ml*24罐"],
            (450, 800),
        ),
        "咖啡饮料": (
            ["雀巢", "星巴克", "农夫山泉", "三顿半", "瑞幸", "隅田川"],
            ["即饮咖啡", "拿铁", "美式咖啡", "冷萃咖啡", "速溶咖啡"],
            ["丝滑", "香浓", "无蔗糖", "燕麦", "榛果味", "焦糖味"],
            ["268ml", "280ml", "24g*10条", "3号"],
            (600, 3000),
        ),
    },
    "乳品": {
        "纯牛奶": (
            ["伊利", "蒙牛", "光明", "特仑苏", "金典", "三元", "新希望"],
            ["纯牛奶", "高钙牛奶", "脱脂牛奶", "有机纯牛奶", "早餐牛奶", "鲜牛奶"],
            ["", "全脂", "低脂", "A2", "娟姗", "儿童"],
            ["250ml", "250ml*12盒", "250ml*24盒", "950ml", "1L"],
            (300, 8000),
        ),
        "酸奶": (
            ["伊利", "蒙牛", "光明", "君乐宝", "简爱", "卡士"],
            ["酸奶", "风味发酵乳", "希腊酸奶", "老酸奶", "酸牛奶"],
            ["原味", "草莓味", "黄桃味", "蓝莓味", "无蔗糖", "低脂"],
            ["100g", "200g", "205g*10盒", "1kg"],
            (300, 3000),
        ),
        "乳饮料": (
            ["伊利", "蒙牛", "旺仔", "养乐多", "娃哈哈", "优酸乳"],
            ["乳酸菌饮品", "牛奶饮品", "AD钙奶", "酸酸乳", "复原乳"],
            ["原味", "草莓味", "香蕉味", "巧克力味", "低糖"],
            ["100ml*5瓶", "250ml", "220ml*24盒"],
            (300, 6000),
        ),
    },
    "休闲零食": {
        "薯片膨化": (
            ["乐事", "品客", "上好佳", "可比克", "旺旺", "盼盼"],
            ["薯片", "薯条", "虾条", "玉米片", "米饼", "雪饼"],
            ["原味", "黄瓜味", "番茄味", "烧烤味", "青柠味", "麻辣味"],
            ["40g", "70g", "104g", "135g"],
            (450, 1200),
        ),
        "饼干糕点": (
            ["奥利奥", "好丽友", "达利园", "康师傅", "嘉士利", "三只松鼠"],
            ["夹心饼干", "苏打饼干", "蛋黄派", "法式软面包", "威化饼干", "曲奇"],
            ["原味", "巧克力味", "草莓味", "香草味", "芝士味", "抹茶味"],
            ["97g", "200g", "388g", "6枚装", "整箱装"],
            (500, 3000),
        ),
        "坚果炒货": (
            ["三只松鼠", "良品铺子", "百草味", "洽洽", "沃隆"],
            ["每日坚果", "夏威夷果", "碧根果", "开心果", "瓜子", "腰果"],
            ["原味", "奶油味", "焦糖味", "盐焗", "山核桃味"],
            ["100g", "160g", "500g", "750g礼盒"],
            (1000, 9000),
        ),
        "糖果巧克力": (
            ["德芙", "士力架", "大白兔", "阿尔卑斯", "费列罗", "徐福记"],
            ["巧克力", "奶糖", "棒棒糖", "软糖", "硬糖", "夹心巧克力"],
            ["牛奶味", "黑巧", "榛仁", "草莓味", "混合口味"],
            ["43g", "100g", "252g", "500g袋装"],
            (300, 8000),
        ),
        "肉干肉脯": (
            ["良品铺子", "百草味", "科尔沁", "卫龙", "周黑鸭"],
            ["牛肉干", "猪肉脯", "鸭脖", "辣条", "鸡爪", "豆干"],
            ["原味", "香辣味", "五香味", "麻辣味", "黑椒味"],
            ["50g", "100g", "200g", "500g"],
            (600, 6000),
        ),
    },
    "粮油调味": {
        "方便速食": (
            ["康师傅", "统一", "今麦郎", "白象", "日清", "汤达人"],
            ["方便面", "牛肉面", "拉面", "米线", "自热火锅", "螺蛳粉"],
            ["红烧", "老坛酸菜", "香辣", "番茄", "酸辣", "鲜虾"],
            ["单包", "5连包", "12桶整箱", "24袋整箱"],
            (350, 6000),
        ),
        "米面粮油": (
            ["金龙鱼", "福临门", "鲁花", "十月稻田", "五得利", "香满园"],
            ["大米", "面粉", "花生油", "菜籽油", "调和油", "挂面"],
            ["东北", "五常", "特级", "压榨", "高筋", "小麦"],
            ["1kg", "5kg", "5L", "900g"],
            (800, 12000),
        ),
        "调味品": (
            ["海天", "李锦记", "老干妈", "太太乐", "恒顺", "千禾"],
            ["生抽", "老抽", "蚝油", "陈醋", "鸡精", "辣椒酱"],
            ["特级", "零添加", "鲜味", "风味", "有机"],
            ["500ml", "1.28L", "280g", "200g"],
            (500, 3000),
        ),
    },
    "日用百货": {
        "纸品湿巾": (
            ["维达", "清风", "心相印", "洁柔", "得宝"],
            ["抽纸", "卷纸", "湿巾", "厨房纸", "手帕纸"],
            ["原木", "超韧", "加厚", "无香", "迷你"],
            ["3层*100抽*6包", "4层*10卷", "80片", "10包装"],
            (500, 6000),
        ),
        "洗护清洁": (
            ["蓝月亮", "立白", "汰渍", "奥妙", "超能", "威露士"],
            ["洗衣液", "洗洁精", "洗衣粉", "消毒液", "洗手液", "柔顺剂"],
            ["薰衣草", "深层洁净", "除菌", "柠檬", "低泡"],
            ["500g", "1kg", "2kg", "3kg*2瓶"],
            (800, 8000),
        ),
        "口腔个护": (
            ["高露洁", "佳洁士", "云南白药", "舒客", "海飞丝", "潘婷"],
            ["牙膏", "牙刷", "漱口水", "洗发水", "沐浴露", "护发素"],
            ["美白", "清新薄荷", "去屑", "柔顺", "儿童"],
            ["120g", "180g", "400ml", "750ml", "3支装"],
            (600, 8000),
        ),
    },
}

# Weighed fresh goods: sold per kg with a PLU, no barcode.
FRESH: dict[str, tuple[list[str], list[str], list[str], tuple[int, int]]] = {
    "水果": (
        ["山东", "陕西", "新疆", "云南", "海南", "广西", "进口"],
        ["红富士苹果", "香蕉", "砂糖橘", "猕猴桃", "葡萄", "火龙果", "芒果", "西瓜", "梨"],
        ["精品", "特级", "一级", "有机", "当季"],
        (600, 4000),
    ),
    "蔬菜": (
        ["本地", "山东", "云南", "崇明", "有机农场"],
        ["西红柿", "黄瓜", "土豆", "大白菜", "西兰花", "胡萝卜", "青椒", "菠菜"],
        ["新鲜", "精选", "有机", "净菜"],
        (200, 1800),
    ),
    "肉禽蛋": (
        ["双汇", "雨润", "正大", "本地", "内蒙古"],
        ["猪五花肉", "猪里脊", "牛腩", "鸡胸肉", "鸡翅中", "羊肉卷"],
        ["冷鲜", "精选", "黑猪", "散养"],
        (1600, 12000),
    ),
}

SERIES = ["", "家庭装", "经典", "升级款", "臻选", "轻享", "限定款", "加量装", "礼盒装", "mini", "新品"]


_POSITIONAL = [f.attname for f in SearchToken._meta.concrete_fields] == [
    "id",
    "merchant_id",
    "sku_id",
    "token",
    "weight",
]


def _token_row(merchant_id: int, sku_id: int, token: str, weight: int) -> SearchToken:
    # Positional construction is ~40% cheaper than keywords, which counts at 5M rows.
    if _POSITIONAL:
        return SearchToken(None, merchant_id, sku_id, token, weight)
    return SearchToken(merchant_id=merchant_id, sku_id=sku_id, token=token, weight=weight)


@dataclass
class ScaleResult:
    categories: int
    brands: int
    products: int
    skus: int
    tokens: int
    seconds: float


def _product_names(rng: random.Random):
    """Endless stream of (root, leaf, brand, name, specs, price range, weighed)."""
    combos = []
    for root, leaves in LINES.items():
        for leaf, (brands, bases, variants, specs, prices) in leaves.items():
            for brand in brands:
                for base in bases:
                    for variant in variants:
                        combos.append((root, leaf, brand, f"{brand} {variant}{base}", specs, prices, False))
    for leaf, (origins, bases, grades, prices) in FRESH.items():
        for origin in origins:
            for base in bases:
                for grade in grades:
                    combos.append(("生鲜", leaf, "", f"{origin} {grade}{base}", [], prices, True))
    round_no = 0
    while True:
        rng.shuffle(combos)
        series = SERIES[round_no % len(SERIES)]
        for root, leaf, brand, name, specs, prices, weighed in combos:
            yield root, leaf, brand, f"{name} {series}".strip(), specs, prices, weighed
        round_no += 1


def _categories(merchant_id: int) -> dict[tuple[str, str], Category]:
    leaves: dict[tuple[str, str], Category] = {}
    roots = {**{r: list(leaves_) for r, leaves_ in LINES.items()}, "生鲜": list(FRESH)}
    for order, (root_name, leaf_names) in enumerate(roots.items()):
        root, _ = Category.objects.get_or_create(
            merchant_id=merchant_id, parent=None, name=root_name, defaults={"sort_order": order}
        )
        for leaf_order, leaf_name in enumerate(leaf_names):
            leaf, _ = Category.objects.get_or_create(
                merchant_id=merchant_id, parent=root, name=leaf_name, defaults={"sort_order": leaf_order}
            )
            leaves[(root_name, leaf_name)] = leaf
    return leaves


def _brands(merchant_id: int) -> dict[str, Brand]:
    names = {b for leaves in LINES.values() for (brands, *_rest) in leaves.values() for b in brands}
    existing = {b.name: b for b in Brand.objects.for_merchant(merchant_id).filter(name__in=names)}
    Brand.objects.bulk_create([Brand(merchant_id=merchant_id, name=n) for n in sorted(names - set(existing))])
    return {b.name: b for b in Brand.objects.for_merchant(merchant_id).filter(name__in=names)}


def generate_scale_catalog(
    merchant, n_skus: int, *, seed: int = 20240601, batch_skus: int = 5000, progress=None
) -> ScaleResult:
    """Add about ``n_skus`` SKUs (exactly, unless PLUs run out) to ``merchant``'s catalog, with
    their search tokens. Safe to run on a catalog that already has products: barcodes, codes
    and PLUs already in use are skipped."""
    started = time.perf_counter()
    merchant_id = merchant_id_of(merchant)
    if connection.vendor == "sqlite":
        # Index inserts land all over two 5M-entry indexes; a 2 MB page cache thrashes.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
    rng = random.Random(seed)
    leaves = _categories(merchant_id)
    paths = {leaf.pk: [leaf.name, root] for (root, _name), leaf in leaves.items()}
    brands = _brands(merchant_id)
    used_barcodes = set(
        Sku.objects.for_merchant(merchant_id).exclude(barcode="").values_list("barcode", flat=True)
    )
    used_codes = set(Sku.objects.for_merchant(merchant_id).values_list("code", flat=True))
    used_plus = set(Sku.objects.for_merchant(merchant_id).exclude(plu="").values_list("plu", flat=True))
    barcode_base = rng.randrange(10**10)
    counters = {"barcode": 0, "code": len(used_codes), "plu": 0}

    def next_barcode() -> str:
        while True:
            counters["barcode"] += 1
            # 7919 is prime and coprime with 10^10, so the bodies never repeat.
            body = 690_000_000_000 + (barcode_base + counters["barcode"] * 7919) % 10**10
            code = with_check_digit(f"{body:012d}")
            if code not in used_barcodes:
                return code

    def next_code() -> str:
        while True:
            counters["code"] += 1
            code = f"S{counters['code']:07d}"
            if code not in used_codes:
                return code

    def next_plu() -> str:
        while counters["plu"] < 99_999:
            counters["plu"] += 1
            plu = str(counters["plu"])
            if plu not in used_plus:
                return plu
        return ""

    names = _product_names(rng)
    totals = {"products": 0, "skus": 0, "tokens": 0}
    while totals["skus"] < n_skus:
        batch_target = min(batch_skus, n_skus - totals["skus"])
        plan: list[tuple[Product, list[Sku]]] = []
        planned = 0
        while planned < batch_target:
            root, leaf, brand_name, name, specs, (low, high), weighed = next(names)
            category = leaves[(root, leaf)]
            product = Product(
                merchant_id=merchant_id,
                name=name[:100],
                category=category,
                brand=brands.get(brand_name),
                unit=Unit.KG if weighed else Unit.PIECE,
                spec_names=["规格"] if specs else [],
                status=Product.Status.ON_SALE if rng.random() > 0.05 else Product.Status.OFF_SALE,
                available_in_mall=not weighed or rng.random() > 0.5,
                available_in_pos=True,
            )
            skus: list[Sku] = []
            chosen = rng.sample(specs, k=min(len(specs), rng.randint(1, 4))) if specs else [None]
            base_price = rng.randrange(low, high + 1, 10)
            for i, spec in enumerate(chosen[: batch_target - planned]):
                price = base_price * (1 + i)
                plu = next_plu() if weighed else ""
                if weighed and not plu:
                    continue
                skus.append(
                    Sku(
                        merchant_id=merchant_id,
                        code=next_code(),
                        spec_values={"规格": spec} if spec else {},
                        barcode="" if weighed else next_barcode(),
                        plu=plu,
                        price_fen=price,
                        cost_fen=price * rng.randint(55, 80) // 100,
                        weight_g=0 if weighed else rng.choice([100, 250, 500, 1000, 2000]),
                    )
                )
            if not skus:
                if weighed:
                    continue
                break
            plan.append((product, skus))
            planned += len(skus)
        if not plan:
            break
        with transaction.atomic():
            Product.objects.bulk_create([p for p, _ in plan], batch_size=1000)
            all_skus = []
            for product, skus in plan:
                for sku in skus:
                    sku.product = product
                    all_skus.append(sku)
            Sku.objects.bulk_create(all_skus, batch_size=1000)
            rows: list[tuple[int, str, int]] = []
            token_cache: dict[tuple[str, str, str], dict[str, int]] = {}
            for product, skus in plan:
                key = (product.name, product.brand.name if product.brand else "", product.category.name)
                shared = token_cache.get(key)
                if shared is None:
                    shared = product_tokens(
                        name=product.name, brand=key[1], categories=paths[product.category_id]
                    )
                    token_cache[key] = shared
                for sku in skus:
                    tokens = sku_tokens(
                        shared,
                        spec_values=sku.spec_values.values(),
                        code=sku.code,
                        barcode=sku.barcode,
                        plu=sku.plu,
                    )
                    rows.extend((sku.pk, t, w) for t, w in tokens.items())
            # In token order the inserts walk the (merchant, token) index instead of hopping.
            rows.sort(key=lambda row: row[1])
            SearchToken.objects.bulk_create(
                [_token_row(merchant_id, sku_id, token, weight) for sku_id, token, weight in rows],
                batch_size=5000,
            )
        totals["products"] += len(plan)
        totals["skus"] += len(all_skus)
        totals["tokens"] += len(rows)
        if progress:
            progress(totals["skus"], n_skus)
    return ScaleResult(
        categories=len(leaves) + len({root for root, _ in leaves}),
        brands=len(brands),
        products=totals["products"],
        skus=totals["skus"],
        tokens=totals["tokens"],
        seconds=time.perf_counter() - started,
    )
