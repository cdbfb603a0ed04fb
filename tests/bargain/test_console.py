"""Console bargain pages: the form creates and edits through the setup action (its refusals on
the field they name), the list and live report (the htmx refresh returns only the figures),
pause and delete, and the permissions (view for the list and report, manage for the rest)."""

from __future__ import annotations

import pytest

from newretail.core.testing import make_staff
from newretail.marketing.bargain.buying import start_bargain
from newretail.marketing.bargain.models import BargainCampaign
from newretail.members.testing import make_member
from newretail.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def _form(water, **fields) -> dict:
    return {
        "name": "好友砍价",
        "sku": water.code,
        "start_price": "3.50",
        "floor_price": "1.00",
        "helpers_needed": "3",
        "hours_to_finish": "24",
        "stock": "20",
        "per_member_limit": "1",
        "starts_at": "2026-01-01T09:00",
        "ends_at": "2026-01-20T09:00",
        **fields,
    }


def test_create_edit_report_pause_and_delete(client, owner, merchant, water):
    client.force_login(owner)
    assert client.get("/console/marketing/bargains/new/").status_code == 200
    refused = client.post("/console/marketing/bargains/new/", _form(water, floor_price="3.50"))
    assert refused.status_code == 200 and "必须低于起始价" in refused.content.decode()
    unknown = client.post("/console/marketing/bargains/new/", _form(water, sku="NOPE"))
    assert unknown.status_code == 200 and not BargainCampaign.objects.exists()
    created = client.post("/console/marketing/bargains/new/", _form(water))
    campaign = BargainCampaign.objects.get()
    assert created["Location"] == f"/console/marketing/bargains/{campaign.pk}/"
    assert (campaign.start_price_fen, campaign.floor_price_fen, campaign.stock) == (350, 100, 20)
    client.post(f"/console/marketing/bargains/{campaign.pk}/edit/", _form(water, name="周末砍价", stock="30"))
    campaign.refresh_from_db()
    assert (campaign.name, campaign.stock) == ("周末砍价", 30)
    listed = client.get("/console/marketing/bargains/").content.decode()
    assert "周末砍价" in listed
    report = client.get(f"/console/marketing/bargains/{campaign.pk}/")
    assert report.status_code == 200 and 'data-stat="started"' in report.content.decode()
    figures = client.get(f"/console/marketing/bargains/{campaign.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert figures.startswith('<div id="bargain-report"') and "<html" not in figures
    client.post(f"/console/marketing/bargains/{campaign.pk}/status/", {"status": "paused"})
    campaign.refresh_from_db()
    assert campaign.status == "paused"
    client.post(f"/console/marketing/bargains/{campaign.pk}/delete/")
    assert not BargainCampaign.objects.exists()


def test_a_campaign_with_bargains_is_not_deleted(client, owner, merchant, campaign):
    running = campaign()
    start_bargain(member=make_member(merchant), campaign_id=running.pk)
    client.force_login(owner)
    client.post(f"/console/marketing/bargains/{running.pk}/delete/")
    assert BargainCampaign.objects.filter(pk=running.pk).exists()


def test_viewing_needs_marketing_view_and_changing_marketing_manage(client, owner, store, water, campaign):
    running = campaign()
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    client.force_login(cashier)
    assert client.get("/console/marketing/bargains/").status_code == 200
    assert client.get(f"/console/marketing/bargains/{running.pk}/").status_code == 200
    assert client.get("/console/marketing/bargains/new/").status_code == 403
    assert client.get(f"/console/marketing/bargains/{running.pk}/edit/").status_code == 403
    assert client.post(f"/console/marketing/bargains/{running.pk}/status/", {"status": "paused"}).status_code == 403
    assert client.post(f"/console/marketing/bargains/{running.pk}/delete/").status_code == 403
    client.force_login(make_staff(owner, Role.WAREHOUSE_CLERK))
    assert client.get("/console/marketing/bargains/").status_code == 403
    running.refresh_from_db()
    assert running.status == "active"
