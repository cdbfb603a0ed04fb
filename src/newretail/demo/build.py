"""Build the demo chain through the real actions: 邻里优选 (a Shanghai convenience-store brand) with
three stores, a central warehouse, staff for every role, ~800 SKUs and stock.

Idempotent: if the demo merchant exists nothing is written. ``build_scale`` adds large generated
data for benchmarks (100k SKUs by default) and is idempotent by count.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from newretail.demo.bargain_step import build_bargain
from newretail.demo.catalog_step import build_catalog
from newretail.demo.decoration_step import build_decoration
from newretail.demo.games_step import build_games
from newretail.demo.groupbuy_step import build_groupbuy
from newretail.demo.inventory_step import build_inventory
from newretail.demo.marketing_step import build_marketing
from newretail.demo.members_step import build_members
from newretail.demo.orders_step import build_orders
from newretail.demo.pos_step import build_pos
from newretail.demo.posters_step import build_posters
from newretail.demo.seckill_step import build_seckill
from newretail.tenancy.actions.staff import create_merchant, create_staff
from newretail.tenancy.actions.stores import create_store, create_warehouse
from newretail.tenancy.models import Merchant, Store, User
from newretail.tenancy.roles import Role

DEMO_SLUG = "linli"
DEMO_NAME = "邻里优选便利店"
DEMO_PASSWORD = "linli-demo-2026"

STORES = [
    # code, name, district, address, lat, lng, opens, closes, m²
    (
        "JA01",
        "静安寺店",
        "静安区",
        "南京西路1618号久光百货B1",
        "31.224300",
        "121.445900",
        dt.time(7),
        dt.time(23),
        "120.00",
    ),
    (
        "LJZ02",
        "陆家嘴店",
        "浦东新区",
        "世纪大道88号金茂大厦裙楼1层",
        "31.236800",
        "121.502600",
        dt.time(6, 30),
        dt.time(23, 30),
        "95.50",
    ),
    (
        "XJH03",
        "徐家汇店",
        "徐汇区",
        "漕溪北路398号汇智大厦1层",
        "31.195400",
        "121.437200",
        dt.time(7),
        dt.time(22),
        "150.00",
    ),
]

# username, display name, role, store codes
STAFF = [
    ("hq", "李总部", Role.HQ_ADMIN, []),
    ("clerk", "王仓管", Role.WAREHOUSE_CLERK, []),
    ("ja.manager", "陈店长", Role.STORE_MANAGER, ["JA01"]),
    ("ja.cashier", "刘收银", Role.CASHIER, ["JA01"]),
    ("ja.guide", "赵导购", Role.GUIDE, ["JA01"]),
    ("ljz.manager", "孙店长", Role.STORE_MANAGER, ["LJZ02"]),
    ("ljz.cashier", "周收银", Role.CASHIER, ["LJZ02"]),
    ("xjh.manager", "吴店长", Role.STORE_MANAGER, ["XJH03"]),
    ("xjh.cashier", "郑收银", Role.CASHIER, ["XJH03"]),
]

# Each step builds one domain's demo data through its actions: step(owner, context). Later
# domains (members, orders, campaigns) add theirs here, in dependency order.
STEPS: list[Callable[[User, dict], None]] = [
    build_catalog,
    build_inventory,
    build_marketing,
    build_orders,
    build_members,  # after orders: its wallet sales use the stores' stock the orders left
    build_posters,
    build_games,  # after marketing (its coupons are prizes) and members (their demo draws)
    build_seckill,  # after orders and members (buyers pay on the sandbox); before decoration (its block)
    build_decoration,  # after marketing: its seckill block shows the demo's limited-time discount
    build_pos,
    build_groupbuy,  # after orders and members: its seats are paid on the sandbox by demo members
    build_bargain,  # after orders and members: friends help and a bought bargain is paid on the sandbox
]


def demo_logins() -> list[str]:
    rows = [f"boss / {DEMO_PASSWORD}   ({Role.OWNER.label})"]
    rows += [f"{username} / {DEMO_PASSWORD}   ({Role(role).label})" for username, _, role, _ in STAFF]
    return rows


def build_organisation(*, log: Callable[[str], None]) -> tuple[User, dict]:
    merchant, owner = create_merchant(
        name=DEMO_NAME,
        slug=DEMO_SLUG,
        owner_username="boss",
        owner_password=DEMO_PASSWORD,
        contact_phone="021-62880000",
    )
    owner.display_name = "邻里老板"
    owner.save(update_fields=["display_name"])
    stores: dict[str, Store] = {}
    for code, name, district, address, lat, lng, opens, closes, area in STORES:
        stores[code] = create_store(
            actor=owner,
            code=code,
            name=name,
            province="上海市",
            city="上海市",
            district=district,
            address=address,
            phone="021-" + str(62000000 + len(stores) * 1111),
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            opens_at=opens,
            closes_at=closes,
            floor_area_m2=Decimal(area),
            is_online=True,
        )
    central = create_warehouse(
        actor=owner, code="DC01", name="嘉定中心仓", address="上海市嘉定区兴贤路1180号"
    )
    for username, display_name, role, codes in STAFF:
        create_staff(
            actor=owner,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            store_ids=[stores[c].pk for c in codes],
            display_name=display_name,
        )
    log(f"merchant {merchant.name}: {len(stores)} stores, 1 central warehouse, {len(STAFF) + 1} staff")
    return owner, {
        "merchant": merchant,
        "stores": stores,
        "central": central,
        "random": random.Random(20261123),
    }


def load_demo(*, log: Callable[[str], None] = print) -> bool:
    """Create the demo chain. Returns False (and writes nothing) when it already exists."""
    if Merchant.objects.filter(slug=DEMO_SLUG).exists():
        log("demo data already loaded: nothing to do")
        write_logins()
        return False
    with transaction.atomic():
        owner, context = build_organisation(log=log)
        for step in STEPS:
            step(owner, context)
    write_logins()
    return True


def write_logins() -> None:
    path = settings.VAR_DIR / "demo_logins.txt"
    path.write_text("\n".join(demo_logins()) + "\n", encoding="utf-8")


def build_scale(*, skus: int = 100_000, log: Callable[[str], None] = print) -> int:
    """Grow the demo merchant's catalog to at least ``skus`` SKUs with generated products (for
    benchmarks: search, POS catalog sync, mall pages). Idempotent by count: returns how many
    SKUs were added (0 when the catalog is already that large)."""
    import time

    from newretail.catalog.models import Sku
    from newretail.catalog.scale import generate_scale_catalog

    merchant = Merchant.objects.get(slug=DEMO_SLUG)
    existing = Sku.objects.for_merchant(merchant).filter(is_deleted=False).count()
    if existing >= skus:
        log(f"scale data already present: {existing} SKUs")
        return 0
    started = time.perf_counter()
    generate_scale_catalog(merchant, skus - existing)
    added = Sku.objects.for_merchant(merchant).filter(is_deleted=False).count() - existing
    log(f"scale data: added {added} SKUs in {time.perf_counter() - started:.0f} s")
    return added
