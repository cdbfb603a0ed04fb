"""Schemathesis over the whole OpenAPI: every operation, authenticated as a staff member and as an
anonymous shopper. Fails on any 5xx and on any response that breaks its documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from newretail.api.urls import api
from newretail.config.wsgi import application
from newretail.core.testing import bearer, make_store

pytestmark = [pytest.mark.django_db]

# django-ninja emits OpenAPI 3.1 (pydantic v2 JSON Schema); schemathesis 3 supports it behind a flag.
schemathesis.experimental.OPEN_API_3_1.enable()
schema = schemathesis.from_dict(api.get_openapi_schema(), app=application)
CHECKS = (not_a_server_error, response_schema_conformance)
FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture
def staff_headers(owner):
    make_store(owner)
    return bearer(owner)


@schema.parametrize()
@FUZZ
def test_api_as_staff(case, staff_headers):
    response = case.call_wsgi(headers=staff_headers)
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_as_shopper(case, merchant):
    response = case.call_wsgi()
    case.validate_response(response, checks=CHECKS)


@pytest.fixture
def member_headers(merchant):
    from newretail.members.testing import make_member, member_bearer

    make_store(merchant.staff.get())
    return member_bearer(make_member(merchant))


@schema.include(path_regex="^/api/v1/shop/").parametrize()
@FUZZ
def test_shop_api_as_a_member(case, merchant, member_headers):
    """The shopper routes with a member's token on its own merchant's slug, so the fuzzing reaches
    past authentication into carts, orders, payments and after-sales."""
    if case.path_parameters and "merchant_slug" in case.path_parameters:
        case.path_parameters["merchant_slug"] = merchant.slug
    response = case.call_wsgi(headers=member_headers)
    case.validate_response(response, checks=CHECKS)
