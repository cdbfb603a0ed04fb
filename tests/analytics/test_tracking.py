"""Source tracking through the mall: the middleware records visits with their source, and
record_signup / record_order copy first and last touch onto members and orders."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.analytics import actions
from newretail.analytics.models import Attribution, Channel, Visit
from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.members.testing import make_member

pytestmark = pytest.mark.django_db


def test_poster_tag_records_a_poster_visit_and_sets_the_visitor_cookie(shopper, product_url, poster_tag, merchant):
    response = shopper.get(product_url + f"?src={poster_tag.code}")
    assert response.status_code == 200
    cookie = response.cookies["nr_vid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) >= 365 * 24 * 3600
    visit = Visit.objects.get()
    assert (visit.merchant_id, visit.tag_id, visit.channel) == (merchant.pk, poster_tag.pk, Channel.POSTER)
    assert visit.visitor_id == shopper.visitor_id
    assert visit.landing_path == product_url


def test_only_the_first_page_of_a_session_or_a_new_tag_is_a_visit(shopper, product_url, home_url, poster_tag, merchant):
    shopper.get(home_url)
    shopper.get(product_url)
    shopper.get(home_url + f"?src={poster_tag.code}")  # a new tag in the same session: a visit
    shopper.get(product_url + f"?src={poster_tag.code}")  # the same tag again: not a new visit
    assert list(Visit.objects.order_by("id").values_list("channel", flat=True)) == ["direct", "poster"]
    shopper.end_session(merchant)
    shopper.get(home_url)
    assert Visit.objects.count() == 3
    assert Visit.objects.values("visitor_id").distinct().count() == 1


def test_a_tag_of_another_merchant_is_ignored(shopper, product_url, other_owner, db):
    foreign = actions.create_tag(other_owner.merchant, channel=Channel.POSTER, label="别家")
    shopper.get(product_url + f"?src={foreign.code}")
    visit = Visit.objects.get()
    assert visit.tag_id is None and visit.channel == Channel.DIRECT
    assert visit.merchant_id != other_owner.merchant_id


@pytest.mark.parametrize(
    ("referer", "channel"),
    [
        ("https://www.baidu.com/s?wd=便利店", "search"),
        ("https://m.sogou.com/web?query=x", "search"),
        ("https://www.so.com/s?q=x", "search"),
        ("https://m.sm.cn/s?q=x", "search"),
        ("https://cn.bing.com/search?q=x", "search"),
        ("https://www.google.com/", "search"),
        ("https://weibo.com/1234", "other"),
        ("http://testserver/m/x/", "direct"),
        (None, "direct"),
    ],
)
def test_channel_from_the_referrer(shopper, home_url, referer, channel):
    shopper.get(home_url, referer=referer)
    assert Visit.objects.get().channel == channel


def test_bots_head_htmx_and_errors_record_nothing(home_url, product_url, merchant, shopper):
    from django.test import Client

    Client(HTTP_USER_AGENT="Mozilla/5.0 (compatible; Baiduspider/2.0)").get(home_url)
    Client().get(home_url)  # no User-Agent at all
    shopper.client.head(home_url)
    shopper.get(home_url, HTTP_HX_REQUEST="true")
    assert shopper.get(f"/m/{merchant.slug}/p/999999/").status_code == 404
    assert Visit.objects.count() == 0
    assert shopper.get(product_url).status_code == 200
    assert Visit.objects.count() == 1


def test_console_pages_are_not_mall_visits(client, owner, shopper):
    client.force_login(owner)
    client.get("/console/", HTTP_USER_AGENT="Mozilla/5.0")
    assert Visit.objects.count() == 0


def test_a_mall_page_with_a_tag_costs_two_queries_and_a_plain_page_none(shopper, product_url, poster_tag):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shopper.get(product_url)  # warm: the visitor and session cookies are set
    with CaptureQueriesContext(connection) as plain:
        shopper.get(product_url)
    with CaptureQueriesContext(connection) as tagged:
        shopper.get(product_url + f"?src={poster_tag.code}")
    tracking = [q["sql"] for q in tagged.captured_queries if "analytics_" in q["sql"]]
    assert len(tracking) == 2, tracking  # the tag lookup and the visit insert
    assert not [q for q in plain.captured_queries if "analytics_" in q["sql"]]


# --- first and last touch ---------------------------------------------------------------------


def _request_with(shopper):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES["nr_vid"] = shopper.visitor_id
    return request


def test_first_touch_stays_first_and_last_touch_moves(shopper, merchant, home_url, product_url, poster_tag):
    share = actions.share_tag(merchant, member=make_member(merchant), target=actions.HOME)
    start = clock.now()
    with time_machine.travel(start, tick=False):
        shopper.get(home_url + f"?src={poster_tag.code}")
    with time_machine.travel(start + dt.timedelta(days=2), tick=False):
        shopper.end_session(merchant)
        shopper.get(home_url, referer="https://www.baidu.com/s?wd=x")
    with time_machine.travel(start + dt.timedelta(days=3), tick=False):
        shopper.end_session(merchant)
        shopper.get(product_url)  # direct: does not replace the last touch
        member = make_member(merchant)
        signup = actions.record_signup(_request_with(shopper), member)
    assert (signup.first_channel, signup.first_tag_id) == (Channel.POSTER, poster_tag.pk)
    assert signup.last_channel == Channel.SEARCH and signup.last_tag_id is None
    assert Visit.objects.filter(member=member).count() == 3  # the anonymous visits are the member's now

    with time_machine.travel(start + dt.timedelta(days=5), tick=False):
        shopper.end_session(merchant)
        shopper.get(home_url + f"?src={share.code}")
        order = _order(merchant, member)
        attribution = actions.record_order(_request_with(shopper), order)
    assert (attribution.first_channel, attribution.first_tag_id) == (Channel.POSTER, poster_tag.pk)
    assert (attribution.last_channel, attribution.last_tag_id) == (Channel.SHARE, share.pk)
    assert order.attribution == attribution  # queryable from the order


def test_last_touch_window_and_direct_only_history(shopper, merchant, home_url, poster_tag):
    start = clock.now()
    with time_machine.travel(start, tick=False):
        shopper.get(home_url + f"?src={poster_tag.code}")
    with time_machine.travel(start + dt.timedelta(days=actions.LAST_TOUCH_DAYS + 5), tick=False):
        shopper.end_session(merchant)
        shopper.get(home_url)
        signup = actions.record_signup(_request_with(shopper), make_member(merchant))
    assert signup.first_channel == Channel.POSTER
    assert signup.last_channel == Channel.DIRECT  # the poster visit is older than the window


def test_an_order_on_another_device_uses_the_members_visits(shopper, merchant, home_url, poster_tag):
    member = make_member(merchant)
    shopper.get(home_url + f"?src={poster_tag.code}")
    Visit.objects.update(member=member)  # the member was logged in on that phone
    attribution = actions.record_order(None, _order(merchant, member))  # no cookie on this device
    assert attribution.last_tag_id == poster_tag.pk and attribution.first_channel == Channel.POSTER


def test_record_functions_never_raise_without_cookie_or_visit(merchant, water):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES["nr_vid"] = "not a valid id!"
    member = make_member(merchant)
    signup = actions.record_signup(request, member)
    assert (signup.first_channel, signup.last_channel, signup.visitor_id) == ("direct", "direct", "")
    assert actions.record_signup(request, member) is None  # once per member, quietly
    order = _order(merchant, member)
    assert actions.record_order(None, order).first_channel == "direct"
    assert actions.record_order(None, order) is None  # once per order
    assert Attribution.objects.count() == 2


def test_share_tag_is_made_once_and_checks_ownership(merchant, other_owner, product, store):
    member = make_member(merchant)
    target = actions.Target("product", product.pk)
    first = actions.share_tag(merchant, member=member, target=target)
    assert first.channel == Channel.SHARE and actions.share_tag(merchant, member=member, target=target) == first
    assert f"/p/{product.pk}/?src={first.code}" in actions.tag_url(first)
    door = actions.share_tag(merchant, store=store)
    assert door.channel == Channel.STORE_QR and door.store == store
    with pytest.raises(DomainError):
        actions.share_tag(merchant, member=make_member(other_owner.merchant))
    with pytest.raises(DomainError):
        actions.share_tag(other_owner.merchant, member=member)
    with pytest.raises(DomainError):
        actions.share_tag(merchant, member=member, target=actions.Target("product", 10**12))
    foreign_product = _foreign_product(other_owner)
    with pytest.raises(DomainError):
        actions.share_tag(merchant, member=member, target=actions.Target("product", foreign_product.pk))


def test_tag_codes_are_random_and_unique(merchant):
    codes = {actions.create_tag(merchant, channel="campaign", label="x").code for _ in range(20)}
    assert len(codes) == 20 and all(len(code) >= 12 for code in codes)


def _foreign_product(other_owner):
    from tests.inventory.conftest import make_sku

    return make_sku(other_owner.merchant_id).product


def _order(merchant, member):
    """A placed mall order of the member (1 bottle of water)."""
    from newretail.catalog.models import Sku
    from newretail.orders.actions.checkout import create_order
    from newretail.tenancy.models import Store
    from tests.orders.conftest import ADDRESS

    sku = Sku.objects.filter(merchant=merchant).first()
    store = Store.objects.filter(merchant=merchant).first()
    return create_order(
        merchant=merchant,
        channel="mall",
        store_id=store.pk,
        warehouse_id=store.warehouses.get().pk,
        fulfilment="express",
        lines=[{"sku_id": sku.pk, "quantity": 1}],
        address=ADDRESS,
        member=member,
    )
