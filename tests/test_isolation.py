"""Tenant isolation across every console URL and every API route.

For each route that takes an object id, the test builds two merchants with one of everything,
then checks: merchant A's owner reaching A's object does not get 404 (the route works), and
reaching merchant B's object gets 404 (never 200, never 403, so ids don't leak).

A new route with an id must be added to ``CONSOLE_OBJECTS`` / ``API_PARAMS`` (and write routes to
``API_BODIES``), otherwise ``test_every_route_is_covered`` fails: isolation is proven, not assumed.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from newretail.api.urls import api
from newretail.core import clock
from newretail.core.models import Event, EventDelivery, Job
from newretail.core.testing import bearer, make_staff, make_store
from newretail.tenancy.roles import Role
from tests.analytics import isolation as analytics_isolation
from tests.bargain import isolation as bargain_isolation
from tests.catalog import isolation as catalog_isolation
from tests.catalog_io import isolation as catalog_io_isolation
from tests.games import isolation as games_isolation
from tests.groupbuy import isolation as groupbuy_isolation
from tests.inventory import isolation as inventory_isolation
from tests.marketing import isolation as marketing_isolation
from tests.marketing import seckill_isolation
from tests.members import isolation as members_isolation
from tests.orders import isolation as orders_isolation
from tests.pos import isolation as pos_isolation
from tests.storefront import isolation as storefront_isolation

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def build_world(owner) -> dict[str, object]:
    """One object of every kind a route can address, owned by ``owner``'s merchant."""
    store = make_store(owner)
    world: dict[str, object] = {
        "store": store,
        "warehouse": store.warehouses.get(),
        "staff": make_staff(owner, Role.CASHIER, stores=[store]),
        "job": Job.objects.create(
            merchant_id=owner.merchant_id,
            kind="test",
            status=Job.Status.SUCCEEDED,
            result_file=ContentFile(b"x", name="r.txt"),
        ),
    }
    event = Event.objects.create(merchant_id=owner.merchant_id, name="test.isolation", payload={})
    world["event_delivery"] = EventDelivery.objects.create(
        merchant_id=owner.merchant_id,
        event=event,
        handler="test.none",
        status="failed",
        next_attempt_at=clock.now(),
    )
    for extend in WORLD_EXTENSIONS:
        world.update(extend(owner, world))
    return world


# Domains add builders here: (owner, world) -> {name: object}.
WORLD_EXTENSIONS: list = []

# console URL name -> world key of the object its <int:pk> addresses
CONSOLE_OBJECTS: dict[str, str] = {
    "store_edit": "store",
    "staff_edit": "staff",
    "staff_reset_password": "staff",
    "job_detail": "job",
    "job_result_file": "job",
    "event_delivery_retry": "event_delivery",
}

# API path parameter name -> world key
API_PARAMS: dict[str, str] = {
    "store_id": "store",
    "warehouse_id": "warehouse",
    "staff_id": "staff",
}

# (method, path template) -> a valid body for write routes that take an id, so that the request
# reaches the lookup (an invalid body would be refused with 422 before it).
API_BODIES: dict[tuple[str, str], dict] = {
    ("PATCH", "/api/v1/stores/{store_id}"): {"name": "改名"},
}


def console_routes() -> list[tuple[str, str]]:
    """(url name, route) for every console pattern with an int id."""
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "console" and "<int:" in str(p.pattern):
                found.append((p.name, prefix + str(p.pattern)))

    walk(get_resolver().url_patterns, "/", None)
    return found


SHOP_PREFIX = "/api/v1/shop/"
ORDER = ["get", "post", "put", "patch", "delete"]  # deletes last: they remove the world's objects


def _secured_routes(*, shop: bool) -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    routes = [
        (method, path)
        for path, operations in schema["paths"].items()
        if "{" in path and path.startswith(SHOP_PREFIX) == shop
        for method, operation in operations.items()
        if method in ORDER and operation.get("security")
    ]
    return [(method.upper(), path) for method, path in sorted(routes, key=lambda r: ORDER.index(r[0]))]


def api_routes() -> list[tuple[str, str]]:
    """Staff-authenticated routes with an id. The public shopper routes (/shop/<merchant slug>/…)
    are addressed by slug and serve anyone by design; their cross-merchant 404s are tested in
    tests/catalog/test_shop_api.py. The shopper routes that need a member token are walked by
    ``member_routes`` below."""
    return _secured_routes(shop=False)


def member_routes() -> list[tuple[str, str]]:
    """Member-authenticated shopper routes (all carry {merchant_slug})."""
    return _secured_routes(shop=True)


def fill_console(route: str, obj) -> str:
    return re.sub(r"<int:\w+>", str(obj.pk), route)


def fill_api(path: str, world) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(world[API_PARAMS[m.group(1)]].pk), path)


