"""The rotating member code (会员码): the till resolves this minute's code (or the last minute's)
to the member once; an older code is expired, a reused one refused, a forged one invalid, another
merchant's member unknown, and wrong guesses are rate-limited."""

from __future__ import annotations

import datetime as dt

import pytest

from newretail.core import testing
from newretail.core.errors import DomainError
from newretail.members.actions.member_code import current_member_code, resolve_member_code
from newretail.members.testing import make_member

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 12, 2, 4, 0, 5, tzinfo=dt.UTC)


def _refused(merchant_id: int, code: str, now=NOON, till: str = "t1") -> str:
    with pytest.raises(DomainError) as caught:
        resolve_member_code(merchant_id, code, now=now, till=till)
    return caught.value.code


def test_this_minutes_code_finds_the_member_once(merchant):
    member = make_member(merchant)
    shown = current_member_code(member, now=NOON)
    assert len(shown.code) == 18 and shown.code.startswith("66")
    assert shown.expires_at == dt.datetime(2026, 12, 2, 4, 1, tzinfo=dt.UTC)
    assert resolve_member_code(merchant.pk, shown.code, now=NOON) == member
    assert _refused(merchant.pk, shown.code) == "members.member_code_used"  # the screenshot case


def test_last_minutes_code_still_works_older_ones_have_expired(merchant):
    member = make_member(merchant)
    last_minute = current_member_code(member, now=NOON - dt.timedelta(seconds=50))
    assert resolve_member_code(merchant.pk, last_minute.code, now=NOON) == member
    old = current_member_code(member, now=NOON - dt.timedelta(minutes=5))
    assert _refused(merchant.pk, old.code) == "members.member_code_expired"


def test_forged_foreign_and_malformed_codes_are_refused(merchant):
    member = make_member(merchant)
    code = current_member_code(member, now=NOON).code
    forged = code[:-6] + f"{(int(code[-6:]) + 1) % 1_000_000:06d}"
    assert _refused(merchant.pk, forged) == "members.member_code_invalid"
    other, _owner = testing.make_merchant()
    assert _refused(other.pk, code) == "members.member_code_invalid"  # not this shop's member
    for junk in ("", "abc", "134567890123456789", code[:-1]):
        assert _refused(merchant.pk, junk) == "members.member_code_invalid"


def test_guessing_is_rate_limited_per_till(merchant):
    member = make_member(merchant)
    code = current_member_code(member, now=NOON).code
    guesses = [f"{n:06d}" for n in range(21) if f"{n:06d}" != code[-6:]][:20]
    for guess in guesses:
        _refused(merchant.pk, code[:-6] + guess, till="guesser")
    assert _refused(merchant.pk, code, till="guesser") == "rate_limited"  # even the right one, now
    assert resolve_member_code(merchant.pk, code, now=NOON, till="another till") == member
