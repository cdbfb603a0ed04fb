"""The mall's group-buy pages through the Django client: the list and the item page for anyone,
opening through the form (to the pay page), a refusal shown as its message, the group page by
its share token (404 for another merchant's), the QR image and my group buys."""

from __future__ import annotations

import pytest

from newretail.core.testing import make_merchant
from newretail.marketing.groupbuy.models import GroupBuyGroup
from newretail.members.testing import make_member
from tests.storefront.conftest import Browser, mall

pytestmark = pytest.mark.django_db


def test_list_item_open_group_and_mine(campaign, merchant, store, seats):
    running = campaign(per_member_limit=1)
    item = running.items.get()
    web = Browser()
    listed = web.text(mall(merchant, "groupbuys/"))
    assert "三人团" in listed and f"groupbuys/{item.pk}/" in listed
    page = web.text(mall(merchant, f"groupbuys/{item.pk}/"))
    assert "¥2.00" in page and "登录后开团" in page

    web.login(merchant, "13700001111")
    page = web.text(mall(merchant, f"groupbuys/{item.pk}/"))
    assert "开团并支付" in page and store.name in page
    form = {"fulfilment": "pickup", "store_id": str(store.pk), "quantity": "1", "key": "k1"}
    opened = web.post(
        mall(merchant, f"groupbuys/{item.pk}/open/"), form, page=mall(merchant, f"groupbuys/{item.pk}/")
    )
    group = GroupBuyGroup.objects.get()
    seat = group.seats.get()
    assert opened["Location"] == mall(merchant, f"orders/{seat.order_id}/pay/")
    again = web.post(
        mall(merchant, f"groupbuys/{item.pk}/open/"), form, page=mall(merchant, f"groupbuys/{item.pk}/")
    )
    assert (
        again["Location"] == opened["Location"] and GroupBuyGroup.objects.count() == 1
    )  # same key, one group
    refused = web.post(
        mall(merchant, f"groupbuys/{item.pk}/open/"),
        {**form, "key": "k2"},
        page=mall(merchant, f"groupbuys/{item.pk}/"),
    )
    assert web.text(refused["Location"]).count("每位会员最多购买 1 件") == 1

    seats.pay(seat.order)
    group_page = web.text(mall(merchant, f"g/{group.share_token}/"))
    assert "还差 2 人成团" in group_page and "1/3 人已支付" in group_page and "<svg" in group_page
    assert web.get(mall(merchant, f"g/{group.share_token}/qr.svg"))["Content-Type"] == "image/svg+xml"
    mine = web.text(mall(merchant, "me/groupbuys/"))
    assert "拼团中" in mine and f"g/{group.share_token}/" in mine

    other, _owner = make_merchant()
    web.get(mall(other, f"g/{group.share_token}/"), status=404)
    web.get(mall(merchant, "g/not-a-real-token-x/"), status=404)


def test_joining_from_the_group_page(campaign, merchant, store, seats):
    item = campaign().items.get()
    opened = seats.open(make_member(merchant, name="钱七"), item)
    seats.pay(opened.order)
    web = Browser()
    page = web.text(mall(merchant, f"g/{opened.group.share_token}/"))
    assert "钱*" in page and "登录后参团" in page
    web.login(merchant, "13700002222")
    url = mall(merchant, f"g/{opened.group.share_token}/")
    assert "¥2.00 参团" in web.text(url)
    joined = web.post(
        url + "join/", {"fulfilment": "pickup", "store_id": str(store.pk), "key": "j1"}, page=url
    )
    assert "/pay/" in joined["Location"]
    assert GroupBuyGroup.objects.get().seats_taken == 2
