"""Demo step: the demo merchant's mall home page, decorated from the 社区便利店 template (search,
banner, icons, notice, coupons, the running seckill, the running group buys, recommended
products, nearby stores) and published as version 1, with the template's colours. Built through the same
actions as the console's editor; run after the marketing step so that its blocks have data."""

from __future__ import annotations

from newretail.storefront.decoration import actions
from newretail.tenancy.models import User

STARTER = "convenience"


def build_decoration(owner: User, context: dict) -> None:
    page = actions.home_page(actor=owner)
    actions.apply_starter(actor=owner, page_id=page.pk, starter=STARTER, with_theme=True)
    context["home_page_version"] = actions.publish_page(actor=owner, page_id=page.pk, note="演示数据")
