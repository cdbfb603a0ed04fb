"""Member tokens: hashed, expiring, revocable, and tied to an active member."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.core.errors import DomainError
from newretail.members.actions.members import find_or_create_member
from newretail.members.actions.tokens import (
    issue_member_token,
    member_for_token,
    revoke_member_token,
    revoke_member_tokens,
    token_expires_at,
)
from newretail.members.models import Member, MemberToken
from newretail.members.testing import make_member
from newretail.tenancy.actions.auth import user_for_token

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def test_only_a_hash_is_stored(member):
    token, raw = issue_member_token(member=member)
    assert raw.startswith("nrm_") and len(raw) > 40
    stored = MemberToken.objects.get(pk=token.pk)
    assert raw not in stored.token_hash and stored.prefix == raw[:12]
    assert member_for_token(raw) == member


def test_tokens_expire_after_thirty_days(member):
    with time_machine.travel(START, tick=False):
        _token, raw = issue_member_token(member=member)
        assert token_expires_at(raw) == START + dt.timedelta(days=30)
    with time_machine.travel(START + dt.timedelta(days=29, hours=23), tick=False):
        assert member_for_token(raw) == member
    with time_machine.travel(START + dt.timedelta(days=30), tick=False):
        assert member_for_token(raw) is None


def test_logout_revokes_one_token(member):
    _t, first = issue_member_token(member=member)
    _t, second = issue_member_token(member=member)
    assert revoke_member_token(raw=first) is True
    assert revoke_member_token(raw=first) is False  # twice is harmless
    assert member_for_token(first) is None and member_for_token(second) == member
    assert revoke_member_tokens(member=member) == 1
    assert member_for_token(second) is None


def test_inactive_members_and_merchants_lose_their_tokens(member):
    _t, raw = issue_member_token(member=member)
    Member.objects.filter(pk=member.pk).update(is_active=False)
    assert member_for_token(raw) is None
    Member.objects.filter(pk=member.pk).update(is_active=True)
    member.merchant.is_active = False
    member.merchant.save()
    assert member_for_token(raw) is None


@pytest.mark.parametrize("raw", ["", "nrm_", "nrm_nonsense", "nr_abc", "x" * 500, "nrm_" + "a" * 200])
def test_unknown_tokens_are_nobody(raw):
    assert member_for_token(raw) is None
    assert revoke_member_token(raw=raw) is False


def test_member_and_staff_tokens_do_not_cross(member, owner):
    from newretail.tenancy.actions.auth import issue_api_token

    _t, member_raw = issue_member_token(member=member)
    _t, staff_raw = issue_api_token(actor=owner, name="erp")
    assert user_for_token(member_raw) is None and member_for_token(staff_raw) is None


def test_last_used_is_written_at_most_every_five_minutes(member):
    with time_machine.travel(START, tick=False):
        _t, raw = issue_member_token(member=member)
        member_for_token(raw)
    assert MemberToken.objects.get().last_used_at == START
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        member_for_token(raw)
    assert MemberToken.objects.get().last_used_at == START
    with time_machine.travel(START + dt.timedelta(minutes=6), tick=False):
        member_for_token(raw)
    assert MemberToken.objects.get().last_used_at == START + dt.timedelta(minutes=6)


# --- find_or_create_member -------------------------------------------------------------------


def test_find_or_create_normalises_and_creates_once(merchant, store):
    member, created = find_or_create_member(
        merchant=merchant, phone="+86 139 0000 1111", source=Member.Source.POS, store=store, name="  王五 "
    )
    assert created and member.phone == "13900001111" and member.name == "王五"
    again, created_again = find_or_create_member(
        merchant=merchant.pk, phone="13900001111", source=Member.Source.MALL, name="别名"
    )
    assert again.pk == member.pk and not created_again
    assert again.source == Member.Source.POS and again.name == "王五"  # unchanged


def test_the_same_phone_is_a_different_member_at_another_merchant(merchant, other_owner):
    mine = make_member(merchant, "13900001111")
    theirs = make_member(other_owner.merchant, "13900001111")
    assert mine.pk != theirs.pk


def test_find_or_create_refuses_bad_input(merchant, other_owner):
    from newretail.core.testing import make_store

    with pytest.raises(DomainError) as error:
        find_or_create_member(merchant=merchant, phone="110", source=Member.Source.POS)
    assert error.value.code == "members.invalid_phone"
    with pytest.raises(DomainError) as error:
        find_or_create_member(
            merchant=merchant, phone="13900001111", source=Member.Source.POS, store=make_store(other_owner)
        )
    assert error.value.code == "not_found"
    with pytest.raises(ValueError):
        find_or_create_member(merchant=merchant, phone="13900001111", source="wechat")
    assert not Member.objects.exists()
