"""The member token mirror in Redis stays in step with the database: a token is mirrored when
issued, forgotten when it dies (logout, log out everywhere, account deleted, member merged), and
a token the mirror does not know is answered from the database and mirrored."""

from __future__ import annotations

import pytest

from newretail.core import redis as core_redis
from newretail.core.testing import make_merchant
from newretail.core.tokens import hash_token
from newretail.members.actions import token_mirror
from newretail.members.actions.merge import merge_members
from newretail.members.actions.privacy import delete_account
from newretail.members.actions.tokens import issue_member_token, revoke_member_token, revoke_member_tokens
from newretail.members.testing import make_member

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def mirrored(merchant_id: int, raw: str) -> int | None:
    found = core_redis.client().get(token_mirror.mirror_key(merchant_id, hash_token(raw)))
    return int(found) if found is not None else None


@pytest.fixture
def member(merchant):
    return make_member(merchant)


def test_an_issued_token_is_mirrored_for_its_own_merchant_only(member):
    _token, raw = issue_member_token(member=member)
    assert mirrored(member.merchant_id, raw) == member.pk
    assert token_mirror.member_id_for(raw, member.merchant_id) == member.pk
    other, _owner = make_merchant()
    assert token_mirror.member_id_for(raw, other.pk) is None  # another merchant's mall


def test_a_mirror_expires_with_the_token_or_after_the_mirror_time(member):
    token, raw = issue_member_token(member=member)
    ttl = core_redis.client().ttl(token_mirror.mirror_key(member.merchant_id, token.token_hash))
    assert 0 < ttl <= token_mirror.MIRROR_SECONDS


def test_logout_and_logout_everywhere_forget_the_mirror(member):
    _t1, first = issue_member_token(member=member)
    _t2, second = issue_member_token(member=member)
    _t3, third = issue_member_token(member=member)
    assert revoke_member_token(raw=first)
    assert mirrored(member.merchant_id, first) is None
    assert token_mirror.member_id_for(first, member.merchant_id) is None
    assert revoke_member_tokens(member=member) == 2
    assert mirrored(member.merchant_id, second) is None and mirrored(member.merchant_id, third) is None
    assert token_mirror.member_id_for(second, member.merchant_id) is None


def test_a_deleted_account_and_a_merged_member_are_forgotten(owner, merchant):
    gone = make_member(merchant)
    _t, raw = issue_member_token(member=gone)
    delete_account(member=gone)
    assert mirrored(merchant.pk, raw) is None and token_mirror.member_id_for(raw, merchant.pk) is None

    keep, duplicate = make_member(merchant), make_member(merchant)
    _t, kept = issue_member_token(member=keep)
    _t, dropped = issue_member_token(member=duplicate)
    merge_members(actor=owner, keep=keep, duplicate=duplicate, reason="同一人")
    assert mirrored(merchant.pk, dropped) is None and token_mirror.member_id_for(dropped, merchant.pk) is None
    assert token_mirror.member_id_for(kept, merchant.pk) == keep.pk


def test_a_token_the_mirror_lost_is_answered_by_the_database_and_mirrored_again(member):
    _token, raw = issue_member_token(member=member)
    core_redis.client().flushdb()  # a Redis restart
    assert token_mirror.member_id_for(raw, member.merchant_id) == member.pk
    assert mirrored(member.merchant_id, raw) == member.pk


def test_nonsense_never_reaches_redis_or_the_database(member, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert token_mirror.member_id_for("", member.merchant_id) is None
        assert token_mirror.member_id_for("nr_staff-token", member.merchant_id) is None
        assert token_mirror.member_id_for("nrm_" + "x" * 200, member.merchant_id) is None
