"""Promotions and coupons on the mall's pages (issue 4's mall surfaces): tags on product cards and
the product page, the promotions a cart gets and the ones it almost reaches, the coupon picker at
checkout with the best choice preselected, and my coupons."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from newretail.catalog.search import index_products
from newretail.core import clock
from newretail.marketing.actions.coupons import claim_coupon, create_coupon_template
from newretail.marketing.actions.promotions import create_promotion
from newretail.members.actions.points import earn_points
from newretail.members.models import Member
from newretail.members.queries import points_balance
from newretail.members.testing import next_phone
from newretail.orders.models import Order
from tests.storefront.conftest import mall

pytestmark = pytest.mark.django_db


def window() -> dict:
    now = clock.now()
    return {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(days=3)}


@pytest.fixture
def spend_off(owner):
    return create_promotion(
        actor=owner,
        kind="spend_off",
        name="满10减2",
        rules={"tiers": [{"threshold": 1000, "off_fen": 200}]},
        **window(),
    )


def _coupon(owner, name: str, off_fen: int, threshold_fen: int = 0):
    w = window()
    return create_coupon_template(
        actor=owner,
        name=name,
        kind="cash_off",
        off_fen=off_fen,
        threshold_fen=threshold_fen,
        valid_from=w["starts_at"],
        valid_until=w["ends_at"] + dt.timedelta(days=30),
        in_claim_centre=True,
    )


def _add(web, merchant, sku, quantity: int) -> None:
    page = mall(merchant, f"p/{sku.product_id}/")
    web.post(mall(merchant, "cart/add/"), {"sku_id": sku.pk, "quantity": quantity, "next": page}, page=page)


def test_cards_and_product_page_carry_the_promotion_tag(web, merchant, cola, spend_off):
    index_products([cola.product_id])
    assert '<span class="tag">满10减2</span>' in web.text(mall(merchant, "search/?q=kele"))
    assert '<span class="tag">满10减2</span>' in web.text(mall(merchant, f"p/{cola.product_id}/"))


def test_cart_shows_the_promotion_it_almost_reaches_then_the_one_it_gets(web, merchant, store, water, spend_off):
    _add(web, merchant, water, 2)  # ¥7.00: ¥3.00 short of 满10减2
    html = web.text(mall(merchant, "cart/"))
    assert re.search(r'class="hint".*再买¥3\.00', html, re.S), html[html.find("hint") - 200 : html.find("hint") + 300]
    _add(web, merchant, water, 1)  # ¥10.50
    html = web.text(mall(merchant, "cart/"))
    assert "满10减2" in html and "-¥2.00" in html and "¥8.50" in html


def test_checkout_preselects_the_best_coupon_and_the_shopper_can_change_it(web, merchant, owner, store, cola):
    phone = next_phone()
    web.login(merchant, phone)
    member = Member.objects.get(phone=phone)
    small = claim_coupon(member=member, template_id=_coupon(owner, "无门槛1元", 100).pk)
    big = claim_coupon(member=member, template_id=_coupon(owner, "满5减2", 200, threshold_fen=500).pk)
    _add(web, merchant, cola, 2)  # ¥9.00 at the store price
    url = mall(merchant, f"checkout/?fulfilment=pickup&store={store.pk}")
    html = web.text(url)
    assert "已为你选择最省钱的优惠券" in html
    assert re.search(rf'<input type="hidden" name="coupon_ids" value="{big.pk}">', html)
    assert f'name="coupon_ids" value="{small.pk}"' not in html  # one merchant coupon unless stackable
    assert "¥7.00" in html  # 9.00 - 2.00
    none = web.text(url + "&coupons=none")
    assert 'name="coupon_ids"' not in none and 'data-payable>¥9.00<' in none
    chosen = web.text(url + f"&coupons={small.pk}")
    assert f'name="coupon_ids" value="{small.pk}"' in chosen and 'data-payable>¥8.00<' in chosen
    # Another member's coupon id in the link is simply not usable here.
    someone = Member.objects.create(merchant_id=merchant.pk, phone=next_phone())
    theirs = claim_coupon(member=someone, template_id=_coupon(owner, "别人的券", 300).pk)
    foreign = web.text(url + f"&coupons={theirs.pk}")
    assert f'name="coupon_ids" value="{theirs.pk}"' not in foreign


def test_my_coupons_by_state(web, merchant, owner):
    phone = next_phone()
    web.login(merchant, phone)
    member = Member.objects.get(phone=phone)
    coupon = claim_coupon(member=member, template_id=_coupon(owner, "满5减1", 100, threshold_fen=500).pk)
    available = web.text(mall(merchant, "me/coupons/"))
    assert "满5减1" in available and coupon.code in available
    assert "满5减1" not in web.text(mall(merchant, "me/coupons/?state=used"))
    assert "满5减1" not in web.text(mall(merchant, "me/coupons/?state=expired"))
    web.get(mall(merchant, "me/coupons/?state=<script>"))  # unknown state: the default tab


def test_checkout_pays_with_points_when_the_shopper_asks(web, merchant, store, cola):
    phone = next_phone()
    web.login(merchant, phone)
    member = Member.objects.get(phone=phone)
    earn_points(member=member, points=800, reference="test:gift")
    _add(web, merchant, cola, 2)  # ¥9.00 at the store price
    url = mall(merchant, f"checkout/?fulfilment=pickup&store={store.pk}")
    plain = web.text(url)
    assert "使用积分（共 800 积分）" in plain and 'name="points_to_use"' not in plain
    page_url = url + "&points=1"
    html = web.text(page_url)
    assert "使用 450 积分，抵扣 ¥4.50" in html and "data-payable>¥4.50<" in html  # at most 50%
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert fields["points_to_use"] == "450"
    web.post(mall(merchant, "checkout/"), fields, page=page_url)
    order = Order.objects.get(member=member)
    assert order.payable_fen == 450 and points_balance(member) == 350
