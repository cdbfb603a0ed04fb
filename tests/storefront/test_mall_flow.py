"""The mall end to end through its pages (server-rendered, CSRF enforced): browse and search,
an anonymous cart merged at SMS login, checkout with store pickup, paying on the sandbox cashier
and coming back to the pickup code; and the rules the pages enforce on the way."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from newretail.analytics.models import Attribution, Visit
from newretail.catalog.search import index_products
from newretail.core import clock
from newretail.core.testing import make_merchant, make_store
from newretail.marketing.actions.coupons import create_coupon_template
from newretail.members.testing import make_member, next_phone
from newretail.orders.models import Cart, Order
from tests.orders.conftest import SHOPPER_ADDRESS, confirm_on_cashier
from tests.storefront.conftest import Browser, mall

pytestmark = pytest.mark.django_db


def test_search_finds_by_pinyin_initials_and_filters_by_price(web, merchant, water, cola):
    index_products([water.product_id, cola.product_id])  # the catalog actions do this; the test SKUs are raw rows
    html = web.text(mall(merchant, "search/?q=kkl"))
    assert "可口可乐 330ml" in html and "农夫山泉" not in html
    html = web.text(mall(merchant, "search/?q=&max=4"))
    assert "农夫山泉" in html and "可口可乐" not in html  # ¥3.50 ≤ ¥4 < ¥5.00
    cheap_first = web.text(mall(merchant, "search/?sort=price_asc&category="))
    assert cheap_first.index("农夫山泉") < cheap_first.index("可口可乐")
    dear_first = web.text(mall(merchant, "search/?sort=price_desc"))
    assert dear_first.index("可口可乐") < dear_first.index("农夫山泉")
    # The price sort also orders search matches ("水" and "乐" are both drinks here: 饮料).
    both = web.text(mall(merchant, "search/?q=饮料&sort=price_desc"))
    assert both.index("可口可乐") < both.index("农夫山泉")


@pytest.mark.parametrize(
    "query",
    ["?max=abc", "?min=-1", "?page=999999", "?category=99999999999999999999", "?brand=x&sort=drop", "?q=" + "可" * 300],
)
def test_bad_browse_input_gives_a_page_not_an_error(web, merchant, water, query):
    web.get(mall(merchant, "search/" + query))
    web.get(mall(merchant, "category/" + query))


def test_product_page_shows_price_stock_stores_and_structured_data(web, merchant, store, cola):
    html = web.text(mall(merchant, f"p/{cola.product_id}/"))
    assert "¥5.00" in html and "可口可乐 330ml" in html
    assert store.name in html  # store availability
    assert '"@type":"Product"' in html and '"priceCurrency":"CNY"' in html
    assert f'<link rel="canonical" href="http://testserver/m/{merchant.slug}/p/{cola.product_id}/">' in html
    assert 'property="og:type" content="product"' in html


def test_another_merchants_product_is_not_found(web, merchant, cola):
    other, _owner = make_merchant()
    web.get(mall(other, f"p/{cola.product_id}/"), status=404)
    web.get("/m/no-such-shop/", status=404)


def test_pickup_order_from_search_to_pickup_code(web, merchant, store, cola, alipay_account, committed):
    # Anonymous: add to the cart from the product page.
    product_url = mall(merchant, f"p/{cola.product_id}/")
    web.post(mall(merchant, "cart/add/"), {"sku_id": cola.pk, "quantity": 2, "next": product_url}, page=product_url)
    cart_html = web.text(mall(merchant, "cart/"))
    assert "可口可乐 330ml" in cart_html
    # Checkout sends a guest to the SMS login, and back.
    response = web.get(mall(merchant, "checkout/"), status=302)
    assert response["Location"].startswith(mall(merchant, "login/"))
    phone = next_phone()
    web.login(merchant, phone, next_url=mall(merchant, "checkout/"))
    assert Cart.objects.get(member__phone=phone).lines.get().quantity == 2  # merged
    # Choose the store for pickup: the store price (¥4.50) applies.
    page = web.text(mall(merchant, f"checkout/?fulfilment=pickup&store={store.pk}"))
    assert "¥9.00" in page
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert fields["store_id"] == str(store.pk) and fields["expected_payable_fen"] == "900"
    response = web.post(mall(merchant, "checkout/"), fields, page=mall(merchant, f"checkout/?fulfilment=pickup&store={store.pk}"))
    order = Order.objects.get(member__phone=phone)
    assert response["Location"] == mall(merchant, f"orders/{order.pk}/pay/")
    # Placing it again with the same key is the same order (double tap).
    web.post(mall(merchant, "checkout/"), fields, page=mall(merchant, "me/"))
    assert Order.objects.filter(member__phone=phone).count() == 1
    # Pay with Alipay on the sandbox cashier; come back to the order page.
    response = web.post(mall(merchant, f"orders/{order.pk}/pay/"), {"method": "alipay"})
    cashier_url = response["Location"]
    assert "/sandbox/alipay/" in cashier_url
    with committed():
        confirm_on_cashier(cashier_url)
    html = web.text(mall(merchant, f"orders/{order.pk}/?paid=1"))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and len(order.pickup_code) == 6
    assert order.pickup_code in html
    qr = web.get(mall(merchant, f"orders/{order.pk}/pickup-qr.svg"))
    assert qr["Content-Type"] == "image/svg+xml" and qr["Cache-Control"] == "private, no-store"
    assert order.number in web.text(mall(merchant, "orders/"))


def test_a_changed_price_refuses_the_order_and_says_why(web, merchant, store, cola):
    member_phone = next_phone()
    web.login(merchant, member_phone)
    product_url = mall(merchant, f"p/{cola.product_id}/")
    web.post(mall(merchant, "cart/add/"), {"sku_id": cola.pk, "next": product_url}, page=product_url)
    page_url = mall(merchant, f"checkout/?fulfilment=pickup&store={store.pk}")
    page = web.text(page_url)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    fields["expected_payable_fen"] = "1"  # what the shopper saw is not what it costs now
    web.post(mall(merchant, "checkout/"), fields, page=page_url)
    assert not Order.objects.filter(member__phone=member_phone).exists()
    assert "price" in web.text(page_url).lower() or "价" in web.text(page_url)


def test_orders_of_another_member_are_not_found(web, merchant, store, cola, place):
    someone = make_member(merchant)
    theirs = place({cola: 1}, member=someone)
    web.login(merchant, next_phone())
    for path in (f"orders/{theirs.pk}/", f"orders/{theirs.pk}/pay/", f"orders/{theirs.pk}/after-sale/", f"orders/{theirs.pk}/pickup-qr.svg"):
        web.get(mall(merchant, path), status=404)
    web.post(mall(merchant, f"orders/{theirs.pk}/cancel/"), page=mall(merchant, "me/"), status=404)
    theirs.refresh_from_db()
    assert theirs.status == Order.Status.PENDING_PAYMENT


def test_a_login_is_for_one_mall_only(web, merchant, water):
    other, _owner = make_merchant()
    web.login(merchant, next_phone())
    assert web.get(mall(merchant, "me/")).status_code == 200
    response = web.get(mall(other, "me/"), status=302)  # not logged in there
    assert response["Location"].startswith(mall(other, "login/"))


def test_logout_revokes_the_login(web, merchant):
    web.login(merchant, next_phone())
    web.post(mall(merchant, "logout/"), page=mall(merchant, "me/"))
    web.get(mall(merchant, "me/"), status=302)


def test_posts_without_csrf_are_refused(merchant, cola):
    client = Browser().client
    response = client.post(mall(merchant, "cart/add/"), {"sku_id": cola.pk})
    assert response.status_code == 403


def test_login_redirect_stays_on_this_site(web, merchant):
    web.login(merchant, next_phone(), next_url="https://evil.example/steal")
    response = web.client.get(mall(merchant, "login/"))
    assert response.status_code == 200  # the login page itself; the next= above fell back to 我的


def test_claiming_a_coupon_and_seeing_it_in_my_coupons(web, merchant, owner):
    now = clock.now()
    template = create_coupon_template(
        actor=owner,
        name="满30减5",
        kind="cash_off",
        threshold_fen=3000,
        off_fen=500,
        in_claim_centre=True,
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(days=30),
    )
    centre = web.text(mall(merchant, "coupons/"))
    assert "满30减5" in centre
    web.login(merchant, next_phone())
    web.post(mall(merchant, f"coupons/{template.pk}/claim/"), page=mall(merchant, "coupons/"))
    mine = web.text(mall(merchant, "me/coupons/"))
    assert "满30减5" in mine


def test_stores_nearest_first_and_choosing_one_sets_the_cart_store(web, merchant, owner, store):
    far = make_store(owner, name="远店", latitude="39.900000", longitude="116.400000")  # Beijing
    near = make_store(owner, name="近店", latitude="31.230000", longitude="121.470000")  # Shanghai
    html = web.text(mall(merchant, "stores/?lat=31.2300&lng=121.4700"))
    assert html.index("近店") < html.index("远店")
    assert "km" in html or " m" in html
    web.post(mall(merchant, "stores/choose/"), {"store_id": near.pk}, page=mall(merchant, "stores/"))
    assert "近店" in web.text(mall(merchant, "stores/"))
    other, other_owner = make_merchant()
    foreign = make_store(other_owner)
    web.post(mall(merchant, "stores/choose/"), {"store_id": foreign.pk}, page=mall(merchant, "stores/"), status=404)
    assert far.pk != near.pk


def _paid_pickup_order(web, merchant, store, sku, committed, *, quantity: int = 2) -> Order:
    product_url = mall(merchant, f"p/{sku.product_id}/")
    web.post(mall(merchant, "cart/add/"), {"sku_id": sku.pk, "quantity": quantity, "next": product_url}, page=product_url)
    page_url = mall(merchant, f"checkout/?fulfilment=pickup&store={store.pk}")
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', web.text(page_url)))
    web.post(mall(merchant, "checkout/"), fields, page=page_url)
    order = Order.objects.filter(merchant=merchant).order_by("-id").first()
    response = web.post(mall(merchant, f"orders/{order.pk}/pay/"), {"method": "wechat"}, status=200)
    code_url = re.search(r'<a class="mbtn" href="([^"]+)">', response.content.decode())[1]
    assert "/sandbox/wechatpay/cashier/" in code_url and "<svg" in response.content.decode()
    with committed():
        confirm_on_cashier(code_url.replace("&amp;", "&"))
    web.get(mall(merchant, f"orders/{order.pk}/?paid=1"))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order


def test_wechat_qr_payment_then_an_after_sale_request(web, merchant, store, cola, wechat_account, committed):
    web.login(merchant, next_phone())
    order = _paid_pickup_order(web, merchant, store, cola, committed)
    form_url = mall(merchant, f"orders/{order.pk}/after-sale/")
    html = web.text(form_url)
    line = order.lines.get()
    assert f'name="qty_{line.pk}"' in html and 'max="2"' in html
    # Nothing chosen: refused with a message, nothing written.
    response = web.post(form_url, {"kind": "refund_only", "reason": "quality"}, status=200)
    assert "请至少选择一件商品" in response.content.decode() or "Choose at least one item" in response.content.decode()
    assert not order.after_sales.exists()
    web.post(form_url, {"kind": "refund_only", "reason": "quality", f"qty_{line.pk}": "1", "description": "瓶子漏了"})
    request = order.after_sales.get()
    assert request.lines.get().quantity == 1 and request.description == "瓶子漏了"
    assert "售后" in web.text(mall(merchant, f"orders/{order.pk}/"))


def test_an_unpaid_order_can_be_cancelled_from_its_page(web, merchant, store, cola):
    web.login(merchant, next_phone())
    product_url = mall(merchant, f"p/{cola.product_id}/")
    web.post(mall(merchant, "cart/add/"), {"sku_id": cola.pk, "next": product_url}, page=product_url)
    page_url = mall(merchant, f"checkout/?fulfilment=pickup&store={store.pk}")
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', web.text(page_url)))
    web.post(mall(merchant, "checkout/"), fields, page=page_url)
    order = Order.objects.filter(merchant=merchant).get()
    web.post(mall(merchant, f"orders/{order.pk}/cancel/"), page=mall(merchant, f"orders/{order.pk}/"))
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_express_checkout_with_a_new_address(web, merchant, store, water):
    web.login(merchant, next_phone())
    product_url = mall(merchant, f"p/{water.product_id}/")
    web.post(mall(merchant, "cart/add/"), {"sku_id": water.pk, "quantity": 3, "next": product_url}, page=product_url)
    checkout = mall(merchant, "checkout/?fulfilment=express")
    assert "还没有收货地址" in web.text(checkout) or "No address yet" in web.text(checkout)
    new = mall(merchant, "me/addresses/new/")
    address = {k: v for k, v in SHOPPER_ADDRESS.items() if k not in ("latitude", "longitude")}
    web.post(new, {**address, "next": checkout})
    html = web.text(checkout)
    assert "人民大道200号" in html and 'name="address_id"' in html
    # A bad address is refused on the form with the reason, and not saved.
    response = web.post(new, {"recipient": "", "phone": "123", "province": "", "city": "", "detail": ""}, status=200)
    assert 'class="err-box"' in response.content.decode()


def test_a_members_share_link_brings_a_friend_whose_order_is_attributed_to_it(merchant, store, cola):
    sharer = Browser()
    sharer.login(merchant, next_phone())
    page = sharer.text(mall(merchant, f"p/{cola.product_id}/share/"))
    link = re.search(r'readonly value="([^"]+)"', page)[1]
    assert "?src=" in link and "<svg" in page
    again = sharer.text(mall(merchant, f"p/{cola.product_id}/share/"))
    assert link in again  # one tag per member and product, reused
    friend = Browser()
    path = link.split("://", 1)[1].split("/", 1)[1]
    friend.get("/" + path)
    visit = Visit.objects.filter(merchant=merchant).order_by("-id").first()
    assert visit.channel == "share"
    phone = next_phone()
    friend.login(merchant, phone)
    product_url = mall(merchant, f"p/{cola.product_id}/")
    friend.post(mall(merchant, "cart/add/"), {"sku_id": cola.pk, "next": product_url}, page=product_url)
    page_url = mall(merchant, f"checkout/?fulfilment=pickup&store={store.pk}")
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', friend.text(page_url)))
    friend.post(mall(merchant, "checkout/"), fields, page=page_url)
    order = Order.objects.get(member__phone=phone)
    signup = Attribution.objects.get(member__phone=phone, kind=Attribution.Kind.SIGNUP)
    assert signup.first_channel == "share"
    attributed = Attribution.objects.get(order=order)
    assert attributed.first_channel == "share" and attributed.last_channel == "share"


def test_sharing_needs_a_login(web, merchant, cola):
    response = web.get(mall(merchant, f"p/{cola.product_id}/share/"), status=302)
    assert response["Location"].startswith(mall(merchant, "login/"))
