"""``core.prepared.execute_prepared`` on PostgreSQL: the statement is prepared once per
connection, a connection the server cut is replaced and the statement run again, and it refuses
to run inside a transaction. Then the database path's purchase by token, which is its user: a
token that is not live takes nothing, a member's second purchase is told apart from a sale."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import connection, transaction

from newretail.core import clock, testing
from newretail.core.errors import CoreError, DomainError
from newretail.core.prepared import execute_prepared
from newretail.marketing.models import SeckillPurchase
from newretail.marketing.seckill.buying import queue_seckill
from newretail.marketing.seckill.campaigns import create_campaign
from newretail.marketing.seckill.errors import SeckillError
from newretail.marketing.seckill.queries import forget_offers
from newretail.members.actions.tokens import issue_member_token, revoke_member_token
from newretail.members.testing import make_member
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SQL = "SELECT %(n)s::integer + 1"


def _prepared_here() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%$1::integer + 1%"]
        )
        return cursor.fetchone()[0]


def test_the_statement_is_prepared_once_per_connection():
    assert [execute_prepared(SQL, {"n": n}) for n in (1, 2, 3)] == [(2,), (3,), (4,)]
    assert _prepared_here() == 1


def test_a_connection_the_server_cut_is_replaced_and_the_statement_run_again():
    assert execute_prepared(SQL, {"n": 1}) == (2,)
    cut = connection.connection.info.backend_pid
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [cut])
    assert execute_prepared(SQL, {"n": 41}) == (42,)
    assert connection.connection.info.backend_pid != cut


def _admin_url() -> str:
    settings = connection.settings_dict
    return f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def test_it_refuses_to_run_inside_a_transaction():
    with transaction.atomic(), pytest.raises(RuntimeError):
        execute_prepared(SQL, {"n": 1})


@pytest.fixture
def item():
    merchant, owner = testing.make_merchant()
    store = testing.make_store(owner)
    sku = make_sku(merchant.pk, name="秒杀水", price_fen=350)
    receive(store.warehouses.get(), sku, 10)
    forget_offers()
    now = clock.now()
    campaign = create_campaign(
        actor=owner,
        name="整点秒杀",
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        items=[{"sku_id": sku.pk, "price_fen": 100, "stock": 5}],
        per_member_limit=1,
        stock_path="database",
    )
    yield campaign.items.get(), store
    forget_offers()


def _buy(entry, store, token, key=None):
    return queue_seckill(
        member_token=token,
        merchant_id=entry.merchant_id,
        item_id=entry.pk,
        fulfilment="pickup",
        store_id=store.pk,
        idempotency_key=key,
    )


def test_the_database_path_by_token_takes_nothing_for_a_token_that_is_not_live(item, monkeypatch):
    monkeypatch.setattr("newretail.marketing.tasks.drain_seckill_queue_task", lambda *a: None)
    entry, store = item
    member = make_member(entry.merchant_id)
    _token, raw = issue_member_token(member=member)
    revoke_member_token(raw=raw)
    for token in (raw, "nrm_not-a-token", "", "x" * 300):
        with pytest.raises(DomainError) as refused:
            _buy(entry, store, token)
        assert refused.value.error is CoreError.UNAUTHENTICATED
    entry.refresh_from_db()
    assert (entry.sold, entry.queued) == (0, 0) and not SeckillPurchase.objects.exists()


def test_the_database_path_by_token_tells_a_replay_and_a_second_purchase_apart(item, monkeypatch):
    asked: list[tuple] = []
    monkeypatch.setattr("newretail.marketing.tasks.drain_seckill_queue_task", lambda *a: asked.append(a))
    entry, store = item
    _token, raw = issue_member_token(member=make_member(entry.merchant_id))
    first = _buy(entry, store, raw, key="tap-1")
    assert first.status == "writing" and asked == [(entry.pk,)]
    assert _buy(entry, store, raw, key="tap-1").status == "writing"  # the same tap again
    with pytest.raises(DomainError) as refused:
        _buy(entry, store, raw, key="tap-2")
    assert refused.value.error is SeckillError.ALREADY_BOUGHT
    entry.refresh_from_db()
    assert (entry.sold, entry.queued, SeckillPurchase.objects.count()) == (1, 1, 1)
