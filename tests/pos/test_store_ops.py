"""Store operations: device keys, footfall posted by a door counter (idempotent per slot), the
store dashboard's conversion by hour, the shelf-label price feed by change version, and the
staff roster (rules, permissions, the printable week page)."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine

from newretail.catalog.actions.prices import set_store_price
from newretail.core.errors import DomainError
from newretail.core.testing import bearer, make_staff, make_store
from newretail.pos.actions import devices, roster
from newretail.pos.actions.footfall import post_footfall
from newretail.pos.actions.tickets import checkout_ticket, pay_ticket
from newretail.pos.errors import PosError
from newretail.pos.models import FootfallCount, RosterShift
from newretail.pos.queries import dashboard_for
from newretail.tenancy.roles import Role
from tests.pos.conftest import lines

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 3, 15, 5, tzinfo=SH)


@pytest.fixture
def counter(owner, store):
    return devices.register_device(actor=owner, store_id=store.pk, kind="door_counter", name="正门客流计数器")


def test_device_keys_are_per_store_and_kind_and_need_pos_manage(owner, store, manager):
    device, raw = devices.register_device(actor=owner, store_id=store.pk, kind="shelf_labels")
    assert raw.startswith("nrd_") and device.key_hash != raw and raw.startswith(device.prefix)
    assert devices.device_for_key(raw).pk == device.pk
    assert devices.device_for_key(raw + "x") is None and devices.device_for_key("nr_other") is None
    with pytest.raises(DomainError):
        devices.register_device(actor=manager, store_id=store.pk, kind="door_counter")  # no pos.manage
    with pytest.raises(DomainError) as bad_kind:
        devices.register_device(actor=owner, store_id=store.pk, kind="toaster")
    assert bad_kind.value.error is PosError.INVALID_DEVICE_KIND
    devices.revoke_device(actor=owner, device_id=device.pk)
    assert devices.device_for_key(raw) is None


@time_machine.travel(NOW, tick=False)
def test_footfall_replaces_a_slot_posted_again_and_checks_slots(owner, store, counter):
    device, _raw = counter
    slot = {"start": dt.datetime(2026, 12, 3, 10, 0, tzinfo=SH), "visitors": 30}
    assert (
        post_footfall(
            device=device, slots=[slot, {**slot, "start": slot["start"] + dt.timedelta(minutes=15)}]
        )
        == 2
    )
    post_footfall(device=device, slots=[{**slot, "visitors": 32}])  # the counter re-sends the slot
    counts = dict(FootfallCount.objects.filter(device=device).values_list("slot_start", "visitors"))
    assert sorted(counts.values()) == [30, 32] and len(counts) == 2
    for bad in (
        {**slot, "start": dt.datetime(2026, 12, 3, 10, 7, tzinfo=SH)},  # not on a quarter hour
        {**slot, "start": dt.datetime(2026, 12, 3, 16, 0, tzinfo=SH)},  # in the future
        {**slot, "start": dt.datetime(2026, 11, 1, 10, 0, tzinfo=SH)},  # too old
        {**slot, "visitors": -1},
        {**slot, "start": dt.datetime(2026, 12, 3, 10, 0)},  # no time zone
    ):
        with pytest.raises(DomainError) as refused:
            post_footfall(
                device=device, slots=[{**slot, "start": slot["start"] + dt.timedelta(minutes=30)}, bad]
            )
        assert refused.value.error is PosError.FOOTFALL_INVALID_SLOT
    assert FootfallCount.objects.filter(device=device).count() == 2  # all or nothing
    scanner, _ = devices.register_device(actor=owner, store_id=store.pk, kind="door_scanner")
    with pytest.raises(DomainError) as wrong_kind:
        post_footfall(device=scanner, slots=[slot])
    assert wrong_kind.value.error is PosError.DEVICE_NOT_ALLOWED


@time_machine.travel(NOW, tick=False)
def test_the_footfall_api_is_idempotent_and_needs_a_counter_key(client, owner, store, counter):
    _device, raw = counter
    body = {"slots": [{"start": "2026-12-03T11:00:00+08:00", "visitors": 12}]}
    url = "/api/v1/pos/device/footfall"
    assert client.post(url, body, content_type="application/json").status_code == 401
    assert client.post(url, body, content_type="application/json", **bearer(owner)).status_code == 401
    for _ in range(2):
        answer = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert answer.status_code == 200 and answer.json() == {"store_id": store.pk, "slots": 1}
    assert sum(FootfallCount.objects.values_list("visitors", flat=True)) == 12
    bad = client.post(
        url,
        {"slots": [{"start": "2026-12-03T11:05:00+08:00", "visitors": 1}]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "pos.footfall_invalid_slot"


def test_the_dashboard_shows_visitors_purchases_and_conversion_by_hour(
    client,
    owner,
    store,
    counter,
    cashier,
    terminal,
    shift,
    water,
):
    device, _raw = counter
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, 20, tzinfo=SH), tick=False):
        post_footfall(
            device=device,
            slots=[
                {"start": dt.datetime(2026, 12, 3, 10, 0, tzinfo=SH), "visitors": 6},
                {"start": dt.datetime(2026, 12, 3, 10, 15, tzinfo=SH), "visitors": 4},
                {"start": dt.datetime(2026, 12, 3, 9, 45, tzinfo=SH), "visitors": 5},
            ],
        )
        for _ in range(2):
            ticket = checkout_ticket(
                actor=cashier,
                terminal_id=terminal.pk,
                idempotency_key=uuid.uuid4().hex,
                lines=lines((water, 1)),
            )
            pay_ticket(actor=cashier, ticket_id=ticket.pk, kind="cash", cash_received_fen=500)
    data = dashboard_for(owner, store.pk, dt.date(2026, 12, 3))
    ten = next(h for h in data["hours"] if h["hour"] == 10)
    nine = next(h for h in data["hours"] if h["hour"] == 9)
    assert (ten["visitors"], ten["tickets"], ten["conversion"]) == (10, 2, 0.2)
    assert (nine["visitors"], nine["purchases"], nine["conversion"]) == (5, 0, 0.0)
    assert (data["visitors"], data["purchases"]) == (15, 2)
    with pytest.raises(DomainError):
        dashboard_for(cashier, store.pk, dt.date(2026, 12, 3))  # cashiers have no pos.reports
    client.force_login(owner)
    page = client.get(f"/console/pos/dashboard/?store={store.pk}&day=2026-12-03").content.decode()
    assert 'id="kpi-visitors">15<' in page and 'id="kpi-conversion">13%<' in page
    api = client.get(f"/api/v1/pos/stores/{store.pk}/dashboard?day=2026-12-03", **bearer(owner))
    assert api.status_code == 200 and api.json()["hours"][2]["conversion"] == 0.2


def test_the_price_feed_lists_changes_since_a_version(client, owner, store, water, cola):
    url = f"/api/v1/pos/stores/{store.pk}/price-changes"
    first = client.get(url, **bearer(owner)).json()
    by_id = {c["sku_id"]: c for c in first["changes"]}
    assert by_id[cola.pk]["list_price_fen"] == 500 and by_id[cola.pk]["store_price_fen"] == 450
    assert by_id[cola.pk]["shelf_price_fen"] == 450 and by_id[water.pk]["store_price_fen"] is None
    assert first["done"] and first["version"]
    # Nothing changed: only the overlap window's rows come back on a first page, none after it.
    later = client.get(url, {"since": first["version"], "start": "false"}, **bearer(owner)).json()
    assert later["changes"] == [] and later["version"] == first["version"]
    with time_machine.travel(dt.timedelta(minutes=10)):
        set_store_price(actor=owner, sku_id=water.pk, store_id=store.pk, price_fen=300)
        changed = client.get(url, {"since": first["version"], "start": "false"}, **bearer(owner)).json()
    assert [c["sku_id"] for c in changed["changes"]] == [water.pk]
    assert changed["changes"][0]["shelf_price_fen"] == 300 and changed["version"] != first["version"]

    labels, raw = devices.register_device(actor=owner, store_id=store.pk, kind="shelf_labels")
    device_feed = client.get("/api/v1/pos/device/price-changes", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert {c["sku_id"] for c in device_feed["changes"]} == {water.pk, cola.pk}
    other_store = make_store(owner)
    other_feed = client.get(f"/api/v1/pos/stores/{other_store.pk}/price-changes", **bearer(owner)).json()
    assert {c["sku_id"]: c["shelf_price_fen"] for c in other_feed["changes"]} == {water.pk: 350, cola.pk: 500}
    counter, counter_key = devices.register_device(actor=owner, store_id=store.pk, kind="door_counter")
    refused = client.get("/api/v1/pos/device/price-changes", HTTP_AUTHORIZATION=f"Bearer {counter_key}")
    assert refused.status_code == 403


def test_the_roster_refuses_overlaps_and_staff_of_other_stores(owner, store, manager, cashier):
    day = dt.date(2026, 12, 7)
    morning = roster.add_roster_shift(
        actor=manager,
        store_id=store.pk,
        staff_id=cashier.pk,
        day=day,
        starts_at=dt.time(8),
        ends_at=dt.time(14),
    )
    with pytest.raises(DomainError) as overlap:
        roster.add_roster_shift(
            actor=manager,
            store_id=store.pk,
            staff_id=cashier.pk,
            day=day,
            starts_at=dt.time(13),
            ends_at=dt.time(18),
        )
    assert overlap.value.error is PosError.ROSTER_OVERLAP
    roster.add_roster_shift(
        actor=manager,
        store_id=store.pk,
        staff_id=cashier.pk,
        day=day,
        starts_at=dt.time(14),
        ends_at=dt.time(18),
    )
    with pytest.raises(DomainError) as backwards:
        roster.add_roster_shift(
            actor=manager,
            store_id=store.pk,
            staff_id=cashier.pk,
            day=day,
            starts_at=dt.time(18),
            ends_at=dt.time(9),
        )
    assert backwards.value.error is PosError.ROSTER_INVALID_TIMES
    other = make_store(owner)
    elsewhere = make_staff(owner, Role.CASHIER, stores=[other])
    with pytest.raises(DomainError) as not_here:
        roster.add_roster_shift(
            actor=owner,
            store_id=store.pk,
            staff_id=elsewhere.pk,
            day=day,
            starts_at=dt.time(8),
            ends_at=dt.time(9),
        )
    assert not_here.value.error is PosError.ROSTER_NOT_AT_STORE
    with pytest.raises(DomainError):  # a store-bound manager plans their own stores only
        roster.add_roster_shift(
            actor=manager,
            store_id=other.pk,
            staff_id=elsewhere.pk,
            day=day,
            starts_at=dt.time(8),
            ends_at=dt.time(9),
        )
    with pytest.raises(DomainError):  # cashiers do not plan the roster
        roster.add_roster_shift(
            actor=cashier,
            store_id=store.pk,
            staff_id=cashier.pk,
            day=day + dt.timedelta(days=1),
            starts_at=dt.time(8),
            ends_at=dt.time(9),
        )
    week = roster.roster_week(actor=manager, store_id=store.pk, day=day + dt.timedelta(days=3))
    assert week["days"][0] == dt.date(2026, 12, 7) and len(week["days"]) == 7
    (row,) = week["rows"]
    assert row["minutes"] == 10 * 60 and [len(c) for c in row["cells"]] == [2, 0, 0, 0, 0, 0, 0]
    roster.remove_roster_shift(actor=manager, roster_shift_id=morning.pk)
    assert RosterShift.objects.filter(staff=cashier).count() == 1


def test_the_roster_week_page_adds_shifts_and_prints(client, owner, store, manager, cashier):
    client.force_login(manager)
    url = f"/console/pos/roster/?store={store.pk}&week=2026-12-09"
    added = client.post(
        url,
        {"staff": cashier.pk, "day": "2026-12-09", "starts_at": "09:00", "ends_at": "17:30", "note": "早班"},
    )
    assert added.status_code == 302
    page = client.get(url).content.decode()
    assert (
        "09:00–17:30" in page
        and "8.5" in page
        and "@media print" in page
        and "@page { size: A4 landscape" in page
    )
    clash = client.post(
        url, {"staff": cashier.pk, "day": "2026-12-09", "starts_at": "12:00", "ends_at": "13:00"}, follow=True
    )
    assert "已" in clash.content.decode() or "already" in clash.content.decode()
    assert RosterShift.objects.count() == 1
    client.force_login(cashier)
    assert client.get(url).status_code == 403


def test_the_demo_step_builds_devices_footfall_and_a_roster(owner, store, manager, cashier):
    from newretail.demo.pos_step import build_pos
    from newretail.pos.models import StoreDevice, Terminal

    build_pos(owner, {"stores": {store.code: store}})
    assert Terminal.objects.filter(store=store).count() == 2
    assert set(StoreDevice.objects.filter(store=store).values_list("kind", flat=True)) == {
        "door_counter",
        "door_scanner",
        "shelf_labels",
    }
    assert FootfallCount.objects.filter(store=store).count() >= 15 * 4  # yesterday's, at least
    rostered = set(RosterShift.objects.filter(store=store).values_list("staff_id", flat=True))
    assert rostered == {manager.pk, cashier.pk}
