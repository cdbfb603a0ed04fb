"""Builders for tests, benchmarks and demo data. They go through the real actions so that tests
exercise what production does."""

from __future__ import annotations

import itertools

from newretail.tenancy.actions.auth import issue_api_token
from newretail.tenancy.actions.staff import create_merchant, create_staff
from newretail.tenancy.actions.stores import create_store, create_warehouse
from newretail.tenancy.models import Merchant, Store, User, Warehouse
from newretail.tenancy.roles import Role

PASSWORD = "test-pass-9531"
_seq = itertools.count(1)


def make_merchant(slug: str | None = None, name: str | None = None) -> tuple[Merchant, User]:
    n = next(_seq)
    slug = slug or f"m{n}-{id(object()) % 100000}"
    return create_merchant(
        name=name or f"商户{n}", slug=slug, owner_username=f"owner-{slug}", owner_password=PASSWORD
    )


def make_store(owner: User, code: str | None = None, **fields) -> Store:
    n = next(_seq)
    fields.setdefault("name", f"门店{n}")
    fields.setdefault("address", f"测试路{n}号")
    return create_store(actor=owner, code=code or f"S{n}", **fields)


def make_central_warehouse(owner: User, code: str | None = None) -> Warehouse:
    n = next(_seq)
    return create_warehouse(actor=owner, code=code or f"DC{n}", name=f"中心仓{n}")


def make_staff(
    owner: User, role: str = Role.HQ_ADMIN, stores: list[Store] | None = None, username: str | None = None
) -> User:
    n = next(_seq)
    return create_staff(
        actor=owner,
        username=username or f"staff{n}-{owner.merchant.slug}",
        password=PASSWORD,
        role=role,
        store_ids=[s.pk for s in stores or []],
    )


def bearer(user: User) -> dict[str, str]:
    """Headers for the test Client: {"HTTP_AUTHORIZATION": "Bearer nr_…"}."""
    _, raw = issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
