"""The source report: visits, sign-ups, orders and paid amount by channel and by tag, first vs
last touch, over days in the merchant's time zone; and its console page (filters, CSV, access)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from newretail.analytics import actions
from newretail.analytics.models import Attribution, Channel, Visit
from newretail.analytics.queries import source_report
from newretail.core import clock
from newretail.core.testing import make_staff
from newretail.members.testing import make_member
from newretail.orders.models import Order
from newretail.tenancy.roles import Role
from tests.analytics.test_tracking import _order

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _visit(merchant, channel, tag=None, at=None, visitor="v" * 22):
    return Visit.objects.create(
        merchant_id=merchant.pk, visitor_id=visitor, tag=tag, channel=channel, landing_path="/", created_at=at or clock.now()
    )


def _attribute(merchant, kind, first, last, *, member=None, order=None, at=None):
    return Attribution.objects.create(
        merchant_id=merchant.pk, kind=kind, member=member, order=order,
        first_channel=first.channel if hasattr(first, "channel") else first,
        first_tag=first if hasattr(first, "channel") else None,
        last_channel=last.channel if hasattr(last, "channel") else last,
        last_tag=last if hasattr(last, "channel") else None,
        created_at=at or clock.now(),
    )


@pytest.fixture
def world(merchant, water, poster_tag):
    share = actions.create_tag(merchant, channel=Channel.SHARE, label="会员分享")
    for _ in range(3):
        _visit(merchant, Channel.POSTER, poster_tag)
    _visit(merchant, Channel.SHARE, share)
    _visit(merchant, Channel.SEARCH)
    _visit(merchant, Channel.DIRECT)
    members = [make_member(merchant) for _ in range(2)]
    _attribute(merchant, "signup", poster_tag, share, member=members[0])
    _attribute(merchant, "signup", Channel.SEARCH, Channel.SEARCH, member=members[1])
    paid = _order(merchant, members[0])
    Order.objects.filter(pk=paid.pk).update(status=Order.Status.PAID, paid_at=clock.now())
    unpaid = _order(merchant, members[1])
    _attribute(merchant, "order", poster_tag, share, order=paid, member=members[0])
    _attribute(merchant, "order", poster_tag, Channel.DIRECT, order=unpaid, member=members[1])
    paid.refresh_from_db()
    return {"poster": poster_tag, "share": share, "paid": paid, "unpaid": unpaid}


def _rows(rows):
    return {r.key: (r.visits, r.signups, r.orders, r.paid_orders, r.paid_fen) for r in rows}


def test_first_touch_report(merchant, world):
    today = clock.local_today()
    report = source_report(merchant, start=today, end=today, touch="first")
    fen = world["paid"].payable_fen
    assert _rows(report.by_channel) == {
        "poster": (3, 1, 2, 1, fen),
        "share": (1, 0, 0, 0, 0),
        "search": (1, 1, 0, 0, 0),
        "direct": (1, 0, 0, 0, 0),
    }
    assert _rows(report.by_tag) == {str(world["poster"].pk): (3, 1, 2, 1, fen), str(world["share"].pk): (1, 0, 0, 0, 0)}
    totals = report.totals
    assert (totals.visits, totals.signups, totals.orders, totals.paid_orders, totals.paid_fen) == (6, 2, 2, 1, fen)


def test_last_touch_report(merchant, world):
    today = clock.local_today()
    report = source_report(merchant, start=today, end=today, touch="last")
    fen = world["paid"].payable_fen
    rows = _rows(report.by_channel)
    assert rows["poster"] == (3, 0, 0, 0, 0)
    assert rows["share"] == (1, 1, 1, 1, fen)
    assert rows["direct"] == (1, 0, 1, 0, 0)
    assert rows["search"] == (1, 1, 0, 0, 0)
    assert report.totals.orders == 2 and report.totals.paid_fen == fen


def test_days_are_the_merchants_days(merchant, poster_tag):
    # 23:30 on 1 March in Shanghai is 15:30 UTC: it belongs to 1 March, not 2 March.
    late = dt.datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)
    _visit(merchant, Channel.POSTER, poster_tag, at=late)
    _visit(merchant, Channel.POSTER, poster_tag, at=late + dt.timedelta(hours=1))  # 00:30 on 2 March
    march_1 = source_report(merchant, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 1))
    assert march_1.totals.visits == 1
    both = source_report(merchant, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 2))
    assert both.totals.visits == 2


def test_other_merchants_rows_are_not_counted(merchant, world, other_owner):
    other = other_owner.merchant
    _visit(other, Channel.POSTER)
    today = clock.local_today()
    assert source_report(merchant, start=today, end=today).totals.visits == 6
    assert source_report(other, start=today, end=today).totals.visits == 1


# --- the console page -----------------------------------------------------------------------


def test_report_page_and_csv(client, owner, world):
    client.force_login(owner)
    url = reverse("console:source_report")
    html = client.get(url).content.decode()
    assert 'id="channel-table"' in html and world["poster"].code in html
    last = client.get(url + "?touch=last").content.decode()
    assert 'id="touch-last"' in last
    response = client.get(url + "?touch=first&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert world["poster"].code in text and world["poster"].label in text


def test_report_filters_never_500(client, owner, world):
    client.force_login(owner)
    url = reverse("console:source_report")
    for query in ("?start=bad&end=2026-13-40", "?start=2030-01-01&end=2020-01-01", "?touch=nope", "?start=1900-01-01"):
        assert client.get(url + query).status_code == 200, query


def test_report_needs_marketing_view(client, owner):
    client.force_login(make_staff(owner, Role.WAREHOUSE_CLERK))
    assert client.get(reverse("console:source_report")).status_code == 403
