"""Demo step: suppliers, purchase orders received into the central warehouse, transfers to the
stores, fresh produce delivered straight to the stores, low-stock thresholds, and a few open
documents (a draft order, a partial receipt, a transfer in transit) so every page has something."""

from __future__ import annotations

from collections import defaultdict

from newretail.catalog.models import Sku
from newretail.inventory.actions.ledger import set_low_stock_threshold
from newretail.inventory.actions.purchasing import (
    create_purchase_order,
    create_supplier,
    place_purchase_order,
    receive_purchase_order,
)
from newretail.inventory.actions.transfers import create_transfer, receive_transfer, ship_transfer
from newretail.tenancy.models import User

SUPPLIERS = {
    "饮料": ("上海太古可口可乐饮料有限公司", "张经理", "13816620001", "上海市闵行区都会路1818号"),
    "零食": ("上海百味食品批发有限公司", "钱经理", "13916620002", "上海市普陀区铜川路700号"),
    "乳品": ("光明乳业华东配送中心", "孙经理", "13716620003", "上海市松江区九亭镇涞寅路1号"),
    "生鲜": ("上海江桥蔬果批发市场", "李老板", "13616620004", "上海市嘉定区金运路100号"),
    "日用": ("上海日化百货批发中心", "周经理", "13516620005", "上海市宝山区沪太路2588号"),
}
LINES_PER_DOCUMENT = 200


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def build_inventory(owner: User, context: dict) -> None:
    rng = context["random"]
    central = context["central"]
    stores = list(context["stores"].values())
    store_warehouses = [store.warehouses.get() for store in stores]
    skus_by_top: dict[str, list[Sku]] = defaultdict(list)
    for sku in Sku.objects.for_merchant(owner.merchant_id).select_related(
        "product__category__parent", "product"
    ):
        skus_by_top[sku.product.category.parent.name].append(sku)

    suppliers = {
        top: create_supplier(actor=owner, name=name, contact=contact, phone=phone, address=address)
        for top, (name, contact, phone, address) in SUPPLIERS.items()
    }

    def quantity(sku: Sku, low: int, high: int) -> int:
        # Weighed goods are counted in grams (the SKU's base unit).
        return rng.randint(low, high) * (1000 if sku.product.sold_by_weight else 1)

    # Packaged goods: ordered into the central warehouse and received in full.
    for top, skus in skus_by_top.items():
        if top == "生鲜":
            continue
        for batch in chunks(skus, LINES_PER_DOCUMENT):
            po = create_purchase_order(
                actor=owner,
                supplier_id=suppliers[top].pk,
                warehouse_id=central.pk,
                lines=[{"sku_id": s.pk, "quantity": quantity(s, 150, 400)} for s in batch],
                note="开业备货",
            )
            place_purchase_order(actor=owner, purchase_order_id=po.pk)
            receive_purchase_order(
                actor=owner,
                purchase_order_id=po.pk,
                quantities={line.pk: line.quantity_ordered for line in po.lines.all()},
            )

    # Each store gets most of the packaged range from the central warehouse.
    packaged = [s for top, skus in skus_by_top.items() if top != "生鲜" for s in skus]
    for warehouse in store_warehouses:
        chosen = sorted(rng.sample(packaged, k=int(len(packaged) * 0.7)), key=lambda s: s.pk)
        for batch in chunks(chosen, LINES_PER_DOCUMENT):
            transfer = create_transfer(
                actor=owner,
                from_warehouse_id=central.pk,
                to_warehouse_id=warehouse.pk,
                lines=[{"sku_id": s.pk, "quantity": rng.randint(3, 40)} for s in batch],
                note="门店补货",
            )
            ship_transfer(actor=owner, transfer_id=transfer.pk)
            receive_transfer(actor=owner, transfer_id=transfer.pk)
        # Low-stock thresholds on the fast movers; a few fall below them.
        for sku in chosen[::9]:
            set_low_stock_threshold(
                actor=owner, warehouse_id=warehouse.pk, sku_id=sku.pk, threshold=rng.choice([8, 12, 20])
            )

    # Fresh produce goes straight to the stores every morning.
    fresh = skus_by_top.get("生鲜", [])
    for warehouse in store_warehouses:
        po = create_purchase_order(
            actor=owner,
            supplier_id=suppliers["生鲜"].pk,
            warehouse_id=warehouse.pk,
            lines=[{"sku_id": s.pk, "quantity": quantity(s, 5, 30)} for s in fresh],
            note="每日生鲜到货",
        )
        place_purchase_order(actor=owner, purchase_order_id=po.pk)
        receive_purchase_order(
            actor=owner,
            purchase_order_id=po.pk,
            quantities={line.pk: line.quantity_ordered for line in po.lines.all()},
        )

    # Open documents for the console pages: a draft, a partial receipt, a transfer in transit.
    drinks = skus_by_top["饮料"][:6]
    create_purchase_order(
        actor=owner,
        supplier_id=suppliers["饮料"].pk,
        warehouse_id=central.pk,
        lines=[{"sku_id": s.pk, "quantity": 120} for s in drinks],
        note="夏季饮料备货（草稿）",
    )
    partial = create_purchase_order(
        actor=owner,
        supplier_id=suppliers["乳品"].pk,
        warehouse_id=central.pk,
        lines=[{"sku_id": s.pk, "quantity": 48} for s in skus_by_top["乳品"][:4]],
        note="分批到货",
    )
    place_purchase_order(actor=owner, purchase_order_id=partial.pk)
    first = partial.lines.order_by("pk").first()
    receive_purchase_order(actor=owner, purchase_order_id=partial.pk, quantities={first.pk: 24})
    moving = create_transfer(
        actor=owner,
        from_warehouse_id=central.pk,
        to_warehouse_id=store_warehouses[0].pk,
        lines=[{"sku_id": s.pk, "quantity": 12} for s in drinks],
        note="周末补货",
    )
    ship_transfer(actor=owner, transfer_id=moving.pk)
