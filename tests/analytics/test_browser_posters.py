"""In a real browser: the owner makes a product poster in the console (template, target, live
preview, save), reads its tracked link on the poster page, and a shopper on a phone opens it,
lands on the product page, and the visit is recorded with the poster's source tag."""

from __future__ import annotations

import shutil

import pytest

from newretail.analytics.models import Channel, Visit
from newretail.core.testing import PASSWORD
from newretail.marketing.models import Poster
from tests.browser_support import DESKTOP, PHONE, SCREENSHOTS, login, screenshot
from tests.inventory.conftest import make_sku, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_poster_qr_leads_to_the_product_with_its_source(open_page, owner, store, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url  # the QR code's link is openable from the test browser
    sku = make_sku(owner.merchant_id, name="康师傅冰红茶 500ml", price_fen=350)
    receive(store.warehouses.get(), sku, 20)
    product = sku.product

    page, errors = open_page(DESKTOP)
    login(page, owner.username, PASSWORD)
    page.goto("/console/marketing/posters/new/?layout=product_classic")
    page.select_option("#id_target", "product")
    page.select_option("#id_product", str(product.pk))
    page.fill("#id_text_badge", "店长推荐")
    page.wait_for_function(
        "document.querySelector('#poster-preview-img') && document.querySelector('#poster-preview-img').src.startsWith('data:image/png')"
    )
    screenshot(page, "posters-maker")
    page.click("#poster-submit")
    page.wait_for_selector("#poster-link")
    screenshot(page, "posters-detail")
    poster = Poster.objects.get()
    url = page.get_attribute("#poster-link", "href")
    assert url.startswith(live_server.url) and url.endswith(f"/p/{product.pk}/?src={poster.source_tag.code}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(poster.rendered.path, SCREENSHOTS / "posters-poster.png")

    page.goto("/console/marketing/posters/")
    screenshot(page, "posters-list")

    phone, _ = open_page(PHONE)
    phone.goto(url)
    phone.wait_for_load_state("networkidle")
    assert f"/p/{product.pk}/" in phone.url
    assert phone.locator("text=康师傅冰红茶").first.is_visible()
    screenshot(phone, "posters-phone-landing")
    visit = Visit.objects.get(merchant_id=owner.merchant_id)
    assert (visit.channel, visit.tag_id) == (Channel.POSTER, poster.source_tag_id)
    assert visit.landing_path.endswith(f"/p/{product.pk}/")

    page.goto("/console/marketing/sources/")
    assert page.locator(f"tr[data-tag='{poster.source_tag.code}'] td[data-col='visits']").inner_text() == "1"
    screenshot(page, "sources-report")
    errors.assert_none()
