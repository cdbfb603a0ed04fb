"""``user_for_token`` reads the token, its user, the merchant and the user's stores in one
statement on PostgreSQL (``_live_token_in_one_read``); it must answer as the ORM query did."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newretail.core import clock, testing
from newretail.tenancy.actions.auth import issue_api_token, user_for_token
from newretail.tenancy.models import ApiToken
from newretail.tenancy.roles import Role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_a_store_clerk_comes_with_merchant_and_stores_in_one_query():
    merchant, owner = testing.make_merchant()
    first, second = testing.make_store(owner), testing.make_store(owner)
    clerk = testing.make_staff(owner, role=Role.STORE_MANAGER, stores=[first, second])
    _, raw = issue_api_token(actor=clerk, name="till")
    user_for_token(raw)  # prepared, and "last used" written

    with CaptureQueriesContext(connection) as captured:
        user = user_for_token(raw)
        assert user.merchant.slug == merchant.slug
        assert user.store_ids() == {first.pk, second.pk}
    assert user.pk == clerk.pk and not user._state.adding
    assert len(captured.captured_queries) == 1


def test_an_owner_has_every_store():
    _merchant, owner = testing.make_merchant()
    _, raw = issue_api_token(actor=owner, name="erp")

    assert user_for_token(raw).store_ids() is None


def test_a_revoked_or_unknown_token_opens_nothing():
    _merchant, owner = testing.make_merchant()
    token, raw = issue_api_token(actor=owner, name="old")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=clock.now())

    assert user_for_token(raw) is None
    assert user_for_token(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


def test_a_deactivated_account_opens_nothing():
    _merchant, owner = testing.make_merchant()
    clerk = testing.make_staff(owner)
    _, raw = issue_api_token(actor=clerk, name="till")
    type(clerk).objects.filter(pk=clerk.pk).update(is_active=False)

    assert user_for_token(raw) is None
