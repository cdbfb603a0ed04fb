"""Demo step: a till (收银台) in every demo store, a price-label and a weight-label scale format
(大华 default layout), and the till rule 抹分 (cash drops the fen). Through the POS actions, so
``make run`` opens /pos/ with a till ready for the store's cashier. Each store also gets a door
counter with today's footfall so far and yesterday's (the store dashboard's conversion), a door
scanner and a shelf-label gateway key, and this week's staff roster for its manager and cashier."""

from __future__ import annotations

import datetime as dt
import random

from newretail.core import clock
from newretail.pos.actions.devices import register_device
from newretail.pos.actions.footfall import post_footfall
from newretail.pos.actions.roster import add_roster_shift, week_of
from newretail.pos.actions.setup import add_scale_format, register_terminal, update_pos_settings
from newretail.tenancy.models import User

# Visitors per quarter hour by hour of day (a neighbourhood store: breakfast, lunch, evening).
FOOTFALL = {
    7: 6,
    8: 14,
    9: 9,
    10: 7,
    11: 10,
    12: 16,
    13: 11,
    14: 6,
    15: 6,
    16: 8,
    17: 15,
    18: 19,
    19: 14,
    20: 9,
    21: 5,
}


def build_pos(owner: User, context: dict) -> None:
    for number, store in enumerate(context["stores"].values(), start=1):
        register_terminal(
            actor=owner, store_id=store.pk, code=f"{store.code}-1", name=f"{store.name} 1号收银台"
        )
        if number == 1:
            register_terminal(
                actor=owner, store_id=store.pk, code=f"{store.code}-2", name=f"{store.name} 2号收银台"
            )
    add_scale_format(
        actor=owner,
        name="价格码（大华默认）",
        pattern="FFPPPPPVVVVVC",
        prefixes="20,21,22,23,24",
        kind="price",
    )
    add_scale_format(
        actor=owner, name="重量码（克）", pattern="FFPPPPPVVVVVC", prefixes="25,26,27,28,29", kind="weight"
    )
    update_pos_settings(
        actor=owner,
        cash_rounding="jiao_down",
        offline_ticket_limit_fen=50000,
        receipt_footer="谢谢惠顾，邻里优选欢迎您再来",
    )
    rng = random.Random(8)
    for store in context["stores"].values():
        counter, _key = register_device(
            actor=owner, store_id=store.pk, kind="door_counter", name="正门客流计数器"
        )
        register_device(actor=owner, store_id=store.pk, kind="door_scanner", name="出口扫码枪")
        register_device(actor=owner, store_id=store.pk, kind="shelf_labels", name="电子价签网关")
        post_footfall(device=counter, slots=_footfall_slots(rng))
        _roster(owner, store)


def _footfall_slots(rng: random.Random) -> list[dict]:
    now = clock.local_now()
    today = dt.datetime.combine(now.date(), dt.time(0), tzinfo=now.tzinfo)
    slots = []
    for start_of_day in (today - dt.timedelta(days=1), today):
        for hour, per_slot in FOOTFALL.items():
            for quarter in range(4):
                start = start_of_day + dt.timedelta(hours=hour, minutes=15 * quarter)
                if start <= now - dt.timedelta(minutes=15):
                    slots.append({"start": start, "visitors": max(0, per_slot + rng.randint(-3, 3))})
    return slots


def _roster(owner: User, store) -> None:
    staff = sorted(
        (u for u in User.objects.filter(merchant_id=owner.merchant_id, is_active=True, stores=store)),
        key=lambda u: u.username,
    )
    for day in week_of(clock.local_today()):
        for index, person in enumerate(staff):
            early = (index + day.toordinal()) % 2 == 0
            start, end = (dt.time(7), dt.time(15)) if early else (dt.time(14), dt.time(22))
            if day.weekday() == (index * 3) % 7:
                continue  # a day off a week
            add_roster_shift(
                actor=owner,
                store_id=store.pk,
                staff_id=person.pk,
                day=day,
                starts_at=start,
                ends_at=end,
                note="早班" if early else "晚班",
            )
