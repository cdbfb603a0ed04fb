"""The mall's home page (首页): the merchant's decorated page once one is published, otherwise a
default home (category icons, coupons to claim, recommended products); and the other pages a
merchant decorates (活动页, at pages/<key>/)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from newretail.catalog.queries import category_tree
from newretail.core import clock
from newretail.marketing import reports
from newretail.storefront import queries
from newretail.storefront.decoration.queries import page_title
from newretail.storefront.decoration.render import render_published
from newretail.storefront.decorators import mall_page
from newretail.storefront.site import absolute, mall_of, mall_url

RECOMMENDED = 20


@mall_page
def home(request):
    merchant = mall_of(request)
    context = {
        "active_tab": "home",
        "canonical_url": absolute(request, mall_url(request, "home")),
        "decorated": render_published(request, merchant),
    }
    if context["decorated"] is None:
        context.update(
            categories=category_tree(merchant.pk, active_only=True)[:10],
            coupons=list(reports.claimable_templates(merchant.pk, clock.now())[:3]),
            cards=queries.browse(merchant.pk, queries.ProductQuery(), page_size=RECOMMENDED).cards,
        )
    return render(request, "storefront/home.html", context)


@mall_page
def decorated_page(request, page_key: str):
    merchant = mall_of(request)
    decorated = render_published(request, merchant, page_key)
    if decorated is None:
        raise Http404
    return render(
        request,
        "storefront/page.html",
        {
            "decorated": decorated,
            "title": page_title(merchant.pk, page_key),
            "canonical_url": absolute(request, mall_url(request, "page", page_key=page_key)),
        },
    )
