"""The group buys and bargains a product page points to: for the product's SKUs, each running
group-buy item (拼团: the group size and price) and each live bargain campaign (砍价: the floor
price), with the mall page where the shopper joins in. Seckill has its own panel
(``views.seckill.product_seckill``), with its countdown and stock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from newretail.marketing.bargain.queries import live_campaigns
from newretail.marketing.groupbuy.queries import running_items
from newretail.storefront.site import mall_url

# A product page shows a few; a merchant running more on one product has the list pages.
MOST = 3


@dataclass(frozen=True)
class CampaignPanel:
    kind: str  # "groupbuy" | "bargain"
    name: str
    price_fen: int
    list_price_fen: int
    group_size: int  # group buy only
    url: str


def product_campaigns(request, merchant_id: int, sku_ids: list[int], now: dt.datetime) -> list[CampaignPanel]:
    """The panels with their links in this request's mall (path or host)."""
    panels = [
        CampaignPanel(
            kind="groupbuy",
            name=item.campaign.name,
            price_fen=item.group_price_fen,
            list_price_fen=item.sku.price_fen,
            group_size=item.campaign.group_size,
            url=mall_url(request, "groupbuy_item", item_id=item.pk),
        )
        for item in running_items(merchant_id, now).filter(sku_id__in=sku_ids)[:MOST]
    ]
    panels += [
        CampaignPanel(
            kind="bargain",
            name=campaign.name,
            price_fen=campaign.floor_price_fen,
            list_price_fen=campaign.start_price_fen,
            group_size=0,
            url=mall_url(request, "bargain_campaign", campaign_id=campaign.pk),
        )
        for campaign in live_campaigns(merchant_id, now).filter(sku_id__in=sku_ids, starts_at__lte=now)[:MOST]
    ]
    return panels
