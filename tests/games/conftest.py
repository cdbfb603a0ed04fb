"""Builders for game tests: a running game made through the real setup action, prizes given as
short dicts, and members with points earned through the real ledger."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from newretail.core import clock
from newretail.marketing.games.setup import create_game
from newretail.members.actions.points import earn_points
from newretail.members.testing import make_member
from tests.marketing.conftest import template  # noqa: F401  (fixture)
from tests.orders.conftest import committed, place, warehouse, water  # noqa: F401  (fixtures)

_refs = itertools.count(1)

THANKS = {"name": "谢谢参与", "kind": "thanks", "odds": 10_000, "is_fallback": True}


def thanks(odds: int) -> dict:
    return {**THANKS, "odds": odds}


def window(days: int = 30) -> dict:
    now = clock.now()
    return {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(days=days)}


@pytest.fixture
def game(owner):
    """game(prizes, **fields) -> a running wheel made by the owner (1 free draw a day)."""

    def make(prizes: list[dict], **fields):
        fields.setdefault("name", "幸运大转盘")
        fields.setdefault("kind", "wheel")
        return create_game(actor=owner, prizes=prizes, **{**window(), **fields})

    return make


@pytest.fixture
def shopper(merchant):
    return make_member(merchant, name="王五")


def give_points(member, points: int) -> None:
    earn_points(member=member, points=points, reference=f"test:{next(_refs)}")
