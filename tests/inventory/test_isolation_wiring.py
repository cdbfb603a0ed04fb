"""Runs tests/test_isolation.py's checks over the inventory routes with inventory's isolation
tables (tests/inventory/isolation.py), so that they are proven even before they are wired into
the shared test."""

import re

import pytest

from newretail.console.views import inventory as inventory_views
from tests import test_isolation as shared
from tests.inventory import isolation

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

INVENTORY_CONSOLE = set(isolation.CONSOLE_OBJECTS)


@pytest.fixture
def inventory_tables(monkeypatch):
    monkeypatch.setattr(shared, "WORLD_EXTENSIONS", [*shared.WORLD_EXTENSIONS, isolation.build])
    monkeypatch.setattr(shared, "CONSOLE_OBJECTS", {**shared.CONSOLE_OBJECTS, **isolation.CONSOLE_OBJECTS})
    monkeypatch.setattr(shared, "API_PARAMS", {**shared.API_PARAMS, **isolation.API_PARAMS})
    monkeypatch.setattr(shared, "API_BODIES", {**shared.API_BODIES, **isolation.API_BODIES})
    console = shared.console_routes
    api = shared.api_routes
    monkeypatch.setattr(shared, "console_routes", lambda: [r for r in console() if r[0] in INVENTORY_CONSOLE])
    monkeypatch.setattr(
        shared, "api_routes", lambda: [r for r in api() if r[1].startswith("/api/v1/inventory/")]
    )


def test_every_inventory_route_has_an_isolation_object():
    with_ids = {p.name for p in inventory_views.urlpatterns if "<int:" in str(p.pattern)}
    assert with_ids == INVENTORY_CONSOLE
    api = [(m, p) for m, p in shared.api_routes() if p.startswith("/api/v1/inventory/")]
    assert {param for _, path in api for param in re.findall(r"{(\w+)}", path)} <= set(isolation.API_PARAMS)
    assert {(m, p) for m, p in api if m in {"POST", "PUT", "PATCH"}} == set(isolation.API_BODIES)


def test_inventory_console_refuses_other_merchants_ids(inventory_tables, client, owner, other_owner):
    shared.test_console_refuses_other_merchants_ids(
        client, owner, (shared.build_world(owner), shared.build_world(other_owner))
    )


def test_inventory_api_refuses_other_merchants_ids(inventory_tables, client, owner, other_owner):
    shared.test_api_refuses_other_merchants_ids(
        client, owner, (shared.build_world(owner), shared.build_world(other_owner))
    )
