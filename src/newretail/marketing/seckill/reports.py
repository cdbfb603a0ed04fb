"""The live report of a seckill (console and staff API): per item and for the campaign, the pieces
sold and left, the orders placed and paid, the GMV, the participants and the conversion, and
the cost of the campaign (list price minus seckill price, times the pieces paid).

Every figure is read from the database (the source of truth on both stock paths): ``sold`` is
the pieces held by live purchases (unpaid or paid), the rest comes from the purchases and their
orders' lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum

from newretail.marketing.models import SeckillCampaign, SeckillItem, SeckillPurchase
from newretail.orders.models import OrderLine

PAID = Q(order__paid_at__isnull=False)


@dataclass(frozen=True)
class ItemReport:
    item_id: int
    sku_id: int
    name: str
    list_price_fen: int
    price_fen: int
    stock: int
    sold: int  # pieces held by live purchases (unpaid or paid)
    orders: int  # orders placed (whatever became of them)
    paid_orders: int
    paid_pieces: int
    gmv_fen: int  # what the paid orders' seckill lines came to
    cost_fen: int  # (list price - seckill price) x pieces paid
    participants: int

    @property
    def left(self) -> int:
        return max(0, self.stock - self.sold)


@dataclass(frozen=True)
class CampaignReport:
    campaign: SeckillCampaign
    items: list[ItemReport] = field(default_factory=list)
    participants: int = 0  # distinct members who took pieces
    payers: int = 0  # distinct members with a paid order

    @property
    def stock(self) -> int:
        return sum(i.stock for i in self.items)

    @property
    def sold(self) -> int:
        return sum(i.sold for i in self.items)

    @property
    def left(self) -> int:
        return sum(i.left for i in self.items)

    @property
    def orders(self) -> int:
        return sum(i.orders for i in self.items)

    @property
    def paid_orders(self) -> int:
        return sum(i.paid_orders for i in self.items)

    @property
    def gmv_fen(self) -> int:
        return sum(i.gmv_fen for i in self.items)

    @property
    def cost_fen(self) -> int:
        return sum(i.cost_fen for i in self.items)

    @property
    def conversion_percent(self) -> float:
        """Members who paid, of the members who took pieces (0 when nobody took any)."""
        return round(self.payers * 100 / self.participants, 1) if self.participants else 0.0


def campaign_report(campaign: SeckillCampaign) -> CampaignReport:
    """The report of one campaign (the caller has scoped it to the merchant)."""
    purchases = SeckillPurchase.objects.filter(campaign=campaign)
    by_item = {
        row["item_id"]: row
        for row in purchases.values("item_id").annotate(
            orders=Count("order_id"),
            paid_orders=Count("order_id", filter=PAID),
            paid_pieces=Sum("quantity", filter=PAID),
            participants=Count("member_id", distinct=True),
        )
    }
    paid_order_ids = purchases.filter(PAID).values("order_id")
    lines = {
        row["sku_id"]: row
        for row in OrderLine.objects.filter(order_id__in=paid_order_ids, is_gift=False)
        .values("sku_id")
        .annotate(
            gmv=Sum("final_amount_fen"),
            cost=Sum(F("list_amount_fen") - F("unit_price_fen") * F("quantity")),
        )
    }
    items = []
    for item in SeckillItem.objects.filter(campaign=campaign).select_related("sku__product").order_by("id"):
        row, line = by_item.get(item.pk, {}), lines.get(item.sku_id, {})
        items.append(
            ItemReport(
                item_id=item.pk,
                sku_id=item.sku_id,
                name=item.sku.display_name,
                list_price_fen=item.sku.price_fen,
                price_fen=item.price_fen,
                stock=item.stock,
                sold=item.sold,
                orders=row.get("orders") or 0,
                paid_orders=row.get("paid_orders") or 0,
                paid_pieces=row.get("paid_pieces") or 0,
                gmv_fen=line.get("gmv") or 0,
                cost_fen=line.get("cost") or 0,
                participants=row.get("participants") or 0,
            )
        )
    return CampaignReport(
        campaign=campaign,
        items=items,
        participants=purchases.values("member_id").distinct().count(),
        payers=purchases.filter(PAID).values("member_id").distinct().count(),
    )
