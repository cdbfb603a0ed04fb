"""Identity under real concurrency on PostgreSQL: threads with their own connections hit the real
actions at the same moment (a Barrier lines them up)."""

from __future__ import annotations

import pytest

from newretail.core import testing
from newretail.members.actions.login import login_with_code, request_login_code
from newretail.members.actions.members import find_or_create_member
from newretail.members.models import LoginCode, Member, MemberToken
from tests.inventory.test_concurrency import run_threads

from .conftest import IP, PHONE, last_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    merchant, _owner = testing.make_merchant()
    return merchant


def test_eight_logins_with_one_code_one_wins(shop):
    request_login_code(merchant=shop, phone=PHONE, ip=IP)
    code = last_code()

    def log_in(i: int):
        return login_with_code(merchant=shop.pk, phone=PHONE, code=code, ip=f"198.51.100.{i}")

    logins, errors = run_threads(8, log_in)
    assert len(logins) == 1 and len(errors) == 7
    assert {e.code for e in errors} == {"members.code_invalid"}
    assert Member.objects.filter(merchant=shop).count() == 1
    assert MemberToken.objects.count() == 1
    assert LoginCode.objects.get().used_at is not None


def test_eight_find_or_create_one_member(shop):
    def register(i: int):
        return find_or_create_member(merchant=shop.pk, phone="+86 138 1234 5678", source="pos")

    results, errors = run_threads(8, register)
    assert not errors and len(results) == 8
    assert len({member.pk for member, _created in results}) == 1
    assert [created for _member, created in results].count(True) == 1
    assert Member.objects.filter(merchant=shop).count() == 1