def test_every_route_is_covered():
    missing_console = [name for name, _ in console_routes() if name not in CONSOLE_OBJECTS]
    missing_params = sorted(
        {p for _, path in api_routes() for p in re.findall(r"{(\w+)}", path)} - set(API_PARAMS)
    )
    missing_bodies = [
        (m, p) for m, p in api_routes() if m in {"POST", "PUT", "PATCH"} and (m, p) not in API_BODIES
    ]
    assert not missing_console, f"console routes without an isolation object: {missing_console}"
    assert not missing_params, f"API path parameters without an isolation object: {missing_params}"
    assert not missing_bodies, f"API write routes without an isolation body: {missing_bodies}"


@pytest.fixture
def worlds(owner, other_owner):
    return build_world(owner), build_world(other_owner)


def test_console_refuses_other_merchants_ids(client, owner, worlds):
    mine, theirs = worlds
    client.force_login(owner)
    for name, route in console_routes():
        key = CONSOLE_OBJECTS[name]
        own = client.get(fill_console(route, mine[key]))
        assert own.status_code != 404, f"{name}: own object gave 404, the route is broken"
        foreign = client.get(fill_console(route, theirs[key]))
        # 405: a POST-only page refuses GET before any lookup, which reveals nothing about the id.
        assert foreign.status_code in (404, 405), (
            f"GET {name} with another merchant's id gave {foreign.status_code}"
        )
        foreign_post = client.post(fill_console(route, theirs[key]), {})
        assert foreign_post.status_code == 404, (
            f"POST {name} with another merchant's id gave {foreign_post.status_code}"
        )


def request_kwargs(body, world) -> dict:
    """Test-client arguments for a route's isolation body: a dict (sent as JSON), or a callable
    of the world giving one (ids of the caller's own objects, e.g. an order line); a body holding
    an uploaded file is sent as multipart."""
    if body is None:
        return {}
    if callable(body):
        body = body(world)
    if any(hasattr(value, "read") for value in body.values()):
        return {"data": body}
    return {"content_type": "application/json", "data": body}


def test_api_refuses_other_merchants_ids(client, owner, worlds):
    mine, theirs = worlds
    headers = bearer(owner)
    for method, path in api_routes():
        kwargs = request_kwargs(API_BODIES.get((method, path)), mine)
        call = getattr(client, method.lower())
        own = call(fill_api(path, mine), **kwargs, **headers)
        assert own.status_code != 404, f"{method} {path}: own object gave 404 ({own.content[:200]})"
        kwargs = request_kwargs(API_BODIES.get((method, path)), mine)
        foreign = call(fill_api(path, theirs), **kwargs, **headers)
        assert foreign.status_code == 404, (
            f"{method} {path} with another merchant's id gave {foreign.status_code}"
        )
        assert foreign.json()["code"] == "not_found"


# Member-authenticated shopper routes (/api/v1/shop/{merchant_slug}/…): path parameter -> world
# key, and a valid body for write routes. Domains with member routes add theirs below.
MEMBER_PARAMS: dict[str, str] = {}
MEMBER_BODIES: dict[tuple[str, str], dict] = {}


def fill_member(path: str, world, slug_world=None) -> str:
    def value(match):
        name = match.group(1)
        source = slug_world if name == "merchant_slug" and slug_world is not None else world
        return str(source[MEMBER_PARAMS[name]].pk)

    return re.sub(r"{(\w+)}", value, path)


def test_every_member_route_is_covered():
    routes = member_routes()
    assert routes, "no member-authenticated shopper routes found"
    missing_params = sorted(
        {p for _, path in routes for p in re.findall(r"{(\w+)}", path)} - set(MEMBER_PARAMS)
    )
    missing_bodies = [
        (m, p) for m, p in routes if m in {"POST", "PUT", "PATCH"} and (m, p) not in MEMBER_BODIES
    ]
    assert not missing_params, f"member route parameters without an isolation object: {missing_params}"
    assert not missing_bodies, f"member write routes without an isolation body: {missing_bodies}"


def test_member_routes_refuse_other_merchants(client, worlds):
    """A's member token on B's slug is 401 (whatever the ids); on A's slug, B's ids are 404.
    Deletes run last (ORDER), so earlier routes still find the world's objects."""
    mine, theirs = worlds
    headers = mine["member_headers"]

    for method, path in member_routes():
        send = getattr(client, method.lower())
        for ids in (theirs, mine):
            kwargs = request_kwargs(MEMBER_BODIES.get((method, path)), mine)
            foreign_slug = send(fill_member(path, ids, slug_world=theirs), **kwargs, **headers)
            assert foreign_slug.status_code == 401, (
                f"{method} {path} with a member token on another merchant's slug gave {foreign_slug.status_code}"
            )
            assert foreign_slug.json()["code"] == "unauthenticated"

    for method, path in member_routes():
        if not set(re.findall(r"{(\w+)}", path)) - {"merchant_slug"}:
            continue
        send = getattr(client, method.lower())
        own = send(
            fill_member(path, mine), **request_kwargs(MEMBER_BODIES.get((method, path)), mine), **headers
        )
        assert own.status_code not in (401, 404), (
            f"{method} {path}: own object gave {own.status_code} ({own.content[:200]})"
        )
        kwargs = request_kwargs(MEMBER_BODIES.get((method, path)), mine)
        foreign = send(fill_member(path, theirs, slug_world=mine), **kwargs, **headers)
        assert foreign.status_code == 404, (
            f"{method} {path} with another merchant's id gave {foreign.status_code}"
        )
        assert foreign.json()["code"] == "not_found"


