"""The staff roster (排班): who works at a store when, day by day (``staff.roster``; a
store-bound manager plans only their stores). One person's shifts on a day never overlap, and
only staff who may act at the store are rostered there."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from newretail.core.audit import record_audit
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.pos.errors import PosError
from newretail.pos.models import RosterShift
from newretail.tenancy.access import require_perm, require_store_access
from newretail.tenancy.models import Store, User
from newretail.tenancy.roles import Perm


def _name(user: User) -> str:
    return user.get_full_name() or user.username


@transaction.atomic
def add_roster_shift(
    *,
    actor: User,
    store_id: int,
    staff_id: int,
    day: dt.date,
    starts_at: dt.time,
    ends_at: dt.time,
    note: str = "",
) -> RosterShift:
    """Roster ``staff_id`` at the store on ``day`` from ``starts_at`` to ``ends_at``."""
    require_perm(actor, Perm.STAFF_ROSTER)
    store = get_owned(Store, actor.merchant_id, pk=store_id)
    require_store_access(actor, store.pk)
    staff = get_owned(User.objects.filter(is_active=True), actor.merchant_id, pk=staff_id)
    if not ends_at > starts_at:
        raise DomainError(PosError.ROSTER_INVALID_TIMES)
    ids = staff.store_ids()
    if ids is not None and store.pk not in ids:
        raise DomainError(PosError.ROSTER_NOT_AT_STORE, name=_name(staff))
    # Lock the person's rows of the day so two planners cannot overlap them at once.
    User.objects.select_for_update().filter(pk=staff.pk).first()
    clash = (
        RosterShift.objects.filter(staff=staff, day=day, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise DomainError(
            PosError.ROSTER_OVERLAP,
            name=_name(staff),
            start=f"{clash.starts_at:%H:%M}",
            end=f"{clash.ends_at:%H:%M}",
        )
    shift = RosterShift.objects.create(
        merchant_id=actor.merchant_id,
        store=store,
        staff=staff,
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        note=(note or "").strip()[:50],
    )
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="pos.roster_added",
        obj=shift,
        after={
            "store_id": store.pk,
            "staff_id": staff.pk,
            "day": day.isoformat(),
            "from": f"{starts_at:%H:%M}",
            "to": f"{ends_at:%H:%M}",
        },
    )
    return shift


@transaction.atomic
def remove_roster_shift(*, actor: User, roster_shift_id: int) -> None:
    require_perm(actor, Perm.STAFF_ROSTER)
    shift = get_owned(RosterShift.objects.select_for_update(), actor.merchant_id, pk=roster_shift_id)
    require_store_access(actor, shift.store_id)
    record_audit(
        actor=actor,
        merchant_id=actor.merchant_id,
        action="pos.roster_removed",
        obj=shift,
        before={
            "staff_id": shift.staff_id,
            "day": shift.day.isoformat(),
            "from": f"{shift.starts_at:%H:%M}",
            "to": f"{shift.ends_at:%H:%M}",
        },
    )
    shift.delete()


def week_of(day: dt.date) -> list[dt.date]:
    """Monday to Sunday of the week holding ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    return [monday + dt.timedelta(days=i) for i in range(7)]


def roster_week(*, actor: User, store_id: int, day: dt.date) -> dict:
    """The store's roster for the week of ``day``: {"days": [...], "rows": [{staff, cells: [[shift…] × 7], minutes}]}."""
    require_perm(actor, Perm.STAFF_ROSTER)
    store = get_owned(Store, actor.merchant_id, pk=store_id)
    require_store_access(actor, store.pk)
    days = week_of(day)
    shifts = RosterShift.objects.filter(store=store, day__gte=days[0], day__lte=days[-1]).select_related(
        "staff"
    )
    rows: dict[int, dict] = {}
    for shift in shifts.order_by("staff__username", "day", "starts_at"):
        row = rows.setdefault(
            shift.staff_id, {"staff": shift.staff, "cells": [[] for _ in days], "minutes": 0}
        )
        row["cells"][(shift.day - days[0]).days].append(shift)
        start = dt.datetime.combine(shift.day, shift.starts_at)
        row["minutes"] += int((dt.datetime.combine(shift.day, shift.ends_at) - start).total_seconds() // 60)
    return {"store": store, "days": days, "rows": sorted(rows.values(), key=lambda r: _name(r["staff"]))}
