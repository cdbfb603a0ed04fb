"""The address book: validation, the default address, the limit, ownership."""

from __future__ import annotations

from decimal import Decimal

import pytest

from newretail.core.errors import DomainError
from newretail.members.actions.addresses import (
    MAX_ADDRESSES,
    add_address,
    delete_address,
    set_default_address,
    update_address,
)
from newretail.members.models import MemberAddress
from newretail.members.queries import member_address, member_addresses
from newretail.members.testing import make_member

pytestmark = pytest.mark.django_db

HOME = {
    "recipient": "张三",
    "phone": "+86 138-1234-5678",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 100 号\n2 单元 301",
}


def add(member, **overrides):
    return add_address(member=member, **{**HOME, **overrides})


def refused(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    return error.value


def defaults(member) -> list[int]:
    return list(MemberAddress.objects.filter(member=member, is_default=True).values_list("pk", flat=True))


def test_first_address_is_the_default_and_is_normalised(member):
    home = add(member, latitude="30.2741234", longitude=120.1551)
    assert home.is_default and home.merchant_id == member.merchant_id
    assert home.phone == "13812345678" and home.detail == "文三路 100 号 2 单元 301"
    assert home.latitude == Decimal("30.274123") and home.longitude == Decimal("120.155100")
    office = add(member, recipient="张三（公司）", phone="0571-88888888", district="")
    assert not office.is_default and office.phone == "0571-88888888" and office.district == ""
    assert defaults(member) == [home.pk]
    assert [a.pk for a in member_addresses(member=member)] == [home.pk, office.pk]


def test_exactly_one_default(member):
    home = add(member)
    office = add(member, is_default=True)
    assert defaults(member) == [office.pk]
    set_default_address(member=member, address_id=home.pk)
    assert defaults(member) == [home.pk]
    update_address(member=member, address_id=office.pk, is_default=True)
    assert defaults(member) == [office.pk]
    update_address(member=member, address_id=office.pk, is_default=False)  # ignored
    assert defaults(member) == [office.pk]


def test_deleting_the_default_promotes_another(member):
    home = add(member)
    office = add(member)
    delete_address(member=member, address_id=home.pk)
    assert defaults(member) == [office.pk]
    delete_address(member=member, address_id=office.pk)
    assert not MemberAddress.objects.filter(member=member).exists()


@pytest.mark.parametrize(
    ("field", "value", "code", "message"),
    [
        ("recipient", "  ", "members.address_field_required", "请填写收货人。"),
        ("province", "", "members.address_field_required", "请填写省份。"),
        ("city", None, "members.address_field_required", "请填写城市。"),
        ("detail", "", "members.address_field_required", "请填写详细地址。"),
        ("phone", "", "members.address_field_required", "请填写电话。"),
        ("phone", "12345", "members.invalid_address_phone", None),
        ("recipient", "名" * 51, "members.address_field_too_long", "收货人过长（最多50个字）。"),
        ("detail", "路" * 201, "members.address_field_too_long", None),
        ("latitude", 91, "members.address_location_invalid", None),
        ("latitude", "north", "members.address_location_invalid", None),
        ("latitude", "NaN", "members.address_location_invalid", None),
    ],
)
def test_invalid_addresses_are_refused_and_nothing_is_written(member, field, value, code, message):
    extra = {"longitude": 120} if field == "latitude" else {}
    error = refused(add, member=member, **{field: value, **extra})
    assert error.code == code
    if message:
        assert error.message == message
    assert not MemberAddress.objects.exists()


def test_a_location_needs_both_coordinates(member):
    assert refused(add, member=member, latitude=30).code == "members.address_location_invalid"
    assert refused(add, member=member, longitude=-181, latitude=0).code == "members.address_location_invalid"
    edge = add(member, latitude=-90, longitude=180)
    assert (edge.latitude, edge.longitude) == (Decimal("-90"), Decimal("180"))


def test_at_most_twenty_addresses(member):
    for i in range(MAX_ADDRESSES):
        add(member, detail=f"第{i}号")
    error = refused(add, member=member)
    assert error.code == "members.address_limit" and error.status == 409 and "20" in error.message
    assert MemberAddress.objects.filter(member=member).count() == MAX_ADDRESSES


def test_update_validates_the_whole_result(member):
    home = add(member, latitude=30, longitude=120)
    changed = update_address(member=member, address_id=home.pk, recipient="李四", phone="010 1234 5678")
    assert (changed.recipient, changed.phone, changed.city) == ("李四", "010-12345678", "杭州市")
    assert refused(update_address, member=member, address_id=home.pk, city="").code == (
        "members.address_field_required"
    )
    assert refused(update_address, member=member, address_id=home.pk, latitude=None).code == (
        "members.address_location_invalid"
    )
    cleared = update_address(member=member, address_id=home.pk, latitude=None, longitude=None)
    assert cleared.latitude is None
    home.refresh_from_db()
    assert home.city == "杭州市" and home.recipient == "李四"
    with pytest.raises(TypeError):
        update_address(member=member, address_id=home.pk, member_id=1)


def test_another_members_address_is_not_found(merchant, member, other_owner):
    neighbour = make_member(merchant, "13900002222")
    stranger = make_member(other_owner.merchant, "13812345678")
    theirs = add(neighbour)
    foreign = add(stranger)
    for address in (theirs, foreign):
        for call, kwargs in [
            (update_address, {"recipient": "偷改"}),
            (delete_address, {}),
            (set_default_address, {}),
            (member_address, {}),
        ]:
            assert refused(call, member=member, address_id=address.pk, **kwargs).code == "not_found"
    assert refused(member_address, member=member, address_id="x").code == "not_found"
    assert MemberAddress.objects.get(pk=theirs.pk).recipient == "张三"
    assert MemberAddress.objects.filter(pk=foreign.pk).exists()


def test_snapshot_is_plain_json(member):
    snapshot = add(member, latitude=30.5, longitude=120.25).snapshot()
    assert snapshot["phone"] == "13812345678" and snapshot["latitude"] == "30.500000"
