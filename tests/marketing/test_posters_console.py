"""The console's poster pages: list, maker (template thumbnails, live preview, save), detail with
PNG and tracked link, store door QR codes; permissions and other merchants' ids."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from newretail.analytics.models import Channel, SourceTag
from newretail.core.testing import make_staff, make_store
from newretail.marketing.models import Poster
from newretail.marketing.posters.actions import PosterInput, create_poster
from newretail.marketing.posters.layouts import LAYOUTS
from newretail.tenancy.roles import Role
from tests.analytics import isolation
from tests.inventory.conftest import make_sku

pytestmark = pytest.mark.django_db


class Browser:
    """A logged-in client that enforces CSRF, as a browser does."""

    def __init__(self, user):
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)
        self.token = ""

    def get(self, url: str, status: int = 200):
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
        if match:
            self.token = match[1].decode()
        return response

    def post(self, url: str, data: dict, **extra):
        return self.client.post(url, {"csrfmiddlewaretoken": self.token, **data}, **extra)


def form_data(layout="product_classic", **fields) -> dict:
    found = LAYOUTS[layout]
    data = {"layout": layout, "target": "home", "primary_color": found.primary, "accent_color": found.accent}
    data.update({f"text_{f.key}": found.defaults.get(f.key, "") for f in found.fields})
    data.update(fields)
    return data


@pytest.fixture
def product(owner):
    return make_sku(owner.merchant_id, name="乐事薯片 70g", price_fen=1200).product


def test_make_a_poster_through_the_pages(owner, product):
    browser = Browser(owner)
    html = browser.get(reverse("console:poster_create") + "?layout=coupon").content.decode()
    assert html.count('data-layout="') == len(LAYOUTS) and 'class="chosen"' in html
    thumb = browser.get(reverse("console:poster_layout_thumb", args=["coupon"]))
    assert thumb["Content-Type"] == "image/png" and thumb.content.startswith(b"\x89PNG")
    preview = browser.post(
        reverse("console:poster_preview"), form_data("product_classic", target="product", product=str(product.pk)),
        HTTP_HX_REQUEST="true",
    )
    assert b'<img src="data:image/png;base64,' in preview.content and b'id="poster-preview-img"' in preview.content
    assert Poster.objects.count() == 0  # a preview saves nothing

    browser.get(reverse("console:poster_create"))
    response = browser.post(
        reverse("console:poster_create"), form_data(target="product", product=str(product.pk), text_title="")
    )
    poster = Poster.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("console:poster_detail", args=[poster.pk])
    detail = browser.get(response["Location"]).content.decode()
    assert f"?src={poster.source_tag.code}" in detail and f"/p/{product.pk}/" in detail
    png = browser.get(reverse("console:poster_png", args=[poster.pk]))
    assert png.content.startswith(b"\x89PNG")
    download = browser.get(reverse("console:poster_png", args=[poster.pk]) + "?download=1")
    assert "attachment" in download["Content-Disposition"]
    listing = browser.get(reverse("console:poster_list")).content.decode()
    assert f'data-poster="{poster.pk}"' in listing


def test_the_form_shows_clear_errors(owner, other_owner):
    browser = Browser(owner)
    browser.get(reverse("console:poster_create"))
    foreign = make_sku(other_owner.merchant_id).product
    for fields, text in (
        ({"primary_color": "red"}, "#rrggbb"),
        ({"text_title": "长" * 30}, "24"),
        ({"target": "product", "product": str(foreign.pk)}, "本店"),  # 请选择本店的商品
    ):
        response = browser.post(reverse("console:poster_create"), form_data(**fields))
        assert response.status_code == 200 and text in response.content.decode(), fields
        preview = browser.post(reverse("console:poster_preview"), form_data(**fields), HTTP_HX_REQUEST="true")
        assert b'id="preview-errors"' in preview.content
    assert Poster.objects.count() == 0


def test_edit_a_poster(owner):
    poster = create_poster(actor=owner, data=PosterInput(layout="product_classic"))
    browser = Browser(owner)
    browser.get(reverse("console:poster_edit", args=[poster.pk]))
    response = browser.post(
        reverse("console:poster_edit", args=[poster.pk]),
        form_data("member_join", name="会员招募海报", primary_color="#112233", poster=str(poster.pk)),
    )
    assert response.status_code == 302
    poster.refresh_from_db()
    assert (poster.layout, poster.name, poster.primary_color) == ("member_join", "会员招募海报", "#112233")


def test_store_door_qr_codes(owner):
    stores = [make_store(owner), make_store(owner)]
    browser = Browser(owner)
    html = browser.get(reverse("console:store_qr_list")).content.decode()
    assert 'id="store-qr-create"' in html
    assert browser.post(reverse("console:store_qr_list"), {}).status_code == 302
    tags = SourceTag.objects.filter(channel=Channel.STORE_QR)
    assert sorted(t.store_id for t in tags) == sorted(s.pk for s in stores)
    browser.get(reverse("console:store_qr_list"))
    browser.post(reverse("console:store_qr_list"), {})  # again: nothing new
    assert tags.count() == 2
    html = browser.get(reverse("console:store_qr_list")).content.decode()
    assert all(f"?src={t.code}" in html for t in tags) and "data:image/png;base64" in html


def test_a_cashier_sees_posters_but_cannot_make_them(owner, store):
    poster = create_poster(actor=owner, data=PosterInput(layout="coupon"))
    cashier = Browser(make_staff(owner, Role.CASHIER, stores=[store]))
    cashier.get(reverse("console:poster_list"))
    cashier.get(reverse("console:poster_detail", args=[poster.pk]))
    cashier.get(reverse("console:poster_create"), status=403)
    cashier.get(reverse("console:poster_edit", args=[poster.pk]), status=403)
    assert cashier.post(reverse("console:poster_preview"), form_data()).status_code == 403
    assert cashier.post(reverse("console:store_qr_list"), {}).status_code == 403
    assert Poster.objects.count() == 1 and not SourceTag.objects.filter(channel=Channel.STORE_QR).exists()


def test_other_merchants_posters_are_404(client, owner, other_owner):
    mine, theirs = isolation.build(owner, {})["poster"], isolation.build(other_owner, {})["poster"]
    client.force_login(owner)
    for name in isolation.CONSOLE_OBJECTS:
        assert client.get(reverse(f"console:{name}", args=[mine.pk])).status_code == 200, name
        assert client.get(reverse(f"console:{name}", args=[theirs.pk])).status_code == 404, name
        assert client.post(reverse(f"console:{name}", args=[theirs.pk]), {}).status_code == 404, name
    preview = client.post(reverse("console:poster_preview"), {**form_data(), "poster": str(theirs.pk)})
    assert preview.status_code == 404


def test_pages_without_ids_answer(client, owner):
    client.force_login(owner)
    for name in ("poster_list", "poster_create", "store_qr_list", "source_report"):
        assert client.get(reverse(f"console:{name}")).status_code == 200, name
    assert client.get(reverse("console:poster_layout_thumb", args=["nope"])).status_code == 400


def test_a_campaign_page_makes_a_poster_pointed_at_the_campaign(owner, other_owner, product):
    from tests.marketing.test_posters import _campaigns

    browser = Browser(owner)
    pages = {
        "seckill": "console:seckill_report",
        "groupbuy": "console:groupbuy_detail",
        "bargain": "console:bargain_report",
        "game": "console:game_detail",
    }
    theirs = _campaigns(other_owner, make_sku(other_owner.merchant_id))
    for kind, (campaign, _path, _price) in _campaigns(owner, product.skus.get()).items():
        html = browser.get(reverse(pages[kind], args=[campaign.pk])).content.decode()
        link = re.search(r'data-test="make-poster" href="([^"]+)"', html)[1].replace("&amp;", "&")
        assert link == f"{reverse('console:poster_create')}?layout=flash_sale&target={kind}&target_id={campaign.pk}"
        form = browser.get(link).content.decode()
        assert re.search(rf'<option value="{kind}" selected>', form), kind
        assert re.search(rf'<select name="{kind}"[^>]*>.*?<option value="{campaign.pk}" selected>', form, re.S), kind
        # Another merchant's id preselects nothing (their campaign is not among the choices).
        other = theirs[kind][0]
        form = browser.get(f"{reverse('console:poster_create')}?target={kind}&target_id={other.pk}").content.decode()
        chosen = re.search(rf'<select name="{kind}"[^>]*>(.*?)</select>', form, re.S)[1]
        assert "selected" not in chosen.replace('value="" selected', ""), kind
        assert f'value="{other.pk}"' not in chosen, kind
