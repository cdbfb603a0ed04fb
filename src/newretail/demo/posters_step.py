"""Demo step: two share posters for 邻里优选 — a product poster of a popular drink and a 满减
campaign poster — and a store door QR code (source tag, channel store_qr) for every store.
Built through the same actions as the console."""

from __future__ import annotations

from newretail.analytics import actions as analytics
from newretail.catalog.queries import live_skus
from newretail.marketing.models import Promotion
from newretail.marketing.posters.actions import PosterInput, create_poster
from newretail.tenancy.models import Store, User


def build_posters(owner: User, context: dict) -> None:
    merchant = owner.merchant
    sku = live_skus(merchant.pk).filter(product__category__name="茶饮料").order_by("price_fen", "pk").first()
    sku = sku or live_skus(merchant.pk).order_by("pk").first()
    if sku is not None:
        create_poster(
            actor=owner,
            data=PosterInput(
                layout="product_classic",
                name="爆款推荐 · " + sku.product.name,
                target="product",
                target_id=sku.product_id,
                texts={"badge": "店长推荐", "cta": "长按识别二维码购买"},
            ),
        )
    promotion = Promotion.objects.filter(merchant=merchant, kind=Promotion.Kind.SPEND_OFF).order_by("pk").first()
    create_poster(
        actor=owner,
        data=PosterInput(
            layout="flash_sale",
            name="零食满减海报",
            target="promotion" if promotion else "home",
            target_id=promotion.pk if promotion else None,
            campaign="零食节",
            texts={
                "title": "零食狂欢节",
                "price": "满100减20",
                "subtitle": "薯片饼干坚果 全场参与",
                "badge": "限时特惠",
                "body": "满50减8 · 满100减20 线上线下同享",
                "cta": "长按识别 进店抢购",
            },
        ),
    )
    for store in Store.objects.filter(merchant=merchant).order_by("code"):
        analytics.share_tag(merchant, store=store, target=analytics.HOME)
