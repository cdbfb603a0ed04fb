"""The one clock. Everything time-driven calls ``clock.now()``; tests freeze it with time-machine."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def local_now(zone: str | ZoneInfo | None = None) -> dt.datetime:
    tz = ZoneInfo(zone) if isinstance(zone, str) else (zone or DEFAULT_ZONE)
    return now().astimezone(tz)


def local_today(zone: str | ZoneInfo | None = None) -> dt.date:
    return local_now(zone).date()
