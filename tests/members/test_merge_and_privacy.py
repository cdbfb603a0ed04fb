"""Merging a member found twice keeps every order, balance and entry on one member (the ledgers
still add up, the level follows, the other number logs into the kept member); consent is recorded
with time and source; a member exports their data and deletes their account by the stated rule."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from newretail.core.errors import DomainError
from newretail.core.ledgers import find_differences
from newretail.members.actions.levels import earn_growth_for_order
from newretail.members.actions.login import login_with_code, request_login_code
from newretail.members.actions.merge import merge_members
from newretail.members.actions.points import earn_points
from newretail.members.actions.privacy import delete_account, export_member_data, set_marketing_consent
from newretail.members.actions.wallet import adjust_wallet
from newretail.members.models import ConsentRecord, Member, MemberLevel, PointsAccount, WalletAccount
from newretail.members.testing import make_member
from newretail.orders.models import Order
from tests.console.test_marketing_pages import Browser
from tests.members.conftest import last_code
from tests.storefront.conftest import Browser as MallBrowser
from tests.storefront.conftest import mall

pytestmark = pytest.mark.django_db


def test_merging_moves_everything_and_keeps_the_ledgers_whole(owner, merchant, store, water, place):
    MemberLevel.objects.create(merchant=merchant, name="银卡", rank=1, growth_threshold=500)
    keep = make_member(merchant, "13800000001", name="张三")
    other = make_member(merchant, "13900000002")
    order = place({water: 1}, member=other)
    earn_points(member=keep, points=100, reference="gift:keep")
    earn_points(member=other, points=250, reference="gift:other")
    adjust_wallet(actor=owner, member=other, principal_fen=0, bonus_fen=700, reason="赠")
    earn_growth_for_order(member=other, order_id=order.pk, goods_fen=60_000)
    merged = merge_members(actor=owner, keep=keep, duplicate=other, reason="同一人两个号码")
    assert Order.objects.get(pk=order.pk).member_id == keep.pk
    assert (
        PointsAccount.objects.get(member=keep).balance == 350
        and not PointsAccount.objects.filter(member=other).exists()
    )
    assert WalletAccount.objects.get(member=keep).bonus_fen == 700
    assert merged.growth == 600 and merged.level.name == "银卡"
    other.refresh_from_db()
    assert other.merged_into_id == keep.pk and not other.is_active
    assert not find_differences(["points", "wallet"])
    # The other number now logs into the kept member.
    request_login_code(merchant=merchant, phone="13900000002", ip="198.51.100.1")
    member, _token = login_with_code(
        merchant=merchant, phone="13900000002", code=last_code("13900000002"), ip="198.51.100.1"
    )
    assert member.pk == keep.pk
    with pytest.raises(DomainError):
        merge_members(actor=owner, keep=keep, duplicate=other, reason="again")


def test_merge_from_the_console_by_phone(owner, merchant):
    keep = make_member(merchant, "13800000011")
    make_member(merchant, "13800000012")
    console = Browser(owner)
    console.get(reverse("console:member_detail", args=[keep.pk]))
    console.post(reverse("console:member_merge", args=[keep.pk]), {"phone": "13800000012", "reason": "重复"})
    assert Member.objects.get(phone="13800000012").merged_into_id == keep.pk


def test_consent_changes_are_recorded_with_source(merchant):
    member = make_member(merchant)
    set_marketing_consent(member=member, granted=True, source="pos")
    set_marketing_consent(member=member, granted=True, source="mall")  # no change: no new record
    set_marketing_consent(member=member, granted=False, source="mall")
    assert list(
        ConsentRecord.objects.filter(member=member).order_by("id").values_list("granted", "source")
    ) == [
        (True, "pos"),
        (False, "mall"),
    ]
    assert Member.objects.get(pk=member.pk).marketing_consent is False


def test_export_holds_orders_points_and_consent(merchant, water, place):
    member = make_member(merchant, name="李四")
    place({water: 2}, member=member)
    earn_points(member=member, points=30, reference="gift")
    set_marketing_consent(member=member, granted=True, source="mall")
    data = export_member_data(member)
    assert data["member"]["name"] == "李四" and data["member"]["marketing_consent"] is True
    assert data["orders"][0]["lines"][0]["quantity"] == 2 and data["points"][0]["points"] == 30
    json.dumps(data)  # plain JSON


def test_deleting_is_refused_with_principal_left_then_anonymises(owner, merchant):
    member = make_member(merchant, "13700000001", name="王五")
    adjust_wallet(actor=owner, member=member, principal_fen=500, bonus_fen=300, reason="测试")
    earn_points(member=member, points=80, reference="gift")
    with pytest.raises(DomainError) as caught:
        delete_account(member=member)
    assert caught.value.code == "members.delete_principal_left"
    adjust_wallet(actor=owner, member=member, principal_fen=-500, bonus_fen=0, reason="已退")
    deleted = delete_account(member=member)
    assert deleted.phone.startswith("D") and deleted.name == "" and not deleted.is_active
    assert (
        PointsAccount.objects.get(member=member).balance == 0
        and WalletAccount.objects.get(member=member).bonus_fen == 0
    )
    assert not find_differences(["points", "wallet"])
    assert make_member(merchant, "13700000001").pk != member.pk  # the number can sign up afresh


def test_an_order_still_on_its_way_blocks_deletion(merchant, water, place):
    member = make_member(merchant)
    place({water: 1}, member=member)  # pending payment
    with pytest.raises(DomainError) as caught:
        delete_account(member=member)
    assert caught.value.code == "members.delete_orders_open"


def test_the_privacy_page_consent_download_and_delete(merchant):
    web = MallBrowser()
    web.login(merchant, "13600000001")
    page = mall(merchant, "me/privacy/")
    web.post(page, {"action": "consent", "granted": "1"})
    assert Member.objects.get(phone="13600000001").marketing_consent
    download = web.get(mall(merchant, "me/privacy/my-data.json"))
    assert json.loads(download.content)["member"]["phone"] == "13600000001"
    assert "attachment" in download["Content-Disposition"]
    web.post(page, {"action": "delete", "confirm": "1"})
    assert not Member.objects.filter(phone="13600000001").exists()
    web.get(mall(merchant, "me/"), status=302)  # logged out
