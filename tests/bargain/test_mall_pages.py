"""The bargain mall pages through the test client: the list and campaign page, starting (login
first), the starter's page with share link and QR, a friend's page setting the device cookie and
helping once, the buy page pricing at the bargain's price and placing the order, and another
member's bargain answered 404."""

from __future__ import annotations

import pytest

from newretail.marketing.bargain.buying import start_bargain
from newretail.marketing.bargain.models import Bargain, BargainCut
from newretail.members.testing import make_member
from newretail.orders.models import Order
from newretail.storefront.site import remember_login
from newretail.storefront.views.bargain import DEVICE_COOKIE

pytestmark = pytest.mark.django_db


def _log_in(client, member) -> None:
    from django.test import RequestFactory

    from newretail.members.actions.tokens import issue_member_token

    _token, raw = issue_member_token(member=member)
    request = RequestFactory().get("/")
    request.session = client.session
    request.mall = member.merchant
    remember_login(request, member, raw)
    request.session.save()
    client.cookies["sessionid"] = request.session.session_key


def _m(merchant) -> str:
    return f"/m/{merchant.slug}"


def test_the_pages_of_a_bargain_from_start_to_order(client, merchant, campaign, store):
    running = campaign(helpers_needed=2)
    listed = client.get(f"{_m(merchant)}/bargain/")
    assert listed.status_code == 200 and f"/bargain/{running.pk}/" in listed.content.decode()
    page = client.get(f"{_m(merchant)}/bargain/{running.pk}/").content.decode()
    assert 'data-test="login-to-start"' in page
    starter = make_member(merchant)
    _log_in(client, starter)
    assert 'data-test="start"' in client.get(f"{_m(merchant)}/bargain/{running.pk}/").content.decode()
    started = client.post(f"{_m(merchant)}/bargain/{running.pk}/start/")
    bargain = Bargain.objects.get(member=starter)
    assert started.status_code == 302 and started["Location"].endswith(f"/bargain/mine/{bargain.pk}/")
    mine = client.get(started["Location"]).content.decode()
    assert f"/bargain/h/{bargain.share_code}/" in mine and "<svg" in mine
    qr = client.get(f"{_m(merchant)}/bargain/h/{bargain.share_code}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"

    client.cookies.clear()
    friend = make_member(merchant)
    first = client.get(f"{_m(merchant)}/bargain/h/{bargain.share_code}/")
    assert first.status_code == 200 and DEVICE_COOKIE in first.cookies
    assert 'data-test="login-to-help"' in first.content.decode()
    _log_in(client, friend)
    helped = client.post(f"{_m(merchant)}/bargain/h/{bargain.share_code}/")
    assert helped.status_code == 302 and helped["Location"].endswith("?cut=1")
    cut = BargainCut.objects.get(helper=friend)
    shown = client.get(helped["Location"]).content.decode()
    assert f'data-count-to="{cut.amount_fen}"' in shown
    client.post(f"{_m(merchant)}/bargain/h/{bargain.share_code}/")  # twice: refused, nothing new
    assert BargainCut.objects.count() == 1
    # Another account on the same browser (the same device cookie) cannot help again.
    _log_in(client, make_member(merchant))
    client.post(f"{_m(merchant)}/bargain/h/{bargain.share_code}/")
    assert BargainCut.objects.count() == 1

    client.cookies.clear()
    _log_in(client, starter)
    price = bargain.start_price_fen - cut.amount_fen
    buy_url = f"{_m(merchant)}/bargain/mine/{bargain.pk}/buy/?fulfilment=pickup&store={store.pk}"
    page = client.get(buy_url).content.decode()
    assert f"¥{price / 100:.2f}" in page
    placed = client.post(buy_url, {"fulfilment": "pickup", "store": store.pk})
    order = Order.objects.get()
    assert placed["Location"].endswith(f"/orders/{order.pk}/pay/") and order.payable_fen == price


def test_another_members_bargain_page_is_not_found(client, merchant, campaign):
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=campaign().pk)
    _log_in(client, make_member(merchant))
    assert client.get(f"{_m(merchant)}/bargain/mine/{bargain.pk}/").status_code == 404
    assert client.get(f"{_m(merchant)}/bargain/mine/{bargain.pk}/buy/").status_code == 404
    assert client.get(f"{_m(merchant)}/bargain/h/unknown-code/").status_code == 404