# Each domain keeps its builder and route tables in tests/<domain>/isolation.py.
WORLD_EXTENSIONS.extend(
    [catalog_isolation.build_catalog_world, catalog_io_isolation.build, inventory_isolation.build]
)
WORLD_EXTENSIONS.append(members_isolation.build)
CONSOLE_OBJECTS.update(members_isolation.CONSOLE_OBJECTS)
API_PARAMS.update(members_isolation.API_PARAMS)
API_BODIES.update(members_isolation.API_BODIES)
MEMBER_PARAMS.update(members_isolation.MEMBER_PARAMS)
MEMBER_BODIES.update(members_isolation.MEMBER_BODIES)
for domain in (catalog_isolation, catalog_io_isolation, inventory_isolation):
    CONSOLE_OBJECTS.update(domain.CONSOLE_OBJECTS)
    API_PARAMS.update(domain.API_PARAMS)
    API_BODIES.update(domain.API_BODIES)
WORLD_EXTENSIONS.append(orders_isolation.build)
CONSOLE_OBJECTS.update(orders_isolation.CONSOLE_OBJECTS)
API_PARAMS.update(orders_isolation.API_PARAMS)
API_BODIES.update(orders_isolation.API_BODIES)
MEMBER_PARAMS.update(orders_isolation.MEMBER_PARAMS)
MEMBER_BODIES.update(orders_isolation.MEMBER_BODIES)
WORLD_EXTENSIONS.append(marketing_isolation.build)
CONSOLE_OBJECTS.update(marketing_isolation.CONSOLE_OBJECTS)
API_PARAMS.update(marketing_isolation.API_PARAMS)
API_BODIES.update(marketing_isolation.API_BODIES)
MEMBER_PARAMS.update(marketing_isolation.MEMBER_PARAMS)
WORLD_EXTENSIONS.append(storefront_isolation.build)
CONSOLE_OBJECTS.update(storefront_isolation.CONSOLE_OBJECTS)
WORLD_EXTENSIONS.append(analytics_isolation.build)
CONSOLE_OBJECTS.update(analytics_isolation.CONSOLE_OBJECTS)
MEMBER_BODIES.update(marketing_isolation.MEMBER_BODIES)
WORLD_EXTENSIONS.append(pos_isolation.build)
API_PARAMS.update(pos_isolation.API_PARAMS)
API_BODIES.update(pos_isolation.API_BODIES)
CONSOLE_OBJECTS.update(pos_isolation.CONSOLE_OBJECTS)
WORLD_EXTENSIONS.append(games_isolation.build)
CONSOLE_OBJECTS.update(games_isolation.CONSOLE_OBJECTS)
API_PARAMS.update(games_isolation.API_PARAMS)
API_BODIES.update(games_isolation.API_BODIES)
MEMBER_PARAMS.update(games_isolation.MEMBER_PARAMS)
MEMBER_BODIES.update(games_isolation.MEMBER_BODIES)
WORLD_EXTENSIONS.append(seckill_isolation.build)
CONSOLE_OBJECTS.update(seckill_isolation.CONSOLE_OBJECTS)
API_PARAMS.update(seckill_isolation.API_PARAMS)
API_BODIES.update(seckill_isolation.API_BODIES)
MEMBER_PARAMS.update(seckill_isolation.MEMBER_PARAMS)
MEMBER_BODIES.update(seckill_isolation.MEMBER_BODIES)
WORLD_EXTENSIONS.append(groupbuy_isolation.build)
CONSOLE_OBJECTS.update(groupbuy_isolation.CONSOLE_OBJECTS)
API_PARAMS.update(groupbuy_isolation.API_PARAMS)
API_BODIES.update(groupbuy_isolation.API_BODIES)
MEMBER_PARAMS.update(groupbuy_isolation.MEMBER_PARAMS)
MEMBER_BODIES.update(groupbuy_isolation.MEMBER_BODIES)
WORLD_EXTENSIONS.append(bargain_isolation.build)
CONSOLE_OBJECTS.update(bargain_isolation.CONSOLE_OBJECTS)
API_PARAMS.update(bargain_isolation.API_PARAMS)
API_BODIES.update(bargain_isolation.API_BODIES)
MEMBER_PARAMS.update(bargain_isolation.MEMBER_PARAMS)
MEMBER_BODIES.update(bargain_isolation.MEMBER_BODIES)
