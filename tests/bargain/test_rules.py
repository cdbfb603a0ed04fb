"""Bargain rules on every database: starting (window, pause, stock, the per-member limit, one
running bargain returned again), helping (once per member, once per device under another
account, never the starter, today's helps per device and per member, expiry, the floor reached
on exactly the K-th friend), and the checks on a campaign's settings."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.models import AuditEntry, Event
from newretail.marketing.bargain import cutting
from newretail.marketing.bargain.buying import expire_bargains, start_bargain
from newretail.marketing.bargain.models import Bargain, BargainCut
from newretail.marketing.bargain.setup import (
    create_campaign,
    delete_campaign,
    set_campaign_status,
    update_campaign,
)
from newretail.members.testing import make_member
from tests.bargain.conftest import campaign_data, device, help_with
from tests.inventory.conftest import make_sku

pytestmark = pytest.mark.django_db


def _code(call) -> str:
    with pytest.raises(DomainError) as error:
        call()
    return error.value.code


def test_a_bargain_copies_the_campaign_and_runs_its_hours(campaign, merchant):
    running = campaign(hours_to_finish=6)
    member = make_member(merchant)
    bargain, created = start_bargain(member=member, campaign_id=running.pk)
    assert created
    assert (bargain.start_price_fen, bargain.floor_price_fen, bargain.helpers_needed) == (350, 100, 3)
    assert bargain.current_price_fen == 350 and bargain.helpers_count == 0
    assert dt.timedelta(hours=5, minutes=59) < bargain.expires_at - clock.now() <= dt.timedelta(hours=6)
    assert len(bargain.share_code) >= 16
    assert Event.objects.filter(name="bargain.started", aggregate_id=str(bargain.pk)).exists()
    # Asking again while it runs gives the same bargain back.
    again, created = start_bargain(member=member, campaign_id=running.pk)
    assert again.pk == bargain.pk and not created


def test_a_bargain_never_runs_past_the_campaigns_end(campaign, merchant):
    now = clock.now()
    running = campaign(hours_to_finish=48, ends_at=now + dt.timedelta(hours=2))
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=running.pk)
    assert bargain.expires_at == running.ends_at


def test_starting_is_refused_outside_the_window_when_paused_or_sold_out(campaign, owner, merchant):
    now = clock.now()
    later = campaign(starts_at=now + dt.timedelta(hours=1))
    assert (
        _code(lambda: start_bargain(member=make_member(merchant), campaign_id=later.pk))
        == "bargain.not_started"
    )
    running = campaign()
    with time_machine.travel(running.ends_at + dt.timedelta(seconds=1)):
        assert (
            _code(lambda: start_bargain(member=make_member(merchant), campaign_id=running.pk))
            == "bargain.ended"
        )
    set_campaign_status(actor=owner, campaign_id=running.pk, status="paused")
    assert (
        _code(lambda: start_bargain(member=make_member(merchant), campaign_id=running.pk)) == "bargain.paused"
    )
    set_campaign_status(actor=owner, campaign_id=running.pk, status="active")
    running.refresh_from_db()
    running.sold = running.stock
    running.save()
    assert (
        _code(lambda: start_bargain(member=make_member(merchant), campaign_id=running.pk))
        == "bargain.sold_out"
    )
    assert not Bargain.objects.exists()


def test_the_per_member_limit_counts_running_and_ordered_bargains(campaign, merchant):
    running = campaign(per_member_limit=2, hours_to_finish=1)
    member = make_member(merchant)
    first, _ = start_bargain(member=member, campaign_id=running.pk)
    Bargain.objects.filter(pk=first.pk).update(status=Bargain.Status.ORDERED)
    second, created = start_bargain(member=member, campaign_id=running.pk)
    assert created and second.pk != first.pk
    with time_machine.travel(second.expires_at + dt.timedelta(seconds=1)):
        # The second ran out unbought: it no longer counts, so a third may start...
        third, created = start_bargain(member=member, campaign_id=running.pk)
        assert created
        Bargain.objects.filter(pk=third.pk).update(status=Bargain.Status.ORDERED)
        # ...and with two ordered, the limit is reached.
        assert _code(lambda: start_bargain(member=member, campaign_id=running.pk)) == "bargain.limit_reached"


def test_another_merchants_campaign_is_not_found(campaign, other_owner):
    running = campaign()
    stranger = make_member(other_owner.merchant)
    assert _code(lambda: start_bargain(member=stranger, campaign_id=running.pk)) == "not_found"


def test_k_friends_bring_the_price_to_the_floor_exactly(campaign, merchant):
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=campaign(helpers_needed=4).pk)
    cuts = [help_with(bargain, merchant) for _ in range(4)]
    bargain.refresh_from_db()
    assert [c.sequence for c in cuts] == [1, 2, 3, 4]
    assert sum(c.amount_fen for c in cuts) == 250 and all(c.amount_fen >= 1 for c in cuts)
    assert cuts[-1].price_after_fen == 100 == bargain.current_price_fen
    assert bargain.helpers_count == 4 and bargain.reached_floor and bargain.reached_floor_at is not None
    assert Event.objects.filter(name="bargain.floor_reached", aggregate_id=str(bargain.pk)).count() == 1
    # A fifth friend has nothing left to cut.
    assert _code(lambda: help_with(bargain, merchant)) == "bargain.floor_reached"
    assert BargainCut.objects.filter(bargain=bargain).count() == 4


def test_each_friend_helps_once_and_each_device_once(campaign, merchant):
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=campaign().pk)
    friend, phone = make_member(merchant), device()
    help_with(bargain, merchant, helper=friend, device_id=phone)
    assert _code(lambda: help_with(bargain, merchant, helper=friend)) == "bargain.already_helped"
    # The same phone with another account: refused.
    assert _code(lambda: help_with(bargain, merchant, device_id=phone)) == "bargain.device_used"
    bargain.refresh_from_db()
    assert bargain.helpers_count == 1


def test_the_starter_cannot_help_and_a_device_is_needed(campaign, merchant):
    starter = make_member(merchant)
    bargain, _ = start_bargain(member=starter, campaign_id=campaign().pk)
    assert _code(lambda: help_with(bargain, merchant, helper=starter)) == "bargain.self_help"
    for bad in (None, "", "short", "x" * 65, "has space in it"):
        assert (
            _code(
                lambda bad=bad: cutting.help_bargain(
                    helper=make_member(merchant), share_code=bargain.share_code, device_id=bad
                )
            )
            == "bargain.device_required"
        )
    assert not BargainCut.objects.exists()


def test_an_unknown_or_foreign_share_code_is_not_found(campaign, merchant, other_owner):
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=campaign().pk)
    stranger = make_member(other_owner.merchant)
    assert _code(lambda: help_with(bargain, merchant, helper=stranger)) == "not_found"
    assert (
        _code(
            lambda: cutting.help_bargain(helper=make_member(merchant), share_code="nope", device_id=device())
        )
        == "not_found"
    )


def test_a_device_and_a_member_get_a_few_helps_a_day(campaign, merchant, monkeypatch):
    monkeypatch.setattr(cutting, "HELPS_PER_DAY", 2)
    running = campaign(per_member_limit=1)
    bargains = [start_bargain(member=make_member(merchant), campaign_id=running.pk)[0] for _ in range(4)]
    phone = device()
    help_with(bargains[0], merchant, device_id=phone)
    help_with(bargains[1], merchant, device_id=phone)
    assert _code(lambda: help_with(bargains[2], merchant, device_id=phone)) == "rate_limited"
    friend = make_member(merchant)
    help_with(bargains[0], merchant, helper=friend)
    help_with(bargains[1], merchant, helper=friend)
    assert _code(lambda: help_with(bargains[2], merchant, helper=friend)) == "rate_limited"
    assert BargainCut.objects.filter(bargain=bargains[2]).count() == 0


def test_an_expired_bargain_takes_no_help(campaign, merchant):
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=campaign(hours_to_finish=1).pk)
    with time_machine.travel(bargain.expires_at + dt.timedelta(seconds=1)):
        assert _code(lambda: help_with(bargain, merchant)) == "bargain.expired"
        assert expire_bargains() == 1
    bargain.refresh_from_db()
    assert bargain.status == "expired" and bargain.helpers_count == 0


def test_a_paused_campaign_takes_no_help(campaign, owner, merchant):
    running = campaign()
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=running.pk)
    set_campaign_status(actor=owner, campaign_id=running.pk, status="paused")
    assert _code(lambda: help_with(bargain, merchant)) == "bargain.paused"


# --- campaign settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"start_price_fen": 351}, "start_price_fen"),  # above the list price
        ({"floor_price_fen": 350}, "floor_price_fen"),
        ({"floor_price_fen": -1}, "floor_price_fen"),
        ({"start_price_fen": 103, "floor_price_fen": 100, "helpers_needed": 4}, "helpers_needed"),
        ({"helpers_needed": 0}, "helpers_needed"),
        ({"stock": 0}, "stock"),
        ({"hours_to_finish": 0}, "hours_to_finish"),
        ({"per_member_limit": True}, "per_member_limit"),
        ({"sku_id": 2**62}, "sku_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_and_write_nothing(owner, water, fields, field):
    with pytest.raises(DomainError) as error:
        create_campaign(actor=owner, **campaign_data(water, **fields))
    assert error.value.code == "bargain.invalid" and error.value.params["field"] == field
    assert not AuditEntry.objects.filter(action__startswith="bargain.").exists()


def test_the_end_must_follow_the_start(owner, water):
    now = clock.now()
    with pytest.raises(DomainError) as error:
        create_campaign(actor=owner, **campaign_data(water, starts_at=now, ends_at=now))
    assert error.value.params["field"] == "ends_at"


def test_another_merchants_sku_is_refused(owner, other_owner):
    theirs = make_sku(other_owner.merchant_id, name="别家的水", price_fen=350)
    with pytest.raises(DomainError) as error:
        create_campaign(actor=owner, **campaign_data(theirs))
    assert error.value.params["field"] == "sku_id"


def test_edits_leave_running_bargains_alone_and_keep_the_sku(campaign, owner, merchant, water):
    running = campaign()
    bargain, _ = start_bargain(member=make_member(merchant), campaign_id=running.pk)
    update_campaign(actor=owner, campaign_id=running.pk, **campaign_data(water, floor_price_fen=50, stock=9))
    bargain.refresh_from_db()
    assert bargain.floor_price_fen == 100
    other = make_sku(merchant.pk, name="另一瓶水", price_fen=500)
    with pytest.raises(DomainError) as error:
        update_campaign(actor=owner, campaign_id=running.pk, **campaign_data(other))
    assert error.value.params["field"] == "sku_id"
    running.refresh_from_db()
    running.sold = 4
    running.save()
    with pytest.raises(DomainError) as error:
        update_campaign(actor=owner, campaign_id=running.pk, **campaign_data(water, stock=3))
    assert error.value.params["field"] == "stock"
    assert AuditEntry.objects.filter(action="bargain.campaign_updated").count() == 1


def test_a_campaign_with_bargains_cannot_be_deleted(campaign, owner, merchant):
    empty, used = campaign(), campaign()
    start_bargain(member=make_member(merchant), campaign_id=used.pk)
    assert _code(lambda: delete_campaign(actor=owner, campaign_id=used.pk)) == "bargain.in_use"
    delete_campaign(actor=owner, campaign_id=empty.pk)
    assert AuditEntry.objects.filter(action="bargain.campaign_deleted", object_id=str(empty.pk)).exists()


def test_setup_needs_marketing_manage(owner, store, water):
    from newretail.core.testing import make_staff
    from newretail.tenancy.roles import Role

    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    with pytest.raises(DomainError) as error:
        create_campaign(actor=cashier, **campaign_data(water))
    assert error.value.code == "permission_denied"
