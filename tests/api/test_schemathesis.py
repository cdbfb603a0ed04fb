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
